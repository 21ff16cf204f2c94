/**
 * Scores, cache-first: the one service both API surfaces (/api/v1, /api/v2) stand on.
 *
 * - `compactScores(routeId, dates)`: the compact scores (`safety_score:{route}:{date}`, what warming
 *   writes); misses computed once (single-flight) and written back with their map index entries.
 * - `detailScore(routeId, date)`: the full explanation (`safety_detail:v1:…`), computed on request
 *   and single-flighted; its computation also rewrites the compact score and the index, so the
 *   compact value, the map and the explanation always agree.
 * - `pointScore(point, date)`: an arbitrary point (POST /predict), scored and cached on the predict
 *   grid (0.01°, the weather cell; elevation to 10 m), so nearby points share one computation.
 *
 * Every computation (a miss) first calls the caller's `beforeCompute` (the HTTP layers' rate limit):
 * a hit, or a request that waits for another's flight, never reaches it. The request path's
 * weather budget (`weather`) is handed to the score service.
 *
 * The HTTP layers only parse parameters, call these and shape the answer.
 */
import type { AppContext } from "../context";
import { keys } from "../cache/keys";
import { readThrough, type ComputedValue, type ReadThroughResult } from "../cache/read-through";
import { addDetailWrite, addScoreWrites, parseCompact, scoreTtl, scoreWrite, type CompactScore } from "../cache/scores";
import { addDays, todayUtc } from "../dates";
import { getRoutesByIds, type Route } from "../data/routes";
import type { DailyScore } from "./score-service";
import { gridCell } from "../weather/cells";
import { FORECAST_LAST_DAY, type WeatherCallOptions } from "../weather/weather-service";

/** Largest id Postgres can hold in an `integer` column: anything beyond cannot exist. */
export const MAX_INT32 = 2_147_483_647;

/** A route id that does not exist (or, as the subclass says, exists but cannot be located). */
export class RouteNotFound extends Error {
  override readonly name: string = "RouteNotFound";
  constructor(
    readonly routeId: number,
    message = `route ${routeId} does not exist or has no coordinates`,
  ) {
    super(message);
  }
}

/** The route exists but has neither own nor mountain coordinates: it cannot be scored. */
export class RouteUnlocated extends RouteNotFound {
  override readonly name = "RouteUnlocated";
  constructor(routeId: number) {
    super(routeId, `route ${routeId} has no coordinates (neither its own nor its mountain's)`);
  }
}

export const isStorableId = (id: number) => Number.isInteger(id) && id >= 1 && id <= MAX_INT32;

/** The route as the score uses it; RouteNotFound / RouteUnlocated otherwise (no query for ids beyond int32). */
export async function loadRoute(app: AppContext, routeId: number): Promise<Route> {
  if (!isStorableId(routeId)) throw new RouteNotFound(routeId);
  const [route] = await getRoutesByIds(app.sql, [routeId]);
  if (route) return route;
  // Only on the failure path: tell "unknown" from "not locatable".
  const exists = await app.sql.query(`SELECT 1 FROM routes WHERE route_id = $1`, [routeId]);
  throw exists.length ? new RouteUnlocated(routeId) : new RouteNotFound(routeId);
}

/**
 * Dates the request path scores on demand (UTC): the past week (browsers west of UTC, recent
 * days) up to the forecast's reach (Open-Meteo forecasts 16 days). Outside it a score cannot be
 * had with real weather, and each far date would cost its own weather window.
 */
export const SCORABLE_PAST_DAYS = 7;
/** As far as the forecast window the weather service asks for (one day inside Open-Meteo's reach). */
export const SCORABLE_FUTURE_DAYS = FORECAST_LAST_DAY;

export interface DateWindow {
  first: string;
  last: string;
}

export function scorableWindow(now = new Date()): DateWindow {
  const today = todayUtc(now);
  return { first: addDays(today, -SCORABLE_PAST_DAYS), last: addDays(today, SCORABLE_FUTURE_DAYS) };
}

export const inWindow = (date: string, w: DateWindow) => date >= w.first && date <= w.last;

/** Request-path weather options, handed to the weather service (deadline: answer with the fallback after it). */
export type WeatherBudget = WeatherCallOptions;

export interface ScoreOptions {
  /** Skip the cache read (an operator's recompute); still write. */
  fresh?: boolean;
  /** Called once before an engine run on a miss; throws to refuse it (rate limits). */
  beforeCompute?: () => Promise<void>;
  weather?: WeatherBudget;
}

export interface CompactResult {
  scores: CompactScore[];
  read: ReadThroughResult;
}

export interface DetailResult {
  /** The exact cached bytes of the `DailyScore` (served as they are; `parseDetail` to read them). */
  raw: string;
  read: ReadThroughResult;
}

const isCompact = (raw: string) => parseCompact(raw) !== null;

/** A cached explanation, or null when the text is not one (validated before it is served). */
export function parseDetail(raw: string): DailyScore | null {
  try {
    const v = JSON.parse(raw) as DailyScore;
    return typeof v?.route_id === "number" && typeof v.risk_score === "number" && Array.isArray(v.top_contributing_accidents) ? v : null;
  } catch {
    return null;
  }
}

