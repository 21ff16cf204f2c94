/**
 * Weather patterns (6), similarity (8) and the extreme multiplier (8, 10.2).
 */
import { describe, expect, it } from "vitest";
import {
  analyseExtremeWeather,
  buildAccidentPattern,
  buildCorpus,
  buildForecastPattern,
  freezeThawCount,
  scoreRouteDay,
  weatherBaseSimilarity,
  weightedCorrelation,
  windowWeights,
  type AccidentWeatherRow,
  type ForecastDay,
  type ScoredAccidentDebug,
} from "../../../src/scoring";
import { parseIsoDate } from "../../../src/scoring/dates";
import { rng } from "../../support/random";

function forecastRow(date: string, mean: number, extra: Partial<ForecastDay> = {}): ForecastDay {
  return {
    date,
    temperature_2m_mean: mean,
    temperature_2m_min: mean - 3,
    temperature_2m_max: mean + 3,
    precipitation_sum: 0,
    wind_speed_10m_max: 5,
    cloud_cover_mean: 50,
    ...extra,
  };
}

function weatherRow(date: string | null, extra: Partial<AccidentWeatherRow> = {}): AccidentWeatherRow {
  return {
    date,
    temperature_avg: 1,
    temperature_min: -1,
    temperature_max: 3,
    precipitation_total: 0,
    wind_speed_avg: 4,
    visibility_avg: null,
    cloud_cover_avg: 40,
    ...extra,
  };
}

const day = (s: string) => parseIsoDate(s)!.dayNumber;

describe("window weights (8)", () => {
  it("are 0.85^(m−1−k), normalised twice, oldest first", () => {
    for (const m of [5, 6, 7]) {
      const u = windowWeights(m);
      expect(u.length).toBe(m);
      expect(u.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 15);
      for (let k = 0; k + 1 < m; k++) expect(u[k]! / u[k + 1]!).toBeCloseTo(0.85, 14);
      const sumR = (1 - 0.85 ** m) / 0.15;
      expect(u[m - 1]).toBeCloseTo(1 / sumR, 15);
    }
  });
});

describe("weighted correlation (8)", () => {
  const u = windowWeights(7);
  it("is 1 for identical and −1 for mirrored series", () => {
    const x = [1, 3, 2, 5, 4, 7, 6];
    expect(weightedCorrelation(x, x, u)).toBeCloseTo(1, 14);
    expect(
      weightedCorrelation(
        x,
        x.map((v) => -2 * v + 3),
        u,
      ),
    ).toBeCloseTo(-1, 14);
    expect(
      weightedCorrelation(
        x,
        x.map((v) => 10 * v + 1),
        u,
      ),
    ).toBeCloseTo(1, 14);
  });
  it("constant series: both constant → 1, one constant → 0", () => {
    const c4 = [4, 4, 4, 4, 4, 4, 4];
    const zeros = [0, 0, 0, 0, 0, 0, 0];
    const x = [1, 3, 2, 5, 4, 7, 6];
    expect(weightedCorrelation(c4, [10000, 10000, 10000, 10000, 10000, 10000, 10000], u)).toBe(1);
    expect(weightedCorrelation(zeros, x, u)).toBe(0);
    expect(weightedCorrelation(x, zeros, u)).toBe(0);
    // Case 19's constant 4.0 °C forecast: the weighted mean is exactly 4, variance exactly 0.
    expect(weightedCorrelation(c4, x, u)).toBe(0);
    for (const m of [5, 6, 7]) expect(weightedCorrelation(c4.slice(0, m), x.slice(0, m), windowWeights(m))).toBe(0);
  });
  it("stays within [−1, 1]", () => {
    const r = rng(7);
    for (let t = 0; t < 200; t++) {
      const x = Array.from({ length: 7 }, () => r() * 30 - 10);
      const y = Array.from({ length: 7 }, () => r() * 30 - 10);
      const rho = weightedCorrelation(x, y, u);
      expect(rho).toBeGreaterThanOrEqual(-1);
      expect(rho).toBeLessThanOrEqual(1);
    }
  });
});

describe("freeze–thaw (6.3)", () => {
  it("counts days with min < 0 and max > 0, strictly", () => {
    expect(
      freezeThawCount([
        [-5, -2, 2],
        [-3, -1, 1],
        [2, 5, 8],
        [-8, -5, -2],
        [0, 1, 2],
        [-1, 0, 0],
      ]),
    ).toBe(2);
  });
});

