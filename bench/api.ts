/**
 * `npm run bench:api` — the public API against a running Worker (`npm start`, i.e. wrangler dev on
 * loopback). Not a test: it prints numbers.
 *
 *   API_URL      the Worker (default http://127.0.0.1:8787)
 *   ADMIN_TOKEN  for /admin/stats (default: npm start's dev-admin-token-change-me)
 *   HIT_REQUESTS, CONCURRENCY, MISS_KEYS, HERD   sizes (2000, 32, 20, 50)
 *
 * 1. cache hit: one warmed key, HIT_REQUESTS GETs at a fixed concurrency → p50/p99 latency, req/s;
 *    200 sequential GETs (latency without queueing); the same load on /openapi.json (no I/O) as the
 *    baseline of what wrangler dev itself costs per request.
 * 2. cache miss: cold route keys (from /map's `missing` list), one GET each, sequentially → p50/p99
 *    of a miss (route lookup, engine, write-back); a warmed stack may have none left, so MISS_KEYS
 *    POST /predict on new points (always a miss of the same work) are measured too.
 * 3. single-flight: HERD concurrent requests for one cold key (a cold route key, else a new point)
 *    → engine runs, read from /admin/stats (`counters.total.computed`, counted by the API per
 *    computation). Exit code 2 if that is not exactly 1.
 */
import os from "node:os";

const API = (process.env.API_URL ?? "http://127.0.0.1:8787").replace(/\/+$/, "");
const ADMIN = { Authorization: `Bearer ${process.env.ADMIN_TOKEN ?? "dev-admin-token-change-me"}` };
const HIT_REQUESTS = Number(process.env.HIT_REQUESTS ?? 2000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);
const MISS_KEYS = Number(process.env.MISS_KEYS ?? 20);
const HERD = Number(process.env.HERD ?? 50);

interface Timed {
  ms: number;
  status: number;
  cache: string | null;
}

