/**
 * The public API's zod schemas: requests (validated at the edge) and responses (the OpenAPI
 * components, and what the tests check real responses against). src/http/openapi.ts turns both
 * into the OpenAPI document, so documentation and validation cannot drift apart.
 */
import { z } from "zod";
import { CanonicalType, IsoDate, Latitude, Longitude, lower, MAX_BODY_BYTES, MAX_ID, routeTypes, topAccidentFields } from "../schema-blocks";

export { IsoDate, MAX_BODY_BYTES, MAX_ID };
/** The forecast window of the route endpoints and /predict: today … today+6 (UTC). */
export const FORECAST_WINDOW_DAYS = 7;

// ---------------------------------------------------------------- request building blocks

/** A path id: a positive 32-bit integer written plainly (no sign, zeros, exponent or spaces). */
export const IdParam = z
  .string()
  .regex(/^[1-9]\d{0,9}$/, "must be a positive integer")
  .transform(Number)
  .refine((n) => n <= MAX_ID, `must be at most ${MAX_ID}`)
  .meta({ description: "A positive integer id.", example: "42" });

const NUM = String.raw`-?\d{1,3}(?:\.\d+)?`;
const BBOX_RE = new RegExp(`^${NUM},${NUM},${NUM},${NUM}$`);

export const BBoxParam = z
  .string()
  .regex(BBOX_RE, "must be minLon,minLat,maxLon,maxLat (decimal degrees)")
  .transform((s) => {
    const [minLon, minLat, maxLon, maxLat] = s.split(",").map(Number) as [number, number, number, number];
    return { minLon, minLat, maxLon, maxLat };
  })
  .refine((b) => [b.minLon, b.maxLon].every((x) => x >= -180 && x <= 180), "longitudes must be within -180..180")
  .refine((b) => [b.minLat, b.maxLat].every((y) => y >= -90 && y <= 90), "latitudes must be within -90..90")
  .refine((b) => b.minLon < b.maxLon && b.minLat < b.maxLat, "min must be less than max (boxes across the antimeridian are not supported)")
  .meta({ description: "Bounding box minLon,minLat,maxLon,maxLat in decimal degrees (WGS84).", example: "-105.8,40.1,-105.5,40.4" });

export const RouteTypeParam = z.preprocess(lower, CanonicalType).meta({ description: "A canonical route type (case-insensitive)." });

