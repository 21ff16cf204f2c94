/**
 * The warming pipeline inside workerd, end to end against real Redis and Postgres (through the
 * Upstash-REST and Neon-HTTP stand-ins): cron tick → queue → consumer → safety_score:* keys and the
 * run record. The test database holds the real shared dataset (imported by the global setup).
 */
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { env } from "cloudflare:workers";
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { Redis } from "@upstash/redis";
import { ScoreService } from "../../src/service/score-service";
import type { RunRecord } from "../../src/warming/runs";

type SendBatchSpy = { mock: { calls: [{ body: unknown }[]][] } } & ReturnType<typeof vi.fn>;
const ADMIN = { Authorization: `Bearer ${env.ADMIN_TOKEN}` };
const redis = new Redis({ url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN, automaticDeserialization: false });
// The Worker module itself (same isolate and module instances as the queue consumer the pool runs).
import workerModule from "../../src/index";
import { keyPrefixes, keys as redisKeys } from "../../src/cache/keys";
import { COMPACT_MAX_BYTES, CompactScoreSchema, mapIndexTtl, routeScoreTtl } from "../../src/cache/scores";
const worker = workerModule as Required<typeof workerModule>;

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  return worker.fetch(new Request(`http://edge.test${path}`, init) as any, env, createExecutionContext());
}

async function waitForFinish(runId: string, timeoutMs = 60_000): Promise<RunRecord> {
  let run: RunRecord | null = null;
  await vi.waitFor(
    async () => {
      const res = await call(`/admin/runs/${runId}`, { headers: ADMIN });
      run = (await res.json()) as RunRecord;
      if (!run.finishedAt) throw new Error(`run ${runId} still ${run.status} ${run.progressPercent}%`);
    },
    { timeout: timeoutMs, interval: 200 },
  );
  // A finished run has released the one-run-at-a-time lock (the afterEach reset must not hide a leak).
  expect(await redis.get(redisKeys.activeRun)).toBeNull();
  return run!;
}

async function resetWarmingState() {
  let cursor = "0";
  do {
    const [next, found] = (await redis.scan(cursor, { match: `${keyPrefixes.tickLock}*`, count: 500 })) as [string, string[]];
    if (found.length) await redis.del(...found);
    cursor = String(next);
  } while (cursor !== "0");
  await redis.del(redisKeys.activeRun, redisKeys.deadLetters);
}

async function deleteScores(routeIds: number[], dates: string[]) {
  const keys = routeIds.flatMap((id) => dates.map((d) => `safety_score:${id}:${d}`));
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
}

beforeAll(async () => {
  await resetWarmingState();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await resetWarmingState();
});

