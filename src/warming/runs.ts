/**
 * Warming runs, stored in Redis and kept `runTtlSeconds` (24 h): Celery's AsyncResult, but with
 * progress and per-route failures.
 *
 * Layout (all keys expire together):
 *   warm:v1:run:{id}          HASH  the run's fixed facts + finished_at/status once finished
 *   warm:v1:run:{id}:routes   HASH  route id → "ok" (scores written) or the reason of a final failure
 *   warm:v1:run:{id}:retrying HASH  route id → last reason, failures that will be retried
 *   warm:v1:runs              ZSET  run ids by creation time (recent runs, newest first)
 *   warm:v1:active            STR   the id of the run in progress (SET NX: one run at a time)
 * (built in src/cache/keys.ts)
 *
 * Progress is derived from one hash of route outcomes rather than counters, so a redelivered
 * message cannot count twice and a route is never both done and failed: a success always wins
 * (HSET "ok"), a final failure never overwrites it (HSETNX). A run finishes when every route has an
 * outcome; one Lua script then writes finished_at and the status and releases `warm_active` if it
 * still names this run, atomically (only the first caller does it).
 */
import { BACKGROUND_TIMEOUT_MS, hashFromReply, valuesFromHmget, type CacheClient, type Pipeline } from "../cache/client";
import { keys } from "../cache/keys";
import { RELEASE_IF_OWNER } from "../cache/single-flight";

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

export const ACTIVE_RUN_KEY = keys.activeRun;
export const RUNS_INDEX_KEY = keys.runsIndex;
export const DLQ_KEY = keys.deadLetters;
const runKey = keys.run;
const routesKey = keys.runRoutes;
export const retryingKey = keys.runRetrying;
const OK = "ok";
/** Run bookkeeping is background work: the larger budget. */
const BG = { timeoutMs: BACKGROUND_TIMEOUT_MS };

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
    private readonly cache: CacheClient,
    private readonly ttlSeconds: number,
  ) {}

  /** Takes the one-run-at-a-time lock; returns the active run id when someone else holds it. */
  async acquireActive(runId: string, force: boolean): Promise<{ acquired: true } | { acquired: false; activeRunId: string }> {
    if (force) {
      await this.cache.run("run_lock_force", (r) => r.set(ACTIVE_RUN_KEY, runId, { ex: ACTIVE_LOCK_SECONDS }), BG);
      return { acquired: true };
    }
    const ok = await this.cache.run("run_lock", (r) => r.set(ACTIVE_RUN_KEY, runId, { nx: true, ex: ACTIVE_LOCK_SECONDS }), BG);
    if (ok === "OK") return { acquired: true };
    const active = await this.activeRunId();
    if (active === null) return this.acquireActive(runId, false);
    return { acquired: false, activeRunId: String(active) };
  }

  async releaseActive(runId: string): Promise<void> {
    await this.cache.eval("run_lock_release", RELEASE_IF_OWNER, [ACTIVE_RUN_KEY], [runId], BG);
  }

  async activeRunId(): Promise<string | null> {
    const v = await this.cache.run("run_active", (r) => r.get<string>(ACTIVE_RUN_KEY));
    return v === null ? null : String(v);
  }

  async create(run: { id: string; trigger: RunTrigger; dates: string[]; routeIds: number[]; messages: number }): Promise<void> {
    const now = Date.now();
    await this.cache.exec("run_create", (p) => {
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
    }, BG);
  }

  /** Marks a run finished immediately (nothing to do, or it could not be enqueued). */
  async finishEarly(runId: string, status: RunStatus, error: string | null): Promise<void> {
    const now = new Date().toISOString();
    await this.cache.run("run_finish_early", (r) => r.hset(runKey(runId), { started_at: now, finished_at: now, status, ...(error ? { error } : {}) }), BG);
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
    extra?: (p: Pipeline) => void,
  ): Promise<RunRecord | null> {
    const out = await this.cache.exec("run_record", (p) => {
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
    }, BG);
    const [outcomes, total] = out.slice(-2).map(Number) as [number, number];
    if (outcomes >= total) return this.finalize(runId);
    return null;
  }

  /** Remembers why a message is being retried (shown if it is dead-lettered later). */
  async noteRetrying(runId: string, routeIds: readonly number[], reason: string): Promise<void> {
    if (routeIds.length === 0) return;
    await this.cache.exec("run_note_retrying", (p) => {
      p.hset(retryingKey(runId), Object.fromEntries(routeIds.map((id) => [String(id), reason])));
      p.expire(retryingKey(runId), this.ttlSeconds);
    }, BG);
  }

  /** Only the first caller to see completion writes the final status (atomically, in Lua). */
  private async finalize(runId: string): Promise<RunRecord | null> {
    const first = await this.cache.eval("run_finalize", FINALIZE_SCRIPT, [runKey(runId), routesKey(runId), ACTIVE_RUN_KEY], [new Date().toISOString(), runId], BG);
    return Number(first) === 1 ? this.get(runId) : null;
  }

  /** Routes of the run whose scores are not written (for the dead-letter consumer). */
  async notDone(runId: string, routeIds: readonly number[]): Promise<number[]> {
    if (routeIds.length === 0) return [];
    const fields = routeIds.map(String);
    const values = valuesFromHmget(await this.cache.run("run_not_done", (r) => r.hmget(routesKey(runId), ...fields), BG), fields);
    return routeIds.filter((_, i) => values[i] !== OK);
  }

  async retryReasons(runId: string): Promise<Record<string, string>> {
    return hashFromReply(await this.cache.run("run_retry_reasons", (r) => r.hgetall(retryingKey(runId)), BG));
  }

  async get(runId: string): Promise<RunRecord | null> {
    const [hashReply, routesReply, retrying] = await this.cache.exec<[unknown, unknown, number]>("run_get", (p) => {
      p.hgetall(runKey(runId));
      p.hgetall(routesKey(runId));
      p.hlen(retryingKey(runId));
    });
    const hash = hashFromReply(hashReply);
    if (!hash.id) return null;
    return toRecord(hash, hashFromReply(routesReply), Number(retrying));
  }

  /** Recent runs (kept `ttlSeconds`), newest first. */
  async list(limit = 20): Promise<RunRecord[]> {
    const ids = (await this.cache.run("runs_list", (r) => r.zrange(RUNS_INDEX_KEY, 0, limit - 1, { rev: true }))) as string[];
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
