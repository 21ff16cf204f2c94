/**
 * /api/v1 route scores (§3.7, §3.8, §3.10): the marker click's safety POST, the 7-day forecast with
 * each day's weather, and the four-factor risk breakdown — all through the shared cache-first
 * score service (src/service/route-scores.ts), rate-limited on the compute path only.
 */
import { pyRound, unavailableExtremeWeather } from "../../scoring";
import type { ForecastDay } from "../../scoring";
import { dateRange } from "../../dates";
import { gridCell } from "../../weather/cells";
import { compactScores, detailScore, inWindow, isStorableId, parseDetail, scorableWindow, type DateWindow } from "../../service/route-scores";
import type { DailyScore } from "../../service/score-service";
import { routeScoreOptions, weatherBudget } from "../budget";
import { cacheHeaders } from "../cache-headers";
import type { AppRequest } from "../context";
import { countTally } from "../counting";
import { jsonWithEtag } from "../respond";
import { notFound, validationError } from "./errors";
import { parseQuery, pathInt } from "./params";
import { pointOf, routeRecordOf } from "./routes";
import { ForecastQuery, SafetyQuery, TargetDateQuery, type ForecastDayT, type RiskBreakdownT } from "./schemas";

const FORECAST_DAYS = 7;

/** A date the request path may score, else 422 naming the parameter and the window. */
export function scorableDate(date: string, field: string, window: DateWindow = scorableWindow(), location: "query" | "body" = "query"): string {
  if (inWindow(date, window)) return date;
  throw validationError([
    {
      type: "value_error",
      loc: [location, field],
      msg: `Value error, ${field} must be within ${window.first} … ${window.last} (UTC: today−7 … today+14, the weather forecast's reach)`,
      input: date,
      ctx: { error: {} },
    },
  ]);
}

/** The route id of a score path; ids that cannot exist are a 404 without a query. */
function scoreRouteId(req: AppRequest): number {
  const id = pathInt(req.params, "mp_route_id");
  if (!isStorableId(id)) throw notFound("Route");
  return id;
}

/** POST /mp-routes/{mp_route_id}/safety?target_date=&bypass_cache= (no body): the compact score, cache-first. */
export async function routeSafety(req: AppRequest, _env: unknown, ctx: ExecutionContext): Promise<Response> {
  const q = parseQuery(req, SafetyQuery);
  const id = scoreRouteId(req);
  const date = scorableDate(q.target_date, "target_date");
  // bypass_cache is accepted and ignored: cache-first for everyone (the original recomputed).
  const { scores, read } = await compactScores(req.app, id, [date], routeScoreOptions(req, ctx));
  countTally(req.app, ctx, read.tally);
  const s = scores[0]!;
  const body = JSON.stringify({ route_id: id, route_name: s.route_name, target_date: date, risk_score: s.risk_score, color_code: s.color_code });
  return new Response(body, { headers: { "Content-Type": "application/json; charset=utf-8", ...cacheHeaders(read) } });
}

// ------------------------------------------------------------------------------------ forecast

/** §3.8's label: temperature, then sky, then wind (mean T °C, precipitation P mm, cloud C %, max wind W m/s). */
export function weatherSummary(t: number, p: number, c: number, w: number): string {
  const parts = [t < -10 ? "Very Cold" : t < 0 ? "Freezing" : t < 10 ? "Cold" : t < 20 ? "Mild" : "Warm"];
  const sky = p > 10 ? "Heavy Precipitation" : p > 2 ? "Precipitation" : c > 70 ? "Cloudy" : c < 30 ? "Clear" : null;
  if (sky) parts.push(sky);
  const wind = w > 15 ? "Very Windy" : w > 10 ? "Windy" : null;
  if (wind) parts.push(wind);
  return parts.join(", ");
}

const r1 = (v: number | null) => (v === null ? null : pyRound(v, 1));

const UNAVAILABLE = "Weather data unavailable";

function weatherFields(row: ForecastDay | undefined): Omit<ForecastDayT, "date" | "risk_score"> {
  const t = row?.temperature_2m_mean ?? null;
  const p = row?.precipitation_sum ?? null;
  const c = row?.cloud_cover_mean ?? null;
  const w = row?.wind_speed_10m_max ?? null;
  return {
    weather_summary: t !== null && p !== null && c !== null && w !== null ? weatherSummary(t, p, c, w) : UNAVAILABLE,
    temp_high: r1(row?.temperature_2m_max ?? null),
    temp_low: r1(row?.temperature_2m_min ?? null),
    temp_avg: r1(t),
    precip_mm: r1(p),
    precip_chance: p === null ? null : Math.trunc(Math.min(p * 10, 100)),
    wind_speed: r1(w),
    cloud_cover: c === null ? null : pyRound(c, 0),
  };
}

/** A day that cannot be scored: the contract's null shape. */
const unscoredDay = (date: string, error: string): ForecastDayT => ({
  date,
  risk_score: null,
  weather_summary: UNAVAILABLE,
  temp_high: null,
  temp_low: null,
  temp_avg: null,
  precip_mm: null,
  precip_chance: null,
  wind_speed: null,
  cloud_cover: null,
  error,
});