async function timedGet(path: string, headers: Record<string, string> = {}): Promise<Timed> {
  const started = performance.now();
  const res = await fetch(`${API}${path}`, { headers });
  await res.arrayBuffer();
  return { ms: performance.now() - started, status: res.status, cache: res.headers.get("X-Cache") };
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
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function computedTotal(): Promise<number> {
  const stats = await getJson<{ counters: { total: { computed?: number } } }>("/admin/stats", ADMIN);
  return stats.counters.total.computed ?? 0;
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
  console.log(`# API benchmark against ${API}`);
  console.log(`# machine: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}, loopback`);

  // The hit key: the first route, today (computed now if it is not cached yet).
  const { routes } = await getJson<{ routes: { id: number; latitude: number; longitude: number }[] }>("/api/v1/routes?limit=1");
  if (!routes.length) throw new Error("no routes: is the database empty?");
  const route = routes[0]!;
  const hitPath = `/api/v1/routes/${route.id}/safety?date=${today}`;
  const firstCall = await timedGet(hitPath);

  // Cold route keys: routes whose score for a date is not cached (/map lists them). A warmed stack
  // may have none; POST /predict on a new point is always a miss of the same work (engine + write).
  const cold: { id: number; date: string }[] = [];
  for (let i = 6; i >= 0 && cold.length < MISS_KEYS + 1; i--) {
    const date = addDays(today, i);
    const map = await getJson<{ missing: number[] }>(`/api/v1/map?bbox=-180,-90,180,90&date=${date}`);
    for (const id of map.missing) if (cold.length < MISS_KEYS + 1) cold.push({ id, date });
  }
  let jitter = 0;
  const newPoint = () => ({
    latitude: +(route.latitude + (++jitter + Math.random()) * 1e-7).toFixed(9),
    longitude: route.longitude,
    date: today,
    route_type: "alpine",
  });
  const post = async (body: object): Promise<Timed> => {
    const started = performance.now();
    const res = await fetch(`${API}/api/v1/predict`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    await res.arrayBuffer();
    return { ms: performance.now() - started, status: res.status, cache: res.headers.get("X-Cache") };
  };

  // 1. Cache hits on one warmed key, and for scale the same load on an answer without any I/O.
  const load = async (path: string, concurrency = CONCURRENCY, requests = HIT_REQUESTS) => {
    const samples: number[] = [];
    let ok = 0;
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < requests) {
          next++;
          const t = await timedGet(path);
          samples.push(t.ms);
          if (t.status === 200 && (t.cache ?? "HIT") === "HIT") ok++;
        }
      }),
    );
    return { ...summary(samples), ok, rps: Math.round(requests / ((performance.now() - started) / 1000)) };
  };
  const sequential = await load(hitPath, 1, 200);
  await Promise.all(Array.from({ length: CONCURRENCY }, () => timedGet(hitPath))); // open the connections
  const hit = await load(hitPath);
  const baseline = await load("/api/v1/openapi.json");

  // 2. Misses, one at a time: cold route keys (if any), then new points.
  const missRoute = await (async () => {
    const samples: number[] = [];
    let ok = 0;
    for (const k of cold.slice(1)) {
      const t = await timedGet(`/api/v1/routes/${k.id}/safety?date=${k.date}`);
      samples.push(t.ms);
      if (t.status === 200 && t.cache === "MISS") ok++;
    }
    return samples.length ? { ...summary(samples), n: samples.length, ok } : null;
  })();
  const missPoint = await (async () => {
    const samples: number[] = [];
    let ok = 0;
    for (let i = 0; i < MISS_KEYS; i++) {
      const t = await post(newPoint());
      samples.push(t.ms);
      if (t.status === 200 && t.cache === "MISS") ok++;
    }
    return { ...summary(samples), n: samples.length, ok };
  })();

  // 3. A herd on one cold key (a cold route key, else a new point), on already open connections so
  //    that the requests arrive together.
  await Promise.all(Array.from({ length: HERD }, () => timedGet(hitPath)));
  const herdRoute = cold[0];
  // A point in a new 0.01° weather cell: its computation also waits for a weather fetch, the window
  // in which concurrent requests find the flight in progress rather than the written value.
  const point = { ...newPoint(), latitude: +(route.latitude + 0.02 + Math.random() * 0.5).toFixed(6) };
  const herdTarget = herdRoute ? `GET /routes/${herdRoute.id}/safety?date=${herdRoute.date}` : `POST /predict ${JSON.stringify(point)}`;
  const before = await computedTotal();
  const herdStarted = performance.now();
  const herd = await Promise.all(
    Array.from({ length: HERD }, () => (herdRoute ? timedGet(`/api/v1/routes/${herdRoute.id}/safety?date=${herdRoute.date}`) : post(point))),
  );
  const herdWall = performance.now() - herdStarted;
  await sleep(500); // counters are written after the responses (waitUntil)
  const computations = (await computedTotal()) - before;
  const herdCache = herd.reduce<Record<string, number>>((m, t) => ((m[`${t.status} ${t.cache}`] = (m[`${t.status} ${t.cache}`] ?? 0) + 1), m), {});

  console.log("");
  console.log(`cache hit     ${HIT_REQUESTS} GET /routes/${route.id}/safety, concurrency ${CONCURRENCY}: p50 ${fmt(hit.p50)} ms, p99 ${fmt(hit.p99)} ms, max ${fmt(hit.max)} ms, ${hit.rps} req/s (${hit.ok}/${HIT_REQUESTS} were 200 HIT)`);
  console.log(`  sequential  200 GETs one at a time: p50 ${fmt(sequential.p50)} ms, p99 ${fmt(sequential.p99)} ms`);
  console.log(`  baseline    the same concurrent load on GET /openapi.json (no I/O; wrangler dev's own cost): p50 ${fmt(baseline.p50)} ms, p99 ${fmt(baseline.p99)} ms, ${baseline.rps} req/s`);
  console.log(
    missRoute
      ? `cache miss    ${missRoute.n} cold route keys, one at a time: p50 ${fmt(missRoute.p50)} ms, p99 ${fmt(missRoute.p99)} ms, max ${fmt(missRoute.max)} ms (${missRoute.ok}/${missRoute.n} were 200 MISS)`
      : "cache miss    no cold route keys left in the window (all warmed); see the point misses",
  );
  console.log(`  new points  ${missPoint.n} POST /predict, one at a time: p50 ${fmt(missPoint.p50)} ms, p99 ${fmt(missPoint.p99)} ms, max ${fmt(missPoint.max)} ms (${missPoint.ok}/${missPoint.n} were 200 MISS)`);
  console.log(`  first call  of this run (${firstCall.cache}, may include the isolate's corpus load): ${fmt(firstCall.ms)} ms`);
  console.log(`single-flight ${HERD} concurrent requests for one cold key (${herdTarget}): ${computations} computation(s), wall ${fmt(herdWall)} ms, answers ${JSON.stringify(herdCache)}`);
  console.log("");
  console.log(
    JSON.stringify({
      api: API,
      hit: { requests: HIT_REQUESTS, concurrency: CONCURRENCY, p50Ms: +fmt(hit.p50), p99Ms: +fmt(hit.p99), rps: hit.rps, sequentialP50Ms: +fmt(sequential.p50), sequentialP99Ms: +fmt(sequential.p99) },
      baseline: { p50Ms: +fmt(baseline.p50), p99Ms: +fmt(baseline.p99), rps: baseline.rps },
      miss: { route: missRoute && { keys: missRoute.n, p50Ms: +fmt(missRoute.p50), p99Ms: +fmt(missRoute.p99) }, point: { keys: missPoint.n, p50Ms: +fmt(missPoint.p50), p99Ms: +fmt(missPoint.p99) } },
      singleFlight: { target: herdTarget, requests: HERD, computations, wallMs: +fmt(herdWall) },
    }),
  );
  if (computations !== 1) process.exitCode = 2;
}

await main();
