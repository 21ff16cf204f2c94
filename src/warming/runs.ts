/**
 * Warming runs, stored in Redis and kept `runTtlSeconds` (24 h): Celery's AsyncResult, with
 * progress, failures, a heartbeat and abandonment.
 *
 * Layout (src/cache/keys.ts; everything of a run expires with it):
 *   warm:v2:run:{id}          HASH  fixed facts + counters (routes done/failed/retrying/pending,
 *                                   scores done/fallback/without climate) + status once finished
 *   warm:v2:run:{id}:pending  HASH  "<index>.<attempt>" → route ids of each message not yet recorded
 *   warm:v2:run:{id}:failed   HASH  route id → reason, final failures only, at most FAILED_ROUTES_KEPT
 *   warm:v2:run:{id}:alive    STR   heartbeat, EX `stallSeconds`, refreshed by every progress write
 *   warm:v2:runs              ZSET  run ids by creation time (recent runs, newest first)
 *   warm:v2:live              ZSET  runs not finished (the concurrency cap, the watchdog)
 *   warm:v1:active            STR   the run holding the one-run-at-a-time lock
 *
 * The record stays O(1) whatever the catalogue size: counters, not a hash of every route's outcome.
 * What makes redelivery harmless instead is the pending hash: the run adds a message's entry before
 * the message is sent; recording a message's results removes it (HDEL) and only the call that
 * removed it adds the message's counts, in one Lua script with the counters. A redelivered message
 * (or its dead letter) finds its entry gone: it rewrites the same score keys and counts nothing.
 * The same hash says exactly which routes are still missing when a run is abandoned, and is what
 * its replay enqueues. Its size is what is still in flight (0 when a run finishes).
 *
 * A run finishes when it is planned (every message enqueued) and the pending hash is empty; the
 * script that sees it first writes finished_at and the status and releases the lock if it still
 * names this run. A run whose heartbeat expired (no message recorded for `stallSeconds`) is marked
 * `abandoned` by whoever looks next (a trigger, a tick, an admin read, the watchdog): lock
 * released, missing routes counted.
 */
import { BACKGROUND_TIMEOUT_MS, hashFromReply, type CacheClient, type Pipeline } from "../cache/client";
import { keys } from "../cache/keys";
import { RELEASE_IF_OWNER } from "../cache/single-flight";
import { decodeIds, encodeIds } from "./messages";

export type RunStatus = "queued" | "running" | "succeeded" | "partial" | "failed" | "abandoned";
export type RunTrigger = "cron" | "manual" | "dlq-replay" | "auto-replay";
/** What a run warms: the busiest routes, the whole catalogue, or a given list (a replay, an operator's ids). */
export type RunScope = "top" | "all" | "routes";

export interface RunRecord {
  id: string;
  status: RunStatus;
  trigger: RunTrigger;
  scope: RunScope;
  dates: string[];
  routes: { total: number; done: number; failed: number; retrying: number; pending: number };
  scores: {
    total: number;
    done: number;
    failed: number;
    /** Of the scores written: how many used the no-forecast fallback (W = 0.5). */
    fallback: number;
    /** Of the scores written: how many had no climate statistics (no extreme-weather amplification). */
    withoutClimate: number;
  };
  progressPercent: number;
  /** Final failures, at most FAILED_ROUTES_KEPT (the count is exact: `routes.failed`). */
  failedRoutes: { routeId: number; reason: string }[];
  failedRoutesOmitted: number;
  messages: number;
  /** False while the run is still enqueueing (totals may grow). */
  planned: boolean;
  /** Routes whose messages never reported, for an abandoned run: the count and up to MISSING_SAMPLE ids. */
  missingRoutes: { count: number; sample: number[] } | null;
  /** The cron tick that started it (ISO), for cron runs. */
  tick: string | null;
  forced: boolean;
  replayOf: string | null;
  replayedBy: string | null;
  createdAt: string;
  startedAt: string | null;
  lastProgressAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  error: string | null;
}