describe("cron tick → queue → consumer → Upstash", () => {
  it("fills exactly 1,400 keys for the top 200 routes with their TTLs and records a succeeded run", async () => {
    // The Upstash stand-in's largest-request statistic, from here on (other test files share the
    // stand-in, so their requests count too: the bound below holds for all of them).
    await fetch(`${env.UPSTASH_REDIS_REST_URL}/__standin/stats/reset`, { method: "POST" });
    const sendBatch = vi.spyOn(env.WARM_QUEUE, "sendBatch") as unknown as SendBatchSpy;
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.UTC(2030, 0, 1, 6), cron: "0 */6 * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);

    const list = (await (await call("/admin/runs", { headers: ADMIN })).json()) as { runs: RunRecord[] };
    const run = list.runs[0]!;
    expect(run.trigger).toBe("cron");
    expect(run.routes.total).toBe(200);
    expect(run.messages).toBe(20);
    expect(sendBatch).toHaveBeenCalledTimes(1);
    expect(sendBatch.mock.calls[0]![0]).toHaveLength(20);
    expect(sendBatch.mock.calls[0]![0].every((m) => (m.body as { routeIds: number[] }).routeIds.length === 10)).toBe(true);

    const done = await waitForFinish(run.id);
    expect(done.status).toBe("succeeded");
    expect(done.scores).toMatchObject({ total: 1400, done: 1400, failed: 0 });

    // Budget: no Upstash request of the run came near Upstash's 10 MB max request size (half of it at most).
    const upstash = (await (await fetch(`${env.UPSTASH_REDIS_REST_URL}/__standin/stats`)).json()) as {
      maxRequestBytes: number;
      maxRequestBytesLimit: number;
      commands: number;
    };
    expect(upstash.maxRequestBytesLimit).toBe(10_000_000);
    expect(upstash.commands).toBeGreaterThanOrEqual(done.messages); // at least one write per message (scores go in Lua scripts)
    expect(upstash.maxRequestBytes).toBeGreaterThan(0);
    expect(upstash.maxRequestBytes).toBeLessThan(upstash.maxRequestBytesLimit / 2);
    console.log(
      `budget: largest Upstash request during the warming run ${upstash.maxRequestBytes} bytes = ${((100 * upstash.maxRequestBytes) / upstash.maxRequestBytesLimit).toFixed(2)} % of ${upstash.maxRequestBytesLimit}`,
    );
    expect(done.progressPercent).toBe(100);
    expect(done.durationMs).toBeGreaterThanOrEqual(0);

    const routeIds = sendBatch.mock.calls[0]![0].flatMap((m) => (m.body as { routeIds: number[] }).routeIds);
    expect(new Set(routeIds).size).toBe(200);
    const keys = routeIds.flatMap((id) => done.dates.map((d) => `safety_score:${id}:${d}`));
    expect(keys).toHaveLength(1400);
    expect(Number(await redis.exists(...keys))).toBe(1400);
    // 6 h, and today's scores until today has ended everywhere (src/cache/scores.ts routeScoreTtl).
    for (const k of keys.filter((_, i) => i % 97 === 0)) {
      const ttl = Number(await redis.ttl(k));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl, k).toBeLessThanOrEqual(routeScoreTtl({ date: k.split(":")[2]!, weather: { status: "ok", climate_available: true } }, 21_600) + 1); // TTLs are whole seconds
    }
    // Compact values in SafeAscent's format, ≤ 300 bytes a key (the explanation is computed on request).
    for (const k of keys.filter((_, i) => i % 97 === 0)) {
      const raw = (await redis.get<string>(k))!;
      expect(new TextEncoder().encode(raw).byteLength).toBeLessThanOrEqual(COMPACT_MAX_BYTES);
      expect(CompactScoreSchema.parse(JSON.parse(raw)).target_date).toBe(k.split(":")[2]);
    }
    const sample = JSON.parse((await redis.get<string>(keys[0]!))!);
    expect(sample.route_id).toBe(routeIds[0]);
    expect(sample.risk_score).toBeGreaterThanOrEqual(0);
    expect(sample.risk_score).toBeLessThanOrEqual(100);
    expect(["green", "yellow", "orange", "red"]).toContain(sample.color_code);

    // The routes are the top 200 by mountain accident count, then route count, then id.
    const stats = (await (await call("/admin/stats", { headers: ADMIN })).json()) as { cache: { cachedKeys: number; expectedKeys: number } };
    expect(stats.cache.expectedKeys).toBe(1400);
    expect(stats.cache.cachedKeys).toBe(1400);

    // The /map index safety_map:v1:{date}: every route of the run has its entry for each date, live and
    // equal to its compact score. (HLEN may exceed 200: the API test files index their own 9000xx routes
    // in the same hashes in parallel, and earlier runs' entries stay until their expiry.)
    const nowSeconds = Math.floor(Date.now() / 1000);
    for (const date of done.dates) {
      const index = redisKeys.mapIndex(date);
      const flat = ((await redis.hgetall(index)) ?? []) as unknown as string[];
      expect(Number(await redis.hlen(index))).toBe(flat.length / 2);
      const entries = new Map(flat.flatMap((id, i) => (i % 2 === 0 ? [[Number(id), flat[i + 1]!] as const] : [])));
      const compacts = ((await redis.mget(...routeIds.map((id) => `safety_score:${id}:${date}`))) as string[]).map((raw) =>
        CompactScoreSchema.parse(JSON.parse(raw)),
      );
      routeIds.forEach((id, i) => {
        const [risk, color, expiry] = entries.get(id)?.split("|") ?? [];
        expect([Number(risk), color], `${id} ${date}`).toEqual([compacts[i]!.risk_score, compacts[i]!.color_code]);
        expect(Number(expiry)).toBeGreaterThan(nowSeconds);
      });
      const ttl = Number(await redis.ttl(index));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(mapIndexTtl(date, 21_600) + 1);

      // /map serves those routes as cached (they are the busiest, so the first 200 of the world box).
      const map = (await (await call(`/api/v2/map?bbox=-180,-90,180,90&date=${date}`)).json()) as {
        routes: { id: number; risk: number; color: string }[];
        missing: number[];
      };
      const listed = new Set(map.routes.map((r) => r.id));
      expect(
        routeIds.filter((id) => !listed.has(id)),
        date,
      ).toEqual([]);
      expect(routeIds.filter((id) => map.missing.includes(id))).toEqual([]);
      if (date === done.dates[0]) {
        const r = map.routes.find((x) => x.id === routeIds[0])!;
        expect(Math.abs(r.risk - sample.risk_score)).toBeLessThanOrEqual(0.05 + 1e-9);
        expect(r.color).toBe(sample.color_code);
      }
    }
  });

  it("firing the same tick twice enqueues nothing the second time", async () => {
    const sendBatch = vi.spyOn(env.WARM_QUEUE, "sendBatch") as unknown as SendBatchSpy;
    const tick = { scheduledTime: Date.UTC(2030, 0, 2, 12), cron: "0 */6 * * *" };
    const ctx = createExecutionContext();
    // Two deliveries of one tick at the same time: only one may enqueue.
    await Promise.all([worker.scheduled(createScheduledController(tick), env, ctx), worker.scheduled(createScheduledController(tick), env, ctx)]);
    await waitOnExecutionContext(ctx);
    expect(sendBatch).toHaveBeenCalledTimes(1);
    const { runs } = (await (await call("/admin/runs", { headers: ADMIN })).json()) as { runs: RunRecord[] };
    await waitForFinish(runs[0]!.id);
  });

  it("a trigger or a tick during a run starts no second run (409 names the active run)", async () => {
    const first = await call("/admin/warm?routes=1,2,3", { method: "POST", headers: ADMIN });
    expect(first.status).toBe(202);
    const { runId } = (await first.json()) as { runId: string };

    const second = await call("/admin/warm", { method: "POST", headers: ADMIN });
    expect(second.status).toBe(409);
    const body = (await second.json()) as { error: { code: string; activeRunId: string } };
    expect(body.error.code).toBe("run_in_progress");
    expect(body.error.activeRunId).toBe(runId);

    const sendBatch = vi.spyOn(env.WARM_QUEUE, "sendBatch") as unknown as SendBatchSpy;
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.UTC(2030, 0, 3, 18), cron: "0 */6 * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(sendBatch).not.toHaveBeenCalled();

    const done = await waitForFinish(runId);
    expect(done.status).toBe("succeeded");
    expect(done.routes).toMatchObject({ total: 3, done: 3, failed: 0 });
  });
});

