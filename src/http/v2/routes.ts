/** GET /routes (filters, keyset pagination) and GET /routes/:id. */
import { canonicalRouteType, type CanonicalRouteType } from "../../scoring";
import type { Sql } from "../../data/db";
import { distinctRouteTypes, listRoutes } from "../../data/queries";
import type { Route } from "../../data/routes";
import type { AppRequest } from "../context";
import { parseQuery } from "../validate";
import { decodeCursor, page, pathId } from "./params";
import { jsonWithEtag } from "../respond";
import { loadRoute } from "../../service/route-scores";
import { RoutesQuery, type RouteViewT } from "./schemas";

/** Route data changes only with an import. */
const ROUTE_CACHE_CONTROL = "public, max-age=300";
const TYPES_MEMO_MS = 60_000;

export function routeView(r: Route): RouteViewT {
  return {
    id: r.id,
    name: r.name,
    mountain_id: r.mountainId,
    mountain_name: r.mountainName,
    type: r.type,
    canonical_type: canonicalRouteType(r.type),
    grade: r.grade,
    latitude: r.latitude,
    longitude: r.longitude,
    elevation_m: r.elevationM === null ? null : Math.round(r.elevationM * 10) / 10,
    accident_count: r.accidentCount,
    mountain_accident_count: r.mountainAccidentCount,
  };
}

// The canonical type is the engine's mapping of the stored string (spec 4.1), which SQL cannot
// call: the few distinct stored types are mapped here (memoised briefly per isolate) and the
// query filters on the raw ones.
const typesMemo = new WeakMap<Sql, { at: number; types: string[] }>();

async function rawTypesFor(sql: Sql, type: CanonicalRouteType): Promise<string[]> {
  let memo = typesMemo.get(sql);
  if (!memo || Date.now() - memo.at > TYPES_MEMO_MS) {
    memo = { at: Date.now(), types: await distinctRouteTypes(sql) };
    typesMemo.set(sql, memo);
  }
  return memo.types.filter((t) => canonicalRouteType(t === "" ? null : t) === type);
}

export async function listRoutesHandler(req: AppRequest): Promise<Response> {
  const q = parseQuery(req, RoutesQuery);
  const afterId = decodeCursor("r", q.cursor);
  const sql = req.app.sql;
  const rawTypes = q.type ? await rawTypesFor(sql, q.type) : undefined;
  const rows = await listRoutes(sql, { bbox: q.bbox, rawTypes, q: q.q, afterId, limit: q.limit + 1 });
  const { items, next } = page("r", rows, q.limit);
  return jsonWithEtag(req, { routes: items.map(routeView), next_cursor: next }, { "Cache-Control": ROUTE_CACHE_CONTROL });
}

export async function getRouteHandler(req: AppRequest): Promise<Response> {
  const route = await loadRoute(req.app, pathId(req.params));
  return jsonWithEtag(req, routeView(route), { "Cache-Control": ROUTE_CACHE_CONTROL });
}
