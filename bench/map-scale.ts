/**
 * map-with-safety at catalogue size (part of `npm run bench:api`; alone: `npx tsx bench/map-scale.ts`).
 *
 * Brings up its own stack (dev/stack.ts) on the database `safeascent_api_scale` (the shared data,
 * imported once, plus BENCH_MAP_ROUTES synthetic rock routes copied from the real ones with
 * jittered coordinates) and a synthetic map index of BENCH_MAP_WARM entries for one far date, then
 * measures GET /api/v1/mp-routes/map-with-safety sequentially for both seasons:
 *   - winter: the real 3 ice routes (the fixed part: one SQL query, one HGETALL of the index),
 *   - rock: every other located route (157 real + the synthetic ones),
 * and reports p50/p99, the body (plain and gzip as the runtime sends it), the SQL reply the Worker
 * receives from the Neon HTTP endpoint, and the marginal cost per 1,000 routes.
 *
 * Env: BENCH_MAP_ROUTES (168000), BENCH_MAP_WARM (10000, the entries of the index: the warmed
 * routes), BENCH_MAP_REQUESTS (20), BENCH_MAP_PORT (8798). Redis: REDIS_URL (as npm start).
 */
import http from "node:http";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { Redis } from "@upstash/redis";
import { startStack } from "../dev/stack";
import { seasonMarkersPart, type Season } from "../src/data/queries";
import { ROUTES_PER_PART } from "../src/service/markers";
import { keys } from "../src/cache/keys";

const dataDir = resolve(import.meta.dirname, "../../shared/data/safeascent");
const SYNTHETIC_FROM = 10_000_000;
/** A date no warming run writes: the index filled here is the only one for it. */
const DATE = "2031-01-15";

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** GET with Accept-Encoding: gzip through node:http: bytes on the wire and the decoded length. */
function wireBytes(url: string): Promise<{ wire: number; encoding: string | null }> {
  return new Promise((ok, fail) => {
    http
      .get(url, { headers: { "Accept-Encoding": "gzip" } }, (res) => {
        let wire = 0;
        res.on("data", (c: Buffer) => (wire += c.length));
        res.on("end", () => ok({ wire, encoding: (res.headers["content-encoding"] as string | undefined) ?? null }));
      })
      .on("error", fail);
  });
}

export interface ScaleResult {
  season: Season;
  routes: number;
  cached: number;
  /** The first request of a fresh isolate (it reads the markers). */
  coldMs: number;
  p50Ms: number;
  p99Ms: number;
  bodyBytes: number;
  gzipBytes: number | null;
  /** The markers' SQL replies together, their number and the largest. */
  sqlReplyBytes: number;
  sqlParts: number;
  largestSqlReplyBytes: number;
}

