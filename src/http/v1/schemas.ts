/**
 * /api/v1 zod schemas: the requests they validate (parameters parsed the way FastAPI does,
 * src/http/v1/params.ts) and the responses of the SafeAscent v1 contract
 * (/work/shared/spec/SAFEASCENT_V1_API.md). src/http/openapi.ts turns both into /api/v1/openapi.json.
 * Every documented field is always present (null for unknown), as the contract requires.
 */
import { z } from "zod";
import { Latitude, Longitude, routeTypes, topAccidentFields } from "../schema-blocks";
import { BoolString, DateString, IntString, floatParam, intParam } from "./params";

// ---------------------------------------------------------------- requests

const Str = z.string();
const date = (description: string) => DateString.meta({ description });

export const MapWithSafetyQuery = z.object({
  target_date: date("The date whose cached scores are embedded (YYYY-MM-DD); default: the server's today (UTC).").optional(),
  season: Str.optional().meta({ description: "winter: routes whose type contains ice or mixed; anything else (default rock): the others." }),
});

export const MapQuery = z.object({
  season: Str.optional().meta({ description: "As for map-with-safety." }),
  min_lat: floatParam().optional(),
  max_lat: floatParam().optional(),
  min_lon: floatParam().optional(),
  max_lon: floatParam().optional(),
  // Not a parameter of the original (FastAPI ignores it, so any value is fine): honoured when it is a
  // positive integer, ignored otherwise — never a 422.
  limit: intParam(1)
    .optional()
    .catch(undefined)
    .meta({ description: "Truncate the markers (routes and data) to this many (ignored unless a positive integer)." }),
});

export const RoutesQuery = z.object({
  search: Str.optional().meta({ description: "Case-insensitive substring of the route name." }),
  location_id: IntString.optional().meta({ description: "Exact parent location (mountain) id." }),
  route_type: Str.optional().meta({ description: "Case-insensitive substring of the stored type." }),
  grade: Str.optional().meta({ description: "Case-insensitive substring of the grade." }),
  limit: intParam(1, 500).default(50),
  offset: intParam(0).default(0),
});

export const LocationsQuery = z.object({
  search: Str.optional().meta({ description: "Case-insensitive substring of the name (or an alternative name, e.g. Denali)." }),
  limit: intParam(1, 500).default(50),
  offset: intParam(0).default(0),
});

export const SafetyQuery = z.object({
  target_date: date("The day to score (YYYY-MM-DD)."),
  bypass_cache: BoolString.default(false).meta({
    description: "Accepted for compatibility; the score is served cache-first anyway (a public click must not force a recomputation).",
  }),
});

export const ForecastQuery = z.object({ start_date: date("First of the 7 days start_date … start_date+6.") });
export const TargetDateQuery = z.object({ target_date: date("The day to analyse (YYYY-MM-DD).") });
export const RouteAccidentsQuery = z.object({ limit: intParam(1, 100).default(50) });

export const TrendsQuery = z.object({
  days: intParam(1, 365).default(30).meta({ description: "History window in days, ending at the server's today (UTC)." }),
  target_date: date("Reference date of the volatility block, echoed as reference_date; default the server's today.").optional(),
});

export const AccidentsQuery = z.object({
  lat: floatParam(-90, 90).optional(),
  lon: floatParam(-180, 180).optional(),
  // Not parameters of the original (it ignores them): aliases of lat/lon when valid, ignored otherwise.
  latitude: floatParam(-90, 90).optional().catch(undefined).meta({ description: "Alias of lat (what the frontend's helper sends); ignored unless valid." }),
  longitude: floatParam(-180, 180).optional().catch(undefined).meta({ description: "Alias of lon; ignored unless valid." }),
  radius_km: floatParam(0.1, 500).optional().meta({ description: "With lat and lon: accidents within this great-circle distance." }),
  state: Str.optional(),
  mountain: Str.optional().meta({ description: "Case-insensitive substring." }),
  route: Str.optional().meta({ description: "Case-insensitive substring." }),
  accident_type: Str.optional(),
  injury_severity: Str.optional(),
  activity: Str.optional(),
  start_date: date("On or after (inclusive).").optional(),
  end_date: date("On or before (inclusive).").optional(),
  mountain_id: IntString.optional(),
  route_id: IntString.optional(),
  limit: intParam(1, 1000).default(100),
  offset: intParam(0).default(0),
});

