/**
 * The map (v1 §3.1, §3.2): every located route of the season as a marker.
 *
 * map-with-safety embeds each route's cached score for the date, from exactly two reads whatever
 * the number of routes: one SQL query for the markers (only the columns a marker needs) and one
 * HGETALL of the per-date map index `safety_map:v1:{date}` (~20 bytes a cached route; routes the
 * warmer does not keep hot are simply not in it). Nothing is computed: a route without a live
 * entry has `safety: null`. The JSON is written row by row as text (no intermediate objects); the
 * runtime compresses it for clients that accept gzip/br (workerd and the edge do, see respond.ts).
 */
import { mapEntryFresh, parseMapEntry, readMapIndex } from "../../cache/scores";
import { seasonMarkers, type BBox, type MarkerRow, type Season } from "../../data/queries";
import { todayUtc } from "../../dates";
import { isUpstreamUnavailable } from "../../errors";
import type { AppRequest } from "../context";
import { jsonText } from "../respond";
import { parseQuery } from "./params";
import { MapQuery, MapWithSafetyQuery } from "./schemas";

/** Longest a browser may keep the map; shorter when a cached entry expires sooner. */
const MAP_MAX_AGE_SECONDS = 60;

const seasonOf = (season: string | undefined): Season => (season === "winter" ? "winter" : "rock");

/** JSON text of a nullable string, memoised (types and grades repeat across thousands of rows). */
function stringWriter() {
  const memo = new Map<string, string>();
  return (s: string | null): string => {
    if (s === null) return "null";
    let j = memo.get(s);
    if (j === undefined) {
      j = JSON.stringify(s);
      if (memo.size < 10_000) memo.set(s, j);
    }
    return j;
  };
}

/** One marker without its closing brace: `{"mp_route_id":…,"location_id":…` (the caller appends safety). */
function markerText(r: MarkerRow, str: (s: string | null) => string): string {
  return (
    `{"mp_route_id":${r.route_id},"name":${JSON.stringify(r.name)},"latitude":${r.latitude},"longitude":${r.longitude},` +
    `"grade":${str(r.grade)},"type":${str(r.type)},"location_id":${r.mountain_id ?? "null"}`
  );
}

/** GET /mp-routes/map-with-safety?target_date=&season= */
export async function mapWithSafety(req: AppRequest): Promise<Response> {
  const q = parseQuery(req, MapWithSafetyQuery);
  const date = q.target_date ?? todayUtc();
  let degraded = false;
  const [rows, index] = await Promise.all([
    seasonMarkers(req.app.sql, seasonOf(q.season)),
    readMapIndex(req.app.cache, date).catch((e) => {
      if (!isUpstreamUnavailable(e, "redis")) throw e;
      degraded = true;
      return new Map<number, string>();
    }),
  ]);
  const now = Math.floor(Date.now() / 1000);
  let maxAge = MAP_MAX_AGE_SECONDS;
  let cached = 0;
  const str = stringWriter();
  const parts = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const raw = index.size ? index.get(r.route_id) : undefined;
    const e = raw === undefined ? null : parseMapEntry(raw);
    if (e && mapEntryFresh(e, now)) {
      cached++;
      if (e.expiresAt - now < maxAge) maxAge = e.expiresAt - now;
      parts[i] = `${markerText(r, str)},"safety":{"risk_score":${e.risk},"color_code":"${e.color}","status":"cached"}}`;
    } else {
      parts[i] = `${markerText(r, str)},"safety":null}`;
    }
  }
  const meta = {
    total_routes: rows.length,
    cached_routes: cached,
    missing_routes: rows.length - cached,
    computed_routes: 0,
    target_date: date,
    season: q.season ?? "rock",
  };
  const text = `{"routes":[${parts.join(",")}],"meta":${JSON.stringify(meta)}}`;
  return jsonText(text, {
    "Cache-Control": `public, max-age=${Math.max(0, maxAge)}`,
    ...(degraded ? { "X-Degraded": "cache-unavailable" } : {}),
  });
}

/** GET /mp-routes/map?season=&min_lat=&max_lat=&min_lon=&max_lon=&limit= : markers without scores. */
export async function mapMarkers(req: AppRequest): Promise<Response> {
  const q = parseQuery(req, MapQuery);
  // The original applies the box only when all four bounds are truthy (a 0 disables it).
  const box: BBox | undefined =
    q.min_lat && q.max_lat && q.min_lon && q.max_lon ? { minLat: q.min_lat, maxLat: q.max_lat, minLon: q.min_lon, maxLon: q.max_lon } : undefined;
  const rows = await seasonMarkers(req.app.sql, seasonOf(q.season), box);
  const shown = q.limit === undefined ? rows : rows.slice(0, q.limit);
  const str = stringWriter();
  const markers = `[${shown.map((r) => `${markerText(r, str)},"safety":null}`).join(",")}]`;
  return jsonText(`{"total":${shown.length},"routes":${markers},"data":${markers}}`, { "Cache-Control": "public, max-age=300" });
}
