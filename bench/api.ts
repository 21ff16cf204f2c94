/**
 * `npm run bench:api` — both API surfaces against a running Worker (`npm start`, i.e. wrangler dev
 * on loopback), then map-with-safety at catalogue size on a stack of its own (bench/map-scale.ts).
 * Not a test: it prints numbers, each line saying what was measured and how.
 *
 *   API_URL      the Worker (default http://127.0.0.1:8787)
 *   ADMIN_TOKEN  for /admin/stats and fresh=true (default: npm start's dev-admin-token-change-me)
 *   HIT_REQUESTS, CONCURRENCY, SEQ_REQUESTS, MISS_KEYS, HERD   sizes (2000, 32, 200, 20, 50)
 *   BENCH_WRK=0  skip the optional wrk measurement even when `wrk` is on PATH
 *   BENCH_MAP_ROUTES (168000; 0 skips), BENCH_MAP_WARM (10000)   the map at scale (bench/map-scale.ts)
 *
 * Misses send their own CF-Connecting-IP (a fresh documentation address each): locally that keys
 * the per-client compute limit (60/min), so repeated runs are not refused; on Cloudflare the edge
 * sets the header itself.
 *
 * 1. cache hit: one warmed key, SEQ_REQUESTS GETs one at a time (latency without queueing), then
 *    HIT_REQUESTS GETs at CONCURRENCY → p50/p99, req/s. The baseline is GET /openapi.json (no I/O:
 *    a string held by the isolate) measured exactly the same way, so what wrangler dev, the router
 *    and the client cost per request is visible next to the hit.
 * 2. cache miss: cold route keys (from /map's `missing` list), one GET each, sequentially → p50/p99
 *    of a miss (route lookup, engine, write-back). A warmed stack may have none left, so the same
 *    work is also measured as fresh=true recomputes (admin; no cache read) and as POST /predict on
 *    new points (always a miss).
 * 3. single-flight: HERD concurrent requests for one cold key (a cold route key, else a new point)
 *    → engine runs, read from /admin/stats (`counters.total.computed`, counted by the API per
 *    computation). Exit code 2 if that is not exactly 1.
 * 4. /api/v1: map-with-safety for all located routes of the database (sequential p50/p99, bytes),
 *    and the marker click POST /api/v1/mp-routes/{id}/safety on a hit next to the v2 hit.
 * 5. optional: if `wrk` is installed (Debian: apt-get install wrk), the hit and the baseline again
 *    with wrk (2 threads, CONCURRENCY connections, 5 s): a C load generator, so the Node client's
 *    own cost is out of the numbers. Skipped, and said so, when wrk is absent.
 */
import { spawnSync } from "node:child_process";
import os from "node:os";
import { mapAtScale, printScale } from "./map-scale";

const API = (process.env.API_URL ?? "http://127.0.0.1:8787").replace(/\/+$/, "");
const ADMIN = { Authorization: `Bearer ${process.env.ADMIN_TOKEN ?? "dev-admin-token-change-me"}` };
const HIT_REQUESTS = Number(process.env.HIT_REQUESTS ?? 2000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);
const SEQ_REQUESTS = Number(process.env.SEQ_REQUESTS ?? 200);
const MISS_KEYS = Number(process.env.MISS_KEYS ?? 20);
const HERD = Number(process.env.HERD ?? 50);
const WRK_SECONDS = 5;

interface Timed {
  ms: number;
  status: number;
  cache: string | null;
  bytes: number;
}

let clients = 0;
/** A client address of its own (locally it keys the compute rate limit; Cloudflare sets it in production). */
const freshClient = () => ({ "CF-Connecting-IP": `2001:db8::${(++clients).toString(16)}:${Math.floor(Math.random() * 0xffff).toString(16)}` });

async function timedGet(path: string, headers: Record<string, string> = {}, method = "GET"): Promise<Timed> {
  const started = performance.now();
  const res = await fetch(`${API}${path}`, { headers, method });
  const body = await res.arrayBuffer();
  return { ms: performance.now() - started, status: res.status, cache: res.headers.get("X-Cache"), bytes: body.byteLength };
}