export const ACTIVE_RUN_KEY = keys.activeRun;
export const RUNS_INDEX_KEY = keys.runsIndex;
export const LIVE_RUNS_KEY = keys.liveRuns;
export const DLQ_KEY = keys.deadLetters;
/** Run bookkeeping is background work: the larger budget. */
const BG = { timeoutMs: BACKGROUND_TIMEOUT_MS };
export const FAILED_ROUTES_KEPT = 500;
export const MISSING_SAMPLE = 50;

// Shared by the scripts: the end of a run once it is planned and nothing is pending.
// KEYS[1] run, KEYS[2] pending, KEYS[4] alive, KEYS[5] active, KEYS[6] live; ARGV[1] now, ARGV[2] run id.
const FINALIZE_LUA = `
local function finalize()
  if redis.call('HGET', KEYS[1], 'planned') ~= '1' then return 0 end
  if redis.call('HLEN', KEYS[2]) > 0 then return 0 end
  if redis.call('HSETNX', KEYS[1], 'finished_at', ARGV[1]) == 0 then return 0 end
  local done = tonumber(redis.call('HGET', KEYS[1], 'done_routes') or '0')
  local failed = tonumber(redis.call('HGET', KEYS[1], 'failed_routes') or '0')
  local status = 'partial'
  if failed == 0 then status = 'succeeded' elseif done == 0 then status = 'failed' end
  redis.call('HSET', KEYS[1], 'status', status)
  if redis.call('GET', KEYS[5]) == ARGV[2] then redis.call('DEL', KEYS[5]) end
  redis.call('ZREM', KEYS[6], ARGV[2])
  redis.call('DEL', KEYS[4])
  return 1
end`;

/**
 * Records one message. KEYS: run, pending, failed, alive, active, live, retry reasons.
 * ARGV: now, run id, field, stall s, ttl s, routes in message, done, failed, scores done, fallback,
 * without climate, follow-up field ('' = none), follow-up ids, follow-up count, failed kept, then
 * (route id, reason) pairs of the final failures. Returns {counted, finished}.
 */
const RECORD_SCRIPT = `${FINALIZE_LUA}
local counted = 0
if redis.call('HDEL', KEYS[2], ARGV[3]) == 1 then
  counted = 1
  local n = tonumber(ARGV[6])
  local attempt = tonumber(string.match(ARGV[3], '%.(%d+)$') or '1')
  if attempt > 1 then redis.call('HINCRBY', KEYS[1], 'retrying_routes', -n) end
  redis.call('HINCRBY', KEYS[1], 'pending_routes', -n)
  redis.call('HINCRBY', KEYS[1], 'done_routes', ARGV[7])
  redis.call('HINCRBY', KEYS[1], 'failed_routes', ARGV[8])
  redis.call('HINCRBY', KEYS[1], 'scores_done', ARGV[9])
  redis.call('HINCRBY', KEYS[1], 'scores_fallback', ARGV[10])
  redis.call('HINCRBY', KEYS[1], 'scores_no_climate', ARGV[11])
  if ARGV[12] ~= '' then
    redis.call('HSET', KEYS[2], ARGV[12], ARGV[13])
    redis.call('HINCRBY', KEYS[1], 'retrying_routes', ARGV[14])
    redis.call('HINCRBY', KEYS[1], 'pending_routes', ARGV[14])
  end
  local keep = tonumber(ARGV[15])
  for i = 16, #ARGV, 2 do
    if redis.call('HLEN', KEYS[3]) < keep then redis.call('HSETNX', KEYS[3], ARGV[i], ARGV[i + 1])
    else redis.call('HINCRBY', KEYS[1], 'failed_omitted', 1) end
  end
  redis.call('HSETNX', KEYS[1], 'started_at', ARGV[1])
  redis.call('HDEL', KEYS[7], ARGV[3])
end
if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('HEXISTS', KEYS[1], 'finished_at') == 0 then
  redis.call('HSET', KEYS[1], 'last_progress_at', ARGV[1])
  redis.call('SET', KEYS[4], '1', 'EX', ARGV[4])
end
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[5]) end
return {counted, finalize()}`;