describe("current pattern (6.1)", () => {
  const rows = ["2025-04-14", "2025-04-15", "2025-04-16", "2025-04-17", "2025-04-18", "2025-04-19", "2025-04-20"].map((d, k) => forecastRow(d, k - 2));
  it("takes the rows as they come, visibility 10000", () => {
    const p = buildForecastPattern(rows)!;
    expect(p.num_days).toBe(7);
    expect(p.temperature).toEqual([-2, -1, 0, 1, 2, 3, 4]);
    expect(p.visibility).toEqual(Array(7).fill(10000));
    expect(p.daily_temps[0]).toEqual([-5, -2, 1]);
    expect(p.freeze_thaw_days).toBe(5);
  });
  it("is missing for null, zero rows or a row with a null value", () => {
    expect(buildForecastPattern(null)).toBeNull();
    expect(buildForecastPattern([])).toBeNull();
    expect(buildForecastPattern([...rows.slice(0, 6), forecastRow("2025-04-20", 1, { cloud_cover_mean: null })])).toBeNull();
  });
  it("exists but is unusable with fewer than 5 rows", () => {
    expect(buildForecastPattern(rows.slice(0, 4))!.num_days).toBe(4);
  });
});

describe("accident pattern (6.2)", () => {
  const d = day("2020-01-10");
  const window = ["2020-01-04", "2020-01-05", "2020-01-06", "2020-01-07", "2020-01-08", "2020-01-09", "2020-01-10"];
  it("keeps rows in [d−6, d], sorted by date", () => {
    const rows = [...window].reverse().map((x, k) => weatherRow(x, { temperature_avg: 10 + k }));
    rows.push(weatherRow("2020-01-03"), weatherRow("2020-01-11"));
    const p = buildAccidentPattern(rows, d)!;
    expect(p.num_days).toBe(7);
    expect(p.temperature).toEqual([16, 15, 14, 13, 12, 11, 10]);
  });
  it("keeps the first row per date and drops null/invalid dates", () => {
    const rows = window.slice(0, 5).map((x) => weatherRow(x, { precipitation_total: 1 }));
    rows.push(weatherRow(window[0]!, { precipitation_total: 99 }), weatherRow(null), weatherRow("2020-13-01"));
    const p = buildAccidentPattern(rows, d)!;
    expect(p.num_days).toBe(5);
    expect(p.precipitation).toEqual([1, 1, 1, 1, 1]);
  });
  it("has no pattern with fewer than 5 days in the window", () => {
    expect(
      buildAccidentPattern(
        window.slice(0, 4).map((x) => weatherRow(x)),
        d,
      ),
    ).toBeNull();
    expect(
      buildAccidentPattern(
        [...window.slice(0, 4), "2019-12-01"].map((x) => weatherRow(x)),
        d,
      ),
    ).toBeNull();
    expect(buildAccidentPattern([], d)).toBeNull();
  });
  it("applies Python `or` fallbacks: null or 0 is missing", () => {
    const rows = window.map((x) =>
      weatherRow(x, {
        temperature_avg: 0,
        temperature_min: null,
        temperature_max: 0,
        precipitation_total: null,
        wind_speed_avg: 0,
        visibility_avg: 0,
        cloud_cover_avg: 0,
      }),
    );
    rows[6] = weatherRow(window[6]!, { temperature_avg: -4, temperature_min: 0, temperature_max: 2 });
    const p = buildAccidentPattern(rows, d)!;
    expect(p.temperature.slice(0, 6)).toEqual(Array(6).fill(10));
    expect(p.precipitation[0]).toBe(0);
    expect(p.wind_speed[0]).toBe(5);
    expect(p.visibility[0]).toBe(10000);
    expect(p.cloud_cover[0]).toBe(50);
    expect(p.daily_temps[0]).toEqual([10, 10, 10]);
    // tmin 0 → falls back to the raw temperature_avg (−4).
    expect(p.daily_temps[6]).toEqual([-4, -4, 2]);
    expect(p.freeze_thaw_days).toBe(1);
  });
});

