/** Score TTLs: the warming interval, 15 min when degraded, and the current UTC day kept until it has ended everywhere. */
import { describe, expect, it } from "vitest";
import { dateEndsEverywhere, FALLBACK_SCORE_TTL_SECONDS, mapIndexTtl, routeScoreTtl, scoreTtl } from "../../../src/cache/scores";

const ok = { status: "ok" as const, climate_available: true };
const at = (iso: string) => Date.parse(iso);

describe("score TTLs", () => {
  it("a future date lives the warming interval; a degraded score 15 min", () => {
    const now = at("2026-12-01T18:00:00Z");
    expect(routeScoreTtl({ date: "2026-12-02", weather: ok }, 21_600, now)).toBe(21_600);
    expect(routeScoreTtl({ date: "2026-12-01", weather: { status: "forecast_unavailable", climate_available: true } }, 21_600, now)).toBe(
      FALLBACK_SCORE_TTL_SECONDS,
    );
    expect(routeScoreTtl({ date: "2026-12-01", weather: { status: "ok", climate_available: false } }, 21_600, now)).toBe(FALLBACK_SCORE_TTL_SECONDS);
    expect(scoreTtl({ weather: ok }, 900)).toBe(900); // predict keeps its own 15 min whatever the date
  });

  it("the current UTC day lives until it has ended at UTC−12 (12:00 UTC the next day), never less than the interval", () => {
    // The 18:00 tick: its today-score must outlive 00:00 UTC (browsers in the Americas still show that date).
    expect(routeScoreTtl({ date: "2026-12-01", weather: ok }, 21_600, at("2026-12-01T18:00:00Z"))).toBe(18 * 3600);
    expect(at("2026-12-01T18:00:00Z") / 1000 + 18 * 3600).toBe(dateEndsEverywhere("2026-12-01"));
    expect(routeScoreTtl({ date: "2026-12-01", weather: ok }, 21_600, at("2026-12-01T00:00:00Z"))).toBe(36 * 3600);
  });

  it("a date's map index lives until that date has ended everywhere: the same moment at every write", () => {
    const a = at("2026-12-01T06:00:00Z");
    const b = at("2026-12-01T23:00:00Z");
    expect(a / 1000 + mapIndexTtl("2026-12-01", 21_600, a)).toBe(b / 1000 + mapIndexTtl("2026-12-01", 21_600, b));
    expect(mapIndexTtl("2026-12-01", 21_600, at("2026-12-02T11:00:00Z"))).toBe(21_600); // at least the interval
  });
});
