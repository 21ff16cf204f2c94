/**
 * Route scores, cache-first: the one service both API surfaces (/api/v1, /api/v2) stand on.
 *
 * - `compact(routeId, dates)`: the compact scores (`safety_score:{route}:{date}`, what warming
 *   writes); misses computed once (single-flight) and written back with their /map index entries.
 * - `detail(routeId, date)`: the full explanation (`safety_detail:v1:…`), computed on request and
 *   single-flighted; its computation also rewrites the compact score and the index, so the compact
 *   value, the map and the explanation always agree.
 *
 * The HTTP layers only parse parameters, call these and shape the answer.
 */
import type { AppContext } from "../context";
import { keys } from "../cache/keys";
import { readThrough, type ComputedValue, type ReadThroughResult } from "../cache/read-through";
import { addDetailWrite, addScoreWrites, parseCompact, scoreWrite, type CompactScore } from "../cache/scores";
import { getRoutesByIds, type Route } from "../data/routes";
import type { DailyScore } from "./score-service";

/** A route id that does not exist or cannot be located (no own and no mountain coordinates). */
export class RouteNotFound extends Error {
  override readonly name = "RouteNotFound";
  constructor(readonly routeId: number) {
    super(`route ${routeId} does not exist or has no coordinates`);
  }
}

export async function loadRoute(app: AppContext, routeId: number): Promise<Route> {
  const [route] = await getRoutesByIds(app.sql, [routeId]);
  if (!route) throw new RouteNotFound(routeId);
  return route;
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

/** The route's compact scores for `dates`, cache-first. */
export async function compactScores(app: AppContext, routeId: number, dates: readonly string[], opts: { fresh?: boolean } = {}): Promise<CompactResult> {
  const ttl = app.config.scoreTtlSeconds;
  const read = await readThrough(
    app.cache,
    dates.map((d) => keys.score(routeId, d)),
    async (missing) => {
      const route = await loadRoute(app, routeId);
      const computed = await app.scores.computeRouteForecast(route, missing.map((i) => dates[i]!));
      const writes = computed.map((s) => scoreWrite(s, ttl));
      return {
        values: writes.map((w): ComputedValue => ({ raw: w.raw, ttlSeconds: w.ttlSeconds })),
        write: (p) => addScoreWrites(p, writes, ttl),
      };
    },
    { fresh: opts.fresh, accept: isCompact },
  );
  return { scores: read.values.map((raw) => parseCompact(raw)!), read };
}

/** The route's full score (the explanation) for one date, cache-first on its own key. */
export async function detailScore(app: AppContext, routeId: number, date: string, opts: { fresh?: boolean } = {}): Promise<DetailResult> {
  const ttl = app.config.scoreTtlSeconds;
  const read = await readThrough(
    app.cache,
    [keys.scoreDetail(routeId, date)],
    async () => {
      const route = await loadRoute(app, routeId);
      const [score] = await app.scores.computeRouteForecast(route, [date]);
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
    { fresh: opts.fresh, accept: (raw) => parseDetail(raw) !== null },
  );
  return { raw: read.values[0]!, read };
}