describe("extreme multiplier (8, 10.2)", () => {
  const p = buildForecastPattern(["a", "b", "c", "d", "e", "f", "g"].map((x, k) => forecastRow(x, -10, { wind_speed_10m_max: 20 + k, precipitation_sum: 0 })))!;
  it("unavailable without statistics or without a current pattern", () => {
    for (const [cur, stats] of [
      [p, null],
      [null, { temperature: [0, 1] }],
    ] as const) {
      const a = analyseExtremeWeather(cur, stats as never);
      expect(a.applies).toBe(false);
      expect(a.block).toEqual({
        enabled: false,
        available: false,
        multiplier: 1.0,
        is_extreme: false,
        triggered_factors: [],
        factor_details: {},
        reason: "historical_weather_unavailable",
      });
    }
  });
  it("`{}` → X = 1, same block without reason", () => {
    const a = analyseExtremeWeather(p, {});
    expect(a.applies).toBe(true);
    expect(a.multiplier).toBe(1);
    expect(a.block.reason).toBeUndefined();
    expect(a.block.enabled).toBe(false);
  });
  it("is two-sided, additive across factors, in check order", () => {
    const a = analyseExtremeWeather(p, {
      temperature: [10, 5], // z = −4 → +0.4
      precipitation: [5, 1], // z = −5 → +0.6 (unusually dry counts)
      wind_speed: [23, 1], // z = 0
      visibility: [10000, 0], // skipped, z null
      source: "test",
    });
    expect(a.block.triggered_factors).toEqual(["precipitation", "temperature"]);
    expect(a.multiplier).toBeCloseTo(1 + 0.6 + 0.4, 14);
    expect(Object.keys(a.block.factor_details)).toEqual(["wind_speed", "precipitation", "temperature", "visibility"]);
    expect(a.block.factor_details.temperature).toMatchObject({ current_value: -10, z_score: -4, is_extreme: true, penalty_per_sd: 0.2 });
    expect(a.block.factor_details.temperature!.factor_multiplier).toBeCloseTo(1.4, 14);
    expect(a.block.factor_details.visibility).toEqual({
      current_value: 10000,
      mean: 10000,
      std_dev: 0,
      z_score: null,
      is_extreme: false,
      factor_multiplier: 1.0,
    });
    expect(a.block).toMatchObject({ enabled: true, available: true, is_extreme: true, source: "test", volatility: null, reference_month: null });
  });
  it("skips absent factors and values that are not 2-element lists", () => {
    const a = analyseExtremeWeather(p, { wind_speed: [1, 2, 3] as never, precipitation: "x" as never, sample_count: 10 });
    expect(a.block.factor_details).toEqual({});
    expect(a.multiplier).toBe(1);
    expect(a.block.is_extreme).toBe(false);
  });
});

describe("packed similarity equals the reference (8)", () => {
  it("agrees bit for bit on random patterns of 5–7 days", () => {
    const r = rng(42);
    const target = "2024-03-10";
    for (let t = 0; t < 60; t++) {
      const nCur = 5 + Math.floor(r() * 3);
      const forecast = Array.from({ length: nCur }, (_, k) =>
        forecastRow(`2024-03-0${k + 1}`, Math.round((r() * 20 - 10) * 100) / 100, {
          temperature_2m_min: -5 + r() * 4,
          temperature_2m_max: -1 + r() * 6,
          precipitation_sum: r() < 0.4 ? 0 : Math.round(r() * 200) / 10,
          wind_speed_10m_max: Math.round(r() * 300) / 10,
          cloud_cover_mean: t % 7 === 0 ? 40 : Math.round(r() * 1000) / 10,
        }),
      );
      const accidents = Array.from({ length: 5 }, (_, a) => {
        const nAcc = 5 + ((a + t) % 3);
        const rows = Array.from({ length: nAcc }, (_, k) =>
          weatherRow(`2010-07-${String(10 - nAcc + 1 + k).padStart(2, "0")}`, {
            temperature_avg: r() < 0.1 ? null : Math.round((r() * 30 - 5) * 100) / 100,
            temperature_min: r() * 4 - 3,
            temperature_max: r() * 5,
            precipitation_total: r() < 0.5 ? 0 : Math.round(r() * 100) / 10,
            wind_speed_avg: a === 4 ? null : Math.round(r() * 100) / 10,
            cloud_cover_avg: Math.round(r() * 1000) / 10,
          }),
        );
        return {
          accident_id: a,
          date: "2010-07-10",
          latitude: 40,
          longitude: -105,
          elevation_m: null,
          activity: "climbing",
          accident_type: null,
          tags: null,
          injury_severity: "serious",
          weather: rows,
        };
      });
      const stats = { temperature: [0, 5] as const, wind_speed: [3, 2] as const };
      const result = scoreRouteDay(
        buildCorpus(accidents),
        { route: { latitude: 40, longitude: -105, route_type: "trad", elevation_m: null, grade: null }, targetDate: target, forecast, weatherStats: stats },
        { debug: true },
      );
      const current = buildForecastPattern(forecast)!;
      const X = result.metadata && "extreme_weather" in result.metadata ? result.metadata.extreme_weather.multiplier : NaN;
      const scored = (result.debug as { scored_accidents: ScoredAccidentDebug[] }).scored_accidents;
      accidents.forEach((acc, k) => {
        const ap = buildAccidentPattern(acc.weather, day(acc.date))!;
        const scores = new Float64Array(6);
        const b = weatherBaseSimilarity(current, ap, scores);
        expect(scored[k]!.weather_base_similarity).toBe(b);
        expect(scored[k]!.weather_similarity).toBe(b! * X);
        expect(Object.values(scored[k]!.weather_factor_scores!)).toEqual([...scores]);
      });
    }
  });
});

