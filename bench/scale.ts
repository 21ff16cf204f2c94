/**
 * `npm run bench:scale` — one full warming tick of the whole catalogue on the local stack, end to
 * end (cron → queue → consumers → Redis), with the figures a cost model needs.
 *
 * 1. Writes the synthetic catalogue (tools/data/catalogue.ts; BENCH_ROUTES=168000, BENCH_LOCATIONS=
 *    28000 by default, real accidents bundled) and brings up the stack (dev/stack.ts) on a fresh
 *    database `safeascent_scale` with it imported, Redis db 7 (REDIS_URL), WARM_SCOPE=all.
 * 2. Puts a byte-counting proxy in front of the Upstash stand-in (bytes each way, largest request).
 * 3. Fires the cron (`/__scheduled`) and follows the run to its end: wall time, scores/s, queue
 *    messages, retries, Upstash commands/requests/bytes, Neon queries, Open-Meteo requests, the
 *    consumers' per-invocation timings (their `warm_batch` log lines), the workerd process' peak
 *    RSS, Redis memory (INFO memory) and keys.
 * 4. A cold isolate: restarts the Worker and reads how its corpus was made ready (snapshot).
 * 5. The cost of one tick and of a month (4 ticks a day) from those figures and list prices.
 *
 * Ends with `scale: <scores> scores in <seconds> s, <MB> MB to Upstash, <commands> commands`.
 * Not a test: it measures. Targets are in docs/notes/warming.md.
 */
import http from "node:http";
import os from "node:os";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { Redis } from "@upstash/redis";
import { startStack } from "../dev/stack";
import { writeCatalogue } from "../tools/data/catalogue";

process.env.REDIS_URL ??= "redis://127.0.0.1:6379/7";
const ROUTES = Number(process.env.BENCH_ROUTES ?? 168_000);
const LOCATIONS = Number(process.env.BENCH_LOCATIONS ?? 28_000);
const PORT = Number(process.env.BENCH_PORT ?? 8798);
const REDIS_DB = Number(new URL(process.env.REDIS_URL).pathname.slice(1) || 0);
const TIMEOUT_S = Number(process.env.BENCH_TIMEOUT_S ?? 1800);

// ---- prices (list prices, USD; read 2026-12-01) ---------------------------------------------
/** Cloudflare Workers Paid: $5/month base incl. 10 M requests and 30 M CPU-ms; then $0.30/M requests, $0.02/M CPU-ms (developers.cloudflare.com/workers/platform/pricing). */
const CF_WORKERS_BASE_USD = 5;
const CF_INCLUDED_REQUESTS = 10_000_000;
const CF_USD_PER_M_REQUESTS = 0.3;
const CF_INCLUDED_CPU_MS = 30_000_000;
const CF_USD_PER_M_CPU_MS = 0.02;
/** Cloudflare Queues (Workers Paid): 1 M operations/month included, then $0.40/M; a message costs 3 operations (write, read, delete) per 64 KB (developers.cloudflare.com/queues/platform/pricing). */
const CF_QUEUE_INCLUDED_OPS = 1_000_000;
const CF_QUEUE_USD_PER_M_OPS = 0.4;
/** Upstash Redis pay-as-you-go: $0.20 per 100 K commands; storage $0.25/GB-month after 1 GB; bandwidth free to 200 GB/month, then $0.03/GB (upstash.com/docs/redis/overall/billing). */
const UPSTASH_USD_PER_100K_COMMANDS = 0.2;
const UPSTASH_FREE_STORAGE_GB = 1;
const UPSTASH_USD_PER_GB_MONTH = 0.25;
const UPSTASH_FREE_BANDWIDTH_GB = 200;
const UPSTASH_USD_PER_GB_BANDWIDTH = 0.03;
/** Neon Launch: $0.106 per CU-hour, storage $0.35/GB-month, no monthly minimum (neon.com/docs/introduction/plans, updated 2026-11-12). */
const NEON_USD_PER_CU_HOUR = 0.106;
const NEON_USD_PER_GB_MONTH = 0.35;
/** Assumptions (not list prices): Neon compute 0.25 CU, awake for a tick's duration + 5 min autosuspend; database ~0.5 GB. */
const NEON_CU = 0.25;
const NEON_SUSPEND_MINUTES = 5;
const NEON_STORAGE_GB = 0.5;
const TICKS_PER_MONTH = 4 * 30;

