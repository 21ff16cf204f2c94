/**
 * Every constant of ALGORITHM.md section 3, in one place. All tables are frozen; nothing here is
 * mutable.
 *
 * Route types are also used as small integer indices (`TYPE_INDEX`) so that the corpus and the hot
 * loop can work on typed arrays. Index 7 (`OTHER_TYPE_INDEX`) stands for "anything else": the
 * accident type `default`, or a planned type outside the seven (which cannot happen after 4.1, but
 * the tables still define it).
 */
import type { AccidentRouteType, CanonicalRouteType, ExtremeFactor } from "./types";

/** Matrix column order of spec 3.2, then `default`. */
export const TYPE_NAMES: readonly AccidentRouteType[] = Object.freeze(["sport", "trad", "boulder", "alpine", "ice", "mixed", "aid", "default"] as const);

export const CANONICAL_ROUTE_TYPES: readonly CanonicalRouteType[] = Object.freeze(["alpine", "ice", "mixed", "trad", "sport", "aid", "boulder"] as const);

export const OTHER_TYPE_INDEX = 7;
export const TYPE_COUNT = 8;

const TYPE_INDEX_MAP: ReadonlyMap<string, number> = new Map(TYPE_NAMES.map((t, i) => [t, i]));

/** Index of a (lower-cased) type name; anything unknown maps to `OTHER_TYPE_INDEX`. */
export function typeIndex(type: string): number {
  return TYPE_INDEX_MAP.get(type.toLowerCase()) ?? OTHER_TYPE_INDEX;
}

// ---- 3.1 by planned route type (index order of TYPE_NAMES; index 7 = "any other string") ----
/** Spatial bandwidth h (km). */
export const SPATIAL_BANDWIDTH_KM: readonly number[] = Object.freeze([25, 40, 20, 75, 50, 60, 30, 50]);
/** Temporal λ (per day). */
export const TEMPORAL_LAMBDA_PER_DAY: readonly number[] = Object.freeze([0.999, 0.9995, 0.999, 0.9998, 0.9997, 0.9997, 0.9995, 0.9996]);
/** Elevation decay c (m). */
export const ELEVATION_DECAY_M: readonly number[] = Object.freeze([3600, 2400, 6000, 1600, 1600, 1600, 2400, 2400]);

// ---- 3.2 route-type relevance matrix Ty(planned, accident) ----
/** Weight for any pair not in the matrix (e.g. an accident typed `default`). */
export const DEFAULT_ROUTE_TYPE_WEIGHT = 0.5;

const MATRIX_ROWS: Readonly<Record<CanonicalRouteType, readonly number[]>> = {
  //        sport trad boulder alpine ice mixed aid
  sport: [1.0, 0.7, 0.6, 0.3, 0.2, 0.3, 0.5],
  trad: [0.6, 1.0, 0.4, 0.6, 0.3, 0.5, 0.8],
  alpine: [0.9, 0.8, 0.3, 1.0, 0.8, 0.9, 0.6],
  ice: [0.4, 0.5, 0.2, 0.9, 1.0, 0.9, 0.4],
  mixed: [0.5, 0.6, 0.3, 0.9, 0.9, 1.0, 0.5],
  aid: [0.5, 0.8, 0.2, 0.6, 0.3, 0.5, 1.0],
  boulder: [0.7, 0.4, 1.0, 0.2, 0.2, 0.3, 0.3],
};

/** Flattened 8×8 matrix: `ROUTE_TYPE_MATRIX[planned * 8 + accident]`. Row/column 7 = 0.5. */
export const ROUTE_TYPE_MATRIX: Readonly<Float64Array> = (() => {
  const m = new Float64Array(TYPE_COUNT * TYPE_COUNT).fill(DEFAULT_ROUTE_TYPE_WEIGHT);
  for (let p = 0; p < 7; p++) {
    const row = MATRIX_ROWS[TYPE_NAMES[p] as CanonicalRouteType];
    for (let a = 0; a < 7; a++) m[p * TYPE_COUNT + a] = row[a]!;
  }
  return m;
})();

// ---- 3.3 other constants ----
export const EARTH_RADIUS_KM = 6371.0;
export const TEMPORAL_DECAY_IMPACT = 0.35;
export const TEMPORAL_DECAY_SHAPE = 1.5;
export const SEASONAL_BOOST = 1.5;
export const TEMPORAL_SEASONAL_IMPACT = 0.1;
/** 1 + (1.5 − 1)·0.1 = 1.05, computed exactly as the original does. */
export const SAME_SEASON_MULTIPLIER = 1.0 + (SEASONAL_BOOST - 1.0) * TEMPORAL_SEASONAL_IMPACT;
export const ELEVATION_BONUS_MAX = 0.15;

export const SEVERITY_BOOSTERS: ReadonlyMap<string, number> = new Map([
  ["fatal", 1.3],
  ["serious", 1.1],
  ["minor", 1.0],
  ["unknown", 1.0],
]);
export const DEFAULT_SEVERITY_WEIGHT = 1.0;

export const GRADE_HALF_WEIGHT_DIFF = 3.0;
export const GRADE_SIGMA = GRADE_HALF_WEIGHT_DIFF / 1.18;
export const GRADE_MIN_WEIGHT = 0.25;

/** 1/6 for each of the six weather factors. */
export const WEATHER_FACTOR_WEIGHT = 1 / 6;
export const WITHIN_WINDOW_DECAY = 0.85;
export const MIN_WEATHER_DAYS = 5;
/** Longest pattern that can be compared (an accident window is 7 distinct days). */
export const MAX_WEATHER_DAYS = 7;
export const FREEZE_THAW_THRESHOLD_C = 0;
export const EXTREME_SD_THRESHOLD = 2.0;
/** Check order and penalty per SD beyond the threshold (spec 8). */
export const EXTREME_PENALTY_PER_SD: ReadonlyArray<readonly [ExtremeFactor, number]> = Object.freeze([
  ["wind_speed", 0.2],
  ["precipitation", 0.2],
  ["temperature", 0.2],
  ["visibility", 0.25],
] as const);
export const WEATHER_EXCLUSION_THRESHOLD = 0.25;
export const WEATHER_POWER = 3;
export const RISK_NORMALIZATION_FACTOR = 7.0;
export const MAX_RISK_SCORE = 100;
export const TOP_LIST_LENGTH = 50;
export const PREFILTER_RADIUS_KM = 50.0;
export const PREFILTER_TYPE_THRESHOLD = 0.85;
export const MAX_SEARCH_RADIUS_KM = 300;

/** Accident weather fallbacks (spec 6.2) and the constant forecast visibility (6.1). */
export const FALLBACK_TEMPERATURE_C = 10.0;
export const FALLBACK_PRECIPITATION_MM = 0.0;
export const FALLBACK_WIND_MS = 5.0;
export const FALLBACK_VISIBILITY_M = 10000.0;
export const FALLBACK_CLOUD_COVER_PCT = 50.0;
export const FORECAST_VISIBILITY_M = 10000.0;
