/**
 * The warming watchdog: a second cron (WARM_WATCHDOG_CRON, every 5 minutes) that makes warming heal
 * itself without an operator.
 *
 * 1. Stalled runs: every live run whose heartbeat expired is marked `abandoned` (lock released).
 * 2. A failed tick: if the latest WARM_CRON fire time has no tick key (its run never started: the
 *    tick failed and gave the key back, or it met a run in progress), the tick is started now.
 * 3. Automatic replay, once: dead letters and the missing routes of abandoned runs, at least
 *    WARM_REPLAY_DELAY_SECONDS old, are enqueued as one `auto-replay` run when Postgres answers
 *    (Redis answered already). A replay's own dead letters are marked and left to the operator
 *    (POST /admin/dlq/replay); an abandoned replay is not replayed again.
 *
 * Cost: one check is ~10–30 Upstash commands and one trivial Neon query only when there is
 * something to replay; 8,640 checks a month (see docs/notes/warming.md).
 */
import type { AppContext } from "../context";
import { keys } from "../cache/keys";
import { readDataVersion } from "../data/db";
import { log } from "../log";
import type { DeadLetter } from "./consumer";
import { DLQ_KEY } from "./runs";
import { previousFireTime } from "./schedule";
import { runStore, startRun } from "./start-run";

export interface WatchdogReport {
  abandoned: string[];
  /** The tick started for a missed fire time, or why it could not be. */
  tick: { scheduledTime: string; runId: string | null; outcome: string } | null;
  replay: { runId: string; letters: number; abandonedRuns: string[]; routes: number } | null;
  errors: string[];
}

/** A tick gets this long to run itself before the watchdog treats it as missed. */
const TICK_GRACE_MS = 60_000;

export async function runWatchdog(app: AppContext, opts: { now?: Date; waitUntil?: (p: Promise<unknown>) => void } = {}): Promise<WatchdogReport> {
  const now = opts.now ?? new Date();
  const store = runStore(app);
  const report: WatchdogReport = { abandoned: [], tick: null, replay: null, errors: [] };

  // 1. Stalled runs.
  const live = await app.warming.cache.run("watchdog_live", (r) => r.zrange(keys.liveRuns, 0, -1));
  for (const id of (live as unknown[]).map(String)) {
    if ((await store.checkLiveness(id)) === "abandoned") report.abandoned.push(id);
  }
  if (report.abandoned.length) log.warn("warm_runs_abandoned", { runIds: report.abandoned });

  // 2. The latest tick, if it never started.
  const fire = previousFireTime(app.config.warming.cron, now);
  if (fire && now.getTime() - fire.getTime() >= TICK_GRACE_MS) {
    const scheduledTime = fire.toISOString();
    const handled = await app.warming.cache.run("watchdog_tick", (r) => r.exists(keys.tickLock(scheduledTime)));
    if (Number(handled) === 0) {
      try {
        const result = await startRun(app, { trigger: "cron", scheduledTime: fire.getTime(), now, waitUntil: opts.waitUntil });
        report.tick = { scheduledTime, runId: result.started ? result.run.id : null, outcome: result.started ? "started" : result.reason };
        log.info("warm_tick_caught_up", report.tick);
      } catch (e) {
        report.tick = { scheduledTime, runId: null, outcome: "failed" };
        report.errors.push(`tick ${scheduledTime}: ${(e as Error).message}`);
      }
    }
  }

  // 3. Automatic replay.
  try {
    report.replay = await autoReplay(app, now, opts.waitUntil);
  } catch (e) {
    report.errors.push(`replay: ${(e as Error).message}`);
  }
  if (report.errors.length) log.error("warm_watchdog_failed", { errors: report.errors });
  return report;
}

function parseLetter(raw: unknown): DeadLetter | null {
  try {
    const l = (typeof raw === "string" ? JSON.parse(raw) : raw) as DeadLetter;
    return Array.isArray(l?.routeIds) ? l : null;
  } catch {
    return null;
  }
}

async function autoReplay(app: AppContext, now: Date, waitUntil?: (p: Promise<unknown>) => void): Promise<WatchdogReport["replay"]> {
  const store = runStore(app);
  const delayMs = app.config.warming.replayDelaySeconds * 1000;
  const ripe = (iso: string | null | undefined) => !!iso && now.getTime() - Date.parse(iso) >= delayMs;

  const rawLetters = (await app.warming.cache.run("watchdog_dlq", (r) => r.lrange(DLQ_KEY, 0, 999))) as unknown[];
  const letters = rawLetters
    .map((raw) => ({ raw: typeof raw === "string" ? raw : JSON.stringify(raw), letter: parseLetter(raw) }))
    .filter((l): l is { raw: string; letter: DeadLetter } => !!l.letter && l.letter.routeIds.length > 0 && !l.letter.autoReplayed && ripe(l.letter.deadAt));
  const abandoned = (await store.list(50)).filter(
    (r) => r.status === "abandoned" && r.trigger !== "auto-replay" && !r.replayedBy && ripe(r.finishedAt) && (r.missingRoutes?.count ?? 0) > 0,
  );
  if (letters.length === 0 && abandoned.length === 0) return null;

  // Only when the backing services are back: Redis answered above; ask Postgres.
  await readDataVersion(app.sql);

  const batches: number[][] = letters.map((l) => l.letter.routeIds);
  for (const run of abandoned) for (const m of await store.pendingMessages(run.id)) if (m.routeIds.length) batches.push(m.routeIds);
  if (batches.length === 0) return null;
  const result = await startRun(app, { trigger: "auto-replay", batches, replayOf: abandoned[0]?.id, now, waitUntil });
  if (!result.started) {
    log.info("warm_auto_replay_waiting", { reason: result.reason });
    return null;
  }
  const runId = result.run.id;
  for (const run of abandoned) await store.claimReplay(run.id, runId);
  // Remove exactly the letters replayed; others (and ones that arrived meanwhile) stay.
  if (letters.length) {
    await app.warming.cache.exec("watchdog_dlq_remove", (p) => {
      for (const l of letters) p.lrem(DLQ_KEY, 1, l.raw);
    });
  }
  const routes = batches.reduce((n, b) => n + b.length, 0);
  log.info("warm_auto_replay", { runId, letters: letters.length, abandonedRuns: abandoned.map((r) => r.id), routes });
  return { runId, letters: letters.length, abandonedRuns: abandoned.map((r) => r.id), routes };
}
