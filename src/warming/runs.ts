/**
 * Warming runs, stored in Redis and kept `runTtlSeconds` (24 h): Celery's AsyncResult, but with
 * progress and per-route failures.
 *
 * Layout (all keys expire together):
 *   warm_run:{id}          HASH  the run's fixed facts + finished_at/status once finished
 *   warm_run:{id}:routes   HASH  route id → "ok" (scores written) or the reason of a final failure
 *   warm_run:{id}:retrying HASH  route id → last reason, failures that will be retried
 *   warm_runs              ZSET  run ids by creation time (recent runs, newest first)
 *   warm_active            STR   the id of the run in progress (SET NX: one run at a time)
 *
 * Progress is derived from one hash of route outcomes rather than counters, so a redelivered
 * message cannot count twice and a route is never both done and failed: a success always wins
 * (HSET "ok"), a final failure never overwrites it (HSETNX). A run finishes when every route has an
 * outcome; one Lua script then writes finished_at and the status and releases `warm_active` if it
 * still names this run, atomically (only the first caller does it).
 */
import { hashFromReply, type Redis } from "../cache/redis";

export type RunStatus = "queued" | "running" | "succeeded" | "partial" | "failed";
export type RunTrigger = "cron" | "manual" | "dlq-replay";

export interface RunRecord {
  id: string;
  status: RunStatus;
  trigger: RunTrigger;
  dates: string[];
  routes: { total: number; done: number; failed: number; retrying: number; pending: number };
  scores: { total: number; done: number; failed: number };
  progressPercent: number;
  failedRoutes: { routeId: number; reason: string }[];
  messages: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  error: string | null;
}

export const ACTIVE_RUN_KEY = "warm_active";
export const RUNS_INDEX_KEY = "warm_runs";
export const DLQ_KEY = "warm_dlq";
const runKey = (id: string) => `warm_run:${id}`;
const routesKey = (id: string) => `warm_run:${id}:routes`;
export const retryingKey = (id: string) => `warm_run:${id}:retrying`;
const OK = "ok";

/** Compare-and-delete: release a lock only if it still holds our value. */
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** First caller only: finished_at, the status from the route outcomes, and the lock release. */
const FINALIZE_SCRIPT = `
if redis.call('HSETNX', KEYS[1], 'finished_at', ARGV[1]) == 0 then return 0 end
local outcomes = redis.call('HVALS', KEYS[2])
local failed = 0
for _, v in ipairs(outcomes) do if v ~= 'ok' then failed = failed + 1 end end
local status = 'partial'
if failed == 0 then status = 'succeeded' elseif failed == #outcomes then status = 'failed' end
redis.call('HSET', KEYS[1], 'status', status)
if redis.call('GET', KEYS[3]) == ARGV[2] then redis.call('DEL', KEYS[3]) end
return 1`;

/** An active-run lock older than this is considered abandoned (consumers died). */
export const ACTIVE_LOCK_SECONDS = 3600;

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `${stamp}-${crypto.randomUUID().slice(0, 8)}`;
}

export interface RouteResult {
  routeId: number;
  ok: boolean;
  /** For failures: the reason, and whether it is final (no retry left). */
  reason?: string;
  final?: boolean;
}

