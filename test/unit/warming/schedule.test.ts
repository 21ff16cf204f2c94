/**
 * Cron expressions as Cloudflare accepts them (its documented examples), evaluated with croner in
 * UTC, and WARM_CRON validated at start-up with a message naming the field.
 */
import { describe, expect, it } from "vitest";
import { cronProblem, nextFireTimes, previousFireTime, secondsToNextFire } from "../../../src/warming/schedule";
import { parseConfig } from "../../../src/config";

const FROM = new Date("2026-12-01T00:00:00Z"); // a Tuesday
const next = (e: string, n = 3) => nextFireTimes(e, FROM, n).map((d) => d.toISOString().slice(0, 16));
const weekday = (iso: string) => "SUN MON TUE WED THU FRI SAT".split(" ")[new Date(`${iso}Z`).getUTCDay()];

describe("Cloudflare cron syntax", () => {
  it("accepts names, ranges, steps, lists, L, W and #, with weekdays 1-7 = SUN-SAT", () => {
    expect(next("0 */6 * * *")).toEqual(["2026-12-01T06:00", "2026-12-01T12:00", "2026-12-01T18:00"]);
    // "10 7 * * mon-fri" or "10 7 * * 2-6": 7:10 on weekdays.
    expect(next("10 7 * * mon-fri", 5)).toEqual(next("10 7 * * 2-6", 5));
    expect(next("10 7 * * mon-fri", 5).map(weekday)).toEqual(["TUE", "WED", "THU", "FRI", "MON"]);
    // "0 17 * * sun" or "0 17 * * 1": 17:00 on Sunday.
    expect(next("0 17 * * sun")).toEqual(["2026-12-06T17:00", "2026-12-13T17:00", "2026-12-20T17:00"]);
    expect(next("0 17 * * 1")).toEqual(next("0 17 * * sun"));
    // "0 18 * * 6L" or "0 18 * * friL": the last Friday of the month.
    expect(next("0 18 * * 6L")).toEqual(["2026-12-25T18:00", "2027-01-29T18:00", "2027-02-26T18:00"]);
    expect(next("0 18 * * friL")).toEqual(next("0 18 * * 6L"));
    // "59 23 LW * *": 23:59 on the last weekday of the month.
    expect(next("59 23 LW * *")).toEqual(["2026-12-31T23:59", "2027-01-29T23:59", "2027-02-26T23:59"]);
    // W: the weekday nearest the 15th (2027-05-15 is a Saturday → Friday 14th).
    expect(nextFireTimes("0 0 15W * *", new Date("2027-05-01T00:00:00Z"), 1)[0]!.toISOString()).toBe("2027-05-14T00:00:00.000Z");
    // #: the second Monday; steps inside ranges; month names; lists.
    expect(next("0 10 * * MON#2")).toEqual(["2026-12-14T10:00", "2027-01-11T10:00", "2027-02-08T10:00"]);
    expect(next("5-10/5 1 * JAN,mar *", 4)).toEqual(["2027-01-01T01:05", "2027-01-01T01:10", "2027-01-02T01:05", "2027-01-02T01:10"]);
    expect(next("*/30 * * * *", 2)).toEqual(["2026-12-01T00:30", "2026-12-01T01:00"]);
    for (const ok of ["0 */6 * * *", "*/5 * * * *", "0 15 1 * *", "45 * * * *", "0 0 * * 7", "0 9 L * *"]) expect(cronProblem(ok), ok).toBeNull();
  });

  it("rejects what Cloudflare rejects, saying why", () => {
    expect(cronProblem("61 * * * *")).toMatch(/minute/);
    expect(cronProblem("0 0 * *")).toMatch(/five/);
    expect(cronProblem("0 0 0 * * *")).toMatch(/5 parts/);
    expect(cronProblem("0 0 * * 0")).toMatch(/weekdays are 1-7/);
    expect(cronProblem("@daily")).toMatch(/5 fields/);
    expect(cronProblem("every six hours")).not.toBeNull();
  });

  it("finds the latest fire time at or before an instant, and the gap to the next one", () => {
    expect(previousFireTime("0 */6 * * *", new Date("2026-12-01T06:00:00Z"))!.toISOString()).toBe("2026-12-01T06:00:00.000Z");
    expect(previousFireTime("0 */6 * * *", new Date("2026-12-01T05:59:59Z"))!.toISOString()).toBe("2026-12-01T00:00:00.000Z");
    expect(secondsToNextFire("0 */6 * * *", new Date("2026-12-01T06:00:00Z"))).toBe(21_600);
  });
});

describe("WARM_CRON at start-up", () => {
  const env = {
    UPSTASH_REDIS_REST_URL: "https://x.upstash.io",
    UPSTASH_REDIS_REST_TOKEN: "t",
    DATABASE_URL: "postgresql://u:p@h/db",
    ADMIN_TOKEN: "0123456789abcdef",
    TOP_ROUTES: "200",
    ROUTES_PER_MESSAGE: "10",
    FORECAST_DAYS: "7",
    SCORE_TTL_SECONDS: "21600",
    RUN_TTL_SECONDS: "86400",
    WARM_RETRY_BASE_SECONDS: "5",
    OPEN_METEO_FORECAST_URL: "https://api.open-meteo.com",
    OPEN_METEO_ARCHIVE_URL: "https://archive-api.open-meteo.com",
  };
  it("accepts Cloudflare's expressions and refuses others naming the field", () => {
    expect(parseConfig({ ...env, WARM_CRON: "59 23 LW * *" }).warming.cron).toBe("59 23 LW * *");
    expect(() => parseConfig({ ...env, WARM_CRON: "0 0 * * 0" })).toThrow(/WARM_CRON is not a cron expression Cloudflare accepts: .*weekdays are 1-7/);
    expect(() => parseConfig({ ...env, WARM_CRON: "0 */6 * * *", WARM_WATCHDOG_CRON: "*/61 * * * *" })).toThrow(/WARM_WATCHDOG_CRON is not a cron expression/);
    expect(() => parseConfig({ ...env, WARM_CRON: "0 */6 * * *", WARM_SCOPE: "some" })).toThrow(/WARM_SCOPE must be "top" or "all"/);
    const c = parseConfig({ ...env, WARM_CRON: "0 */6 * * *" });
    expect(c.warming).toMatchObject({ scope: "top", batchRoutes: 200, stallSeconds: 900, maxConcurrentRuns: 2, watchdogCron: "*/5 * * * *" });
  });
});
