/**
 * GET /map?bbox=&date= : compact scores of the routes in a box for one date, from the cache only:
 * one HMGET of the per-date index `safety_map:v1:{date}` (~20 bytes a route, see src/cache/scores.ts)
 * for the routes in the box. Routes without a live entry (absent, or past its score's expiry) are listed in `missing`, never computed here.
 */
import { isUpstreamUnavailable } from "../../errors";
import { mapEntryFresh, parseMapEntry, readMapEntries } from "../../cache/scores";
import { routesInBox } from "../../data/queries";
import type { AppRequest } from "../context";
import { parseQuery } from "../validate";
import { forecastWindow, requireInWindow } from "./params";
import { jsonWithEtag } from "../respond";
import { MapQuery, type MapT } from "./schemas";

/** Routes per answer (busiest first): index entries are ~20 bytes, so one HMGET of 5,000 stays ~100 KB. */
export const MAP_MAX_ROUTES = 5000;
const MAP_MAX_AGE_SECONDS = 60;

export async function mapHandler(req: AppRequest): Promise<Response> {
  const q = parseQuery(req, MapQuery);
  const window = forecastWindow();
  const date = q.date ?? window.first;
  requireInWindow(date, "date", window);
  const found = await routesInBox(req.app.sql, q.bbox, MAP_MAX_ROUTES + 1);
  const points = found.slice(0, MAP_MAX_ROUTES);
  let degraded = false;
  const entries = await readMapEntries(
    req.app.cache,
    date,
    points.map((p) => p.id),
  ).catch((e) => {
    if (!isUpstreamUnavailable(e, "redis")) throw e;
    degraded = true;
    return points.map(() => null);
  });
  const now = Math.floor(Date.now() / 1000);
  const body: MapT = { date, routes: [], missing: [], truncated: found.length > MAP_MAX_ROUTES };
  // Never longer than the earliest expiry among the scores served (Cache-Control from the stored TTLs).
  let maxAge = MAP_MAX_AGE_SECONDS;
  points.forEach((p, i) => {
    const e = parseMapEntry(entries[i]);
    if (!e || !mapEntryFresh(e, now)) return void body.missing.push(p.id);
    maxAge = Math.min(maxAge, e.expiresAt - now);
    body.routes.push({ id: p.id, lat: p.latitude, lon: p.longitude, risk: e.risk, color: e.color });
  });
  return jsonWithEtag(req, body, {
    "Cache-Control": `public, max-age=${Math.max(0, maxAge)}`,
    ...(degraded ? { "X-Degraded": "cache-unavailable" } : {}),
  });
}
