/**
 * What a score needs from the day alone (its date, forecast and climate statistics), prepared once
 * per location-day and shared by every route of the location: the target day, the current pattern
 * and its moments (spec 6.1, 8), the extreme multiplier X (spec 8) and how W is obtained.
 */
import { MIN_WEATHER_DAYS } from "./constants";
import { isoDateFromDayNumber, parseIsoDate, seasonOfMonth } from "./dates";
import { analyseExtremeWeather } from "./extreme-weather";
import { buildForecastPattern, type WeatherPattern } from "./weather-pattern";
import { prepareCurrentWeather, type CurrentWeatherContext } from "./weather-similarity";
import type { DayRequest, WeatherStats } from "./types";

/** How W is obtained for every accident of a day. */
export const WeatherMode = {
  /** No current pattern (forecast missing, empty, or with a null value): W = 0.5 for all. */
  NoForecast: 0,
  /**
   * Current pattern with < 5 days: W = 0 for every accident that has a pattern. An accident
   * without a pattern still gets 0.5: section 8 tests "no pattern" first, as the original does
   * (`similarity(...) if current and acc.pattern else 0.5`); 6.1/13's "W = 0 for every accident"
   * assumes every accident has one.
   */
  Unusable: 1,
  /** W from the similarity (0.5 for accidents without a pattern). */
  Normal: 2,
} as const;
export type WeatherMode = (typeof WeatherMode)[keyof typeof WeatherMode];

export interface DayContext {
  /** Days since 1970-01-01 of T. */
  readonly targetDay: number;
  readonly targetSeason: number;
  /** T as "YYYY-MM-DD" (`metadata.search_date`). */
  readonly searchDate: string;
  readonly pattern: WeatherPattern | null;
  readonly weatherStats: WeatherStats | null;
  readonly mode: WeatherMode;
  /** The current pattern's moments (mode Normal only). */
  readonly current: CurrentWeatherContext | null;
  /** W = B·X (false when the statistics are null or there is no pattern: W = B). */
  readonly applyX: boolean;
  /** X (1 when not applied). */
  readonly multiplier: number;
  /** `metadata.extreme_weather.is_extreme`. */
  readonly isExtreme: boolean;
}

/**
 * Prepares one day. An invalid `targetDate` throws a RangeError (before anything is scored).
 * A forecast with zero rows, or with a null value in any row, counts as missing (no current
 * pattern); one with 1–4 rows gives mode `Unusable`.
 */
export function prepareDay(request: DayRequest): DayContext {
  const target = parseIsoDate(request.targetDate);
  if (!target) throw new RangeError(`targetDate must be a calendar date "YYYY-MM-DD", got ${JSON.stringify(request.targetDate)}`);
  const pattern = buildForecastPattern(request.forecast);
  const weatherStats = request.weatherStats ?? null;
  const extreme = analyseExtremeWeather(pattern, weatherStats);
  const current = pattern && pattern.num_days >= MIN_WEATHER_DAYS ? prepareCurrentWeather(pattern) : null;
  return {
    targetDay: target.dayNumber,
    targetSeason: seasonOfMonth(target.month),
    searchDate: isoDateFromDayNumber(target.dayNumber),
    pattern,
    weatherStats,
    mode: pattern === null ? WeatherMode.NoForecast : current === null ? WeatherMode.Unusable : WeatherMode.Normal,
    current,
    applyX: extreme.applies,
    multiplier: extreme.multiplier,
    isExtreme: extreme.block.is_extreme,
  };
}

/**
 * A fresh `metadata.extreme_weather` block for one result (not shared between the results of a
 * location's routes, so that no two results alias the same object).
 */
export function extremeWeatherBlock(day: DayContext) {
  return analyseExtremeWeather(day.pattern, day.weatherStats).block;
}
