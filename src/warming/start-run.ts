/**
 * Starting a warming run (cron tick or operator): pick routes, take the locks, record the run and
 * enqueue messages of `routesPerMessage` routes.
 *
 * Exactly one run per tick: the tick key (`warm:v1:tick:{scheduledTime}`, SET NX EX) makes a
 * duplicated or overlapping delivery of the same tick enqueue nothing; the active-run lock makes a
 * tick or a trigger during a run start nothing (a manual trigger may `force`).
 */
import type { AppContext } from "../context";
import { BACKGROUND_TIMEOUT_MS } from "../cache/client";
import { keys } from "../cache/keys";
import { dateRange, todayUtc } from "../dates";
import { getRoutesByIds, selectTopRoutes } from "../data/routes";
import { log } from "../log";
import { chunk, type WarmMessage } from "./messages";
import { newRunId, RunStore, type RunRecord, type RunTrigger } from "./runs";

const SEND_BATCH_MAX = 100; // Cloudflare Queues: at most 100 messages per sendBatch
const TICK_LOCK_SECONDS = 6 * 3600;

export interface StartRunOptions {
  trigger: RunTrigger;
  /** Warm these routes (else the top `top` or the configured top N). */
  routeIds?: number[];
  top?: number;
  force?: boolean;
  /** Cron ticks: the tick's scheduled time, for the once-per-tick lock. */
  scheduledTime?: number;
  now?: Date;
  /** Lets the run start loading the accident corpus while messages are in flight (same isolate). */
  waitUntil?: (p: Promise<unknown>) => void;
}

export type StartRunResult =
  | { started: true; run: RunRecord }
  | { started: false; reason: "tick_already_handled" | "run_in_progress"; activeRunId?: string };

export function runStore(app: AppContext): RunStore {
  return new RunStore(app.cache, app.config.runTtlSeconds);
}

export async function startRun(app: AppContext, opts: StartRunOptions): Promise<StartRunResult> {
  const store = runStore(app);
  const now = opts.now ?? new Date();
  const runId = newRunId(now);

  if (opts.scheduledTime !== undefined) {
    const tickKey = keys.tickLock(new Date(opts.scheduledTime).toISOString());
    const got = await app.cache.run("tick_lock", (r) => r.set(tickKey, runId, { nx: true, ex: TICK_LOCK_SECONDS }), { timeoutMs: BACKGROUND_TIMEOUT_MS });
    if (got !== "OK") {
      log.info("warm_tick_skipped", { reason: "tick_already_handled", tick: new Date(opts.scheduledTime).toISOString() });
      return { started: false, reason: "tick_already_handled" };
    }
  }

  const lock = await store.acquireActive(runId, opts.force ?? false);
  if (!lock.acquired) {
    log.info("warm_run_skipped", { reason: "run_in_progress", activeRunId: lock.activeRunId, trigger: opts.trigger });
    return { started: false, reason: "run_in_progress", activeRunId: lock.activeRunId };
  }

  const { routesPerMessage, forecastDays, topRoutes } = app.config.warming;
  const dates = dateRange(todayUtc(now), forecastDays);
  let routeIds: number[];
  let batches: number[][];
  try {
    routeIds = opts.routeIds
      ? (await getRoutesByIds(app.sql, opts.routeIds)).map((r) => r.id)
      : (await selectTopRoutes(app.sql, opts.top ?? topRoutes)).map((r) => r.id);
    batches = chunk(routeIds, routesPerMessage);
    await store.create({ id: runId, trigger: opts.trigger, dates, routeIds, messages: batches.length });
  } catch (e) {
    // Nothing was enqueued: do not leave the one-run lock held for an hour.
    await store.releaseActive(runId).catch(() => undefined);
    throw e;
  }
  // The consumer usually runs in this isolate: have the corpus ready when the first batch lands.
  opts.waitUntil?.(app.corpus.get().catch(() => undefined));
  log.info("warm_run_started", { runId, trigger: opts.trigger, routes: routeIds.length, messages: batches.length, dates });

  if (routeIds.length === 0) {
    await store.finishEarly(runId, "succeeded", null);
  } else {
    try {
      const messages = batches.map((ids): { body: WarmMessage } => ({ body: { runId, routeIds: ids, dates, attempt: 1 } }));
      for (const group of chunk(messages, SEND_BATCH_MAX)) await app.env.WARM_QUEUE.sendBatch(group);
    } catch (e) {
      const error = `enqueue failed: ${(e as Error).message}`;
      await store.finishEarly(runId, "failed", error);
      log.info("warm_run_finished", { runId, status: "failed", error });
    }
  }
  return { started: true, run: (await store.get(runId))! };
}