export class RunStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
  ) {}

  /** Takes the one-run-at-a-time lock; returns the active run id when someone else holds it. */
  async acquireActive(runId: string, force: boolean): Promise<{ acquired: true } | { acquired: false; activeRunId: string }> {
    if (force) {
      await this.redis.set(ACTIVE_RUN_KEY, runId, { ex: ACTIVE_LOCK_SECONDS });
      return { acquired: true };
    }
    const ok = await this.redis.set(ACTIVE_RUN_KEY, runId, { nx: true, ex: ACTIVE_LOCK_SECONDS });
    if (ok === "OK") return { acquired: true };
    const active = await this.redis.get<string>(ACTIVE_RUN_KEY);
    if (active === null) return this.acquireActive(runId, false);
    return { acquired: false, activeRunId: String(active) };
  }

  async releaseActive(runId: string): Promise<void> {
    await this.redis.eval(RELEASE_SCRIPT, [ACTIVE_RUN_KEY], [runId]);
  }

  async activeRunId(): Promise<string | null> {
    const v = await this.redis.get<string>(ACTIVE_RUN_KEY);
    return v === null ? null : String(v);
  }

  async create(run: { id: string; trigger: RunTrigger; dates: string[]; routeIds: number[]; messages: number }): Promise<void> {
    const now = Date.now();
    const p = this.redis.pipeline();
    p.hset(runKey(run.id), {
      id: run.id,
      trigger: run.trigger,
      dates: JSON.stringify(run.dates),
      routes_total: run.routeIds.length,
      messages: run.messages,
      created_at: new Date(now).toISOString(),
    });
    p.expire(runKey(run.id), this.ttlSeconds);
    p.zadd(RUNS_INDEX_KEY, { score: now, member: run.id });
    p.zremrangebyscore(RUNS_INDEX_KEY, 0, now - this.ttlSeconds * 1000);
    p.expire(RUNS_INDEX_KEY, this.ttlSeconds);
    await p.exec();
  }

  /** Marks a run finished immediately (nothing to do, or it could not be enqueued). */
  async finishEarly(runId: string, status: RunStatus, error: string | null): Promise<void> {
    const now = new Date().toISOString();
    await this.redis.hset(runKey(runId), { started_at: now, finished_at: now, status, ...(error ? { error } : {}) });
    await this.releaseActive(runId);
  }

  /**
   * Records a message's route results, plus the score writes given in `extra` (same pipeline, so
   * one Upstash request), and finalises the run if this completed it. Returns the run when it was
   * finalised by this call.
   */
  async recordResults(
    runId: string,
    results: readonly RouteResult[],
    extra?: (p: ReturnType<Redis["pipeline"]>) => void,
  ): Promise<RunRecord | null> {
    const p = this.redis.pipeline();
    extra?.(p);
    p.hsetnx(runKey(runId), "started_at", new Date().toISOString());
    const done = results.filter((r) => r.ok).map((r) => String(r.routeId));
    const failed = results.filter((r) => !r.ok && r.final);
    const retrying = results.filter((r) => !r.ok && !r.final);
    if (done.length) p.hset(routesKey(runId), Object.fromEntries(done.map((id) => [id, OK])));
    for (const r of failed) p.hsetnx(routesKey(runId), String(r.routeId), r.reason || "unknown error");
    const settled = [...done, ...failed.map((r) => String(r.routeId))];
    if (settled.length) p.hdel(retryingKey(runId), ...settled);
    if (retrying.length) {
      p.hset(retryingKey(runId), Object.fromEntries(retrying.map((r) => [String(r.routeId), r.reason || "unknown error"])));
    }
    p.expire(routesKey(runId), this.ttlSeconds);
    p.expire(retryingKey(runId), this.ttlSeconds);
    p.hlen(routesKey(runId));
    p.hget(runKey(runId), "routes_total");
    const out = (await p.exec()) as unknown[];
    const [outcomes, total] = out.slice(-2).map(Number) as [number, number];
    if (outcomes >= total) return this.finalize(runId);
    return null;
  }

  /** Remembers why a message is being retried (shown if it is dead-lettered later). */
  async noteRetrying(runId: string, routeIds: readonly number[], reason: string): Promise<void> {
    if (routeIds.length === 0) return;
    const p = this.redis.pipeline();
    p.hset(retryingKey(runId), Object.fromEntries(routeIds.map((id) => [String(id), reason])));
    p.expire(retryingKey(runId), this.ttlSeconds);
    await p.exec();
  }

  /** Only the first caller to see completion writes the final status (atomically, in Lua). */
  private async finalize(runId: string): Promise<RunRecord | null> {
    const first = await this.redis.eval(FINALIZE_SCRIPT, [runKey(runId), routesKey(runId), ACTIVE_RUN_KEY], [new Date().toISOString(), runId]);
    return Number(first) === 1 ? this.get(runId) : null;
  }

  /** Routes of the run whose scores are not written (for the dead-letter consumer). */
  async notDone(runId: string, routeIds: readonly number[]): Promise<number[]> {
    if (routeIds.length === 0) return [];
    const outcomes = (await this.redis.hmget(routesKey(runId), ...routeIds.map(String))) as unknown;
    const values = Array.isArray(outcomes) ? outcomes : routeIds.map((id) => (outcomes as Record<string, unknown> | null)?.[String(id)] ?? null);
    return routeIds.filter((_, i) => values[i] !== OK);
  }

  async retryReasons(runId: string): Promise<Record<string, string>> {
    return hashFromReply(await this.redis.hgetall(retryingKey(runId)));
  }

  async get(runId: string): Promise<RunRecord | null> {
    const p = this.redis.pipeline();
    p.hgetall(runKey(runId));
    p.hgetall(routesKey(runId));
    p.hlen(retryingKey(runId));
    const [hashReply, routesReply, retrying] = (await p.exec()) as [unknown, unknown, number];
    const hash = hashFromReply(hashReply);
    if (!hash.id) return null;
    return toRecord(hash, hashFromReply(routesReply), Number(retrying));
  }

  /** Recent runs (kept `ttlSeconds`), newest first. */
  async list(limit = 20): Promise<RunRecord[]> {
    const ids = (await this.redis.zrange(RUNS_INDEX_KEY, 0, limit - 1, { rev: true })) as string[];
    const runs = await Promise.all(ids.map((id) => this.get(String(id))));
    return runs.filter((r): r is RunRecord => r !== null);
  }
}

function toRecord(h: Record<string, unknown>, outcomes: Record<string, string>, retrying: number): RunRecord {
  const str = (k: string) => (h[k] === undefined || h[k] === null ? null : String(h[k]));
  const dates = JSON.parse(String(h.dates ?? "[]")) as string[];
  const total = Number(h.routes_total ?? 0);
  const failedRoutes = Object.entries(outcomes)
    .filter(([, outcome]) => outcome !== OK)
    .map(([id, reason]) => ({ routeId: Number(id), reason }))
    .sort((a, b) => a.routeId - b.routeId);
  const failed = failedRoutes.length;
  const done = Object.keys(outcomes).length - failed;
  const finishedAt = str("finished_at");
  const startedAt = str("started_at");
  const createdAt = str("created_at")!;
  const status: RunStatus = (str("status") as RunStatus | null) ?? (startedAt ? "running" : "queued");
  const days = dates.length;
  return {
    id: String(h.id),
    status: finishedAt ? status : startedAt ? "running" : "queued",
    trigger: String(h.trigger) as RunTrigger,
    dates,
    routes: { total, done, failed, retrying, pending: Math.max(0, total - done - failed) },
    scores: { total: total * days, done: done * days, failed: failed * days },
    progressPercent: total === 0 ? 100 : Math.round(((done + failed) / total) * 1000) / 10,
    failedRoutes,
    messages: Number(h.messages ?? 0),
    createdAt,
    startedAt,
    finishedAt,
    durationMs: finishedAt ? Date.parse(finishedAt) - Date.parse(createdAt) : null,
    error: str("error"),
  };
}