// ---- helpers --------------------------------------------------------------------------------
const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Counts bytes through to the Upstash stand-in. */
function startCountingProxy() {
  const stats = { requests: 0, bytesIn: 0, bytesOut: 0, maxRequestBytes: 0, maxResponseBytes: 0, largest: "" };
  let target = "";
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      stats.requests++;
      stats.bytesIn += body.length;
      if (body.length > stats.maxRequestBytes) {
        stats.maxRequestBytes = body.length;
        // What it was: the command names of the request (a pipeline's first few).
        try {
          const parsed = JSON.parse(body.toString()) as unknown[];
          const cmds = (Array.isArray(parsed[0]) ? (parsed as unknown[][]) : [parsed]).map((c) => String(c[0]).toLowerCase());
          stats.largest = `${req.url} ${cmds.length} command(s): ${[...new Set(cmds)].slice(0, 4).join(",")}`;
        } catch {
          stats.largest = String(req.url);
        }
      }
      try {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && k !== "host" && k !== "content-length") headers[k] = v;
        const upstream = await fetch(`${target}${req.url}`, { method: req.method, headers, body: req.method === "GET" ? undefined : body });
        const out = Buffer.from(await upstream.arrayBuffer());
        stats.bytesOut += out.length;
        stats.maxResponseBytes = Math.max(stats.maxResponseBytes, out.length);
        res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" });
        res.end(out);
      } catch (e) {
        res.writeHead(502);
        res.end(String(e));
      }
    });
  });
  return new Promise<{ url: string; stats: typeof stats; setTarget: (t: string) => void; close: () => Promise<void> }>((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      resolve({ url: `http://127.0.0.1:${port}`, stats, setTarget: (t) => (target = t), close: () => new Promise((r) => server.close(() => r())) });
    }),
  );
}

/** Descendant processes of this one (wrangler → workerd), by /proc. */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [c, pp] of parent)
      if (pp === p) {
        out.push(c);
        walk(c);
      }
  };
  walk(root);
  return out;
}
function workerdPeakRssMb(): number {
  let peak = 0;
  for (const pid of descendants(process.pid)) {
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
      if (!comm.includes("workerd")) continue;
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (m) peak = Math.max(peak, Number(m[1]) / 1024);
    } catch {
      // gone
    }
  }
  return peak;
}

function redisInfoMemory(): { usedMemory: number; keys: number } {
  const url = new URL(process.env.REDIS_URL!);
  const args = ["-h", url.hostname, "-p", url.port || "6379", "-n", String(REDIS_DB)];
  const info = execFileSync("redis-cli", [...args, "INFO", "memory"], { encoding: "utf8" });
  const keys = Number(execFileSync("redis-cli", [...args, "DBSIZE"], { encoding: "utf8" }).trim());
  return { usedMemory: Number(/used_memory:(\d+)/.exec(info)![1]), keys };
}

// ---- the Worker's log lines (warm_batch), captured from wrangler's output -------------------
interface BatchLine {
  messages: number;
  routes: number;
  scores: number;
  ms: { routes: number; inputs: number; compute: number; writeWait: number; total: number };
}
const batches: BatchLine[] = [];
let retries = 0;
const realWrite = process.stdout.write.bind(process.stdout);
let buffer = "";
process.stdout.write = ((chunk: string | Uint8Array, ..._rest: unknown[]) => {
  const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
  buffer += text;
  const lines = buffer.split("\n");
  buffer = lines.pop()!;
  for (const line of lines) {
    const i = line.indexOf('{"level"');
    if (i < 0) {
      if (process.env.BENCH_VERBOSE) realWrite(`${line}\n`);
      continue;
    }
    try {
      const j = JSON.parse(line.slice(i));
      if (j.event === "warm_batch") batches.push(j as BatchLine);
      if (j.event === "warm_message_retry") retries++;
      if (process.env.BENCH_VERBOSE || j.level === "error") realWrite(`${line}\n`);
    } catch {
      // not ours
    }
  }
  return true;
}) as typeof process.stdout.write;
const say = (s: string) => realWrite(`${s}\n`);

