/**
 * /api/v1 score endpoints and analyses end to end (real dataset routes, real Redis/Postgres,
 * the Open-Meteo stand-in):
 * - the marker click: POST …/safety with no body and no Content-Type, cache-first even with
 *   bypass_cache=true (never a recomputation for an anonymous click);
 * - a forecast starting at today+2 (days up to today+8 computed on demand through the same
 *   service), the weather fields from the day's forecast row, and days beyond the forecast's reach
 *   in the null shape;
 * - the risk breakdown's four factors derived from the cached explanation;
 * - a route's accidents with distance, impact and the stored weather of the day (km/h → m/s);
 * - time of day from the hourly forecast (and its fallback without hourly weather);
 * - historical trends after two days of history. The warming run's history writes are not on main
 *   yet, so the two days are written here with `writeHistory` (what the run calls), for two dates.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { keyPrefixes, keys } from "../../../src/cache/keys";
import { appContext } from "../../../src/context";
import { writeHistory } from "../../../src/data/history";
import { addDays, todayUtc } from "../../../src/dates";
import { pyRound } from "../../../src/scoring";
import { ScoreService, type DailyScore } from "../../../src/service/score-service";
import { gridCell } from "../../../src/weather/cells";
import { analyseHours, hourlyAdjustment } from "../../../src/http/v1/analytics";
import { seed } from "../api/helpers";
import { call, clearRouteKeys, days, env, json, quietRoutes, redis, sql } from "./helpers";

const today = todayUtc();
const window = days(addDays(today, -1), 20);
/** A southern-hemisphere route of the API tests' own dataset (few accidents: a low score, so hours can be climbable). */
const LOW_RISK = 900004;
let safetyRoute: number;
let forecastRoute: number;
let historyRoute: number;
let accidentsRoute: number;
const historyDates = [addDays(today, -2), addDays(today, -1)];

async function deleteMatching(pattern: string) {
  let cursor = "0";
  do {
    const [next, found] = (await redis.scan(cursor, { match: pattern, count: 1000 })) as [string, string[]];
    if (found.length) await redis.del(...found);
    cursor = String(next);
  } while (cursor !== "0");
}

beforeAll(async () => {
  await seed();
  const quiet = await quietRoutes(20, 4, (t) => t === "alpine" || t === "trad");
  [safetyRoute, forecastRoute, historyRoute, accidentsRoute] = quiet.map((r) => r.id) as [number, number, number, number];
  await clearRouteKeys([safetyRoute, forecastRoute, LOW_RISK], window);
  await sql.query(`DELETE FROM score_history WHERE route_id = $1`, [historyRoute]);
});
afterAll(async () => {
  await clearRouteKeys([safetyRoute, forecastRoute, LOW_RISK], window);
  await sql.query(`DELETE FROM score_history WHERE route_id = $1`, [historyRoute]);
});

describe("POST /mp-routes/{id}/safety (the marker click)", () => {
  it("no body, no Content-Type: computed once on a miss, then served from the cache — bypass_cache=true included", async () => {
    const spy = vi.spyOn(ScoreService.prototype, "computeRouteForecasts");
    const url = `/mp-routes/${safetyRoute}/safety?target_date=${today}&bypass_cache=true`;
    const first = await call(url, { method: "POST" });
    expect(first.status).toBe(200);
    expect(first.headers.get("X-Cache")).toBe("MISS");
    const body = await json(first);
    expect(spy).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 3; i++) {
      const again = await call(url, { method: "POST" });
      expect(again.headers.get("X-Cache")).toBe("HIT");
      expect(await json(again)).toEqual(body);
    }
    expect(spy).toHaveBeenCalledTimes(1); // bypass_cache never forces a recomputation
    // It is the compact score warming writes (the map's colour and the popup agree).
    const compact = JSON.parse((await redis.get<string>(keys.score(safetyRoute, today)))!);
    expect(body).toEqual({
      route_id: safetyRoute,
      route_name: compact.route_name,
      target_date: today,
      risk_score: compact.risk_score,
      color_code: compact.color_code,
    });
    vi.restoreAllMocks();
  });
});