/** A JSON number (or a numeric string: pydantic's lax mode) within [min, max]. */
const lax = (n: z.ZodNumber) => z.preprocess((v) => (typeof v === "string" && /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(v) ? Number(v) : v), n);

const RouteTypeValue = z
  .string()
  .transform((s, ctx) => {
    const t = s.trim().toLowerCase();
    if ((routeTypes as readonly string[]).includes(t)) return t;
    ctx.addIssue({ code: "custom", message: `route_type must be one of: ${routeTypes.join(", ")}`, params: { type: "value_error" }, input: s });
    return z.NEVER;
  })
  .meta({ description: `One of ${routeTypes.join(", ")} (any case).` });

const PlannedDate = z.string().pipe(DateString).meta({ description: "The day to score (YYYY-MM-DD)." });
const optionalFields = {
  elevation_meters: lax(z.number().min(0).max(9000))
    .nullable()
    .optional()
    .meta({ description: "Metres; omitted: unknown (neutral elevation factor; there is no elevation lookup)." }),
  search_radius_km: lax(z.number().min(10).max(500)).nullable().optional().meta({ description: "Metadata only, capped at 300." }),
  route_grade: z.string().max(40).nullable().optional().meta({ description: "Grade-similarity weighting." }),
};

/** Point form: latitude, longitude and route_type. */
export const PredictPointBody = z.object({
  latitude: lax(Latitude),
  longitude: lax(Longitude),
  route_type: RouteTypeValue,
  planned_date: PlannedDate,
  ...optionalFields,
});

/** Route form (what the frontend sends): a route id; its point, type and elevation are the route's. */
export const PredictRouteBody = z.object({
  route_id: z.preprocess((v) => (typeof v === "string" && /^\s*[+-]?\d+\s*$/.test(v) ? Number(v) : v), z.number().int()),
  route_name: z.string().nullable().optional().meta({ description: "Ignored." }),
  planned_date: PlannedDate,
  search_radius_km: optionalFields.search_radius_km,
});

export const PredictBody = z.union([PredictPointBody, PredictRouteBody]).meta({
  description:
    "Point form (latitude, longitude, route_type, planned_date) or route form (route_id, planned_date; used when latitude, longitude and route_type are all absent). " +
    "Points are scored on the 0.01° predict grid (elevation to 10 m); the answer's metadata echoes the request.",
});

// ---------------------------------------------------------------- responses

const Num = z.number();
const Int = z.number().int();
const NNum = z.number().nullable();
const NInt = z.number().int().nullable();
const NStr = z.string().nullable();
const Color = z.enum(["green", "yellow", "orange", "red"]);