// ---- run ------------------------------------------------------------------------------------
const dir = mkdtempSync(join(os.tmpdir(), "safeascent-scale-"));
const proxy = await startCountingProxy();
let stack: Awaited<ReturnType<typeof startStack>> | null = null;
try {
  say(
    `# machine: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  let t = performance.now();
  const written = writeCatalogue(dir, { routes: ROUTES, locations: LOCATIONS, accidentsFrom: join(import.meta.dirname, "../../shared/data/safeascent") });
  say(
    `# catalogue: ${fmt(ROUTES)} routes on ${fmt(LOCATIONS)} locations written in ${((performance.now() - t) / 1000).toFixed(1)} s: ${fmt(written.stats.scoringPoints)} scoring points in ${fmt(written.stats.weatherCells)} weather cells`,
  );
  t = performance.now();
  stack = await startStack({
    port: PORT,
    databaseName: "safeascent_scale",
    recreateDatabase: true,
    seedDir: dir,
    workerOutput: "inherit",
    adminToken: "bench-admin-token-0123456789",
    vars: {
      WARM_SCOPE: "all",
      UPSTASH_REDIS_REST_URL: proxy.url,
    },
    log: (l) => say(`# ${l}`),
  });
  proxy.setTarget(stack.upstash.url);
  say(`# stack ready (import included) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const headers = { Authorization: `Bearer ${stack.adminToken}` };
  const redis = new Redis({ url: stack.upstash.url, token: stack.upstash.token, automaticDeserialization: false });
  for (const pattern of ["safety_score:*", "safety_map:*", "safety_detail:*", "weather:*", "warm:*", "corpus:*"]) {
    let cursor = "0";
    do {
      const [next, keys] = (await redis.scan(cursor, { match: pattern, count: 5000 })) as [string, string[]];
      for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
      cursor = String(next);
    } while (cursor !== "0");
  }
  const memBefore = redisInfoMemory();
  const before = stack.counters();
  const proxyBefore = { ...proxy.stats };

  // One tick: cron → queue → consumers → Redis.
  const started = performance.now();
  const fired = await fetch(`${stack.baseUrl}/__scheduled?cron=${encodeURIComponent("0 */6 * * *")}`);
  if (!fired.ok) throw new Error(`/__scheduled: HTTP ${fired.status} ${await fired.text()}`);
  const tickMs = performance.now() - started;
  type Run = {
    id: string;
    status: string;
    trigger: string;
    messages: number;
    finishedAt: string | null;
    routes: { total: number; done: number; failed: number };
    scores: { done: number; fallback: number; withoutClimate: number };
  };
  let run: Run | null = null;
  const deadline = Date.now() + TIMEOUT_S * 1000;
  let peakRss = 0;
  let lastSay = 0;
  while (Date.now() < deadline) {
    peakRss = Math.max(peakRss, workerdPeakRssMb());
    const list = (await (await fetch(`${stack.baseUrl}/admin/runs`, { headers })).json().catch(() => ({}))) as { runs?: Run[] };
    // A busy isolate may answer an admin read with 503: ask again.
    if (list.runs) run = list.runs.find((r) => r.trigger === "cron") ?? null;
    if (run?.finishedAt) break;
    if (run && Date.now() - lastSay > 30_000) {
      lastSay = Date.now();
      say(`# … ${run.status}: ${fmt(run.routes.done)}/${fmt(run.routes.total)} routes after ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  const wallS = (performance.now() - started) / 1000;
  if (!run?.finishedAt) throw new Error(`the tick did not finish within ${TIMEOUT_S} s`);
  const after = stack.counters();
  const memAfter = redisInfoMemory();
  const upBytesIn = proxy.stats.bytesIn - proxyBefore.bytesIn;
  const upBytesOut = proxy.stats.bytesOut - proxyBefore.bytesOut;
  const commands = after.upstashCommands - before.upstashCommands;
  const requests = after.upstashRequests - before.upstashRequests;
  const neonQueries = after.neonQueries - before.neonQueries;
  const meteo = after.openMeteoFetches - before.openMeteoFetches;
  const scores = run.scores.done;
  const perMessage = batches.filter((b) => b.messages > 0).map((b) => b.ms.compute / b.messages);
  const perInvocation = batches.map((b) => b.ms.compute + b.ms.inputs + b.ms.routes);
  const sampleKeys = (await redis.scan("0", { match: "safety_score:*", count: 2000 }))[1] as string[];

  say("");
  say(
    `tick: ${run.status}, ${fmt(run.routes.total)} routes (${fmt(run.routes.failed)} failed), ${fmt(scores)} scores (${fmt(run.scores.fallback)} fallback, ${fmt(run.scores.withoutClimate)} without climate)`,
  );
  say(`wall: ${wallS.toFixed(1)} s from cron to finished (tick handler ${(tickMs / 1000).toFixed(1)} s) = ${fmt(scores / wallS)} scores/s`);
  say(`queue: ${fmt(run.messages)} messages + ${fmt(retries)} retries, ${fmt(batches.length)} consumer invocations`);
  say(
    `consumer compute per message: median ${fmt(median(perMessage))} ms, max ${fmt(Math.max(...perMessage))} ms; per invocation (routes+inputs+compute) median ${fmt(median(perInvocation))} ms, max ${fmt(Math.max(...perInvocation))} ms`,
  );
  say(`workerd peak RSS (all isolates + runtime): ${fmt(peakRss)} MB`);
  say(
    `upstash: ${fmt(commands)} commands in ${fmt(requests)} requests; ${fmt(upBytesIn / 1e6, 1)} MB sent, ${fmt(upBytesOut / 1e6, 1)} MB received; largest request ${fmt(proxy.stats.maxRequestBytes / 1024)} KB (${proxy.stats.largest}), largest answer ${fmt(proxy.stats.maxResponseBytes / 1024)} KB`,
  );
  say(`neon: ${fmt(neonQueries)} queries; open-meteo: ${fmt(meteo)} requests`);
  say(
    `redis db ${REDIS_DB}: ${fmt(memAfter.keys)} keys (was ${fmt(memBefore.keys)}); server used_memory ${fmt(memAfter.usedMemory / 1e6)} MB (was ${fmt(memBefore.usedMemory / 1e6)} MB, +${fmt((memAfter.usedMemory - memBefore.usedMemory) / 1e6)} MB; shared server)`,
  );
  let usage = 0;
  for (const k of sampleKeys.slice(0, 500)) usage += Number((await redis.eval("return redis.call('MEMORY', 'USAGE', KEYS[1])", [k], [])) ?? 0);
  const perKey = sampleKeys.length ? usage / Math.min(500, sampleKeys.length) : 0;
  say(
    `redis per score key (MEMORY USAGE, ${Math.min(500, sampleKeys.length)} sampled): ${fmt(perKey)} B → ${fmt((perKey * scores) / 1e6)} MB for ${fmt(scores)} keys`,
  );

  // Cold isolate: restart, warm one route, read how the corpus became ready.
  await stack.restartWorker();
  await fetch(`${stack.baseUrl}/admin/warm?routes=1&wait=60`, { method: "POST", headers });
  const st = (await (await fetch(`${stack.baseUrl}/admin/stats`, { headers })).json()) as {
    corpus: { lastLoad: { source: string; store: string; readMs: number; prepareMs: number; bytes: number } | null };
  };
  const cold = st.corpus.lastLoad;
  say(
    `cold isolate corpus: ${cold ? `${cold.source} from ${cold.store}, ${fmt(cold.bytes / 1024)} KiB, read ${fmt(cold.readMs, 1)} ms, ready to score ${fmt(cold.prepareMs, 1)} ms after the read` : "not reported"}`,
  );

  // map-with-safety, when the API helper's endpoint exists.
  const mws = await fetch(`${stack.baseUrl}/api/v1/mp-routes/map-with-safety`);
  if (mws.status === 404) say("map-with-safety: not on this branch (GET /api/v1/mp-routes/map-with-safety is 404): skipped");
  else {
    const t0 = performance.now();
    const r = await fetch(`${stack.baseUrl}/api/v1/mp-routes/map-with-safety`);
    const bytes = (await r.arrayBuffer()).byteLength;
    say(`map-with-safety: HTTP ${r.status}, ${fmt(bytes / 1e6, 1)} MB in ${fmt(performance.now() - t0)} ms`);
  }

  // ---- cost ----
  const invocations = batches.length + 1;
  const cpuMsTick = batches.reduce((n, b) => n + b.ms.compute + b.ms.inputs + b.ms.routes, 0); // wall of the CPU-bound parts: an upper bound of CPU
  const queueOps = 3 * run.messages + 3 * retries;
  const neonHoursTick = wallS / 3600 + NEON_SUSPEND_MINUTES / 60;
  const month = {
    requests: invocations * TICKS_PER_MONTH + 8_640, // + the watchdog's 8,640 checks
    cpuMs: cpuMsTick * TICKS_PER_MONTH,
    queueOps: queueOps * TICKS_PER_MONTH,
    commands: commands * TICKS_PER_MONTH + 8_640 * 20,
    bandwidthGb: ((upBytesIn + upBytesOut) * TICKS_PER_MONTH) / 1e9,
    storageGb: (memAfter.usedMemory - memBefore.usedMemory) / 1e9,
  };
  const usd = {
    workers:
      CF_WORKERS_BASE_USD +
      (Math.max(0, month.requests - CF_INCLUDED_REQUESTS) / 1e6) * CF_USD_PER_M_REQUESTS +
      (Math.max(0, month.cpuMs - CF_INCLUDED_CPU_MS) / 1e6) * CF_USD_PER_M_CPU_MS,
    queues: (Math.max(0, month.queueOps - CF_QUEUE_INCLUDED_OPS) / 1e6) * CF_QUEUE_USD_PER_M_OPS,
    upstash:
      (month.commands / 1e5) * UPSTASH_USD_PER_100K_COMMANDS +
      Math.max(0, month.storageGb - UPSTASH_FREE_STORAGE_GB) * UPSTASH_USD_PER_GB_MONTH +
      Math.max(0, month.bandwidthGb - UPSTASH_FREE_BANDWIDTH_GB) * UPSTASH_USD_PER_GB_BANDWIDTH,
    neon: neonHoursTick * TICKS_PER_MONTH * NEON_CU * NEON_USD_PER_CU_HOUR + NEON_STORAGE_GB * NEON_USD_PER_GB_MONTH,
  };
  const tickUsd = {
    workers: (invocations / 1e6) * CF_USD_PER_M_REQUESTS + (cpuMsTick / 1e6) * CF_USD_PER_M_CPU_MS,
    queues: (queueOps / 1e6) * CF_QUEUE_USD_PER_M_OPS,
    upstash: (commands / 1e5) * UPSTASH_USD_PER_100K_COMMANDS,
    neon: neonHoursTick * NEON_CU * NEON_USD_PER_CU_HOUR,
  };
  const total = Object.values(usd).reduce((a, b) => a + b, 0);
  say("");
  say("cost (list prices; see the constants in bench/scale.ts for sources and assumptions):");
  say(
    `  one tick at marginal prices (no allowances): workers $${tickUsd.workers.toFixed(4)}, queues $${tickUsd.queues.toFixed(4)}, upstash $${tickUsd.upstash.toFixed(4)}, neon $${tickUsd.neon.toFixed(4)} = $${Object.values(
      tickUsd,
    )
      .reduce((a, b) => a + b, 0)
      .toFixed(4)}`,
  );
  say(
    `  a month, ${TICKS_PER_MONTH} ticks: ${fmt(month.requests)} requests, ${fmt(month.cpuMs / 1e6, 1)} M CPU-ms (upper bound), ${fmt(month.queueOps)} queue ops, ${fmt(month.commands)} Upstash commands, ${fmt(month.bandwidthGb, 1)} GB Upstash bandwidth, ${fmt(month.storageGb, 2)} GB stored`,
  );
  say(
    `  → workers $${usd.workers.toFixed(2)} + queues $${usd.queues.toFixed(2)} + upstash $${usd.upstash.toFixed(2)} + neon $${usd.neon.toFixed(2)} = $${total.toFixed(2)} a month`,
  );
  say(
    `  if Upstash billed each command inside a script (an assumption this model does not make): +$${(((scores * 1.01 * TICKS_PER_MONTH) / 1e5) * UPSTASH_USD_PER_100K_COMMANDS).toFixed(2)} a month`,
  );
  say("");
  say(`scale: ${scores} scores in ${wallS.toFixed(1)} s, ${(upBytesIn / 1e6).toFixed(1)} MB to Upstash, ${commands} commands`);
} finally {
  await stack?.close();
  await proxy.close();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write = realWrite;
}