describe("GET /mp-routes/{id}/forecast", () => {
  it("start = today+2: 7 scored days up to today+8, the weather of each from its forecast row", async () => {
    const start = addDays(today, 2);
    const res = await call(`/mp-routes/${forecastRoute}/forecast?start_date=${start}`);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.forecast_days.map((d: { date: string }) => d.date)).toEqual(days(start, 7));
    expect(body.start_date).toBe(start);
    for (const d of body.forecast_days) {
      expect(typeof d.risk_score, d.date).toBe("number");
      // The score is the compact cached one (computed on demand for the days no warm run covers).
      const compact = JSON.parse((await redis.get<string>(keys.score(forecastRoute, d.date)))!);
      expect(d.risk_score).toBe(compact.risk_score);
    }
    const route = (await json(await call(`/mp-routes/${forecastRoute}`))) as { latitude: number; longitude: number };
    const cell = gridCell(route.latitude, route.longitude);
    const cw = (await appContext(env).weather.forCells([cell], start, addDays(start, 6))).get(cell.key)!;
    for (const d of body.forecast_days) {
      const row = cw.forecast!.find((r) => r.date === d.date)!;
      expect(d, d.date).toMatchObject({
        temp_high: pyRound(row.temperature_2m_max!, 1),
        temp_low: pyRound(row.temperature_2m_min!, 1),
        temp_avg: pyRound(row.temperature_2m_mean!, 1),
        precip_mm: pyRound(row.precipitation_sum!, 1),
        precip_chance: Math.trunc(Math.min(row.precipitation_sum! * 10, 100)),
        wind_speed: pyRound(row.wind_speed_10m_max!, 1),
        cloud_cover: Math.round(row.cloud_cover_mean!),
      });
      expect(d.weather_summary).not.toBe("Weather data unavailable");
    }
  });

  it("days beyond today+14 (the forecast's reach) appear in the null shape; the others are scored", async () => {
    const start = addDays(today, 12);
    const body = await json(await call(`/mp-routes/${forecastRoute}/forecast?start_date=${start}`));
    const nullShape = {
      risk_score: null,
      weather_summary: "Weather data unavailable",
      temp_high: null,
      temp_low: null,
      temp_avg: null,
      precip_mm: null,
      precip_chance: null,
      wind_speed: null,
      cloud_cover: null,
    };
    expect(body.forecast_days.slice(0, 3).every((d: { risk_score: unknown }) => typeof d.risk_score === "number")).toBe(true);
    for (const d of body.forecast_days.slice(3)) expect(d).toMatchObject(nullShape);
  });
});

describe("GET /mp-routes/{id}/risk-breakdown", () => {
  it("the four contributions from the top 10 accidents of the cached explanation", async () => {
    const body = await json(await call(`/mp-routes/${forecastRoute}/risk-breakdown?target_date=${today}`));
    const s = JSON.parse((await redis.get<string>(keys.scoreDetail(forecastRoute, today)))!) as DailyScore;
    const top = s.top_contributing_accidents.slice(0, 10);
    const mean = (f: (a: (typeof top)[number]) => number) => top.reduce((t, a) => t + f(a), 0) / top.length;
    const raw = [
      mean((a) => a.spatial_weight * a.elevation_weight),
      mean((a) => a.temporal_weight),
      mean((a) => a.weather_weight),
      mean((a) => a.route_type_weight),
    ];
    const sum = raw.reduce((a, b) => a + b, 0);
    expect(body.factors.map((f: { contribution: number }) => f.contribution)).toEqual(raw.map((v) => pyRound((v / sum) * 100, 1)));
    expect(body.risk_score).toBe(pyRound(s.risk_score, 1));
    expect(body.top_accidents).toEqual(
      s.top_contributing_accidents
        .slice(0, 5)
        .map((a) => ({ accident_id: a.accident_id, distance_km: a.distance_km, days_ago: a.days_ago, total_influence: pyRound(a.total_influence, 3) })),
    );
  });
});

