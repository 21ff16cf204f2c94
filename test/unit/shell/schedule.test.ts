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
    // 09:30 on weekdays (Mon-Fri); 2026-11-27 is a Friday.
    expect(iso(nextFireTimes("30 9 * * 1-5", new Date("2026-11-27T10:00:00Z"), 2))).toEqual([
      "2026-11-30T09:30:00.000Z",
      "2026-12-01T09:30:00.000Z",
    ]);
    expect(iso(nextFireTimes("0,30 1 1 1 *", new Date("2026-06-01T00:00:00Z"), 2))).toEqual([
      "2027-01-01T01:00:00.000Z",
      "2027-01-01T01:30:00.000Z",
    ]);
  });

  it("rejects malformed expressions", () => {
    expect(() => nextFireTimes("0 */6 * *", new Date(), 1)).toThrow(/5 fields/);
    expect(() => nextFireTimes("61 * * * *", new Date(), 1)).toThrow(/out of range/);
    expect(() => nextFireTimes("x * * * *", new Date(), 1)).toThrow(/invalid cron field/);
  });

  it("matches the cron in wrangler.toml", async () => {
    const { readFileSync } = await import("node:fs");
    const toml = readFileSync(new URL("../../../wrangler.toml", import.meta.url), "utf8");
    const crons = /crons = \["([^"]+)"\]/.exec(toml)![1];
    const warmCron = /WARM_CRON = "([^"]+)"/.exec(toml)![1];
    expect(warmCron).toBe(crons);
  });
});
