/**
 * GET /map?bbox=&date= : compact scores of the routes in a box for one date, from the cache only
 * (one MGET); routes whose score is not cached are listed in `missing`, never computed here.
 */
import { pyRound } from "../../scoring";
import { scoreKey } from "../../cache/scores";
import { routesInBox } from "../../data/queries";
import type { DailyScore } from "../../service/score-service";
import type { AppRequest } from "../router";
import { parseQuery } from "../validate";
import { forecastWindow, requireInWindow } from "./params";
import { jsonWithEtag } from "./respond";
import { readValues } from "./score-cache";
import { MapQuery, type MapT } from "./schemas";

/** Routes per answer: cached scores are full objects (~10–20 KB each), so one MGET stays bounded. */
export const MAP_MAX_ROUTES = 500;
const MAP_MAX_AGE_SECONDS = 60;

export async function mapHandler(req: AppRequest): Promise<Response> {
  const q = parseQuery(req, MapQuery);
  const window = forecastWindow();
  const date = q.date ?? window.first;
  requireInWindow(date, "date", window);
  const found = await routesInBox(req.app.sql, q.bbox, MAP_MAX_ROUTES + 1);
  const points = found.slice(0, MAP_MAX_ROUTES);
  let degraded = false;
  const values = await readValues(req.app.redis, points.map((p) => scoreKey(p.id, date))).catch(() => {
    degraded = true;
    return points.map(() => null);
  });
  const body: MapT = { date, routes: [], missing: [], truncated: found.length > MAP_MAX_ROUTES };
  points.forEach((p, i) => {
    const raw = values[i];
    if (raw === null || raw === undefined) return void body.missing.push(p.id);
    const s = JSON.parse(raw) as DailyScore;
    body.routes.push({ id: p.id, lat: p.latitude, lon: p.longitude, risk: pyRound(s.risk_score, 1), color: s.color_code });
  });
  return jsonWithEtag(req, body, {
    "Cache-Control": `public, max-age=${MAP_MAX_AGE_SECONDS}`,
    ...(degraded ? { "X-Degraded": "cache-unavailable" } : {}),
  });
}