/** Marks the run planned (every message enqueued) and finishes it if nothing is pending. KEYS as RECORD; ARGV: now, run id. */
const PLANNED_SCRIPT = `${FINALIZE_LUA}
redis.call('HSET', KEYS[1], 'planned', '1')
return finalize()`;

/**
 * Abandons a run whose heartbeat is gone. KEYS: run, pending, failed, alive, active, live.
 * ARGV: now, run id, reason. Returns 1 when this call abandoned it, 2 when the run is finished or
 * gone (lock and live entry cleared), 0 when it is alive.
 */
const ABANDON_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'finished_at') == 1 then
  -- expired or finished: it holds nothing any more
  if redis.call('GET', KEYS[5]) == ARGV[2] then redis.call('DEL', KEYS[5]) end
  redis.call('ZREM', KEYS[6], ARGV[2])
  return 2
end
if redis.call('EXISTS', KEYS[4]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'finished_at', ARGV[1], 'status', 'abandoned', 'error', ARGV[3])
if redis.call('GET', KEYS[5]) == ARGV[2] then redis.call('DEL', KEYS[5]) end
redis.call('ZREM', KEYS[6], ARGV[2])
return 1`;

/** Finishes a run at once with a status (nothing to do, or it could not be enqueued). KEYS as RECORD; ARGV: now, run id, status, error. */
const FINISH_EARLY_SCRIPT = `
if redis.call('HSETNX', KEYS[1], 'finished_at', ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'planned', '1')
redis.call('HSETNX', KEYS[1], 'started_at', ARGV[1])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'error', ARGV[4]) end
if redis.call('GET', KEYS[5]) == ARGV[2] then redis.call('DEL', KEYS[5]) end
redis.call('ZREM', KEYS[6], ARGV[2])
redis.call('DEL', KEYS[4])
return 1`;

export function newRunId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${stamp}-${crypto.randomUUID().slice(0, 8)}`;
}

/** What one message's processing produced, for `recordMessage`. */
export interface MessageOutcome {
  runId: string;
  /** `pendingField` of the message. */
  field: string;
  routesInMessage: number;
  doneRoutes: number;
  /** Final failures (no retry left, or the route no longer exists). */
  failures: { routeId: number; reason: string }[];
  scoresDone: number;
  scoresFallback: number;
  scoresWithoutClimate: number;
  /** Routes to retry in a follow-up message, and that message's pending field. */
  followUp: { field: string; routeIds: number[] } | null;
}

export interface RunCreate {
  id: string;
  trigger: RunTrigger;
  scope: RunScope;
  dates: string[];
  tick?: string;
  forced?: boolean;
  replayOf?: string;
}

export class RunStore {
  constructor(
    private readonly cache: CacheClient,
    private readonly ttlSeconds: number,
    private readonly stallSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  private runKeys(runId: string): string[] {
    return [keys.run(runId), keys.runPending(runId), keys.runFailed(runId), keys.runAlive(runId), ACTIVE_RUN_KEY, LIVE_RUNS_KEY, keys.runRetryReasons(runId)];
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  /**
   * Takes the one-run-at-a-time lock. A lock held by a run without heartbeat is freed first (that
   * run is marked abandoned). `force` takes the lock from a live run. Returns the holder otherwise.
   */
  async acquireActive(runId: string, force: boolean): Promise<{ acquired: true } | { acquired: false; activeRunId: string }> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const ok = await this.cache.run("run_lock", (r) => r.set(ACTIVE_RUN_KEY, runId, { nx: true, ex: this.ttlSeconds }), BG);
      if (ok === "OK") return { acquired: true };
      const active = await this.activeRunId();
      if (active === null) continue;
      if ((await this.checkLiveness(active)) !== "alive") continue;
      if (force) {
        await this.cache.run("run_lock_force", (r) => r.set(ACTIVE_RUN_KEY, runId, { ex: this.ttlSeconds }), BG);
        return { acquired: true };
      }
      return { acquired: false, activeRunId: active };
    }
    const active = await this.activeRunId();
    return { acquired: false, activeRunId: active ?? "unknown" };
  }

