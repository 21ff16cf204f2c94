import { describe, expect, it } from "vitest";
import { climateStatsForMonth } from "../../../src/weather/climate-stats";

function series(days: { time: string; t: number | null; p: number; w: number }[]) {
  return {
    time: days.map((d) => d.time),
    temperature_2m_mean: days.map((d) => d.t),
    precipitation_sum: days.map((d) => d.p),
    wind_speed_10m_max: days.map((d) => d.w),
  };
}

describe("climateStatsForMonth (spec 12.2)", () => {
  it("weights by month distance exp(-dm/2) and uses the population standard deviation", () => {
    // 30 January days at 0 °C and 30 July days at 10 °C; reference month 1: July is 6 months away.
    const jan = Array.from({ length: 30 }, (_, i) => ({ time: `2024-01-${String(i + 1).padStart(2, "0")}`, t: 0, p: 1, w: 2 }));
    const jul = Array.from({ length: 30 }, (_, i) => ({ time: `2024-07-${String(i + 1).padStart(2, "0")}`, t: 10, p: 1, w: 2 }));
    const s = climateStatsForMonth(series([...jan, ...jul]), 1)!;
    const wJul = Math.exp(-3);
    const mean = (30 * wJul * 10) / (30 + 30 * wJul);
    const variance = (30 * mean ** 2 + 30 * wJul * (10 - mean) ** 2) / (30 + 30 * wJul);
    expect(s.temperature![0]).toBeCloseTo(mean, 12);
    expect(s.temperature![1]).toBeCloseTo(Math.sqrt(variance), 12);
    expect(s.precipitation).toEqual([1, 0]);
    expect(s.visibility).toEqual([10000, 0]);
  });

  it("wraps month distance around the year (December is 1 month from January)", () => {
    const dec = Array.from({ length: 30 }, (_, i) => ({ time: `2023-12-${String(i + 1).padStart(2, "0")}`, t: 4, p: 0, w: 1 }));
    const jun = Array.from({ length: 30 }, (_, i) => ({ time: `2024-06-${String(i + 1).padStart(2, "0")}`, t: 20, p: 0, w: 1 }));
    const s = climateStatsForMonth(series([...dec, ...jun]), 1)!;
    const wDec = Math.exp(-0.5),
      wJun = Math.exp(-2.5);
    expect(s.temperature![0]).toBeCloseTo((wDec * 4 + wJun * 20) / (wDec + wJun), 12);
  });

  it("is null when a factor has fewer than 30 values (nulls dropped)", () => {
    const days = Array.from({ length: 30 }, (_, i) => ({ time: `2024-03-${String(i + 1).padStart(2, "0")}`, t: i === 0 ? null : 5, p: 0, w: 1 }));
    expect(climateStatsForMonth(series(days), 3)).toBeNull();
  });
});