/** The score service's computation with the request's weather budget. */
function compute(app: AppContext, route: Route, dates: readonly string[], opts: ScoreOptions): Promise<DailyScore[]> {
  return app.scores.computeRouteForecast(route, dates, opts.weather);
}

/** The route's compact scores for `dates`, cache-first. */
export async function compactScores(app: AppContext, routeId: number, dates: readonly string[], opts: ScoreOptions = {}): Promise<CompactResult> {
  const ttl = app.config.scoreTtlSeconds;
  const read = await readThrough(
    app.cache,
    dates.map((d) => keys.score(routeId, d)),
    async (missing) => {
      const route = await loadRoute(app, routeId);
      await opts.beforeCompute?.();
      const computed = await compute(
        app,
        route,
        missing.map((i) => dates[i]!),
        opts,
      );
      const writes = computed.map((s) => scoreWrite(s, ttl));
      return {
        values: writes.map((w): ComputedValue => ({ raw: w.raw, ttlSeconds: w.ttlSeconds })),
        write: (p) => addScoreWrites(p, writes, ttl),
      };
    },
    { fresh: opts.fresh, accept: isCompact, maxAgeCapSeconds: ttl },
  );
  return { scores: read.values.map((raw) => parseCompact(raw)!), read };
}

/** The route's full score (the explanation) for one date, cache-first on its own key. */
export async function detailScore(app: AppContext, routeId: number, date: string, opts: ScoreOptions = {}): Promise<DetailResult> {
  const ttl = app.config.scoreTtlSeconds;
  const read = await readThrough(
    app.cache,
    [keys.scoreDetail(routeId, date)],
    async () => {
      const route = await loadRoute(app, routeId);
      await opts.beforeCompute?.();
      const [score] = await compute(app, route, [date], opts);
      const write = scoreWrite(score!, ttl);
      const raw = JSON.stringify(score);
      return {
        values: [{ raw, ttlSeconds: write.ttlSeconds }],
        write: (p) => {
          addDetailWrite(p, routeId, date, raw, write.ttlSeconds);
          addScoreWrites(p, [write], ttl);
        },
      };
    },
    { fresh: opts.fresh, accept: (raw) => parseDetail(raw) !== null, maxAgeCapSeconds: ttl },
  );
  return { raw: read.values[0]!, read };
}

// ------------------------------------------------------------------------------------ points

/** Elevations are scored to the nearest 10 m. */
export const PREDICT_ELEVATION_STEP_M = 10;
/** How long a point's score is cached (and at most what a fallback score keeps). */
export const PREDICT_TTL_SECONDS = 900;

export interface PointQuery {
  latitude: number;
  longitude: number;
  /** A canonical route type. */
  routeType: string;
  elevationM: number | null;
  grade: string | null;
}

/** Where a point is scored: the centre of its 0.01° weather cell (the predict grid), and its elevation step. */
export function predictGridPoint(q: Pick<PointQuery, "latitude" | "longitude" | "elevationM">): {
  latitude: number;
  longitude: number;
  elevationM: number | null;
} {
  const cell = gridCell(q.latitude, q.longitude);
  return {
    latitude: cell.latitude,
    longitude: cell.longitude,
    elevationM: q.elevationM === null ? null : Math.round(q.elevationM / PREDICT_ELEVATION_STEP_M) * PREDICT_ELEVATION_STEP_M,
  };
}

/** The cache key of a point's score: its grid point, elevation step, type and grade. */
export function pointKey(q: PointQuery, date: string): string {
  const grid = predictGridPoint(q);
  const grade = q.grade === null ? "-" : encodeURIComponent(q.grade.trim().toLowerCase());
  return keys.predict(`${date}:${q.routeType}:${grid.latitude.toFixed(2)}:${grid.longitude.toFixed(2)}:${grid.elevationM ?? "-"}:${grade}`);
}

export interface PointResult {
  /** JSON of the `DailyScore` without route_id/route_name (the exact cached bytes). */
  raw: string;
  read: ReadThroughResult;
  grid: ReturnType<typeof predictGridPoint>;
}

/** A point's score for one date, cache-first on the predict grid. */
export async function pointScore(app: AppContext, q: PointQuery, date: string, opts: ScoreOptions = {}): Promise<PointResult> {
  const grid = predictGridPoint(q);
  const key = pointKey(q, date);
  const point: Route = {
    id: 0,
    name: "point",
    mountainId: null,
    mountainName: null,
    type: q.routeType,
    grade: q.grade,
    latitude: grid.latitude,
    longitude: grid.longitude,
    elevationM: grid.elevationM,
    accidentCount: 0,
    mountainAccidentCount: 0,
  };
  const read = await readThrough(
    app.cache,
    [key],
    async () => {
      await opts.beforeCompute?.();
      const [score] = await compute(app, point, [date], opts);
      const { route_id: _id, route_name: _name, ...fields } = score!;
      return { values: [{ raw: JSON.stringify(fields), ttlSeconds: scoreTtl(score!, PREDICT_TTL_SECONDS) }] };
    },
    { accept: (raw) => raw.startsWith("{") && raw.includes('"risk_score"') },
  );
  return { raw: read.values[0]!, read, grid };
}