describe("redelivery and force", () => {
  it("a redelivered message rewrites the same keys and does not count its routes twice", async () => {
    const sendBatch = vi.spyOn(env.WARM_QUEUE, "sendBatch") as unknown as SendBatchSpy;
    const res = await call("/admin/warm?routes=21,22&wait=60", { method: "POST", headers: ADMIN });
    expect(res.status).toBe(200);
    const { run } = (await res.json()) as { run: RunRecord };
    expect(run.routes).toMatchObject({ total: 2, done: 2, failed: 0 });
    const body = sendBatch.mock.calls[0]![0][0]!.body;

    const { createMessageBatch, getQueueResult } = await import("cloudflare:test");
    const batch = createMessageBatch("safeascent-warm", [{ id: "again-1", timestamp: new Date(), attempts: 2, body }]);
    const ctx = createExecutionContext();
    await worker.queue(batch as never, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["again-1"]);

    const after = (await (await call(`/admin/runs/${run.id}`, { headers: ADMIN })).json()) as RunRecord;
    expect(after.routes).toMatchObject({ total: 2, done: 2, failed: 0, pending: 0 });
    expect(after.scores).toMatchObject({ total: 14, done: 14, failed: 0 });
    expect(after.status).toBe("succeeded");
    expect(after.finishedAt).toBe(run.finishedAt);
  });

  it("force starts a second run during a run; the first one finishing does not release the second's lock", async () => {
    const first = (await (await call("/admin/warm?routes=31,32,33", { method: "POST", headers: ADMIN })).json()) as { runId: string };
    const forced = await call("/admin/warm?routes=34&force=true", { method: "POST", headers: ADMIN });
    expect(forced.status).toBe(202);
    const second = (await forced.json()) as { runId: string };
    expect(second.runId).not.toBe(first.runId);
    expect(await redis.get(redisKeys.activeRun)).toBe(second.runId);

    // The first run finishing must leave the lock to the run it names now.
    let firstRun: RunRecord | null = null;
    await vi.waitFor(
      async () => {
        firstRun = (await (await call(`/admin/runs/${first.runId}`, { headers: ADMIN })).json()) as RunRecord;
        if (!firstRun.finishedAt) throw new Error("first run still going");
      },
      { timeout: 60_000, interval: 50 },
    );
    const [lockAfterFirst, secondNow] = await Promise.all([
      redis.get<string>(redisKeys.activeRun),
      call(`/admin/runs/${second.runId}`, { headers: ADMIN }).then((r) => r.json() as Promise<RunRecord>),
    ]);
    if (!secondNow.finishedAt) expect(lockAfterFirst).toBe(second.runId);
    expect(firstRun!.status).toBe("succeeded");
    expect((await waitForFinish(second.runId)).status).toBe("succeeded"); // and then it is released
  });
});