const Limit = (max: number, dflt: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(max)
    .default(dflt)
    .meta({ description: `Page size, 1..${max} (default ${dflt}).` });

const Cursor = z.string().min(1).max(64).meta({ description: "Opaque cursor from the previous page's next_cursor." });

const Flag = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

// ---------------------------------------------------------------- requests

export const RoutesQuery = z
  .object({
    bbox: BBoxParam.optional(),
    type: RouteTypeParam.optional().meta({ description: "Only routes of this canonical type (spec 4.1 mapping of the stored type)." }),
    q: z.string().trim().min(1).max(100).optional().meta({ description: "Case-insensitive substring of the route or mountain name." }),
    limit: Limit(200, 50),
    cursor: Cursor.optional(),
  })
  .strict();

export const SafetyQuery = z
  .object({
    date: IsoDate.optional().meta({ description: "Target date within today … today+6 (UTC); default today." }),
    fresh: Flag.optional().meta({ description: "Recompute and rewrite the cached score (admin bearer token required)." }),
  })
  .strict();

export const ForecastQuery = z
  .object({
    start: IsoDate.optional().meta({
      description: "First day; the 7 days start … start+6 must lie in the forecast window today … today+6 (UTC), so start is today (default).",
    }),
  })
  .strict();

export const BreakdownQuery = z.object({ date: IsoDate.optional().meta({ description: "Target date within today … today+6 (UTC); default today." }) }).strict();

export const MapQuery = z
  .object({
    bbox: BBoxParam,
    date: IsoDate.optional().meta({ description: "Date within today … today+6 (UTC); default today." }),
  })
  .strict();

const SEVERITIES = ["fatal", "serious", "minor", "unknown"] as const;

export const AccidentsQuery = z
  .object({
    bbox: BBoxParam.optional(),
    since: IsoDate.optional().meta({ description: "Only accidents on or after this date." }),
    severity: z
      .preprocess(
        lower,
        z.string().regex(/^(fatal|serious|minor|unknown)(,(fatal|serious|minor|unknown))*$/, `must be a comma-separated list of ${SEVERITIES.join(", ")}`),
      )
      .transform((s) => [...new Set((s as string).split(","))])
      .optional()
      .meta({ description: `Injury severities to keep, comma-separated: ${SEVERITIES.join(", ")}.` }),
    limit: Limit(200, 50),
    cursor: Cursor.optional(),
  })
  .strict();

export const PredictBody = z
  .object({
    latitude: Latitude,
    longitude: Longitude,
    date: IsoDate.meta({ description: "Target date within today … today+6 (UTC)." }),
    route_type: RouteTypeParam,
    elevation_m: z
      .number()
      .min(-500)
      .max(9000)
      .nullable()
      .optional()
      .meta({ description: "Elevation in metres; omitted or null = unknown (neutral elevation factor)." }),
  })
  .strict();

// ---------------------------------------------------------------- responses

const Num = z.number();
const NullableNum = z.number().nullable();
const NullableStr = z.string().nullable();
const Int = z.number().int();

export const ErrorBody = z.strictObject({
  error: z.strictObject({
    code: z.string(),
    message: z.string(),
    field: z.string().optional(),
  }),
});

export const RouteView = z.strictObject({
  id: Int,
  name: z.string(),
  mountain_id: Int.nullable(),
  mountain_name: NullableStr,
  type: NullableStr.meta({ description: "The route type as stored." }),
  canonical_type: z.enum(routeTypes).meta({ description: "The canonical type the score uses (spec 4.1)." }),
  grade: NullableStr,
  latitude: Num,
  longitude: Num,
  elevation_m: NullableNum.meta({ description: "The mountain's elevation (metres), null when unknown." }),
  accident_count: Int,
  mountain_accident_count: Int,
});

export const RouteList = z.strictObject({ routes: z.array(RouteView), next_cursor: NullableStr });

export const TopAccident = z.strictObject(topAccidentFields);

const ExtremeFactorName = z.enum(["wind_speed", "precipitation", "temperature", "visibility"]);
const ExtremeFactorDetail = z.strictObject({
  current_value: Num,
  mean: NullableNum,
  std_dev: NullableNum,
  z_score: NullableNum,
  is_extreme: z.boolean(),
  sds_beyond_threshold: Num.optional(),
  penalty_per_sd: Num.optional(),
  factor_multiplier: Num,
});

export const ExtremeWeather = z.strictObject({
  enabled: z.boolean(),
  available: z.boolean(),
  multiplier: Num,
  is_extreme: z.boolean(),
  triggered_factors: z.array(ExtremeFactorName),
  factor_details: z.strictObject({
    wind_speed: ExtremeFactorDetail.optional(),
    precipitation: ExtremeFactorDetail.optional(),
    temperature: ExtremeFactorDetail.optional(),
    visibility: ExtremeFactorDetail.optional(),
  }),
  reason: z.literal("historical_weather_unavailable").optional(),
  source: z.unknown().optional(),
  volatility: z.unknown().optional(),
  reference_month: z.unknown().optional(),
});

const ScoreMetadata = z.strictObject({
  route_type: z.enum(routeTypes),
  search_date: z.string(),
  total_influence_sum: Num,
  normalization_factor: Num,
  vectorized: z.literal(true),
  search_radius_km: Num,
  extreme_weather: ExtremeWeather,
});
const EmptyMetadata = z.strictObject({
  message: z.string(),
  route_type: z.enum(routeTypes),
  search_date: z.string(),
  search_radius_km: Num.optional(),
});

export const ForecastRow = z.strictObject({
  date: z.string(),
  temperature_2m_mean: NullableNum,
  temperature_2m_min: NullableNum,
  temperature_2m_max: NullableNum,
  precipitation_sum: NullableNum,
  wind_speed_10m_max: NullableNum,
  cloud_cover_mean: NullableNum,
});

export const WeatherUsed = z
  .strictObject({
    status: z.enum(["ok", "forecast_unavailable"]),
    climate_available: z.boolean().meta({ description: "Whether climate statistics were available (without them no extreme-weather amplification applies)." }),
    notes: z.array(z.string()),
    days: z.array(ForecastRow).nullable().meta({ description: "The forecast rows T−6 … T the score used; null when unavailable (then W = 0.5, spec 13)." }),
  })
  .meta({ description: "The weather the score used. forecast_unavailable: the weather source failed and the spec's fallback applied." });

const scoreFields = {
  date: z.string(),
  risk_score: Num.min(0).max(100).meta({ description: "0–100, unrounded (spec 9)." }),
  num_contributing_accidents: Int,
  top_contributing_accidents: z.array(TopAccident),
  metadata: z.union([ScoreMetadata, EmptyMetadata]),
  color_code: z.enum(["green", "yellow", "orange", "red"]).meta({ description: "<30 green, <50 yellow, <70 orange, else red." }),
  canonical_route_type: z.enum(routeTypes),
  weather: WeatherUsed,
  computed_at: z.string(),
  data_version: Int,
};

export const SafetyResponse = z.strictObject({ route_id: Int, route_name: z.string(), ...scoreFields });

export const PredictResponse = z.strictObject({
  location: z.strictObject({ latitude: Num, longitude: Num, elevation_m: NullableNum, route_type: z.enum(routeTypes) }),
  ...scoreFields,
});

export const ForecastDayScore = z.strictObject({
  date: z.string(),
  risk_score: Num.meta({ description: "Rounded to 1 dp." }),
  color_code: scoreFields.color_code,
  num_contributing_accidents: Int,
  weather: WeatherUsed,
  computed_at: z.string(),
  cached: z.boolean().meta({ description: "Served from the score cache (false: computed for this request)." }),
});

export const ForecastResponse = z.strictObject({
  route_id: Int,
  route_name: z.string(),
  start: z.string(),
  days: z.array(ForecastDayScore),
});

const FactorWeights = z.strictObject({
  accident_id: Int,
  spatial: Num,
  temporal: Num,
  elevation: Num,
  weather: Num.meta({ description: "W (not W³)." }),
  route_type: Num,
  severity: Num,
  grade: Num,
  influence: Num,
});

export const BreakdownResponse = z.strictObject({
  route_id: Int,
  route_name: z.string(),
  date: z.string(),
  risk_score: Num.meta({ description: "Rounded to 1 dp." }),
  color_code: scoreFields.color_code,
  canonical_route_type: z.enum(routeTypes),
  num_contributing_accidents: Int,
  message: NullableStr.meta({ description: "Why the score is 0 when no (compatible) accidents were found." }),
  factors: z.strictObject({
    total_influence_sum: Num,
    normalization_factor: Num,
    per_accident: z.array(FactorWeights).meta({ description: "The engine's factor weights of each top contributing accident." }),
    extreme_weather: ExtremeWeather.nullable(),
    weather: WeatherUsed,
  }),
  top_contributing_accidents: z.array(
    z.strictObject({
      accident_id: Int,
      date: NullableStr,
      distance_km: Num,
      days_ago: Int,
      severity: NullableStr,
      influence: Num,
    }),
  ),
});

export const MapResponse = z.strictObject({
  date: z.string(),
  routes: z.array(z.strictObject({ id: Int, lat: Num, lon: Num, risk: Num.meta({ description: "Rounded to 1 dp." }), color: scoreFields.color_code })),
  missing: z.array(Int).meta({ description: "Routes in the box whose score for the date is not cached (not computed by this endpoint)." }),
  truncated: z.boolean().meta({ description: "More routes lie in the box than one answer holds; zoom in." }),
});

export const AccidentSummaryView = z.strictObject({
  id: Int,
  date: NullableStr,
  latitude: NullableNum,
  longitude: NullableNum,
  state: NullableStr,
  location: NullableStr,
  mountain: NullableStr,
  route: NullableStr,
  mountain_id: Int.nullable(),
  route_id: Int.nullable(),
  accident_type: NullableStr,
  activity: NullableStr,
  injury_severity: NullableStr,
  source: NullableStr,
});

export const AccidentList = z.strictObject({ accidents: z.array(AccidentSummaryView), next_cursor: NullableStr });

export const AccidentView = z.strictObject({
  ...AccidentSummaryView.shape,
  source_id: NullableStr,
  year: Int.nullable(),
  age_range: NullableStr,
  tags: NullableStr,
  description: NullableStr,
});

/** Response components by name (the OpenAPI `components.schemas`). */
export const RESPONSE_SCHEMAS = {
  Error: ErrorBody,
  Route: RouteView,
  RouteList,
  TopContributingAccident: TopAccident,
  ExtremeWeather,
  ForecastRow,
  WeatherUsed,
  SafetyScore: SafetyResponse,
  PredictScore: PredictResponse,
  ForecastDayScore,
  Forecast: ForecastResponse,
  Breakdown: BreakdownResponse,
  MapScores: MapResponse,
  AccidentSummary: AccidentSummaryView,
  AccidentList,
  Accident: AccidentView,
} as const;

export type RouteViewT = z.infer<typeof RouteView>;
export type BreakdownT = z.infer<typeof BreakdownResponse>;
export type ForecastT = z.infer<typeof ForecastResponse>;
export type MapT = z.infer<typeof MapResponse>;
export type AccidentViewT = z.infer<typeof AccidentView>;
export type AccidentSummaryViewT = z.infer<typeof AccidentSummaryView>;