async function getJson<T>(path: string, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(`${API}${path}`, { headers });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
  return (await res.json()) as T;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summary(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), max: s.at(-1)! };
}

const fmt = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The API's engine runs so far, once what this isolate counted is written: counters are flushed
 * at most every COUNTER_FLUSH_SECONDS (5 s), by a later request (a hit here).
 */
async function flushedComputed(): Promise<number> {
  await sleep(5_500);
  await fetch(`${API}/api/v2/openapi.json`).then((r) => r.arrayBuffer());
  await fetch(`${API}/api/v1/mp-routes/1/safety?target_date=${new Date().toISOString().slice(0, 10)}`, { method: "POST" }).then((r) => r.arrayBuffer());
  await sleep(500);
  return computedTotal();
}

async function computedTotal(): Promise<number> {
  const stats = await getJson<{ counters: { total: { computed?: number } } }>("/admin/stats", ADMIN);
  return stats.counters.total.computed ?? 0;
}

/** `requests` GETs (or `method`) of `path` by `concurrency` workers; ok counts 200s that are HIT (or carry no X-Cache). */
async function load(path: string, concurrency: number, requests: number, method = "GET") {
  const samples: number[] = [];
  let ok = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        next++;
        const t = await timedGet(path, {}, method);
        samples.push(t.ms);
        if (t.status === 200 && (t.cache ?? "HIT") === "HIT") ok++;
      }
    }),
  );
  return { ...summary(samples), ok, n: requests, concurrency, rps: Math.round(requests / ((performance.now() - started) / 1000)) };
}
type Load = Awaited<ReturnType<typeof load>>;

const loadLine = (label: string, l: Load, what: string) =>
  `  ${label.padEnd(11)} ${l.n} requests, concurrency ${l.concurrency}: p50 ${fmt(l.p50)} ms, p99 ${fmt(l.p99)} ms, max ${fmt(l.max)} ms, ${l.rps} req/s (${l.ok}/${l.n} ${what})`;

/** wrk's latency distribution (p50, p99) and req/s, or null when wrk is absent or fails. */
function wrk(path: string): { p50: number; p99: number; rps: number; requests: number } | null {
  const r = spawnSync("wrk", ["-t2", `-c${CONCURRENCY}`, `-d${WRK_SECONDS}s`, "--latency", `${API}${path}`], { encoding: "utf8" });
  if (r.error || r.status !== 0) return null;
  const ms = (v: string, unit: string) => Number(v) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[unit]!;
  const lat = (p: number) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, "m").exec(r.stdout);
    return m ? ms(m[1]!, m[2]!) : NaN;
  };
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1]);
  const requests = Number(/(\d+) requests in/.exec(r.stdout)?.[1]);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(r.stdout)?.[1] ?? 0);
  if (non2xx > 0) return null;
  return { p50: lat(50), p99: lat(99), rps: Math.round(rps), requests };
}

