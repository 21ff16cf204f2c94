/** The console's formatting (public/admin/lib/format.js), as the browser runs it. */
import { describe, expect, it } from "vitest";
import {
  clampPercent,
  coverage,
  formatDuration,
  formatInZone,
  formatPercent,
  formatRelative,
  scheduleRows,
  statusInfo,
} from "../../../public/admin/lib/format.js";

describe("formatDuration", () => {
  it("picks a unit a person reads at a glance", () => {
    expect(formatDuration(0)).toBe("0 ms");
    expect(formatDuration(850.4)).toBe("850 ms");
    expect(formatDuration(1000)).toBe("1.0 s");
    expect(formatDuration(12_345)).toBe("12.3 s");
    expect(formatDuration(59_949)).toBe("59.9 s");
    expect(formatDuration(60_000)).toBe("1 min 00 s");
    expect(formatDuration(245_000)).toBe("4 min 05 s");
    expect(formatDuration(3_600_000)).toBe("1 h 00 min");
    expect(formatDuration(7_380_000)).toBe("2 h 03 min");
  });
  it("shows a dash for unknown or nonsensical durations", () => {
    for (const v of [null, undefined, NaN, Infinity, -5]) expect(formatDuration(v)).toBe("—");
  });
});

describe("percentages", () => {
  it("one decimal at most, clamped to 0 … 100", () => {
    expect(formatPercent(42.25)).toBe("42.3 %");
    expect(formatPercent(100)).toBe("100 %");
    expect(formatPercent(0)).toBe("0 %");
    expect(formatPercent(130)).toBe("100 %");
    expect(formatPercent(-3)).toBe("0 %");
    expect(formatPercent(undefined)).toBe("0 %");
    expect(clampPercent(NaN)).toBe(0);
  });
  it("coverage: all cached is ok, some is a warning, none is bad, nothing expected is neutral", () => {
    expect(coverage(12, 12)).toEqual({ text: "12 / 12", tone: "ok", percent: 100 });
    expect(coverage(5, 12)).toEqual({ text: "5 / 12", tone: "warn", percent: 41.7 });
    expect(coverage(0, 12)).toEqual({ text: "0 / 12", tone: "bad", percent: 0 });
    expect(coverage(0, 0)).toEqual({ text: "0 / 0", tone: "neutral", percent: 0 });
  });
});

describe("times in a zone", () => {
  it("UTC and a zone with daylight saving time, on both sides of the change", () => {
    expect(formatInZone("2026-12-02T00:00:00.000Z", "UTC")).toBe("2026-12-02 00:00 UTC");
    expect(formatInZone("2026-12-02T00:00:00.000Z", "America/Denver")).toBe("2026-12-01 17:00 MST");
    // 2026-03-08: Denver moves from MST (UTC−7) to MDT (UTC−6) at 09:00 UTC.
    expect(formatInZone("2026-03-08T08:59:00Z", "America/Denver")).toBe("2026-03-08 01:59 MST");
    expect(formatInZone("2026-03-08T09:00:00Z", "America/Denver")).toBe("2026-03-08 03:00 MDT");
    expect(formatInZone(Date.UTC(2026, 6, 1, 12), "Asia/Kolkata")).toBe("2026-07-01 17:30 GMT+5:30");
  });
  it("a missing or invalid time is a dash", () => {
    expect(formatInZone(null, "UTC")).toBe("—");
    expect(formatInZone("not a time", "UTC")).toBe("—");
  });
  it("relative times read forwards and backwards", () => {
    const now = Date.parse("2026-12-01T22:00:00Z");
    expect(formatRelative("2026-12-02T00:00:00Z", now)).toBe("in 2 h 00 min");
    expect(formatRelative("2026-12-01T21:59:48Z", now)).toBe("12.0 s ago");
    expect(formatRelative(new Date(now + 300), now)).toBe("now");
    expect(formatRelative("garbage", now)).toBe("—");
  });
  it("the schedule's ticks in UTC, in the browser's zone and relative to now", () => {
    const now = Date.parse("2026-12-01T22:00:00Z");
    const rows = scheduleRows(["2026-12-02T00:00:00.000Z", "2026-12-02T06:00:00.000Z"], "Europe/Zurich", now);
    expect(rows).toEqual([
      { iso: "2026-12-02T00:00:00.000Z", utc: "2026-12-02 00:00 UTC", local: "2026-12-02 01:00 GMT+1", relative: "in 2 h 00 min" },
      { iso: "2026-12-02T06:00:00.000Z", utc: "2026-12-02 06:00 UTC", local: "2026-12-02 07:00 GMT+1", relative: "in 8 h 00 min" },
    ]);
  });
});

describe("statusInfo", () => {
  it("gives the known statuses their tone", () => {
    expect(statusInfo("succeeded")).toEqual({ label: "succeeded", tone: "ok", known: true });
    expect(statusInfo("partial").tone).toBe("warn");
    expect(statusInfo("failed").tone).toBe("bad");
    expect(statusInfo("running").tone).toBe("busy");
    expect(statusInfo("queued").tone).toBe("busy");
  });
  it("shows a status it does not know as the server wrote it, neutrally", () => {
    expect(statusInfo("abandoned")).toEqual({ label: "abandoned", tone: "neutral", known: false });
    expect(statusInfo("toString")).toEqual({ label: "toString", tone: "neutral", known: false });
    expect(statusInfo(undefined)).toEqual({ label: "unknown", tone: "neutral", known: false });
    expect(statusInfo(42).label).toBe("unknown");
    expect(statusInfo("x".repeat(100)).label).toHaveLength(40);
  });
});