  async releaseActive(runId: string): Promise<void> {
    await this.cache.eval("run_lock_release", RELEASE_IF_OWNER, [ACTIVE_RUN_KEY], [runId], BG);
  }

  async activeRunId(): Promise<string | null> {
    const v = await this.cache.run("run_active", (r) => r.get<string>(ACTIVE_RUN_KEY), BG);
    return v === null ? null : String(v);
  }

  /** Runs still live after the stalled ones were abandoned (for the concurrency cap). */
  async liveRunIds(): Promise<string[]> {
    const ids = ((await this.cache.run("runs_live", (r) => r.zrange(LIVE_RUNS_KEY, 0, -1), BG)) as unknown[]).map(String);
    const live: string[] = [];
    for (const id of ids) if ((await this.checkLiveness(id)) === "alive") live.push(id);
    return live;
  }

  /**
   * Marks the run abandoned if it is unfinished and its heartbeat has expired. "abandoned": this
   * call did it; "gone": finished or expired (its lock, if any, cleared); "alive": still working.
   */
  async checkLiveness(runId: string): Promise<"alive" | "abandoned" | "gone"> {
    const reason = `abandoned: no progress for ${this.stallSeconds} s (messages lost or consumers stopped)`;
    const n = Number(await this.cache.eval("run_abandon", ABANDON_SCRIPT, this.runKeys(runId), [this.iso(), runId, reason], BG));
    return n === 1 ? "abandoned" : n === 2 ? "gone" : "alive";
  }

  async create(run: RunCreate): Promise<void> {
    const now = this.now();
    await this.cache.exec(
      "run_create",
      (p) => {
        p.hset(keys.run(run.id), {
          id: run.id,
          trigger: run.trigger,
          scope: run.scope,
          dates: JSON.stringify(run.dates),
          routes_total: 0,
          messages: 0,
          created_at: new Date(now).toISOString(),
          ...(run.tick ? { tick: run.tick } : {}),
          ...(run.forced ? { forced: "1" } : {}),
          ...(run.replayOf ? { replay_of: run.replayOf } : {}),
        });
        p.expire(keys.run(run.id), this.ttlSeconds);
        p.set(keys.runAlive(run.id), "1", { ex: this.stallSeconds });
        p.zadd(RUNS_INDEX_KEY, { score: now, member: run.id });
        p.zremrangebyscore(RUNS_INDEX_KEY, 0, now - this.ttlSeconds * 1000);
        p.expire(RUNS_INDEX_KEY, this.ttlSeconds);
        p.zadd(LIVE_RUNS_KEY, { score: now, member: run.id });
        p.zremrangebyscore(LIVE_RUNS_KEY, 0, now - this.ttlSeconds * 1000);
        p.expire(LIVE_RUNS_KEY, this.ttlSeconds);
      },
      BG,
    );
  }

  /**
   * Registers messages about to be sent (before they are sent, so a consumer can never record one
   * that is not registered), with the run's totals and its heartbeat: one pipeline.
   */
  async addPending(runId: string, messages: { field: string; routeIds: number[] }[]): Promise<void> {
    if (messages.length === 0) return;
    const routes = messages.reduce((n, m) => n + m.routeIds.length, 0);
    await this.cache.exec(
      "run_add_pending",
      (p) => {
        p.hset(keys.runPending(runId), Object.fromEntries(messages.map((m) => [m.field, encodeIds(m.routeIds)])));
        p.expire(keys.runPending(runId), this.ttlSeconds);
        p.hincrby(keys.run(runId), "routes_total", routes);
        p.hincrby(keys.run(runId), "pending_routes", routes);
        p.hincrby(keys.run(runId), "messages", messages.length);
        p.set(keys.runAlive(runId), "1", { ex: this.stallSeconds });
      },
      BG,
    );
  }

