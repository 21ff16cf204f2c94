/**
 * Public input/output types of the scoring engine. Field names follow the golden-case format of
 * ALGORITHM.md (snake_case for everything that crosses the engine boundary as JSON).
 */

/** The seven canonical route types (spec 4.1). */
export type CanonicalRouteType = "alpine" | "ice" | "mixed" | "trad" | "sport" | "aid" | "boulder";

/** An accident's inferred type (spec 4.2): a canonical type, or `default` when nothing matched. */
export type AccidentRouteType = CanonicalRouteType | "default";

/** One stored daily weather row of an accident (spec 12.3). Units: °C, mm, m/s, m, %. */
export interface AccidentWeatherRow {
  /** "YYYY-MM-DD"; rows with a null or invalid date are ignored. */
  date: string | null;
  temperature_avg: number | null;
  temperature_min: number | null;
  temperature_max: number | null;
  precipitation_total: number | null;
  /** Daily mean wind speed (m/s). */
  wind_speed_avg: number | null;
  /** Not used by the score; accepted so that database rows can be passed through. */
  wind_speed_max?: number | null;
  visibility_avg: number | null;
  cloud_cover_avg: number | null;
}

/** One accident, as in the golden `input.accidents[]`. */
export interface AccidentInput {
  accident_id: number;
  /** "YYYY-MM-DD"; accidents without a (valid) date are dropped. */
  date: string | null;
  latitude: number | null;
  longitude: number | null;
  elevation_m: number | null;
  activity: string | null;
  accident_type: string | null;
  tags: string | null;
  injury_severity: string | null;
  weather: AccidentWeatherRow[];
  /**
   * Not part of the stored accident record (the API path never has one, so G = 1, spec 7.6);
   * accepted for completeness of the grade factor.
   */
  grade?: string | null;
}

/** The planned route. `route_type` is the RAW string (canonicalised per spec 4.1). */
export interface RouteInput {
  name?: string | null;
  latitude: number;
  longitude: number;
  route_type: string | null;
  elevation_m: number | null;
  grade: string | null;
}

/** One Open-Meteo daily forecast row (spec 12.1); wind in m/s. */
export interface ForecastDay {
  date: string;
  temperature_2m_mean: number | null;
  temperature_2m_min: number | null;
  temperature_2m_max: number | null;
  precipitation_sum: number | null;
  wind_speed_10m_max: number | null;
  cloud_cover_mean: number | null;
}

/** `[mean, std]` of one factor (spec 12.2). */
export type StatPair = readonly [number | null, number | null];

/** The four factors checked for extreme weather, in check order (spec 8). */
export type ExtremeFactor = "wind_speed" | "precipitation" | "temperature" | "visibility";

/**
 * Weather statistics for extreme detection (spec 12.2). `null` means unavailable; `{}` means
 * "available but nothing to check"; any subset of the four factors may be present. Only the four
 * pairs and `source`, `volatility`, `reference_month` (echoed) affect the output.
 */
export interface WeatherStats {
  temperature?: StatPair | null;
  precipitation?: StatPair | null;
  wind_speed?: StatPair | null;
  visibility?: StatPair | null;
  sample_count?: number | null;
  source?: string | null;
  volatility?: unknown;
  reference_month?: number | null;
  [extra: string]: unknown;
}

/** One route-day to score. */
export interface ScoreRequest {
  route: RouteInput;
  /** T, "YYYY-MM-DD" (calendar date, no time zone). */
  targetDate: string;
  /** Rows for T-6 … T, oldest first; null = fetch failed. */
  forecast: readonly ForecastDay[] | null;
  weatherStats: WeatherStats | null;
  /** Caller-supplied search radius (metadata only): min(value, 300). Default min(4·h, 300). */
  searchRadiusKm?: number | null;
}

export interface ScoreOptions {
  /** Include the golden-format `debug` block (unrounded per-accident values). Default false. */
  debug?: boolean;
}

export type ColorCode = "green" | "yellow" | "orange" | "red";

/** One entry of `top_contributing_accidents` (spec 10.1), rounded as Python `round()` does. */
export interface TopContributingAccident {
  accident_id: number;
  total_influence: number;
  distance_km: number;
  days_ago: number;
  spatial_weight: number;
  temporal_weight: number;
  elevation_weight: number;
  /** W (not W³). */
  weather_weight: number;
  route_type_weight: number;
  severity_weight: number;
  grade_weight: number;
}

export interface ExtremeFactorDetail {
  current_value: number;
  mean: number | null;
  std_dev: number | null;
  z_score: number | null;
  is_extreme: boolean;
  /** Absent when the factor was skipped for a zero or null std. */
  sds_beyond_threshold?: number;
  penalty_per_sd?: number;
  factor_multiplier: number;
}