describe("GET /mp-routes/{id}/accidents", () => {
  it("distance, impact and the stored weather of the accident's date, wind converted from km/h to m/s", async () => {
    const body = await json(await call(`/mp-routes/${accidentsRoute}/accidents?limit=100`));
    expect(body.accidents.length).toBeGreaterThan(0);
    // impact = 100·e^(−d/10) of the unrounded distance (the answer's distance_km is rounded to 0.1 km).
    for (const a of body.accidents) expect(Math.abs(a.impact_score - 100 * Math.exp(-a.distance_km / 10))).toBeLessThanOrEqual(0.6);
    const d = body.accidents.map((a: { distance_km: number }) => a.distance_km);
    expect([...d].sort((x: number, y: number) => x - y)).toEqual(d);
    const withWeather = body.accidents.filter((a: { weather: unknown }) => a.weather !== null);
    expect(withWeather.length).toBeGreaterThan(0);
    for (const a of withWeather.slice(0, 10)) {
      const [row] = await sql.query(
        `SELECT w.* FROM accident_weather w JOIN accidents a ON a.accident_id = $1
         WHERE w.date = a.date AND (w.accident_id = a.accident_id OR (w.accident_id IS NULL AND w.latitude = round(a.latitude::numeric, 2)::float8 AND w.longitude = round(a.longitude::numeric, 2)::float8))
         ORDER BY (w.accident_id IS NULL), w.weather_id LIMIT 1`,
        [a.accident_id],
      );
      expect(row, String(a.accident_id)).toBeTruthy();
      const windMs = row!.wind_speed_max === null ? null : pyRound(Number(row!.wind_speed_max) / 3.6, 1);
      expect(a.weather.wind_speed, String(a.accident_id)).toBe(windMs);
      expect(a.weather.precipitation).toBe(row!.precipitation_total === null ? null : pyRound(Number(row!.precipitation_total), 1));
      const t = (v: unknown) => (v ? pyRound(Number(v), 0) : "?"); // Python's round: -21.5 → -22
      expect(a.weather.temp).toBe(`${t(row!.temperature_min)}-${t(row!.temperature_max)}°C`);
      expect(typeof a.weather.conditions).toBe("string");
    }
  });
});

describe("GET /mp-routes/{id}/time-of-day", () => {
  it("with the hourly forecast: every hour's risk is the day's score adjusted for that hour, windows of ≥ 2 climbable hours", async () => {
    const res = await call(`/mp-routes/${LOW_RISK}/time-of-day?target_date=${today}`);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.hourly_data).not.toBeNull();
    expect(body.hourly_data.length).toBeGreaterThanOrEqual(23); // one per local hour (23–25 on DST days)
    const compact = JSON.parse((await redis.get<string>(keys.score(LOW_RISK, today)))!);
    expect(body.base_daily_risk).toBe(compact.risk_score);
    for (const h of body.hourly_data) {
      expect(h.risk_score, String(h.hour)).toBe(pyRound(Math.min(100, Math.max(0, compact.risk_score + hourlyAdjustment(h))), 1));
      expect(h.is_daylight).toBe(h.hour >= 6 && h.hour <= 18);
      if (h.is_climbable) expect(h.is_daylight && h.risk_score < 70).toBe(true);
    }
    expect(body.climbing_windows.length).toBeGreaterThan(0);
    expect(body.best_window).toEqual(body.climbing_windows[0]);
    const avg = body.climbing_windows.map((w: { avg_risk: number }) => w.avg_risk);
    expect([...avg].sort((a: number, b: number) => a - b)).toEqual(avg);
    for (const w of body.climbing_windows) {
      expect(w.duration_hours).toBe(w.end_hour - w.start_hour + 1);
      expect(w.duration_hours).toBeGreaterThanOrEqual(2);
      const hours = body.hourly_data.filter((h: { hour: number }) => h.hour >= w.start_hour && h.hour <= w.end_hour);
      expect(hours.every((h: { is_climbable: boolean }) => h.is_climbable)).toBe(true);
    }
  });

  it("without hourly weather (source down): 200, hourly_data null (never []), no windows, the day's score kept", async () => {
    const noWeather = { ...env, OPEN_METEO_FORECAST_URL: "http://127.0.0.1:9", OPEN_METEO_ARCHIVE_URL: "http://127.0.0.1:9" };
    const date = addDays(today, 1);
    // Forget this cell's cached hourly forecast (the test above fetched it), so the source is asked.
    await deleteMatching(`${keyPrefixes.weather}hourly:${gridCell(-44.51, 169.49).key}:*`);
    const res = await call(`/mp-routes/${LOW_RISK}/time-of-day?target_date=${date}`, {}, noWeather);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ route_id: LOW_RISK, target_date: date, hourly_data: null, climbing_windows: [], best_window: null });
    expect(typeof body.base_daily_risk).toBe("number");
    expect(body.recommendation).toMatch(/not available/);
  });

  it("the analysis is pure: a stormy afternoon splits the day into windows ranked by risk", () => {
    const hour = (h: number, extra: Partial<Record<string, number>> = {}) => ({
      time: `2026-07-01T${String(h).padStart(2, "0")}:00`,
      hour: h,
      temperature: 15,
      precipitation: 0,
      wind_speed: 3,
      wind_gusts: 5,
      cloud_cover: 20,
      visibility: 20_000,
      ...extra,
    });
    const hours = Array.from({ length: 24 }, (_, h) =>
      h >= 12 && h <= 13 ? hour(h, { precipitation: 8, wind_gusts: 25 }) : h >= 16 ? hour(h, { precipitation: 0.5 }) : hour(h),
    );
    const { hours: out, windows } = analyseHours(20, { timezone: "UTC", hours });
    expect(out[12]).toMatchObject({ risk_score: 55, is_climbable: false }); // +20 precip, +15 gusts; precip ≥ 5
    // 6–11 at 20; 12–13 out (precipitation ≥ 5 mm); 14–18 climbable (16–18 at 23: +3 for 0.5 mm); 19+ dark.
    expect(windows.map((w) => [w.start_hour, w.end_hour, w.duration_hours, w.avg_risk])).toEqual([
      [6, 11, 6, 20],
      [14, 18, 5, 21.8],
    ]);
  });
});