  /** Takes back registered messages that could not be sent; their routes become failures with `reason`. */
  async withdrawPending(runId: string, messages: { field: string; routeIds: number[] }[], reason: string): Promise<void> {
    for (const m of messages) {
      await this.recordMessage(
        {
          runId,
          field: m.field,
          routesInMessage: m.routeIds.length,
          doneRoutes: 0,
          failures: m.routeIds.map((routeId) => ({ routeId, reason })),
          scoresDone: 0,
          scoresFallback: 0,
          scoresWithoutClimate: 0,
          followUp: null,
        },
        undefined,
      );
    }
  }

  /** Every message is enqueued: from now on an empty pending hash means the run is done. True if this finished it. */
  async markPlanned(runId: string): Promise<boolean> {
    const n = await this.cache.eval("run_planned", PLANNED_SCRIPT, this.runKeys(runId), [this.iso(), runId], BG);
    return Number(n) === 1;
  }

  /**
   * Records a message's outcome after `before` (the score writes, same pipeline: one Upstash
   * request). Returns whether this delivery counted (false: a redelivery) and whether it finished the run.
   */
  async recordMessage(o: MessageOutcome, before?: (p: Pipeline) => void): Promise<{ counted: boolean; finished: boolean }> {
    const args: (string | number)[] = [
      this.iso(),
      o.runId,
      o.field,
      this.stallSeconds,
      this.ttlSeconds,
      o.routesInMessage,
      o.doneRoutes,
      o.failures.length,
      o.scoresDone,
      o.scoresFallback,
      o.scoresWithoutClimate,
      o.followUp?.field ?? "",
      o.followUp ? encodeIds(o.followUp.routeIds) : "",
      o.followUp?.routeIds.length ?? 0,
      FAILED_ROUTES_KEPT,
      ...o.failures.flatMap((f) => [f.routeId, f.reason || "unknown error"]),
    ];
    const out = await this.cache.exec(
      "run_record",
      (p) => {
        before?.(p);
        p.eval(RECORD_SCRIPT, this.runKeys(o.runId), args);
      },
      BG,
    );
    const [counted, finished] = (out.at(-1) as unknown[]).map(Number) as [number, number];
    return { counted: counted === 1, finished: finished === 1 };
  }

  /** Remembers why a message is being retried (its dead letter says it). Best effort. */
  async noteRetry(runId: string, field: string, reason: string): Promise<void> {
    await this.cache.exec(
      "run_note_retry",
      (p) => {
        p.hset(keys.runRetryReasons(runId), { [field]: reason.slice(0, 500) });
        p.expire(keys.runRetryReasons(runId), this.ttlSeconds);
      },
      BG,
    );
  }

  /** The last retry reason of a message, if one was noted. */
  async retryReason(runId: string, field: string): Promise<string | null> {
    const v = await this.cache.run("run_retry_reason", (r) => r.hget<string>(keys.runRetryReasons(runId), field), BG);
    return v === null || v === undefined ? null : String(v);
  }

  /** Finishes a run immediately (nothing to enqueue, or it could not be started). */
  async finishEarly(runId: string, status: RunStatus, error: string | null): Promise<void> {
    await this.cache.eval("run_finish_early", FINISH_EARLY_SCRIPT, this.runKeys(runId), [this.iso(), runId, status, error ?? ""], BG);
  }

  /** Records that `replayRunId` replays this run (once: false when another replay got there first). */
  async claimReplay(runId: string, replayRunId: string): Promise<boolean> {
    const n = await this.cache.run("run_claim_replay", (r) => r.hsetnx(keys.run(runId), "replayed_by", replayRunId), BG);
    return Number(n) === 1;
  }

  /** The run's unrecorded messages: pending field → route ids (for a replay). */
  async pendingMessages(runId: string): Promise<{ field: string; routeIds: number[] }[]> {
    const h = hashFromReply(await this.cache.run("run_pending", (r) => r.hgetall(keys.runPending(runId)), BG));
    return Object.entries(h).map(([field, ids]) => ({ field, routeIds: decodeIds(ids) }));
  }

