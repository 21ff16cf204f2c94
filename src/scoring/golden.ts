/**
 * The golden-case input format (ALGORITHM.md, "Golden case format"): its zod schema and
 * `scoreGoldenInput`, which builds a corpus from `input.accidents` and scores the route-day.
 */
import { z } from "zod";
import { buildCorpus } from "./corpus";
import { parseIsoDate } from "./dates";
import { scoreRouteDay } from "./score";
import type { AccidentInput, ForecastDay, RiskResult, RouteInput, ScoreOptions, WeatherStats } from "./types";

const num = z.number();
const nullableNumber = z.number().nullable();
const nullableString = z.string().nullable();

const calendarDate = z.string().refine((s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && parseIsoDate(s) !== null, {
  message: 'expected a calendar date "YYYY-MM-DD"',
});

export const AccidentWeatherRowSchema = z.object({
  date: nullableString,
  temperature_avg: nullableNumber,
  temperature_min: nullableNumber,
  temperature_max: nullableNumber,
  precipitation_total: nullableNumber,
  wind_speed_avg: nullableNumber,
  wind_speed_max: nullableNumber.optional(),
  visibility_avg: nullableNumber,
  cloud_cover_avg: nullableNumber,
});

export const AccidentInputSchema = z.object({
  accident_id: num,
  /** Not re-validated as a calendar date: an accident whose date does not parse is dropped (spec 5). */
  date: nullableString,
  latitude: nullableNumber,
  longitude: nullableNumber,
  elevation_m: nullableNumber,
  activity: nullableString,
  accident_type: nullableString,
  tags: nullableString,
  injury_severity: nullableString,
  weather: z.array(AccidentWeatherRowSchema),
  grade: nullableString.optional(),
});

export const RouteInputSchema = z.object({
  name: nullableString.optional(),
  latitude: num,
  longitude: num,
  route_type: nullableString,
  elevation_m: nullableNumber,
  grade: nullableString,
});

export const ForecastDaySchema = z.object({
  date: z.string(),
  temperature_2m_mean: nullableNumber,
  temperature_2m_min: nullableNumber,
  temperature_2m_max: nullableNumber,
  precipitation_sum: nullableNumber,
  wind_speed_10m_max: nullableNumber,
  cloud_cover_mean: nullableNumber,
});

/**
 * Statistics are an open object: the spec defines the behaviour for absent factors and for factor
 * values that are not 2-element lists (skipped), so only "object or null" is enforced.
 */
export const WeatherStatsSchema = z.record(z.string(), z.unknown()).nullable();

export const GoldenInputSchema = z.object({
  case_id: z.string().optional(),
  description: z.string().optional(),
  route: RouteInputSchema,
  target_date: calendarDate,
  forecast_weather: z.array(ForecastDaySchema).nullable(),
  weather_stats: WeatherStatsSchema,
  accidents: z.array(AccidentInputSchema),
});

/** A golden file: `{ input, expected }`; `expected` is not validated (the CLI ignores it). */
export const GoldenCaseSchema = z.object({ input: GoldenInputSchema, expected: z.unknown().optional() });

export interface GoldenInput {
  case_id?: string;
  description?: string;
  route: RouteInput;
  target_date: string;
  forecast_weather: ForecastDay[] | null;
  weather_stats: WeatherStats | null;
  accidents: AccidentInput[];
}

/** `input.accidents[3].latitude` style path of a zod issue. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? String(p) : `.${String(p)}`;
  return out === "" ? "(root)" : out;
}

/**
 * Builds a corpus from `input.accidents` and scores the case's route-day. `debug` defaults to
 * true here (the golden `expected` always carries it).
 */
export function scoreGoldenInput(input: GoldenInput, options: ScoreOptions = {}): RiskResult {
  const corpus = buildCorpus(input.accidents);
  return scoreRouteDay(
    corpus,
    { route: input.route, targetDate: input.target_date, forecast: input.forecast_weather, weatherStats: input.weather_stats },
    { debug: options.debug ?? true },
  );
}