export const HTTPValidationError = z.object({
  detail: z.array(
    z.object({
      type: z.string().meta({
        description:
          "pydantic error code: missing, int_parsing, float_parsing, bool_parsing, date_from_datetime_parsing, greater_than_equal, less_than_equal, value_error, json_invalid, …",
      }),
      loc: z.array(z.union([z.string(), Int])),
      msg: z.string(),
      input: z.unknown(),
      ctx: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
});
export const HTTPError = z.object({ detail: z.string() });

const Marker = z.object({
  mp_route_id: Int,
  name: z.string(),
  latitude: Num,
  longitude: Num,
  grade: NStr,
  type: NStr,
  location_id: NInt,
});

export const MapWithSafety = z.object({
  routes: z.array(
    Marker.extend({
      safety: z
        .object({ risk_score: Num, color_code: Color, status: z.literal("cached") })
        .nullable()
        .meta({ description: "The cached score, or null (never computed here)." }),
    }),
  ),
  meta: z.object({
    total_routes: Int,
    cached_routes: Int,
    missing_routes: Int,
    computed_routes: z.literal(0),
    target_date: z.string(),
    season: z.string(),
  }),
});

const MarkerWithNullSafety = Marker.extend({ safety: z.null() });
export const MapMarkers = z.object({ total: Int, routes: z.array(MarkerWithNullSafety), data: z.array(MarkerWithNullSafety) });

export const RouteSummary = z.object({
  mp_route_id: Int,
  name: z.string(),
  grade: NStr,
  type: NStr,
  url: NStr,
  location_id: NInt,
  length_ft: NNum,
  pitches: NNum,
  latitude: NNum,
  longitude: NNum,
});
export const RouteList = z.object({ total: Int, data: z.array(RouteSummary) });

export const Location = z.object({ mp_id: Int, name: z.string(), route_count: Int, latitude: NNum, longitude: NNum, parent_id: NInt, url: NStr });
export const LocationList = z.object({
  total: Int.meta({ description: "The number of items on this page (the original's behaviour)." }),
  data: z.array(Location),
});

export const RouteDetails = z.object({
  mp_route_id: Int,
  name: z.string(),
  type: NStr,
  grade: NStr,
  pitches: NNum,
  length_ft: NNum,
  latitude: NNum,
  longitude: NNum,
  elevation_meters: NNum,
  location_name: NStr,
  mountain_name: NStr,
  location_id: NInt,
  url: NStr,
  approach_notes: NStr,
});

export const RouteSafety = z.object({ route_id: Int, route_name: z.string(), target_date: z.string(), risk_score: Num, color_code: Color });

const ForecastDay = z.object({
  date: z.string(),
  risk_score: NNum,
  weather_summary: z.string(),
  temp_high: NNum,
  temp_low: NNum,
  temp_avg: NNum,
  precip_mm: NNum,
  precip_chance: NInt,
  wind_speed: NNum,
  cloud_cover: NNum,
  error: z.string().optional().meta({ description: "Only on a day that could not be scored." }),
});
export const Forecast = z.object({
  route_id: Int,
  route_name: z.string(),
  start_date: z.string(),
  forecast_days: z.array(ForecastDay),
  today: ForecastDay.meta({ description: "A copy of forecast_days[0] (the start day)." }),
  elevation_meters: NNum,
});

const AccidentWeather = z.object({ temp: z.string(), temp_avg: NNum, wind_speed: NNum, precipitation: NNum, conditions: z.string() });
export const RouteAccident = z.object({
  accident_id: Int,
  date: NStr,
  route_name: z.string(),
  same_route: z.boolean(),
  injury_severity: NStr,
  distance_km: NNum,
  impact_score: Num,
  mountain: NStr,
  location: NStr,
  state: NStr,
  activity: NStr,
  accident_type: NStr,
  source: NStr,
  age_range: NStr,
  elevation_meters: NNum,
  description: NStr,
  tags: NStr,
  coordinates: z.object({ lat: Num, lon: Num }).nullable(),
  weather: AccidentWeather.nullable(),
});
export const RouteAccidents = z.object({
  route_id: Int,
  route_name: z.string(),
  location_name: z.string(),
  total_accidents: Int,
  accidents: z.array(RouteAccident),
});

const ExtremeWeather = z
  .object({
    enabled: z.boolean(),
    available: z.boolean(),
    is_extreme: z.boolean(),
    multiplier: Num,
    triggered_factors: z.array(z.string()),
    factor_details: z.record(z.string(), z.unknown()),
    reason: z.string().optional(),
  })
  .passthrough();
export const RiskBreakdown = z.object({
  route_id: Int,
  route_name: z.string(),
  target_date: z.string(),
  risk_score: Num,
  num_contributing_accidents: Int,
  factors: z.array(z.object({ name: z.string(), contribution: Num, description: z.string() })),
  extreme_weather: ExtremeWeather,
  top_accidents: z.array(z.object({ accident_id: Int, distance_km: Num, days_ago: Int, total_influence: Num })),
});

const MonthVolatility = z.object({
  month: Int,
  month_label: z.string(),
  temperature_mean: NNum,
  temperature_std: NNum,
  temperature_sample_count: Int,
  precipitation_mean: NNum,
  precipitation_std: NNum,
  precipitation_sample_count: Int,
  wind_speed_mean: NNum,
  wind_speed_std: NNum,
  wind_speed_sample_count: Int,
});
const Volatility = z.union([
  z.object({
    available: z.literal(true),
    reference_date: z.string(),
    source: z.literal("open_meteo_archive"),
    lookback_years: z.literal(5),
    temporal_decay: z.object({ model: z.literal("cyclical_month_exponential"), decay_constant_months: Num }),
    current_values: z.object({ temperature: NNum, precipitation: NNum, wind_speed: NNum }),
    months: z.array(MonthVolatility),
  }),
  z.object({ available: z.literal(false), reference_date: z.string(), message: z.string() }),
]);
export const HistoricalTrends = z.object({
  route_id: Int,
  route_name: z.string(),
  reference_date: z.string(),
  historical_predictions: z.array(z.object({ date: z.string(), risk_score: Num, color_code: z.string() })),
  days_available: Int.optional().meta({ description: "Only when there is history." }),
  summary: z.object({ avg_risk: Num, min_risk: Num, max_risk: Num }).nullable(),
  trend: z.object({ direction: z.enum(["increasing", "decreasing", "stable"]), description: z.string() }).nullable(),
  weather_volatility: Volatility,
  message: z.string().optional().meta({ description: "Only when there is no history." }),
});

const Hour = z.object({
  hour: Int,
  time: z.string(),
  risk_score: Num,
  temperature: NNum,
  precipitation: NNum,
  wind_speed: NNum,
  wind_gusts: NNum,
  cloud_cover: NNum,
  visibility: NNum,
  conditions_summary: z.string(),
  is_daylight: z.boolean(),
  is_climbable: z.boolean(),
});
const ClimbingWindow = z.object({ start_hour: Int, end_hour: Int, duration_hours: Int, avg_risk: Num, conditions: z.string() });
export const TimeOfDay = z.object({
  route_id: Int,
  route_name: z.string(),
  target_date: z.string(),
  base_daily_risk: NNum,
  hourly_data: z.array(Hour).nullable().meta({ description: "null when hourly weather cannot be had (never [])." }),
  climbing_windows: z.array(ClimbingWindow),
  best_window: ClimbingWindow.nullable(),
  recommendation: z.string(),
});

export const AscentAnalytics = z.object({
  route_id: Int,
  route_name: z.string(),
  route_type: NStr,
  total_ascents: Int,
  total_accidents: Int,
  overall_accident_rate: Num,
  monthly_stats: z.array(z.object({ month: z.string(), month_num: Int, ascent_count: Int, accident_count: Int, accident_rate: Num })),
  best_month: NStr,
  worst_month: NStr,
  peak_month: NStr.optional().meta({ description: "Absent on the boulder (excluded) answer." }),
  has_data: z.boolean(),
  message: z.string().optional(),
  excluded_reason: z.string().optional(),
});

const TopAccident = z.object(topAccidentFields);
export const Prediction = z.object({
  risk_score: Num,
  num_contributing_accidents: Int,
  top_contributing_accidents: z.array(TopAccident),
  metadata: z
    .object({
      route_type: z.string(),
      search_date: z.string(),
      vectorized: z.boolean().optional(),
      total_influence_sum: Num.optional(),
      normalization_factor: Num.optional(),
      search_radius_km: Num.optional(),
      extreme_weather: ExtremeWeather.optional(),
      message: z.string().optional(),
    })
    .passthrough(),
  color_code: Color.meta({ description: "Not in the original; harmless extra." }),
});

export const Accident = z.object({
  accident_id: Int,
  source: NStr,
  source_id: NStr,
  date: NStr,
  year: NNum,
  state: NStr,
  location: NStr,
  mountain: NStr,
  route: NStr,
  latitude: NNum,
  longitude: NNum,
  accident_type: NStr,
  activity: NStr,
  injury_severity: NStr,
  age_range: NStr,
  description: NStr,
  tags: NStr,
  mountain_id: NInt,
  route_id: NInt,
});
export const AccidentList = z.object({ total: Int, data: z.array(Accident) });

export const Health = z.object({ status: z.literal("healthy") });

export const RESPONSE_SCHEMAS = {
  HTTPValidationError,
  HTTPError,
  MapWithSafety,
  MapMarkers,
  RouteList,
  LocationList,
  Location,
  RouteDetails,
  RouteSafety,
  Forecast,
  RouteAccidents,
  RiskBreakdown,
  HistoricalTrends,
  TimeOfDay,
  AscentAnalytics,
  Prediction,
  AccidentList,
  Accident,
  Health,
} as const;

export type RouteSummaryT = z.infer<typeof RouteSummary>;
export type LocationT = z.infer<typeof Location>;
export type AccidentT = z.infer<typeof Accident>;
export type RouteAccidentT = z.infer<typeof RouteAccident>;
export type ForecastDayT = z.infer<typeof ForecastDay>;
export type TimeOfDayT = z.infer<typeof TimeOfDay>;
export type HistoricalTrendsT = z.infer<typeof HistoricalTrends>;
export type AscentAnalyticsT = z.infer<typeof AscentAnalytics>;
export type RiskBreakdownT = z.infer<typeof RiskBreakdown>;
