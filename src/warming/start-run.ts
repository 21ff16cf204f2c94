/**
 * Starting a warming run (cron tick, operator, replay): take the locks, record the run, plan and
 * enqueue its messages.
 *
 * - Exactly one run per tick: the tick key (`warm:v1:tick:{scheduledTime}`, SET NX, kept until the
 *   next fire time) makes a duplicated delivery of a tick enqueue nothing. A tick that fails before
 *   anything is enqueued (Postgres down, say) releases its tick key, is recorded as a failed run
 *   with its reason, and throws: the platform's retry, or the watchdog's next check
 *   (src/warming/watchdog.ts), runs the tick again. A tick that finds a run in progress also gives
 *   its key back, so the watchdog starts it once that run has ended.
 * - One run at a time: the active-run lock. A lock whose run has no heartbeat is freed (that run is
 *   marked abandoned) before anyone is refused. `force` starts a run anyway, up to
 *   `maxConcurrentRuns` live runs.
 * - Messages are registered in the run's pending hash before they are sent (src/warming/runs.ts),
 *   at most 100 and ~192 KB per sendBatch (Cloudflare Queues: 100 messages, 256 KB).
 */
import type { AppContext } from "../context";
import { BACKGROUND_TIMEOUT_MS } from "../cache/client";
import { keys } from "../cache/keys";
import { addDays, dateRange, todayUtc } from "../dates";
import { getRoutesByIds, selectTopRoutes } from "../data/routes";
import { pruneHistory } from "../data/history";
import { log } from "../log";
import { chunk, MESSAGE_MAX_ROUTES, pendingField, type WarmMessage } from "./messages";
import { planCatalogue } from "./plan";
import { newRunId, RunStore, type RunRecord, type RunScope, type RunTrigger } from "./runs";
import { secondsToNextFire } from "./schedule";

const SEND_BATCH_MAX = 100; // Cloudflare Queues: at most 100 messages per sendBatch …
const SEND_BATCH_MAX_BYTES = 192 * 1024; // … and 256 KB in total: keep a margin for the envelope.

export interface StartRunOptions {
  trigger: RunTrigger;
  /** Warm these routes (validated against the database). */
  routeIds?: number[];
  /** Warm these ready-made batches as they are (replays: each batch one message). */
  batches?: number[][];
  /** `top` (the busiest `top` or the configured top N) or `all`; default the configured scope. */
  scope?: "top" | "all";
  top?: number;
  force?: boolean;
  /** Cron ticks: the tick's scheduled time, for the once-per-tick lock. */
  scheduledTime?: number;
  /** The run this one replays. */
  replayOf?: string;
  now?: Date;
  /** Lets the run start loading the accident corpus while messages are in flight (same isolate). */
  waitUntil?: (p: Promise<unknown>) => void;
}

export type StartRunResult =
  | { started: true; run: RunRecord }
  | { started: false; reason: "tick_already_handled" | "run_in_progress"; activeRunId?: string }
  | { started: false; reason: "too_many_runs"; liveRunIds: string[] };

export function runStore(app: AppContext): RunStore {
  return new RunStore(app.warming.cache, app.config.runTtlSeconds, app.config.warming.stallSeconds);
}