/** `metadata.extreme_weather` (spec 10.2). */
export interface ExtremeWeather {
  enabled: boolean;
  available: boolean;
  multiplier: number;
  is_extreme: boolean;
  triggered_factors: ExtremeFactor[];
  factor_details: Partial<Record<ExtremeFactor, ExtremeFactorDetail>>;
  reason?: "historical_weather_unavailable";
  source?: unknown;
  volatility?: unknown;
  reference_month?: unknown;
}

export interface ScoreMetadata {
  route_type: CanonicalRouteType;
  search_date: string;
  total_influence_sum: number;
  normalization_factor: number;
  vectorized: true;
  search_radius_km: number;
  extreme_weather: ExtremeWeather;
}

/** Metadata of the empty results (spec 10.3). */
export interface EmptyMetadata {
  message: string;
  route_type: CanonicalRouteType;
  search_date: string;
  /** Only for "no accidents at all". */
  search_radius_km?: number;
}

/** Five parallel daily series, oldest day first, plus (min, mean, max) triples (spec 6); printed as is in `debug.current_weather_pattern`. */
export interface WeatherPattern {
  temperature: number[];
  precipitation: number[];
  wind_speed: number[];
  visibility: number[];
  cloud_cover: number[];
  daily_temps: [number, number, number][];
  num_days: number;
  freeze_thaw_days: number;
}

/** The pattern as the debug output shows it: the same shape. */
export type WeatherPatternDebug = WeatherPattern;

export interface WeatherFactorScores {
  temperature: number;
  precipitation: number;
  wind_speed: number;
  visibility: number;
  cloud_cover: number;
  freeze_thaw: number;
}

/** One `debug.scored_accidents[]` entry (golden format, unrounded). */
export interface ScoredAccidentDebug {
  accident_id: number;
  route_type: AccidentRouteType;
  severity: string;
  distance_km: number;
  days_ago: number;
  spatial_weight: number;
  temporal_weight: number;
  elevation_weight: number;
  route_type_weight: number;
  severity_weight: number;
  grade_weight: number;
  has_weather_pattern: boolean;
  weather_days: number;
  weather_similarity: number;
  weather_base_similarity: number | null;
  weather_factor_scores: WeatherFactorScores | Record<string, never> | null;
  freeze_thaw_current: number | null;
  freeze_thaw_accident: number | null;
  weather_factor: number;
  total_influence: number;
}

export type RiskDebug =
  | {
      current_weather_pattern: WeatherPatternDebug | null;
      scored_accidents: ScoredAccidentDebug[];
      total_influence_sum_check: number;
      route_grade_difficulty: number | null;
    }
  | { current_weather_pattern: null; scored_accidents: [] };

/** The engine's result: spec section 10 plus `color_code`, `canonical_route_type` and optional `debug`. */
export interface RiskResult {
  risk_score: number;
  num_contributing_accidents: number;
  top_contributing_accidents: TopContributingAccident[];
  metadata: ScoreMetadata | EmptyMetadata;
  color_code: ColorCode;
  canonical_route_type: CanonicalRouteType;
  debug?: RiskDebug;
}

/** One day of a multi-day request. */
export interface DayRequest {
  /** T, "YYYY-MM-DD". */
  targetDate: string;
  /** Rows for T-6 … T, oldest first; null = fetch failed. */
  forecast: readonly ForecastDay[] | null;
  weatherStats: WeatherStats | null;
}

/** The scoring point shared by a location's routes (a crag, a mountain). */
export interface PlaceInput {
  latitude: number;
  longitude: number;
  /** Metres; null = unknown (E = 1). */
  elevation_m: number | null;
}

/** What is route-specific at a location: the raw type (canonicalised per spec 4.1) and the grade. */
export interface LocationRoute {
  route_type: string | null;
  grade: string | null;
}

/** Several routes at one place, each scored on the same days (the place's forecast). */
export interface LocationRequest {
  location: PlaceInput;
  routes: readonly LocationRoute[];
  days: readonly DayRequest[];
  /** As `ScoreRequest.searchRadiusKm` (metadata only), for every route. */
  searchRadiusKm?: number | null;
}

/**
 * The stored form of a score (warming writes these; the full explanation is computed on request).
 * Every field equals the corresponding field of the full `RiskResult` of the same route-day.
 */
export interface CompactRiskResult {
  risk_score: number;
  color_code: ColorCode;
  num_contributing_accidents: number;
  canonical_route_type: CanonicalRouteType;
  /** `metadata.extreme_weather.is_extreme` (X > 1 multiplied W); false for the empty results of 10.3. */
  extreme_weather_applied: boolean;
}
