/**
 * Score endpoints of a route: safety (one date, the full explanation), forecast (7 days, compact
 * scores + the weather of each day), breakdown (why). All cache-first through src/service/route-scores.ts;
 * this module only parses parameters and shapes answers.
 */
import { pyRound } from "../../scoring";
import { gridCell } from "../../weather/cells";
import { weatherForDate } from "../../weather/cell-weather";
import { dateRange } from "../../dates";
import { accidentBriefs } from "../../data/queries";
import { compactScores, detailScore, loadRoute, parseDetail } from "../../service/route-scores";
import type { DailyScore } from "../../service/score-service";
import type { AppRequest } from "../context";
import { isAdmin } from "../auth";
import { cacheHeaders } from "../cache-headers";
import { HttpError, unprocessable } from "../errors";
import { parseQuery } from "../validate";
import { forecastWindow, pathId, requireInWindow } from "./params";
import { jsonWithEtag } from "../respond";
import { countTally } from "../counting";
import { routeScoreOptions, weatherBudget } from "../budget";
import { BreakdownQuery, FORECAST_WINDOW_DAYS, ForecastQuery, SafetyQuery, type BreakdownT, type ForecastT } from "./schemas";

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

/** GET /routes/:id/safety?date=&fresh= : the full score (its explanation included). */
export async function safety(req: AppRequest, _env: unknown, ctx: ExecutionContext): Promise<Response> {
  const id = pathId(req.params);
  const q = parseQuery(req, SafetyQuery);
  const date = targetDate(q.date);
  if (q.fresh) await requireAdminForFresh(req);
  const { raw, read } = await detailScore(req.app, id, date, q.fresh ? { fresh: true } : routeScoreOptions(req, ctx));
  countTally(req.app, ctx, read.tally);
  return jsonWithEtag(req, raw, cacheHeaders(read, !q.fresh));
}

/** GET /routes/:id/forecast?start= : the 7 days start … start+6, one read, only the missing days computed. */
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
  const [{ scores, read }, route] = await Promise.all([compactScores(req.app, id, dates, routeScoreOptions(req, ctx)), loadRoute(req.app, id)]);
  countTally(req.app, ctx, read.tally);
  // The weather of each day, from the cell's cached forecast (the one the scores were computed from).
  const cell = gridCell(route.latitude, route.longitude);
  const cw = (await req.app.weather.forCells([cell], dates[0]!, dates.at(-1)!, weatherBudget(ctx))).get(cell.key);
  const body: ForecastT = {
    route_id: id,
    route_name: route.name,
    start,
    days: scores.map((s, i) => {
      const w = weatherForDate(cw, s.target_date);
      return {
        date: s.target_date,
        risk_score: s.risk_score,
        color_code: s.color_code,
        num_contributing_accidents: s.num_contributing_accidents,
        weather: { status: s.weather, climate_available: s.climate, notes: w.notes, days: w.forecast },
        computed_at: s.computed_at,
        cached: read.fromCache[i]!,
      };
    }),
  };
  return jsonWithEtag(req, body, cacheHeaders(read));
}

/** GET /routes/:id/breakdown?date= : the factor weights behind the score and its top accidents. */
export async function breakdown(req: AppRequest, _env: unknown, ctx: ExecutionContext): Promise<Response> {
  const id = pathId(req.params);
  const date = targetDate(parseQuery(req, BreakdownQuery).date);
  const { raw, read } = await detailScore(req.app, id, date, routeScoreOptions(req, ctx));
  countTally(req.app, ctx, read.tally);
  const s = parseDetail(raw) as DailyScore;
  const top = s.top_contributing_accidents;
  const briefs = await accidentBriefs(
    req.app.sql,
    top.map((a) => a.accident_id),
  );
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
  return jsonWithEtag(req, body, cacheHeaders(read));
}