export async function mapAtScale(
  opts: { routes?: number; warm?: number; requests?: number; port?: number; log?: (l: string) => void } = {},
): Promise<ScaleResult[]> {
  const N = opts.routes ?? Number(process.env.BENCH_MAP_ROUTES ?? 168_000);
  const W = opts.warm ?? Number(process.env.BENCH_MAP_WARM ?? 10_000);
  const REQUESTS = opts.requests ?? Number(process.env.BENCH_MAP_REQUESTS ?? 20);
  const log = opts.log ?? ((l: string) => console.log(`# ${l}`));
  const stack = await startStack({
    port: opts.port ?? Number(process.env.BENCH_MAP_PORT ?? 8798),
    databaseName: "safeascent_api_scale",
    seedDir: dataDir,
    workerOutput: process.env.BENCH_VERBOSE ? "inherit" : "quiet",
    adminToken: "bench-admin-token-0123456789",
    log: (l) => log(`stack: ${l}`),
  });
  try {
    const db = new pg.Client({ connectionString: stack.databaseUrl });
    await db.connect();
    const have = Number((await db.query(`SELECT count(*) AS n FROM routes WHERE route_id >= $1`, [SYNTHETIC_FROM])).rows[0].n);
    if (have !== N) {
      log(`inserting ${N} synthetic rock routes (copies of the real located rock routes, coordinates jittered by up to ±0.5°, 4 decimals like the real ones)…`);
      await db.query(`DELETE FROM routes WHERE route_id >= $1`, [SYNTHETIC_FROM]);
      await db.query(
        `WITH src AS (
           SELECT r.name, r.mountain_id, r.type, r.grade, COALESCE(r.latitude, m.latitude) AS lat, COALESCE(r.longitude, m.longitude) AS lon,
                  row_number() OVER (ORDER BY r.route_id) - 1 AS i, count(*) OVER () AS n
           FROM routes r LEFT JOIN mountains m ON m.mountain_id = r.mountain_id
           WHERE COALESCE(r.latitude, m.latitude) IS NOT NULL AND r.type IS NOT NULL AND lower(r.type) <> 'unknown'
             AND lower(r.type) NOT LIKE '%ice%' AND lower(r.type) NOT LIKE '%mixed%' AND r.route_id < $1)
         INSERT INTO routes (route_id, name, mountain_id, type, grade, latitude, longitude, accident_count)
         SELECT $1 + g, src.name || ' #' || g, src.mountain_id, src.type, src.grade,
                round(greatest(-89.9, least(89.9, src.lat + (random() - 0.5)))::numeric, 4)::float8,
                round(greatest(-179.9, least(179.9, src.lon + (random() - 0.5)))::numeric, 4)::float8, 0
         FROM generate_series(1, $2::int) g JOIN src ON src.i = g % src.n`,
        [SYNTHETIC_FROM, N],
      );
      await db.query("ANALYZE routes");
    }
    // The index: W entries (the warmed routes), live for an hour.
    const redis = new Redis({ url: stack.upstash.url, token: stack.upstash.token, automaticDeserialization: false });
    await redis.del(keys.mapIndex(DATE));
    const expires = Math.floor(Date.now() / 1000) + 3600;
    const colors = ["green", "yellow", "orange", "red"];
    for (let i = 0; i < W; i += 2000) {
      const fields: Record<string, string> = {};
      for (let j = i; j < Math.min(W, i + 2000); j++) fields[String(SYNTHETIC_FROM + 1 + j)] = `${(j % 1000) / 10}|${colors[j % 4]}|${expires}`;
      await redis.hset(keys.mapIndex(DATE), fields);
    }
    await redis.expire(keys.mapIndex(DATE), 3600);

    const results: ScaleResult[] = [];
    for (const season of ["winter", "rock"] as Season[]) {
      const url = `${stack.baseUrl}/api/v1/mp-routes/map-with-safety?target_date=${DATE}&season=${season}`;
      // A fresh isolate: its first request also reads the markers (the query's full answer).
      await stack.restartWorker();
      const coldStart = performance.now();
      const first = await fetch(url, { headers: { "Accept-Encoding": "identity" } });
      const text = await first.text();
      const coldMs = performance.now() - coldStart;
      const body = JSON.parse(text) as { routes: unknown[]; meta: { cached_routes: number } };
      const samples: number[] = [];
      for (let i = 0; i < REQUESTS; i++) {
        const t = performance.now();
        const res = await fetch(url, { headers: { "Accept-Encoding": "identity" } });
        await res.arrayBuffer();
        samples.push(performance.now() - t);
      }
      samples.sort((a, b) => a - b);
      const wire = await wireBytes(url);
      // The SQL replies the Worker gets when it reads the markers: the slices (src/service/markers.ts),
      // sent to the Neon HTTP endpoint as the driver sends them.
      const routeCount = Number((await db.query("SELECT count(*) AS n FROM routes")).rows[0].n);
      const parts = Math.max(1, Math.ceil(routeCount / ROUTES_PER_PART));
      const replyBytes: number[] = [];
      for (let part = 0; part < parts; part++) {
        let captured: { text: string; params: readonly unknown[] } = { text: "", params: [] };
        await seasonMarkersPart({ query: async (text, params = []) => ((captured = { text, params }), [{ count: 0, lines: "" }]) }, season, part, parts);
        const reply = await fetch(stack.neonEndpoint, {
          method: "POST",
          headers: {
            "Neon-Connection-String": stack.databaseUrl,
            "Neon-Raw-Text-Output": "true",
            "Neon-Array-Mode": "true",
            "Content-Type": "application/json",
          },
          body: JSON.stringify({ query: captured.text, params: captured.params.map(String) }),
        });
        replyBytes.push((await reply.arrayBuffer()).byteLength);
      }
      results.push({
        season,
        routes: body.routes.length,
        cached: body.meta.cached_routes,
        coldMs,
        p50Ms: percentile(samples, 50),
        p99Ms: percentile(samples, 99),
        bodyBytes: Buffer.byteLength(text),
        gzipBytes: wire.encoding === "gzip" ? wire.wire : null,
        sqlReplyBytes: replyBytes.reduce((a, b) => a + b, 0),
        sqlParts: parts,
        largestSqlReplyBytes: Math.max(...replyBytes),
      });
    }
    await redis.del(keys.mapIndex(DATE));
    await db.end();
    return results;
  } finally {
    await stack.close();
  }
}

export function printScale(results: ScaleResult[], requests: number): void {
  const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`;
  for (const r of results) {
    console.log(
      `  ${r.season.padEnd(6)} ${r.routes} routes (${r.cached} cached): p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms over ${requests} sequential requests; ` +
        `first request of a fresh isolate ${r.coldMs.toFixed(0)} ms (reads the markers: ${r.sqlParts} SQL ${r.sqlParts === 1 ? "reply" : "replies"}, ${mb(r.sqlReplyBytes)}, the largest ${mb(r.largestSqlReplyBytes)}); body ${mb(r.bodyBytes)} (gzip on the wire ${r.gzipBytes === null ? "n/a" : mb(r.gzipBytes)})`,
    );
  }
  const [small, big] = results;
  if (small && big && big.routes > small.routes) {
    const k = (big.routes - small.routes) / 1000;
    console.log(
      `  per 1,000 routes: +${((big.p50Ms - small.p50Ms) / k).toFixed(2)} ms p50 (+${((big.coldMs - small.coldMs) / k).toFixed(2)} ms on a fresh isolate), +${((big.bodyBytes - small.bodyBytes) / k / 1000).toFixed(0)} KB body, ` +
        `+${((big.sqlReplyBytes - small.sqlReplyBytes) / k / 1000).toFixed(0)} KB SQL reply when the markers are read; fixed part (${small.routes} routes): ${small.p50Ms.toFixed(1)} ms = one SQL query (the data version) + one HGETALL of ${big.cached} index entries`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const requests = Number(process.env.BENCH_MAP_REQUESTS ?? 20);
  const results = await mapAtScale({ requests });
  console.log(`map-with-safety at scale (BENCH_MAP_ROUTES=${process.env.BENCH_MAP_ROUTES ?? 168_000}, BENCH_MAP_WARM=${process.env.BENCH_MAP_WARM ?? 10_000})`);
  printScale(results, requests);
  console.log(JSON.stringify({ mapAtScale: results }));
}