async function main() {
  try {
    await fetch(`${API}/health`);
  } catch {
    console.error(`bench:api: nothing answers at ${API}. Start the stack first (npm start), or set API_URL.`);
    process.exit(1);
  }
  const today = new Date().toISOString().slice(0, 10);
  const addDays = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
  console.log(`# API benchmark against ${API} (npm start: wrangler dev --local, one workerd process, Upstash/Neon stand-ins, all on loopback)`);
  console.log(
    `# machine: ${os.cpus()[0]?.model} x${os.cpus().length}, load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}; client: node ${process.version} fetch (keep-alive)`,
  );
  console.log(
    `# sizes: ${SEQ_REQUESTS} sequential + ${HIT_REQUESTS} concurrent requests at concurrency ${CONCURRENCY} per measured path; ${MISS_KEYS} misses of each kind; a herd of ${HERD}`,
  );

  // The hit key: the first route, today (computed now if it is not cached yet).
  const { routes } = await getJson<{ routes: { id: number; latitude: number; longitude: number }[] }>(`/api/v2/routes?limit=${MISS_KEYS}`);
  if (!routes.length) throw new Error("no routes: is the database empty?");
  const route = routes[0]!;
  const hitPath = `/api/v2/routes/${route.id}/safety?date=${today}`;
  const basePath = "/api/v2/openapi.json";
  const firstCall = await timedGet(hitPath);

  // Cold route keys: routes whose score for a date is not cached (/map lists them). A warmed stack
  // may have none; POST /predict on a new point is always a miss of the same work (engine + write).
  const cold: { id: number; date: string }[] = [];
  for (let i = 6; i >= 0 && cold.length < MISS_KEYS + 1; i--) {
    const date = addDays(today, i);
    const map = await getJson<{ missing: number[] }>(`/api/v2/map?bbox=-180,-90,180,90&date=${date}`);
    for (const id of map.missing) if (cold.length < MISS_KEYS + 1) cold.push({ id, date });
  }
  // Points are scored on the 0.01° predict grid: a new point is a new cell (and a new weather cell).
  let jitter = 0;
  const newPoint = () => ({
    latitude: route.latitude,
    longitude: +(-179.99 + 0.01 * ((++jitter * 7919 + Math.floor(Math.random() * 35_000)) % 35_998)).toFixed(2),
    date: today,
    route_type: "alpine",
  });
  const post = async (body: object): Promise<Timed> => {
    const started = performance.now();
    const res = await fetch(`${API}/api/v2/predict`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...freshClient() },
      body: JSON.stringify(body),
    });
    const buf = await res.arrayBuffer();
    return { ms: performance.now() - started, status: res.status, cache: res.headers.get("X-Cache"), bytes: buf.byteLength };
  };

  // 1. Cache hits on one warmed key, and the no-I/O baseline measured the same way.
  const hitBytes = (await timedGet(hitPath)).bytes;
  const baseBytes = (await timedGet(basePath)).bytes;
  const hitSeq = await load(hitPath, 1, SEQ_REQUESTS);
  const baseSeq = await load(basePath, 1, SEQ_REQUESTS);
  await Promise.all(Array.from({ length: CONCURRENCY }, () => timedGet(hitPath))); // open the connections
  const hit = await load(hitPath, CONCURRENCY, HIT_REQUESTS);
  const base = await load(basePath, CONCURRENCY, HIT_REQUESTS);

  // 2. Misses, one at a time: cold route keys (if any), fresh=true recomputes, new points.
  const sequentialMisses = async (run: (i: number) => Promise<Timed>, n: number, expect: string) => {
    const samples: number[] = [];
    let ok = 0;
    for (let i = 0; i < n; i++) {
      const t = await run(i);
      samples.push(t.ms);
      if (t.status === 200 && t.cache === expect) ok++;
    }
    return samples.length ? { ...summary(samples), n: samples.length, ok } : null;
  };
  const missRoute = await sequentialMisses(
    (i) => timedGet(`/api/v2/routes/${cold[i + 1]!.id}/safety?date=${cold[i + 1]!.date}`, freshClient()),
    Math.max(0, cold.length - 1),
    "MISS",
  );
  const recompute = await sequentialMisses(
    (i) => timedGet(`/api/v2/routes/${routes[i % routes.length]!.id}/safety?date=${today}&fresh=true`, ADMIN),
    MISS_KEYS,
    "MISS",
  );
  const missPoint = (await sequentialMisses(() => post(newPoint()), MISS_KEYS, "MISS"))!;

  // 3. A herd on one cold key (a cold route key, else a new point), on already open connections so
  //    that the requests arrive together.
  await Promise.all(Array.from({ length: HERD }, () => timedGet(hitPath)));
  const herdRoute = cold[0];
  // A point in a new 0.01° weather cell: its computation also waits for a weather fetch, the window
  // in which concurrent requests find the flight in progress rather than the written value.
  const point = newPoint();
  const herdTarget = herdRoute ? `GET /routes/${herdRoute.id}/safety?date=${herdRoute.date}` : `POST /predict ${JSON.stringify(point)}`;
  const before = await flushedComputed();
  const herdStarted = performance.now();
  const herd = await Promise.all(
    Array.from({ length: HERD }, () => (herdRoute ? timedGet(`/api/v2/routes/${herdRoute.id}/safety?date=${herdRoute.date}`, freshClient()) : post(point))),
  );
  const herdWall = performance.now() - herdStarted;
  const computations = (await flushedComputed()) - before;
  const herdCache = herd.reduce<Record<string, number>>((m, t) => ((m[`${t.status} ${t.cache}`] = (m[`${t.status} ${t.cache}`] ?? 0) + 1), m), {});

  // 4. /api/v1: the map for every located route, and the marker click on a hit next to the v2 hit.
  const mapPath = `/api/v1/mp-routes/map-with-safety?target_date=${today}&season=rock`;
  const mapFirst = await fetch(`${API}${mapPath}`, { headers: { "Accept-Encoding": "identity" } });
  const mapBody = (await mapFirst.json()) as { routes: unknown[]; meta: { cached_routes: number } };
  const mapSeq = await load(mapPath, 1, SEQ_REQUESTS);
  const mapBytes = (await timedGet(mapPath, { "Accept-Encoding": "identity" })).bytes;
  const clickPath = `/api/v1/mp-routes/${route.id}/safety?target_date=${today}&bypass_cache=true`;
  await timedGet(clickPath, {}, "POST"); // cached (computed once if it was not)
  const clickSeq = await load(clickPath, 1, SEQ_REQUESTS, "POST");
  await Promise.all(Array.from({ length: CONCURRENCY }, () => timedGet(clickPath, {}, "POST")));
  const click = await load(clickPath, CONCURRENCY, HIT_REQUESTS, "POST");

  // 5. Optional: wrk.
  const useWrk = process.env.BENCH_WRK !== "0" && spawnSync("wrk", ["--version"]).error === undefined;
  const wrkHit = useWrk ? wrk(hitPath) : null;
  const wrkBase = useWrk ? wrk(basePath) : null;

  const over = (a: number, b: number) => `${fmt(a - b)} ms`;
  console.log("");
  console.log(`cache hit     GET /api/v2/routes/${route.id}/safety?date=${today} (${kb(hitBytes)} body; one Upstash request: MGET + TTL)`);
  console.log(loadLine("sequential", hitSeq, "were 200 HIT"));
  console.log(loadLine("concurrent", hit, "were 200 HIT"));
  console.log(`baseline      GET ${basePath} (${kb(baseBytes)} body; no I/O: what wrangler dev, the router, the ETag and the client cost per request)`);
  console.log(loadLine("sequential", baseSeq, "were 200"));
  console.log(loadLine("concurrent", base, "were 200"));
  console.log(
    `  hit − base  p50 sequential ${over(hitSeq.p50, baseSeq.p50)}, concurrent ${over(hit.p50, base.p50)} (the cache read and its serving; the rest is the dev server's own cost)`,
  );
  console.log(
    missRoute
      ? `cache miss    ${missRoute.n} cold route keys (GET /routes/{id}/safety), one at a time: p50 ${fmt(missRoute.p50)} ms, p99 ${fmt(missRoute.p99)} ms, max ${fmt(missRoute.max)} ms (${missRoute.ok}/${missRoute.n} were 200 MISS)`
      : "cache miss    no cold route keys left in the window (all warmed): see the recomputes and point misses below",
  );
  if (recompute) {
    console.log(
      `  recompute   ${recompute.n} GET /routes/{id}/safety?fresh=true (admin; engine + write, no cache read), one at a time: p50 ${fmt(recompute.p50)} ms, p99 ${fmt(recompute.p99)} ms, max ${fmt(recompute.max)} ms (${recompute.ok}/${recompute.n} were 200 MISS)`,
    );
  }
  console.log(
    `  new points  ${missPoint.n} POST /api/v2/predict (new 0.01° cells), one at a time: p50 ${fmt(missPoint.p50)} ms, p99 ${fmt(missPoint.p99)} ms, max ${fmt(missPoint.max)} ms (${missPoint.ok}/${missPoint.n} were 200 MISS)`,
  );
  console.log(`  first call  of this run (${firstCall.cache}, may include the isolate's corpus load): ${fmt(firstCall.ms)} ms`);
  console.log(
    `v1 map        GET ${mapPath}: ${mapBody.routes.length} routes (${mapBody.meta.cached_routes} cached), ${kb(mapBytes)} body; one SQL query (the data version; the markers once per isolate and import) + one HGETALL`,
  );
  console.log(loadLine("sequential", mapSeq, "were 200"));
  console.log(`v1 click     POST ${clickPath} (no body; the compact score: one Upstash request, like the v2 hit)`);
  console.log(loadLine("sequential", clickSeq, "were 200 HIT"));
  console.log(loadLine("concurrent", click, "were 200 HIT"));
  console.log(`  click − v2 hit p50 sequential ${over(clickSeq.p50, hitSeq.p50)}, concurrent ${over(click.p50, hit.p50)}`);
  console.log(
    `single-flight ${HERD} concurrent requests for one cold key (${herdTarget}): ${computations} computation(s) (expected 1), wall ${fmt(herdWall)} ms, answers ${JSON.stringify(herdCache)}`,
  );
  if (!useWrk) console.log("wrk           not run (not installed, or BENCH_WRK=0); optional: apt-get install wrk");
  else {
    const w = (label: string, r: ReturnType<typeof wrk>) =>
      r
        ? `  ${label.padEnd(11)} ${r.requests} requests in ${WRK_SECONDS} s, 2 threads, ${CONCURRENCY} connections: p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms, ${r.rps} req/s`
        : `  ${label.padEnd(11)} wrk failed or saw non-2xx answers`;
    console.log(`wrk           the same two paths with wrk (a C client: the Node client's own cost is out of these)`);
    console.log(w("cache hit", wrkHit));
    console.log(w("baseline", wrkBase));
  }
  console.log("");
  const seqJson = (l: Load) => ({ requests: l.n, p50Ms: +fmt(l.p50), p99Ms: +fmt(l.p99), rps: l.rps });
  console.log(
    JSON.stringify({
      api: API,
      concurrency: CONCURRENCY,
      hit: { path: hitPath, sequential: seqJson(hitSeq), concurrent: seqJson(hit) },
      baseline: { path: basePath, sequential: seqJson(baseSeq), concurrent: seqJson(base) },
      miss: {
        route: missRoute && { keys: missRoute.n, p50Ms: +fmt(missRoute.p50), p99Ms: +fmt(missRoute.p99) },
        recompute: recompute && { keys: recompute.n, p50Ms: +fmt(recompute.p50), p99Ms: +fmt(recompute.p99) },
        point: { keys: missPoint.n, p50Ms: +fmt(missPoint.p50), p99Ms: +fmt(missPoint.p99) },
      },
      singleFlight: { target: herdTarget, requests: HERD, computations, wallMs: +fmt(herdWall) },
      v1: {
        map: { path: mapPath, routes: mapBody.routes.length, bytes: mapBytes, sequential: seqJson(mapSeq) },
        click: { path: clickPath, sequential: seqJson(clickSeq), concurrent: seqJson(click) },
      },
      wrk: useWrk ? { hit: wrkHit, baseline: wrkBase } : null,
    }),
  );
  if (computations !== 1) process.exitCode = 2;

  // 6. The map at catalogue size, on a stack of its own.
  const routesAtScale = Number(process.env.BENCH_MAP_ROUTES ?? 168_000);
  if (routesAtScale > 0) {
    const requests = Number(process.env.BENCH_MAP_REQUESTS ?? 20);
    console.log("");
    console.log(
      `map at scale  GET /api/v1/mp-routes/map-with-safety with ${routesAtScale} synthetic + the real rock routes and ${process.env.BENCH_MAP_WARM ?? 10_000} cached (bench/map-scale.ts; BENCH_MAP_ROUTES=0 skips)`,
    );
    const results = await mapAtScale({ routes: routesAtScale, requests, log: () => {} });
    printScale(results, requests);
    console.log(JSON.stringify({ mapAtScale: results }));
  }
}

await main();
