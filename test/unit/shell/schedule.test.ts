import { describe, expect, it } from "vitest";
import { nextFireTimes } from "../../../src/warming/schedule";

const iso = (ds: Date[]) => ds.map((d) => d.toISOString());

describe("nextFireTimes", () => {
  it("gives the next four 00/06/12/18 UTC ticks of the warming cron", () => {
    expect(iso(nextFireTimes("0 */6 * * *", new Date("2026-11-25T08:42:10Z"), 4))).toEqual([
      "2026-11-25T12:00:00.000Z",
      "2026-11-25T18:00:00.000Z",
      "2026-11-26T00:00:00.000Z",
      "2026-11-26T06:00:00.000Z",
    ]);
  });

  it("starts strictly after the given instant", () => {
    expect(iso(nextFireTimes("0 */6 * * *", new Date("2026-11-25T12:00:00Z"), 1))).toEqual(["2026-11-25T18:00:00.000Z"]);
  });

  it("handles lists, ranges, steps and day-of-week", () => {
    // 09:30 on weekdays (Mon-Fri is 2-6 in Cloudflare's numbering, 1 = Sunday); 2026-11-27 is a Friday.
    expect(iso(nextFireTimes("30 9 * * 2-6", new Date("2026-11-27T10:00:00Z"), 2))).toEqual(["2026-11-30T09:30:00.000Z", "2026-12-01T09:30:00.000Z"]);
    expect(iso(nextFireTimes("0,30 1 1 1 *", new Date("2026-06-01T00:00:00Z"), 2))).toEqual(["2027-01-01T01:00:00.000Z", "2027-01-01T01:30:00.000Z"]);
  });

  it("rejects malformed expressions", () => {
    expect(() => nextFireTimes("0 */6 * *", new Date(), 1)).toThrow(/five/);
    expect(() => nextFireTimes("61 * * * *", new Date(), 1)).toThrow(/minute/);
    expect(() => nextFireTimes("x * * * *", new Date(), 1)).toThrow(/illegal characters/);
  });

  it("the warming and watchdog crons of [vars] are the crons of [triggers]", async () => {
    const { readFileSync } = await import("node:fs");
    const toml = readFileSync(new URL("../../../wrangler.toml", import.meta.url), "utf8");
    const crons = [.../crons = \[([^\]]+)\]/.exec(toml)![1]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    const warmCron = /WARM_CRON = "([^"]+)"/.exec(toml)![1];
    const watchdogCron = /WARM_WATCHDOG_CRON = "([^"]+)"/.exec(toml)![1];
    expect(crons.sort()).toEqual([warmCron, watchdogCron].sort());
  });
});
