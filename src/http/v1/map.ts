/**
 * The map (v1 §3.1, §3.2): every located route of the season as a marker.
 *
 * map-with-safety embeds each route's cached score for the date, from exactly two reads whatever
 * the number of routes: one SQL query and one HGETALL of the per-date map index
 * `safety_map:v1:{date}` (~20 bytes a cached route; routes the warmer does not keep hot are simply
 * not in it). Nothing is computed: a route without a live entry has `safety: null`.
 * - The markers (only the columns a marker needs) are text, a marker's JSON per line written by
 *   Postgres, kept per isolate and data version (src/service/markers.ts): the request's SQL query
 *   asks whether the version moved; only then (once per isolate and import) are the markers read,
 *   in slices of bounded size.
 * - Only the cached routes' lines are touched here (no row objects, no parsing); the answer is
 *   streamed chunk by chunk, and the runtime compresses it for clients that accept gzip/br
 *   (workerd and the edge do, see respond.ts).
 */
import { mapEntryFresh, parseMapEntry, readMapIndex } from "../../cache/scores";
import { MARKER_LINE_NULL_SAFETY, MARKER_LINE_PREFIX, seasonMarkers, type BBox, type Season } from "../../data/queries";
import { todayUtc } from "../../dates";
import { isUpstreamUnavailable } from "../../errors";
import type { AppRequest } from "../context";
import { log } from "../../log";
import { markerCache } from "../../service/markers";
import { jsonText } from "../respond";
import { parseQuery } from "./params";
import { MapQuery, MapWithSafetyQuery } from "./schemas";

/** Longest a browser may keep the map; shorter when a cached entry expires sooner. */
const MAP_MAX_AGE_SECONDS = 60;

const seasonOf = (season: string | undefined): Season => (season === "winter" ? "winter" : "rock");

/** Markers per chunk of the streamed answer (~300 KB). */
const CHUNK_LINES = 2000;

/**
 * The markers' JSON array items from the query's lines (src/data/queries.ts `seasonMarkers`),
 * chunk by chunk: each line is a marker with `"safety":null}`; a route with a cached score gets it
 * in place of the null, all other lines are used as they are. `tally.cached` counts the markers
 * that got a score; `limit` keeps the first lines.
 */
function* markerChunks(lines: string, safety: ReadonlyMap<string, string>, tally: { cached: number }, limit = Infinity): Generator<string> {
  if (lines === "") return;
  const rows = lines.split("\n", limit === Infinity ? undefined : limit);
  const from = MARKER_LINE_PREFIX.length;
  for (let start = 0; start < rows.length; start += CHUNK_LINES) {
    const chunk = rows.slice(start, start + CHUNK_LINES);
    if (safety.size) {
      for (let i = 0; i < chunk.length; i++) {
        const line = chunk[i]!;
        const s = safety.get(line.slice(from, line.indexOf(",", from)));
        if (s === undefined) continue;
        chunk[i] = `${line.slice(0, -MARKER_LINE_NULL_SAFETY.length)}${s}}`;
        tally.cached++;
      }
    }
    yield (start ? "," : "") + chunk.join(",");
  }
}

/**
 * A JSON answer streamed as UTF-8 from text chunks, one chunk per pull: the runtime asks for the
 * next as it sends, so the answer is never held whole next to the markers it is made from.
 */
function streamedJson(chunks: Iterator<string>, headers: Record<string, string>): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
  });
  return new Response(body, { headers: { ...headers, "Content-Type": "application/json; charset=utf-8" } });
}

/** GET /mp-routes/map-with-safety?target_date=&season= */
export async function mapWithSafety(req: AppRequest): Promise<Response> {
  const q = parseQuery(req, MapWithSafetyQuery);
  const date = q.target_date ?? todayUtc();
  let degraded = false;
  const t0 = performance.now();
  let sqlMs = 0;
  let redisMs = 0;
  const [markers, index] = await Promise.all([
    markerCache(req.app.sql)
      .get(seasonOf(q.season))
      .finally(() => (sqlMs = performance.now() - t0)),
    readMapIndex(req.app.cache, date)
      .catch((e) => {
        if (!isUpstreamUnavailable(e, "redis")) throw e;
        degraded = true;
        return new Map<number, string>();
      })
      .finally(() => (redisMs = performance.now() - t0)),
  ]);
  const t1 = performance.now();
  // The live entries as `safety` JSON, by route id (as the lines spell it).
  const now = Math.floor(Date.now() / 1000);
  let maxAge = MAP_MAX_AGE_SECONDS;
  const safety = new Map<string, string>();
  for (const [id, raw] of index) {
    const e = parseMapEntry(raw);
    if (!e || !mapEntryFresh(e, now)) continue;
    if (e.expiresAt - now < maxAge) maxAge = e.expiresAt - now;
    safety.set(String(id), `{"risk_score":${e.risk},"color_code":"${e.color}","status":"cached"}`);
  }
  function* answer(): Generator<string> {
    const tally = { cached: 0 };
    yield `{"routes":[`;
    yield* markerChunks(markers.lines, safety, tally);
    const meta = {
      total_routes: markers.count,
      cached_routes: tally.cached,
      missing_routes: markers.count - tally.cached,
      computed_routes: 0,
      target_date: date,
      season: q.season ?? "rock",
    };
    yield `],"meta":${JSON.stringify(meta)}}`;
    // The hot path's parts (in production workerd's clock only advances on I/O: build shows as 0 there).
    log.info("map_with_safety", {
      routes: markers.count,
      cached: tally.cached,
      indexEntries: index.size,
      ms: { sql: Math.round(sqlMs), redis: Math.round(redisMs), write: Math.round(performance.now() - t1) },
    });
  }
  return streamedJson(answer(), {
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
  const { lines, count } = box ? await seasonMarkers(req.app.sql, seasonOf(q.season), box) : await markerCache(req.app.sql).get(seasonOf(q.season));
  const markers = `[${[...markerChunks(lines, new Map(), { cached: 0 }, q.limit)].join("")}]`;
  return jsonText(`{"total":${Math.min(count, q.limit ?? count)},"routes":${markers},"data":${markers}}`, { "Cache-Control": "public, max-age=300" });
}