  /** The record; `reap` first abandons it if its heartbeat is gone (admin reads). */
  async get(runId: string, opts: { reap?: boolean } = {}): Promise<RunRecord | null> {
    const read = () =>
      // Background budget: read while consumers may keep this isolate busy.
      this.cache.exec<[unknown, unknown, number]>(
        "run_get",
        (p) => {
          p.hgetall(keys.run(runId));
          p.hgetall(keys.runFailed(runId));
          p.exists(keys.runAlive(runId));
        },
        BG,
      );
    let [hashReply, failedReply, alive] = await read();
    let hash = hashFromReply(hashReply);
    if (!hash.id) return null;
    if (opts.reap && !hash.finished_at && Number(alive) === 0 && (await this.checkLiveness(runId)) === "abandoned") {
      [hashReply, failedReply, alive] = await read();
      hash = hashFromReply(hashReply);
    }
    let sample: number[] = [];
    if (hash.status === "abandoned" && Number(hash.pending_routes ?? 0) > 0) {
      // A few pending entries are enough for the sample (HSCAN: bounded, unlike HGETALL).
      const [, flat] = (await this.cache.run("run_missing_sample", (r) => r.hscan(keys.runPending(runId), 0, { count: 10 }))) as [unknown, unknown[]];
      for (let i = 1; i < flat.length && sample.length < MISSING_SAMPLE; i += 2) sample.push(...decodeIds(String(flat[i])));
      sample = sample.slice(0, MISSING_SAMPLE).sort((a, b) => a - b);
    }
    return toRecord(hash, hashFromReply(failedReply), sample);
  }

  /** Recent runs (kept `ttlSeconds`), newest first. */
  async list(limit = 20, opts: { reap?: boolean } = {}): Promise<RunRecord[]> {
    const ids = (await this.cache.run("runs_list", (r) => r.zrange(RUNS_INDEX_KEY, 0, limit - 1, { rev: true }), BG)) as string[];
    const runs = await Promise.all(ids.map((id) => this.get(String(id), opts)));
    return runs.filter((r): r is RunRecord => r !== null);
  }
}

function toRecord(h: Record<string, string>, failedHash: Record<string, string>, missingSample: number[]): RunRecord {
  const str = (k: string) => (h[k] === undefined || h[k] === null ? null : String(h[k]));
  const int = (k: string) => Number(h[k] ?? 0);
  const dates = JSON.parse(h.dates ?? "[]") as string[];
  const total = int("routes_total");
  const done = int("done_routes");
  const failed = int("failed_routes");
  const finishedAt = str("finished_at");
  const startedAt = str("started_at");
  const createdAt = str("created_at")!;
  const status = (str("status") as RunStatus | null) ?? "running";
  const days = dates.length;
  const failedRoutes = Object.entries(failedHash)
    .map(([id, reason]) => ({ routeId: Number(id), reason }))
    .sort((a, b) => a.routeId - b.routeId);
  const pendingRoutes = Math.max(0, int("pending_routes"));
  return {
    id: String(h.id),
    status: finishedAt ? status : startedAt ? "running" : "queued",
    trigger: String(h.trigger) as RunTrigger,
    scope: (str("scope") ?? "routes") as RunScope,
    dates,
    routes: { total, done, failed, retrying: Math.max(0, int("retrying_routes")), pending: Math.max(0, total - done - failed) },
    scores: {
      total: total * days,
      done: int("scores_done"),
      failed: failed * days,
      fallback: int("scores_fallback"),
      withoutClimate: int("scores_no_climate"),
    },
    progressPercent: total === 0 ? (finishedAt ? 100 : 0) : Math.round(((done + failed) / total) * 1000) / 10,
    failedRoutes,
    failedRoutesOmitted: int("failed_omitted"),
    messages: int("messages"),
    planned: h.planned === "1",
    missingRoutes: status === "abandoned" && finishedAt ? { count: pendingRoutes, sample: missingSample } : null,
    tick: str("tick"),
    forced: h.forced === "1",
    replayOf: str("replay_of"),
    replayedBy: str("replayed_by"),
    createdAt,
    startedAt,
    lastProgressAt: str("last_progress_at"),
    finishedAt,
    durationMs: finishedAt ? Date.parse(finishedAt) - Date.parse(createdAt) : null,
    error: str("error"),
  };
}