describe("GET /mp-routes/{id}/historical-trends", () => {
  it("after two days of history: oldest first, summary, no trend (< 7 days), reference_date as sent", async () => {
    await writeHistory(sql, [
      { routeId: historyRoute, date: historyDates[1]!, riskScore: 47.5, colorCode: "yellow", computedAt: `${historyDates[1]}T06:05:00.000Z` },
      { routeId: historyRoute, date: historyDates[0]!, riskScore: 31.2, colorCode: "yellow", computedAt: `${historyDates[0]}T06:05:00.000Z` },
    ]);
    const ref = addDays(today, 2);
    const body = await json(await call(`/mp-routes/${historyRoute}/historical-trends?days=365&target_date=${ref}`));
    expect(body.historical_predictions).toEqual([
      { date: historyDates[0], risk_score: 31.2, color_code: "yellow" },
      { date: historyDates[1], risk_score: 47.5, color_code: "yellow" },
    ]);
    expect(body.days_available).toBe(2);
    expect(body.summary).toEqual({ avg_risk: 39.4, min_risk: 31.2, max_risk: 47.5 });
    expect(body.trend).toBeNull();
    expect(body).not.toHaveProperty("message");
    expect(body.reference_date).toBe(ref);
    // Volatility from the weather service's 5-year archive statistics (the stand-in's archive).
    expect(body.weather_volatility).toMatchObject({ available: true, reference_date: ref, source: "open_meteo_archive", lookback_years: 5 });
    expect(body.weather_volatility.months.map((m: { month_label: string }) => m.month_label)).toEqual([
      "Jan",
      "Feb",
      "Mar",
      "Apr",
      "May",
      "Jun",
      "Jul",
      "Aug",
      "Sep",
      "Oct",
      "Nov",
      "Dec",
    ]);
    for (const m of body.weather_volatility.months) expect(typeof m.temperature_sample_count).toBe("number");
    // days=1 keeps only yesterday … today.
    expect((await json(await call(`/mp-routes/${historyRoute}/historical-trends?days=1`))).historical_predictions.map((p: { date: string }) => p.date)).toEqual(
      [historyDates[1]],
    );
  });

  it("with 8 days of history the trend compares the last 7 with the first 7", async () => {
    const rows = Array.from({ length: 8 }, (_, i) => ({
      routeId: historyRoute,
      date: addDays(today, -20 + i),
      riskScore: i < 1 ? 10 : 40,
      colorCode: "yellow",
      computedAt: `${addDays(today, -20 + i)}T06:05:00.000Z`,
    }));
    await writeHistory(sql, rows);
    const body = await json(await call(`/mp-routes/${historyRoute}/historical-trends?days=30`));
    // first 7: mean (10 + 6×40)/7 = 35.7; last 7: 40 (with the two days above: 31.2, 47.5 → 39.8) → stable (< 5 points).
    expect(body.trend.direction).toBe("stable");
    await sql.query(`UPDATE score_history SET risk_score = 90 WHERE route_id = $1 AND date >= $2::date`, [historyRoute, historyDates[0]]);
    const rising = await json(await call(`/mp-routes/${historyRoute}/historical-trends?days=30`));
    expect(rising.trend.direction).toBe("increasing");
  });
});