export async function startRun(app: AppContext, opts: StartRunOptions): Promise<StartRunResult> {
  const store = runStore(app);
  const now = opts.now ?? new Date();
  const runId = newRunId(now);
  const tick = opts.scheduledTime !== undefined ? new Date(opts.scheduledTime).toISOString() : undefined;
  const tickKey = tick ? keys.tickLock(tick) : null;
  const releaseTick = async () => {
    if (tickKey)
      await app.warming.cache.eval(
        "tick_release",
        `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`,
        [tickKey],
        [runId],
        { timeoutMs: BACKGROUND_TIMEOUT_MS },
      );
  };

  if (tickKey) {
    const ttl = secondsToNextFire(app.config.warming.cron, new Date(opts.scheduledTime!)) + 3600;
    const got = await app.warming.cache.run("tick_lock", (r) => r.set(tickKey, runId, { nx: true, ex: ttl }), { timeoutMs: BACKGROUND_TIMEOUT_MS });
    if (got !== "OK") {
      log.info("warm_tick_skipped", { reason: "tick_already_handled", tick });
      return { started: false, reason: "tick_already_handled" };
    }
  }

  let lock: Awaited<ReturnType<RunStore["acquireActive"]>>;
  try {
    if (opts.force) {
      const live = await store.liveRunIds();
      if (live.length >= app.config.warming.maxConcurrentRuns) {
        log.info("warm_run_refused", { reason: "too_many_runs", liveRunIds: live, max: app.config.warming.maxConcurrentRuns });
        return { started: false, reason: "too_many_runs", liveRunIds: live };
      }
    }
    lock = await store.acquireActive(runId, opts.force ?? false);
  } catch (e) {
    await releaseTick().catch(() => undefined);
    throw e;
  }
  if (!lock.acquired) {
    // A tick that could not start gives its key back: the watchdog starts it when the run has ended.
    await releaseTick().catch(() => undefined);
    log.info("warm_run_skipped", { reason: "run_in_progress", activeRunId: lock.activeRunId, trigger: opts.trigger, tick });
    return { started: false, reason: "run_in_progress", activeRunId: lock.activeRunId };
  }

  const { forecastDays } = app.config.warming;
  const today = todayUtc(now);
  const dates = dateRange(today, forecastDays);
  const scope: RunScope = opts.batches || opts.routeIds ? "routes" : (opts.scope ?? app.config.warming.scope);
  try {
    await store.create({ id: runId, trigger: opts.trigger, scope, dates, tick, forced: opts.force, replayOf: opts.replayOf });
  } catch (e) {
    await store.releaseActive(runId).catch(() => undefined);
    await releaseTick().catch(() => undefined);
    throw e;
  }

  let index = 0;
  let enqueued = 0;
  let pending: { body: WarmMessage }[] = [];
  let pendingBytes = 0;
  const sendPending = async () => {
    if (pending.length === 0) return;
    const group = pending;
    pending = [];
    pendingBytes = 0;
    const registered = group.map((m) => ({ field: pendingField(m.body), routeIds: m.body.routeIds }));
    await store.addPending(runId, registered);
    try {
      await app.env.WARM_QUEUE.sendBatch(group);
    } catch (e) {
      // Registered but not sent: they would never report. Take them back as failures, then fail.
      await store.withdrawPending(runId, registered, `enqueue failed: ${(e as Error).message}`).catch(() => undefined);
      throw e;
    }
    enqueued += group.length;
  };
  const enqueue = async (batches: number[][]) => {
    for (const routeIds of batches) {
      const body: WarmMessage = { runId, index: index++, routeIds, dates, attempt: 1 };
      const bytes = JSON.stringify(body).length + 64;
      if (pending.length >= SEND_BATCH_MAX || pendingBytes + bytes > SEND_BATCH_MAX_BYTES) await sendPending();
      pending.push({ body });
      pendingBytes += bytes;
    }
  };

  try {
    // Once per run: history older than the retention goes (one indexed DELETE).
    await pruneHistory(app.sql, addDays(today, -app.config.historyRetentionDays));
    if (opts.batches) {
      await enqueue(opts.batches.flatMap((b) => chunk(b, MESSAGE_MAX_ROUTES)));
    } else if (opts.routeIds) {
      const ids = (await getRoutesByIds(app.sql, opts.routeIds)).map((r) => r.id);
      await enqueue(chunk(ids, app.config.warming.routesPerMessage));
    } else if (scope === "all") {
      const plan = await planCatalogue(app.sql, app.config.warming.batchRoutes, enqueue);
      log.info("warm_plan", { runId, routes: plan.routes, locations: plan.locations, pages: plan.pages });
    } else {
      const ids = (await selectTopRoutes(app.sql, opts.top ?? app.config.warming.topRoutes)).map((r) => r.id);
      await enqueue(chunk(ids, app.config.warming.routesPerMessage));
    }
    await sendPending();
  } catch (e) {
    const error = `${enqueued === 0 ? "run could not start" : "enqueue stopped"}: ${(e as Error).message}`;
    log.error("warm_run_failed", { runId, trigger: opts.trigger, tick, enqueuedMessages: enqueued, error });
    if (enqueued === 0) {
      // Nothing is in flight: record the failure, free both locks, and fail loudly (the tick is retried).
      await store.finishEarly(runId, "failed", error).catch(() => undefined);
      await releaseTick().catch(() => undefined);
      throw e;
    }
    // Part of the run is in flight: it finishes with what was sent; the rest is reported failed.
    await app.warming.cache.run("run_error", (r) => r.hset(keys.run(runId), { error }), { timeoutMs: BACKGROUND_TIMEOUT_MS }).catch(() => undefined);
  }

  // The consumer usually runs in this isolate: have the corpus ready when the first batch lands.
  opts.waitUntil?.(app.corpus.get().catch(() => undefined));
  if (index === 0) await store.finishEarly(runId, "succeeded", null);
  else await store.markPlanned(runId);
  const run = (await store.get(runId))!;
  log.info("warm_run_started", { runId, trigger: opts.trigger, scope, tick, routes: run.routes.total, messages: run.messages, dates });
  return { started: true, run };
}