describe("W fallbacks per accident (8, 13)", () => {
  const accident = (id: number, nRows: number) => ({
    accident_id: id,
    date: "2015-05-10",
    latitude: 40.25,
    longitude: -105.6,
    elevation_m: null,
    activity: "climbing",
    accident_type: null,
    tags: "Alpine",
    injury_severity: "fatal",
    weather: Array.from({ length: nRows }, (_, k) => weatherRow(`2015-05-${String(4 + k).padStart(2, "0")}`, { temperature_avg: k })),
  });
  const corpus = buildCorpus([accident(1, 7), accident(2, 4)]);
  const route = { latitude: 40.25, longitude: -105.6, route_type: "alpine", elevation_m: null, grade: null };
  const dates = ["2025-04-14", "2025-04-15", "2025-04-16", "2025-04-17", "2025-04-18", "2025-04-19", "2025-04-20"];
  const stats = { temperature: [0, 5] as const };
  const scored = (forecast: ForecastDay[] | null) =>
    (
      scoreRouteDay(corpus, { route, targetDate: "2025-04-20", forecast, weatherStats: stats }, { debug: true }).debug as {
        scored_accidents: ScoredAccidentDebug[];
      }
    ).scored_accidents;

  it("forecast missing: 0.5 for all, similarity fields null", () => {
    for (const s of scored(null)) {
      expect(s).toMatchObject({
        weather_similarity: 0.5,
        weather_base_similarity: null,
        weather_factor_scores: null,
        freeze_thaw_current: null,
        weather_factor: 0.125,
      });
    }
  });
  it("forecast with 4 days: 0 with a pattern (B 0, scores {}), 0.5 without one", () => {
    const [withPattern, without] = scored(dates.slice(3).map((d) => forecastRow(d, 1)));
    expect(withPattern).toMatchObject({
      has_weather_pattern: true,
      weather_days: 7,
      weather_similarity: 0,
      weather_base_similarity: 0,
      weather_factor_scores: {},
      freeze_thaw_current: 0,
      freeze_thaw_accident: 0,
      weather_factor: 0,
      total_influence: 0,
    });
    expect(without).toMatchObject({
      has_weather_pattern: false,
      weather_days: 0,
      weather_similarity: 0.5,
      weather_base_similarity: null,
      weather_factor_scores: null,
      freeze_thaw_current: null,
      weather_factor: 0.125,
    });
    expect(without!.total_influence).toBeGreaterThan(0);
  });
  it("forecast fine: similarity with a pattern, 0.5 without", () => {
    const [withPattern, without] = scored(dates.map((d, k) => forecastRow(d, k)));
    expect(withPattern!.weather_base_similarity).toBeGreaterThan(0);
    expect(Object.keys(withPattern!.weather_factor_scores!)).toEqual([
      "temperature",
      "precipitation",
      "wind_speed",
      "visibility",
      "cloud_cover",
      "freeze_thaw",
    ]);
    expect(without).toMatchObject({ weather_similarity: 0.5, weather_base_similarity: null, weather_factor_scores: null });
  });
});
