/**
 * Weather patterns (spec 6): the current pattern from a daily forecast, an accident's pattern from
 * its stored rows, and the freeze–thaw count.
 */
import {
  FALLBACK_CLOUD_COVER_PCT,
  FALLBACK_PRECIPITATION_MM,
  FALLBACK_TEMPERATURE_C,
  FALLBACK_VISIBILITY_M,
  FALLBACK_WIND_MS,
  FORECAST_VISIBILITY_M,
  FREEZE_THAW_THRESHOLD_C,
  MIN_WEATHER_DAYS,
} from "./constants";
import { parseIsoDate } from "./dates";
import type { AccidentWeatherRow, ForecastDay, WeatherPattern } from "./types";

export type { WeatherPattern };

/** The five correlated series, in the order the base similarity sums them (spec 8). */
export const PATTERN_SERIES = ["temperature", "precipitation", "wind_speed", "visibility", "cloud_cover"] as const;
export type PatternSeries = (typeof PATTERN_SERIES)[number];
export const SERIES_COUNT = PATTERN_SERIES.length;

/** A pattern is usable when it has at least 5 days. */
export function isUsablePattern(p: { num_days: number }): boolean {
  return p.num_days >= MIN_WEATHER_DAYS;
}

/** Days whose triple has min < 0 and max > 0 (both strict), over all of the pattern's days (6.3). */
export function freezeThawCount(dailyTemps: readonly (readonly [number, number, number])[]): number {
  let n = 0;
  for (const [min, , max] of dailyTemps) if (min < FREEZE_THAW_THRESHOLD_C && max > FREEZE_THAW_THRESHOLD_C) n++;
  return n;
}

function isNumber(v: unknown): v is number {
  return typeof v === "number" && !Number.isNaN(v);
}

/** A pattern of n days with its series allocated, filled by the two builders below. */
function emptyPattern(n: number): WeatherPattern {
  return {
    temperature: new Array<number>(n),
    precipitation: new Array<number>(n),
    wind_speed: new Array<number>(n),
    visibility: new Array<number>(n),
    cloud_cover: new Array<number>(n),
    daily_temps: new Array<[number, number, number]>(n),
    num_days: n,
    freeze_thaw_days: 0,
  };
}

/**
 * The current pattern (spec 6.1) from forecast rows taken exactly as given, in the given order
 * (dates are not re-checked). Returns null — "no current pattern", as for a failed fetch — when the
 * forecast is null, has zero rows, or any row has a null/missing/NaN value (the original would fail
 * with a TypeError on such a forecast). A forecast with 1–4 rows gives a pattern that is not usable.
 */
export function buildForecastPattern(forecast: readonly ForecastDay[] | null | undefined): WeatherPattern | null {
  if (!forecast || forecast.length === 0) return null;
  const n = forecast.length;
  const p = emptyPattern(n);
  for (let k = 0; k < n; k++) {
    const row = forecast[k];
    if (!row) return null;
    const { temperature_2m_mean: mean, temperature_2m_min: min, temperature_2m_max: max } = row;
    const { precipitation_sum: precip, wind_speed_10m_max: wind, cloud_cover_mean: cloud } = row;
    if (!isNumber(mean) || !isNumber(min) || !isNumber(max) || !isNumber(precip) || !isNumber(wind) || !isNumber(cloud)) {
      return null;
    }
    p.temperature[k] = mean;
    p.precipitation[k] = precip;
    p.wind_speed[k] = wind;
    p.visibility[k] = FORECAST_VISIBILITY_M;
    p.cloud_cover[k] = cloud;
    p.daily_temps[k] = [min, mean, max];
  }
  p.freeze_thaw_days = freezeThawCount(p.daily_temps);
  return p;
}

/** Python's `value or fallback`: null, undefined and (numerically) zero count as missing. */
function orElse(value: number | null | undefined, fallback: number): number {
  return value === null || value === undefined || value === 0 ? fallback : value;
}

/**
 * An accident's pattern (spec 6.2) from its stored rows: rows dated in [d−6, d], sorted by date.
 * Rows with a null or invalid date are dropped; when several rows share a date, the first one (in
 * input order) is kept. Fewer than 5 rows → null (no pattern). Missing values (null or 0) fall back
 * to temperature 10, precipitation 0, wind 5, visibility 10000, cloud 50; tmin/tmax fall back to
 * the raw temperature_avg, then 10.
 */
export function buildAccidentPattern(rows: readonly AccidentWeatherRow[] | null | undefined, accidentDayNumber: number): WeatherPattern | null {
  if (!rows || rows.length < MIN_WEATHER_DAYS) return null;
  const byDay = new Map<number, AccidentWeatherRow>();
  for (const row of rows) {
    if (!row) continue;
    const d = parseIsoDate(row.date);
    if (!d) continue;
    const offset = accidentDayNumber - d.dayNumber;
    if (offset < 0 || offset > 6) continue;
    if (!byDay.has(d.dayNumber)) byDay.set(d.dayNumber, row);
  }
  if (byDay.size < MIN_WEATHER_DAYS) return null;
  const days = [...byDay.keys()].sort((a, b) => a - b);
  const n = days.length;
  const p = emptyPattern(n);
  for (let k = 0; k < n; k++) {
    const row = byDay.get(days[k]!)!;
    const tmean = orElse(row.temperature_avg, FALLBACK_TEMPERATURE_C);
    p.temperature[k] = tmean;
    p.precipitation[k] = orElse(row.precipitation_total, FALLBACK_PRECIPITATION_MM);
    p.wind_speed[k] = orElse(row.wind_speed_avg, FALLBACK_WIND_MS);
    p.visibility[k] = orElse(row.visibility_avg, FALLBACK_VISIBILITY_M);
    p.cloud_cover[k] = orElse(row.cloud_cover_avg, FALLBACK_CLOUD_COVER_PCT);
    const tmin = orElse(row.temperature_min, orElse(row.temperature_avg, FALLBACK_TEMPERATURE_C));
    const tmax = orElse(row.temperature_max, orElse(row.temperature_avg, FALLBACK_TEMPERATURE_C));
    p.daily_temps[k] = [tmin, tmean, tmax];
  }
  p.freeze_thaw_days = freezeThawCount(p.daily_temps);
  return p;
}
