/**
 * Score endpoints of a route: safety (one date), forecast (7 days), breakdown (why), all cache-first
 * on `safety_score:{route_id}:{date}`; misses computed through the score service once (single-flight)
 * and written back with the warmer's TTL, together with their `safety_map:{date}` index entries.
 */
import { pyRound } from "../../scoring";
import type { AppContext } from "../../context";
import { addScoreWrites, scoreKey } from "../../cache/scores";
import { dateRange } from "../../dates";
import { accidentBriefs } from "../../data/queries";
import { getRoutesByIds, type Route } from "../../data/routes";
import type { DailyScore } from "../../service/score-service";
import type { AppRequest } from "../router";
import { isAdmin } from "../auth";
import { HttpError, notFound, unprocessable } from "../errors";
import { parseQuery } from "../validate";
import { forecastWindow, pathId, requireInWindow } from "./params";
import { jsonWithEtag } from "./respond";
import { cacheFirst, cacheHeaders, countLater } from "./score-cache";
import { BreakdownQuery, FORECAST_WINDOW_DAYS, ForecastQuery, SafetyQuery, type BreakdownT, type ForecastT } from "./schemas";

export async function loadRoute(app: AppContext, id: number): Promise<Route> {
  const [route] = await getRoutesByIds(app.sql, [id]);
  if (!route) throw notFound(`route ${id} does not exist or has no coordinates`);
  return route;
}

/** The route's scores for `dates`, cache-first; values are the cached JSON strings. */
function routeScores(app: AppContext, routeId: number, dates: readonly string[], fresh = false) {
  return cacheFirst(
    app,
    dates.map((d) => scoreKey(routeId, d)),
    app.config.scoreTtlSeconds,
    async (missing) => {
      const route = await loadRoute(app, routeId);
      const scores = await app.scores.computeRouteForecast(route, missing.map((i) => dates[i]!));
      const raws = scores.map((s) => JSON.stringify(s));
      // The scores and their /map index entries, in one pipeline (as the warmer writes them).
      return { raws, write: (p) => addScoreWrites(p, scores, app.config.scoreTtlSeconds, raws) };
    },
    fresh,
  );
}

/** fresh=true is an operator's action: 401 without a bearer token, 403 with a wrong one. */
async function requireAdminForFresh(req: AppRequest): Promise<void> {
  if (!req.headers.get("Authorization")) {
    throw new HttpError(401, "unauthorized", "fresh=true requires the admin bearer token", "fresh", { "WWW-Authenticate": 'Bearer realm="admin"' });
  }
  if (!(await isAdmin(req, req.app.config.adminToken))) throw new HttpError(403, "forbidden", "fresh=true: the bearer token is not the admin token", "fresh");
}

function targetDate(date: string | undefined): string {
  const window = forecastWindow();
  const d = date ?? window.first;
  requireInWindow(d, "date", window);
  return d;
}

/** GET /routes/:id/safety?date=&fresh= */
export async function safety(req: AppRequest, _env: unknown, ctx: ExecutionContext): Promise<Response> {
  const id = pathId(req.params);
  const q = parseQuery(req, SafetyQuery);
  const date = targetDate(q.date);
  if (q.fresh) await requireAdminForFresh(req);
  const result = await routeScores(req.app, id, [date], q.fresh);
  countLater(req.app, ctx, result.tally);
  return jsonWithEtag(req, result.values[0]!, cacheHeaders(result, !q.fresh));
}

/** GET /routes/:id/forecast?start= : the 7 days start … start+6, one MGET, only the missing days computed. */
export async function forecast(req: AppRequest, _env: unknown, ctx: ExecutionContext): Promise<Response> {
  const id = pathId(req.params);
  const q = parseQuery(req, ForecastQuery);
  const window = forecastWindow();
  const start = q.start ?? window.first;
  if (start !== window.first) {
    throw unprocessable(
      `start: the ${FORECAST_WINDOW_DAYS} days start … start+${FORECAST_WINDOW_DAYS - 1} must lie within the forecast window ${window.first} … ${window.last} (UTC), so start must be ${window.first}; got ${start}`,
      "start",
    );
  }
  const dates = dateRange(start, FORECAST_WINDOW_DAYS);
  const result = await routeScores(req.app, id, dates);
  countLater(req.app, ctx, result.tally);
  const scores = result.values.map((v) => JSON.parse(v) as DailyScore);
  const body: ForecastT = {
    route_id: id,
    route_name: scores[0]!.route_name,
    start,
    days: scores.map((s, i) => ({
      date: s.date,
      risk_score: pyRound(s.risk_score, 1),
      color_code: s.color_code,
      num_contributing_accidents: s.num_contributing_accidents,
      weather: s.weather,
      computed_at: s.computed_at,
      cached: result.fromCache[i]!,
    })),
  };
  return jsonWithEtag(req, body, cacheHeaders(result));
}

/** GET /routes/:id/breakdown?date= : the factor weights behind the score and its top accidents. */
export async function breakdown(req: AppRequest, _env: unknown, ctx: ExecutionContext): Promise<Response> {
  const id = pathId(req.params);
  const date = targetDate(parseQuery(req, BreakdownQuery).date);
  const result = await routeScores(req.app, id, [date]);
  countLater(req.app, ctx, result.tally);
  const s = JSON.parse(result.values[0]!) as DailyScore;
  const top = s.top_contributing_accidents;
  const briefs = await accidentBriefs(req.app.sql, top.map((a) => a.accident_id));
  const m = s.metadata;
  const body: BreakdownT = {
    route_id: s.route_id,
    route_name: s.route_name,
    date: s.date,
    risk_score: pyRound(s.risk_score, 1),
    color_code: s.color_code,
    canonical_route_type: s.canonical_route_type,
    num_contributing_accidents: s.num_contributing_accidents,
    message: "message" in m ? m.message : null,
    factors: {
      total_influence_sum: "total_influence_sum" in m ? m.total_influence_sum : 0,
      normalization_factor: "normalization_factor" in m ? m.normalization_factor : 7,
      per_accident: top.map((a) => ({
        accident_id: a.accident_id,
        spatial: a.spatial_weight,
        temporal: a.temporal_weight,
        elevation: a.elevation_weight,
        weather: a.weather_weight,
        route_type: a.route_type_weight,
        severity: a.severity_weight,
        grade: a.grade_weight,
        influence: a.total_influence,
      })),
      extreme_weather: "extreme_weather" in m ? m.extreme_weather : null,
      weather: s.weather,
    },
    top_contributing_accidents: top.map((a) => ({
      accident_id: a.accident_id,
      date: briefs.get(a.accident_id)?.date ?? null,
      distance_km: a.distance_km,
      days_ago: a.days_ago,
      severity: briefs.get(a.accident_id)?.injurySeverity ?? null,
      influence: a.total_influence,
    })),
  };
  return jsonWithEtag(req, body, cacheHeaders(result));
}