describe("failures", () => {
  it("a location whose computation throws is reported with its reason while its batch-mates are written", async () => {
    const ids = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const original = ScoreService.prototype.scoreLocation;
    let failing: number[] = [];
    vi.spyOn(ScoreService.prototype, "scoreLocation").mockImplementation(function (this: ScoreService, ...args) {
      if (args[1].some((r) => r.id === 4)) {
        failing = args[1].map((r) => r.id);
        throw new Error("synthetic failure for route 4");
      }
      return original.apply(this, args);
    });
    const res = await call(`/admin/warm?routes=${ids.join(",")}&wait=60`, { method: "POST", headers: ADMIN });
    expect(res.status).toBe(200);
    const { run } = (await res.json()) as { run: RunRecord };
    // Route 4's location (route 4 and any route at its exact point) fails, after its retries.
    expect(failing).toContain(4);
    const n = failing.length;
    expect(run.status).toBe("partial");
    expect(run.routes).toMatchObject({ total: 10, done: 10 - n, failed: n, pending: 0, retrying: 0 });
    expect(run.scores).toMatchObject({ total: 70, done: 70 - 7 * n, failed: 7 * n });
    expect(run.failedRoutes).toEqual(failing.sort((a, b) => a - b).map((routeId) => ({ routeId, reason: "synthetic failure for route 4" })));

    const mates = ids.filter((id) => !failing.includes(id));
    const keys = mates.flatMap((id) => run.dates.map((d) => `safety_score:${id}:${d}`));
    expect(Number(await redis.exists(...keys))).toBe(7 * (10 - n));
    await deleteScores(failing, run.dates);
    expect(Number(await redis.exists(...run.dates.map((d) => `safety_score:4:${d}`)))).toBe(0);
  });

  it("a message that keeps failing ends in the dead-letter queue and in the run record, and can be replayed", async () => {
    const original = ScoreService.prototype.scoreCompact;
    const spy = vi.spyOn(ScoreService.prototype, "scoreCompact").mockImplementation(function (this: ScoreService, inputs, routes) {
      if (routes.some((r) => r.id === 11)) throw new Error("synthetic outage");
      return original.call(this, inputs, routes);
    });
    const res = await call("/admin/warm?routes=11,12", { method: "POST", headers: ADMIN });
    expect(res.status).toBe(202);
    const { runId } = (await res.json()) as { runId: string };
    const run = await waitForFinish(runId, 90_000);
    expect(run.status).toBe("failed");
    expect(run.routes).toMatchObject({ total: 2, done: 0, failed: 2 });
    for (const f of run.failedRoutes) expect(f.reason).toMatch(/dead-lettered after \d+ attempt\(s\): scoring failed: synthetic outage/);
    expect(spy.mock.calls.length).toBeGreaterThanOrEqual(4); // first delivery + max_retries (3)

    const stats = (await (await call("/admin/stats", { headers: ADMIN })).json()) as { deadLetters: number };
    expect(stats.deadLetters).toBe(1);

    spy.mockRestore();
    const replay = await call("/admin/dlq/replay", { method: "POST", headers: ADMIN });
    expect(replay.status).toBe(202);
    const replayed = (await replay.json()) as { routes: number; run: RunRecord };
    expect(replayed.routes).toBe(2);
    expect(replayed.run.trigger).toBe("dlq-replay");
    const after = await waitForFinish(replayed.run.id);
    expect(after.status).toBe("succeeded");
    expect(Number(await redis.llen(redisKeys.deadLetters))).toBe(0);
  });

  it("an invalid queue message is kept as a dead letter, not processed and not retried", async () => {
    const batch = (await import("cloudflare:test")).createMessageBatch("safeascent-warm", [
      { id: "poison-1", timestamp: new Date(), attempts: 1, body: { runId: "x", index: 0, routeIds: ["not-a-number"], dates: [] } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch as any, env, ctx);
    const result = await (await import("cloudflare:test")).getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["poison-1"]);
    expect(result.retryMessages).toEqual([]);
    const letters = ((await redis.lrange(redisKeys.deadLetters, 0, -1)) as string[]).map((s) => JSON.parse(s));
    expect(letters).toHaveLength(1);
    expect(letters[0].reason).toMatch(/^invalid message: routeIds/);
  });
});

describe("operator surface", () => {
  it("rejects admin calls without the bearer token", async () => {
    for (const [method, path] of [
      ["POST", "/admin/warm"],
      ["GET", "/admin/runs"],
      ["GET", "/admin/stats"],
      ["GET", "/admin/schedule"],
      ["POST", "/admin/dlq/replay"],
    ] as const) {
      const res = await call(path, { method });
      expect(res.status, path).toBe(401);
      const wrong = await call(path, { method, headers: { Authorization: "Bearer nope" } });
      expect(wrong.status, path).toBe(401);
    }
  });

  it("validates warm parameters with 4xx naming the field", async () => {
    const cases: [string, number, string][] = [
      ["/admin/warm?routes=1,abc", 422, "routes"],
      ["/admin/warm?top=0", 422, "top"],
      ["/admin/warm?wait=9999", 422, "wait"],
      ["/admin/warm?routes=1&top=2", 422, "routes"],
      ["/admin/warm?routes=99999999", 422, "routes"],
      ["/admin/warm?bogus=1", 400, "bogus"],
    ];
    for (const [path, status, field] of cases) {
      const res = await call(path, { method: "POST", headers: ADMIN });
      expect(res.status, path).toBe(status);
      expect(((await res.json()) as { error: { field: string } }).error.field, path).toBe(field);
    }
    expect(await redis.get(redisKeys.activeRun)).toBeNull();
  });

  it("reports the schedule: the cron expression and the next four UTC fire times", async () => {
    const res = await call("/admin/schedule", { headers: ADMIN });
    const body = (await res.json()) as { cron: string; next: string[] };
    expect(body.cron).toBe("0 */6 * * *");
    expect(body.next).toHaveLength(4);
    for (const t of body.next) expect(new Date(t).getUTCHours() % 6).toBe(0);
    expect(Date.parse(body.next[0]!)).toBeGreaterThan(Date.now());
    expect(Date.parse(body.next[0]!)).toBeLessThanOrEqual(Date.now() + 6 * 3600_000);
  });

  it("returns 404 for an unknown run id", async () => {
    const res = await call("/admin/runs/20300101T000000Z-deadbeef", { headers: ADMIN });
    expect(res.status).toBe(404);
  });
});
