/**
 * `npm run bench:warm` — end-to-end warming on the local stack with the real shared data.
 *
 * Brings up the stack (dev/stack.ts) on a fresh database `safeascent_bench` with
 * ../shared/data/safeascent imported, then for 200 routes and for every locatable route:
 * restarts the Worker (a cold isolate: corpus and weather memo empty), clears the score and
 * weather keys, triggers POST /admin/warm?top=N&wait=…, and measures trigger → all keys in Redis.
 * Reports wall time, scores/s, and the Neon queries, Upstash requests and Open-Meteo fetches the
 * run made (counted by the local stand-ins).
 */
import os from "node:os";
import { resolve } from "node:path";
import { Redis } from "@upstash/redis";
import { startStack } from "../dev/stack";

const dataDir = resolve(import.meta.dirname, "../../shared/data/safeascent");
const port = Number(process.env.BENCH_PORT ?? 8797);

const stack = await startStack({
  port,
  databaseName: process.env.BENCH_DATABASE ?? "safeascent_bench",
  recreateDatabase: true,
  seedDir: dataDir,
  workerOutput: process.env.BENCH_VERBOSE ? "inherit" : "quiet",
  adminToken: "bench-admin-token-0123456789",
  log: (l) => console.log(`# ${l}`),
});
const redis = new Redis({ url: stack.upstash.url, token: stack.upstash.token, automaticDeserialization: false });
const headers = { Authorization: `Bearer ${stack.adminToken}` };

async function deleteMatching(pattern: string) {
  let cursor = "0";
  do {
    const [next, keys] = (await redis.scan(cursor, { match: pattern, count: 1000 })) as [string, string[]];
    if (keys.length) await redis.del(...keys);
    cursor = String(next);
  } while (cursor !== "0");
}

interface Run {
  id: string;
  status: string;
  dates: string[];
  routes: { total: number; done: number; failed: number };
  scores: { total: number; done: number };
}

async function warm(top: number) {
  await stack.restartWorker();
  for (const p of ["safety_score:*", "safety_map:*", "weather:*", "warm:*", "warm_*", "warm_lock:*"]) await deleteMatching(p);
  const before = await stack.counters();
  const started = performance.now();
  const res = await fetch(`${stack.baseUrl}/admin/warm?top=${top}&wait=300`, { method: "POST", headers });
  const body = (await res.json()) as { run: Run };
  const wallMs = performance.now() - started;
  const after = await stack.counters();
  const run = body.run;
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, found] = (await redis.scan(cursor, { match: "safety_score:*", count: 1000 })) as [string, string[]];
    keys.push(...found);
    cursor = String(next);
  } while (cursor !== "0");
  return {
    top,
    status: run.status,
    routes: run.routes.total,
    scores: run.scores.done,
    keysInRedis: keys.length,
    wallMs,
    scoresPerSecond: run.scores.done / (wallMs / 1000),
    neonQueries: after.neonQueries - before.neonQueries,
    upstashRequests: after.upstashRequests - before.upstashRequests,
    openMeteoFetches: after.openMeteoFetches - before.openMeteoFetches,
  };
}

try {
  console.log(`# machine: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}, ${os.platform()} ${os.arch()}`);
  for (const top of [200, 10_000]) {
    const r = await warm(top);
    console.log(
      `warm top=${top === 10_000 ? "all" : top}: ${r.status}, ${r.routes} routes, ${r.scores} scores (${r.keysInRedis} keys in Redis) in ${(r.wallMs / 1000).toFixed(2)} s ` +
        `= ${r.scoresPerSecond.toFixed(0)} scores/s; Neon queries ${r.neonQueries}, Upstash requests ${r.upstashRequests}, Open-Meteo fetches ${r.openMeteoFetches}`,
    );
  }
} finally {
  await stack.close();
}