/** GET /mp-routes/{mp_route_id}/forecast?start_date= : start … start+6; days beyond the scorable window are null. */
export async function routeForecast(req: AppRequest, _env: unknown, ctx: ExecutionContext): Promise<Response> {
  const q = parseQuery(req, ForecastQuery);
  const route = await routeRecordOf(req);
  const point = pointOf(route);
  const window = scorableWindow();
  const days = dateRange(q.start_date, FORECAST_DAYS);
  const scorable = days.filter((d) => inWindow(d, window));
  const [scored, weather] = await Promise.all([
    scorable.length ? compactScores(req.app, route.id, scorable, routeScoreOptions(req, ctx)) : null,
    scorable.length
      ? req.app.weather
          .forCells([gridCell(point.latitude, point.longitude)], scorable[0]!, scorable.at(-1)!, weatherBudget(ctx))
          .then((m) => [...m.values()][0])
      : undefined,
  ]);
  if (scored) countTally(req.app, ctx, scored.read.tally);
  const rows = new Map((weather?.forecast ?? []).map((r) => [r.date, r]));
  const forecastDays = days.map((date): ForecastDayT => {
    const i = scorable.indexOf(date);
    if (i < 0 || !scored) return unscoredDay(date, `outside the scorable window ${window.first} … ${window.last}`);
    return { date, risk_score: scored.scores[i]!.risk_score, ...weatherFields(rows.get(date)) };
  });
  const body = {
    route_id: route.id,
    route_name: route.name,
    start_date: q.start_date,
    forecast_days: forecastDays,
    today: forecastDays[0]!,
    elevation_meters: route.elevationM === null ? null : pyRound(route.elevationM, 1),
  };
  return jsonWithEtag(req, body, scored ? cacheHeaders(scored.read) : { "Cache-Control": "public, max-age=300" });
}

// ------------------------------------------------------------------------------------ breakdown

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The four-factor list of §3.10 from a score's top contributing accidents. */
export function breakdownFactors(s: DailyScore, storedType: string | null): RiskBreakdownT["factors"] {
  if (s.num_contributing_accidents === 0 || s.top_contributing_accidents.length === 0) {
    return [{ name: "No Data", contribution: 0, description: "No historical accidents contribute to this route's score." }];
  }
  const top = s.top_contributing_accidents.slice(0, 10);
  let spatial = mean(top.map((a) => a.spatial_weight * a.elevation_weight)) * 100;
  let temporal = mean(top.map((a) => a.temporal_weight)) * 100;
  let weather = mean(top.map((a) => a.weather_weight)) * 100;
  let routeType = mean(top.map((a) => a.route_type_weight)) * 100;
  const sum = spatial + temporal + weather + routeType;
  if (sum > 0)
    [spatial, temporal, weather, routeType] = [spatial, temporal, weather, routeType].map((v) => (v / sum) * 100) as [number, number, number, number];
  const m = s.metadata;
  const ew = "extreme_weather" in m && m.extreme_weather ? m.extreme_weather : null;
  return [
    {
      name: "Spatial Proximity",
      contribution: pyRound(spatial, 1),
      description: `${s.num_contributing_accidents} nearby accidents contribute, weighted by distance with a small elevation bonus.`,
    },
    {
      name: "Temporal Recency",
      contribution: pyRound(temporal, 1),
      description: `The top contributing accidents happened a median of ${Math.round(median(top.map((a) => a.days_ago)))} days before this date.`,
    },
    {
      name: "Weather Similarity",
      contribution: pyRound(weather, 1),
      description: ew?.available
        ? `Weather similar to the accidents' conditions; extreme-weather multiplier ${ew.multiplier.toFixed(2)}×.`
        : "Weather similar to the accidents' conditions; the extreme-weather signal is unavailable for this route.",
    },
    {
      name: "Route Type Match",
      contribution: pyRound(routeType, 1),
      description: `How closely the accidents' activities match this route's type (${storedType ?? "unknown"}).`,
    },
  ];
}

/** GET /mp-routes/{mp_route_id}/risk-breakdown?target_date= */
export async function riskBreakdown(req: AppRequest, _env: unknown, ctx: ExecutionContext): Promise<Response> {
  const q = parseQuery(req, TargetDateQuery);
  const route = await routeRecordOf(req);
  pointOf(route);
  const date = scorableDate(q.target_date, "target_date");
  const { raw, read } = await detailScore(req.app, route.id, date, routeScoreOptions(req, ctx));
  countTally(req.app, ctx, read.tally);
  const s = parseDetail(raw)!;
  const m = s.metadata;
  const body: RiskBreakdownT = {
    route_id: route.id,
    route_name: route.name,
    target_date: date,
    risk_score: pyRound(s.risk_score, 1),
    num_contributing_accidents: s.num_contributing_accidents,
    factors: breakdownFactors(s, route.type),
    extreme_weather: ("extreme_weather" in m && m.extreme_weather ? m.extreme_weather : unavailableExtremeWeather(true)) as RiskBreakdownT["extreme_weather"],
    top_accidents: s.top_contributing_accidents.slice(0, 5).map((a) => ({
      accident_id: a.accident_id,
      distance_km: pyRound(a.distance_km, 1),
      days_ago: a.days_ago,
      total_influence: pyRound(a.total_influence, 3),
    })),
  };
  return jsonWithEtag(req, body, cacheHeaders(read));
}
