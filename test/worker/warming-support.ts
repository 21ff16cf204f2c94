/**
 * Shared by the warming test files (inside workerd): calling the Worker, waiting for runs, and
 * resetting the Worker's global warming keys between tests (the warming files run one at a time:
 * see vitest.config.ts).
 */
import { expect, vi } from "vitest";
import { env } from "cloudflare:workers";
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { Redis } from "@upstash/redis";
import workerModule from "../../src/index";
import { keyPrefixes, keys as redisKeys } from "../../src/cache/keys";
import type { RunRecord } from "../../src/warming/runs";

export const ADMIN = { Authorization: `Bearer ${env.ADMIN_TOKEN}` };
export const redis = new Redis({ url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN, automaticDeserialization: false });
export const worker = workerModule as Required<typeof workerModule>;
export type SendBatchSpy = { mock: { calls: [{ body: unknown }[]][] } } & ReturnType<typeof vi.fn>;

export async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`http://edge.test${path}`, init) as any, env, ctx);
  await waitOnExecutionContext(ctx);
  return res as unknown as Response;
}

export async function getRun(runId: string): Promise<RunRecord> {
  return (await (await call(`/admin/runs/${runId}`, { headers: ADMIN })).json()) as RunRecord;
}

export async function waitForFinish(runId: string, timeoutMs = 90_000): Promise<RunRecord> {
  let run: RunRecord | null = null;
  await vi.waitFor(
    async () => {
      run = await getRun(runId);
      if (!run.finishedAt) throw new Error(`run ${runId} still ${run.status} ${run.progressPercent}%`);
    },
    { timeout: timeoutMs, interval: 200 },
  );
  return run!;
}

/** Fires the cron event `cron` for `scheduledTime` (ms); resolves or rejects as the handler does. */
export async function fireCron(scheduledTime: number, cron = env.WARM_CRON): Promise<void> {
  const ctx = createExecutionContext();
  try {
    await worker.scheduled(createScheduledController({ scheduledTime, cron }), env, ctx);
  } finally {
    await waitOnExecutionContext(ctx);
  }
}

async function deleteMatching(pattern: string) {
  let cursor = "0";
  do {
    const [next, found] = (await redis.scan(cursor, { match: pattern, count: 1000 })) as [string, string[]];
    if (found.length) await redis.del(...found);
    cursor = String(next);
  } while (cursor !== "0");
}

/** Clears the global warming state: tick keys, the lock, live runs, dead letters, the recent-runs index. */
export async function resetWarmingState() {
  await deleteMatching(`${keyPrefixes.tickLock}*`);
  await redis.del(redisKeys.activeRun, redisKeys.deadLetters, redisKeys.liveRuns, redisKeys.runsIndex);
}

/** Forgets all cached weather (so a test sees the weather source as it is now). */
export async function clearWeather() {
  await deleteMatching("weather:*");
}

export async function existing(keys: string[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < keys.length; i += 500) n += Number(await redis.exists(...keys.slice(i, i + 500)));
  return n;
}

/** fetch that fails (like a network outage) for URLs starting with `prefix`, and passes the rest. */
export function failFetchTo(prefix: string) {
  const original = globalThis.fetch;
  return vi.spyOn(globalThis, "fetch").mockImplementation(((input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (url.startsWith(prefix)) return Promise.reject(new TypeError(`fetch failed (test outage of ${prefix})`));
    return original(input as RequestInfo, init);
  }) as typeof fetch);
}

/** Marks the latest real WARM_CRON fire time as handled, so a watchdog check in a test does not start it. */
export async function markLatestTickHandled(at: Date = new Date()) {
  const { previousFireTime } = await import("../../src/warming/schedule");
  for (const t of [at, new Date(at.getTime() + 3600_000)]) {
    const fire = previousFireTime(env.WARM_CRON, t);
    if (fire) await redis.set(redisKeys.tickLock(fire.toISOString()), "test", { ex: 3600 });
  }
}

export function expectNoLock() {
  return expect(redis.get(redisKeys.activeRun)).resolves.toBeNull();
}
