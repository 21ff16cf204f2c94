/**
 * Warming reliability (issue #10), end to end inside workerd against real Redis and Postgres:
 * a tick that fails is retried and warms; a run killed mid-way is abandoned, its lock freed, the
 * next tick warms and the missing routes are replayed once; force is capped; a run counts its
 * fallback scores. Outages are real ones for the Worker's clients: its fetch to the Neon or
 * Open-Meteo endpoint fails as a network failure does.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { env } from "cloudflare:workers";
import { appContext } from "../../src/context";
import { keys as redisKeys } from "../../src/cache/keys";
import { dateRange, todayUtc } from "../../src/dates";
import { previousFireTime } from "../../src/warming/schedule";
import { runWatchdog } from "../../src/warming/watchdog";
import type { RunRecord } from "../../src/warming/runs";
import {
  ADMIN,
  call,
  clearWeather,
  existing,
  expectNoLock,
  failFetchTo,
  fireCron,
  getRun,
  redis,
  resetWarmingState,
  markLatestTickHandled,
  waitForFinish,
  type SendBatchSpy,
} from "./warming-support";

const app = () => appContext(env);
const scoreKeys = (ids: number[], dates: string[]) => ids.flatMap((id) => dates.map((d) => redisKeys.score(id, d)));

beforeAll(resetWarmingState);
afterEach(async () => {
  vi.restoreAllMocks();
  await resetWarmingState();
});

describe("fallback counts", () => {
  // First in the file: no weather of these cells is memoised in this isolate yet.
  it("a run whose every score used the weather fallback says so in its counts", async () => {
    await clearWeather();
    failFetchTo(env.OPEN_METEO_FORECAST_URL!);
    const res = await call("/admin/warm?routes=41,42,43&wait=60", { method: "POST", headers: ADMIN });
    expect(res.status).toBe(200);
    const { run } = (await res.json()) as { run: RunRecord };
    expect(run.status).toBe("succeeded");
    expect(run.scores).toEqual({ total: 21, done: 21, failed: 0, fallback: 21, withoutClimate: 21 });
    // The compact values agree with the counts.
    const raw = (await redis.mget(...scoreKeys([41, 42, 43], run.dates))) as string[];
    expect(raw.map((r) => JSON.parse(r)).every((v) => v.weather === "forecast_unavailable" && v.climate === false)).toBe(true);
    vi.restoreAllMocks();
    await clearWeather();
  });
});

describe("a cron tick that fails", () => {
  it("releases its tick key, is a failed run with its reason, throws, and its retry warms the keys", async () => {
    const tick = Date.UTC(2031, 0, 1, 6);
    const tickKey = redisKeys.tickLock(new Date(tick).toISOString());
    const outage = failFetchTo(env.NEON_HTTP_ENDPOINT!);
    await expect(fireCron(tick)).rejects.toThrow(/postgres unavailable/);
    outage.mockRestore();

    expect(await redis.get(tickKey)).toBeNull();
    await expectNoLock();
    const { runs } = (await (await call("/admin/runs", { headers: ADMIN })).json()) as { runs: RunRecord[] };
    const failed = runs.find((r) => r.tick === new Date(tick).toISOString())!;
    expect(failed).toMatchObject({ status: "failed", trigger: "cron", messages: 0 });
    expect(failed.error).toMatch(/^run could not start: postgres unavailable/);
    expect(failed.finishedAt).not.toBeNull();

    // The platform redelivers the tick: it is not "already handled", it runs and warms.
    const sendBatch = vi.spyOn(env.WARM_QUEUE, "sendBatch") as unknown as SendBatchSpy;
    await fireCron(tick);
    expect(sendBatch).toHaveBeenCalledTimes(1);
    const retried = (await (await call("/admin/runs", { headers: ADMIN })).json()) as { runs: RunRecord[] };
    const run = retried.runs.find((r) => r.tick === new Date(tick).toISOString() && r.id !== failed.id)!;
    const done = await waitForFinish(run.id);
    expect(done.status).toBe("succeeded");
    const ids = sendBatch.mock.calls[0]![0].flatMap((m) => (m.body as { routeIds: number[] }).routeIds);
    expect(ids).toHaveLength(200);
    expect(await existing(scoreKeys(ids, done.dates))).toBe(1400);
    expect(await redis.get(tickKey)).toBe(run.id);
  });

  it("the watchdog starts a tick that failed, once the database is back", async () => {
    const now = new Date();
    const fire = previousFireTime(env.WARM_CRON, now)!;
    const outage = failFetchTo(env.NEON_HTTP_ENDPOINT!);
    await expect(fireCron(fire.getTime())).rejects.toThrow(/postgres unavailable/);
    // While Postgres is still down the watchdog's attempt fails too, and says so.
    const down = await runWatchdog(app(), { now: new Date(fire.getTime() + 5 * 60_000) });
    expect(down.tick).toMatchObject({ scheduledTime: fire.toISOString(), outcome: "failed" });
    expect(down.errors[0]).toMatch(/postgres unavailable/);
    outage.mockRestore();

    const report = await runWatchdog(app(), { now: new Date(fire.getTime() + 10 * 60_000) });
    expect(report.tick).toMatchObject({ scheduledTime: fire.toISOString(), outcome: "started" });
    const done = await waitForFinish(report.tick!.runId!);
    expect(done).toMatchObject({ status: "succeeded", trigger: "cron", tick: fire.toISOString() });
    expect(done.scores.done).toBe(1400);
    // Handled now: the next check leaves it alone.
    expect((await runWatchdog(app(), { now: new Date(fire.getTime() + 15 * 60_000) })).tick).toBeNull();
  });
});

describe("a run killed mid-way", () => {
  it("is abandoned with its missing routes once its heartbeat stops; the lock is freed, the next tick warms, the watchdog replays the missing routes once", async () => {
    // The first 2 of 5 messages are delivered, the other 3 are lost (a crash between enqueue and delivery).
    const original = env.WARM_QUEUE.sendBatch.bind(env.WARM_QUEUE);
    let dropped: number[] = [];
    vi.spyOn(env.WARM_QUEUE, "sendBatch").mockImplementation(async (messages) => {
      const list = [...messages];
      dropped = list.slice(2).flatMap((m) => (m.body as { routeIds: number[] }).routeIds);
      return original(list.slice(0, 2));
    });
    const res = await call("/admin/warm?top=50", { method: "POST", headers: ADMIN });
    expect(res.status).toBe(202);
    const { runId } = (await res.json()) as { runId: string };
    vi.restoreAllMocks();
    expect(dropped).toHaveLength(30);

    // The delivered messages make progress, and every one of them refreshes the heartbeat.
    await vi.waitFor(async () => expect((await getRun(runId)).routes.done).toBe(20), { timeout: 60_000, interval: 200 });
    const ttl = Number(await redis.ttl(redisKeys.runAlive(runId)));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(Number(env.WARM_STALL_SECONDS));
    const stuck = await getRun(runId);
    expect(stuck.status).toBe("running");
    expect(await redis.get(redisKeys.activeRun)).toBe(runId);
    // Meanwhile a trigger is refused: the run is alive.
    expect((await call("/admin/warm?routes=1", { method: "POST", headers: ADMIN })).status).toBe(409);

    // No progress for WARM_STALL_SECONDS: the heartbeat expires (here: now).
    await redis.del(redisKeys.runAlive(runId));
    const abandoned = await getRun(runId);
    expect(abandoned.status).toBe("abandoned");
    expect(abandoned.error).toMatch(/no progress for 900 s/);
    expect(abandoned.routes).toMatchObject({ total: 50, done: 20, failed: 0, pending: 30 });
    expect(abandoned.missingRoutes!.count).toBe(30);
    expect(abandoned.missingRoutes!.sample.length).toBeGreaterThan(0);
    expect(abandoned.missingRoutes!.sample.every((id) => dropped.includes(id))).toBe(true);
    await expectNoLock();

    // The next tick proceeds and warms.
    const tick = Date.UTC(2031, 0, 2, 12);
    await fireCron(tick);
    const { runs } = (await (await call("/admin/runs", { headers: ADMIN })).json()) as { runs: RunRecord[] };
    const next = await waitForFinish(runs.find((r) => r.tick === new Date(tick).toISOString())!.id);
    expect(next.status).toBe("succeeded");
    expect(next.routes.done).toBe(200);

    // The watchdog replays exactly the missing routes, once.
    await markLatestTickHandled();
    const dates = dateRange(todayUtc(), 7);
    await redis.del(...scoreKeys(dropped, dates));
    const report = await runWatchdog(app(), { now: new Date(Date.parse(abandoned.finishedAt!) + 60_000) });
    expect(report.replay).toMatchObject({ letters: 0, abandonedRuns: [runId], routes: 30 });
    const replay = await waitForFinish(report.replay!.runId);
    expect(replay).toMatchObject({ status: "succeeded", trigger: "auto-replay", replayOf: runId });
    expect(replay.routes.done).toBe(30);
    expect(await existing(scoreKeys(dropped, dates))).toBe(210);
    expect((await getRun(runId)).replayedBy).toBe(replay.id);
    expect((await runWatchdog(app(), { now: new Date(Date.now() + 60_000) })).replay).toBeNull();
  });

  it("a dead letter whose backing service is back is replayed automatically once", async () => {
    const { ScoreService } = await import("../../src/service/score-service");
    const original = ScoreService.prototype.scoreCompact;
    vi.spyOn(ScoreService.prototype, "scoreCompact").mockImplementation(function (this: InstanceType<typeof ScoreService>, inputs, routes) {
      if (routes.some((r) => r.id === 61)) throw new Error("synthetic outage");
      return original.call(this, inputs, routes);
    });
    const res = await call("/admin/warm?routes=61,63", { method: "POST", headers: ADMIN });
    const { runId } = (await res.json()) as { runId: string };
    const failed = await waitForFinish(runId);
    expect(failed.status).toBe("failed");
    expect(Number(await redis.llen(redisKeys.deadLetters))).toBe(1);
    vi.restoreAllMocks();

    await markLatestTickHandled();
    const report = await runWatchdog(app(), { now: new Date(Date.now() + 60_000) });
    expect(report.replay).toMatchObject({ letters: 1, abandonedRuns: [], routes: 2 });
    const replay = await waitForFinish(report.replay!.runId);
    expect(replay).toMatchObject({ status: "succeeded", trigger: "auto-replay" });
    expect(Number(await redis.llen(redisKeys.deadLetters))).toBe(0);
    expect((await runWatchdog(app(), { now: new Date(Date.now() + 60_000) })).replay).toBeNull();
  });
});

describe("force", () => {
  it("is capped: beyond WARM_MAX_CONCURRENT_RUNS live runs a forced trigger gets 429 naming them", async () => {
    // Messages go nowhere, so the runs stay live.
    vi.spyOn(env.WARM_QUEUE, "sendBatch").mockResolvedValue(undefined as never);
    const first = (await (await call("/admin/warm?routes=1", { method: "POST", headers: ADMIN })).json()) as { runId: string };
    const second = await call("/admin/warm?routes=2&force=true", { method: "POST", headers: ADMIN });
    expect(second.status).toBe(202);
    const { runId: secondId } = (await second.json()) as { runId: string };
    const third = await call("/admin/warm?routes=3&force=true", { method: "POST", headers: ADMIN });
    expect(third.status).toBe(429);
    const body = (await third.json()) as { error: { code: string; liveRunIds: string[] } };
    expect(body.error.code).toBe("too_many_runs");
    expect(body.error.liveRunIds.sort()).toEqual([first.runId, secondId].sort());

    // Once a live run is gone (abandoned here), a forced run may start again.
    await redis.del(redisKeys.runAlive(first.runId));
    const fourth = await call("/admin/warm?routes=4&force=true", { method: "POST", headers: ADMIN });
    expect(fourth.status).toBe(202);
    expect((await getRun(first.runId)).status).toBe("abandoned");
    const { runId: fourthId } = (await fourth.json()) as { runId: string };
    for (const id of [secondId, fourthId]) await redis.del(redisKeys.runAlive(id));
  });
});
