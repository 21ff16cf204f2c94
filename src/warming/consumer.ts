/**
 * Queue consumers for warming.
 *
 * Main queue: a batch of messages (≤ 10 location batches) is handled together: one Neon query for
 * its routes, one weather lookup for all their cells, then each message on its own: its locations
 * scored (routes at one point together, compact output), today's scores into score_history (one
 * bulk insert per message), and one Upstash request per message with its scores, their /map index
 * entries and the run's progress (two scripts in one pipeline). A message's writes overlap the
 * scoring of the next one.
 * - A location whose scoring throws fails its routes only; they are retried in a follow-up message
 *   with backoff; after `MAX_ROUTE_ATTEMPTS` they are final failures of the run.
 * - A message that cannot be processed at all (its scoring threw, its write failed) is retried alone
 *   with backoff; if the batch's inputs cannot be had (database down), every message is. After
 *   wrangler.toml's `max_retries` a message lands in the dead-letter queue.
 * - Redelivery is harmless: the same keys are rewritten and the run counts a message once (its
 *   pending entry, src/warming/runs.ts).
 *
 * Dead-letter queue: records the message's routes as failed in their run (once, like any message)
 * and keeps the letter in `warm:v1:dlq` for the watchdog's automatic replay and POST
 * /admin/dlq/replay. If even that fails on its last attempt, `warm_dead_letter_lost` names the
 * routes, and the message stays pending in its run: the run is abandoned when its heartbeat runs
 * out and the watchdog replays what is missing.
 */
import type { AppContext } from "../context";
import { BACKGROUND_TIMEOUT_MS } from "../cache/client";
import { keys } from "../cache/keys";
import { addScoreWritesBulk, scoreWrite, type ScoreWrite } from "../cache/scores";
import { getRoutesByIds } from "../data/routes";
import { writeHistory, type HistoryRow } from "../data/history";
import type { CompactOutcome, ScoringInputs } from "../service/score-service";
import { log } from "../log";
import { backoffSeconds, decodeIds, pendingField, WarmMessageSchema, type WarmMessage } from "./messages";
import { DLQ_KEY, type MessageOutcome } from "./runs";
import { runStore } from "./start-run";
import { pyRound } from "../scoring";

export const MAX_ROUTE_ATTEMPTS = 3;
/** The dead-letter queue's name in wrangler.toml. */
export const DLQ_QUEUE = "safeascent-warm-dlq";

export interface DeadLetter {
  runId: string | null;
  routeIds: number[];
  dates: string[];
  reason: string;
  deadAt: string;
  /** Set on letters of messages that were already replayed automatically once (operator replay only). */
  autoReplayed?: boolean;
  body?: unknown;
}

function parse(msg: Message<unknown>): WarmMessage | { invalid: string } {
  const r = WarmMessageSchema.safeParse(msg.body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  return { invalid: `${issue?.path.join(".") || "body"}: ${issue?.message}` };
}

async function keepDeadLetter(app: AppContext, letter: DeadLetter) {
  await app.warming.cache.exec(
    "dlq_keep",
    (p) => {
      p.rpush(DLQ_KEY, JSON.stringify(letter));
      p.expire(DLQ_KEY, 7 * 86_400);
    },
    { timeoutMs: BACKGROUND_TIMEOUT_MS },
  );
}

/** Keeps an unreadable message for the operator (retrying cannot fix it). */
const keepInvalidLetter = (app: AppContext, msg: Message<unknown>, invalid: string) =>
  keepDeadLetter(app, { runId: null, routeIds: [], dates: [], reason: `invalid message: ${invalid}`, deadAt: new Date().toISOString(), body: msg.body });

type Item = { msg: Message<unknown>; body: WarmMessage };

export async function handleWarmBatch(batch: MessageBatch<unknown>, app: AppContext): Promise<void> {
  const valid: Item[] = [];
  for (const msg of batch.messages) {
    const body = parse(msg);
    if ("invalid" in body) {
      // Poison: retrying cannot fix it. Keep it for the operator and say so.
      log.info("warm_message_invalid", { messageId: msg.id, reason: body.invalid });
      await keepInvalidLetter(app, msg, body.invalid);
      msg.ack();
    } else {
      valid.push({ msg, body });
    }
  }
  if (valid.length === 0) return;

  let outcomes: { item: Item; error: string | null }[];
  try {
    outcomes = await processMessages(app, valid);
  } catch (e) {
    // The batch's inputs could not be had (database, corpus): retry every message.
    const reason = (e as Error).message;
    outcomes = valid.map((item) => ({ item, error: reason }));
  }
  const store = runStore(app);
  for (const { item, error } of outcomes) {
    if (error === null) {
      item.msg.ack();
      continue;
    }
    log.info("warm_message_retry", { runId: item.body.runId, messageId: item.msg.id, index: item.body.index, attempts: item.msg.attempts, reason: error });
    item.msg.retry({ delaySeconds: backoffSeconds(item.msg.attempts, app.config.warming.retryBaseSeconds) });
    // Best effort: remember why, so a later dead letter can say it.
    await store.noteRetry(item.body.runId, pendingField(item.body), error).catch(() => undefined);
  }
}

interface Scored {
  item: Item;
  outcomes: CompactOutcome[];
  missing: number[];
}

/**
 * Scores the batch's messages and writes each one's results in its own request. Throws when the
 * shared inputs cannot be had; otherwise returns each message's outcome.
 */
async function processMessages(app: AppContext, items: Item[]): Promise<{ item: Item; error: string | null }[]> {
  const t0 = Date.now();
  const allIds = [...new Set(items.flatMap((m) => m.body.routeIds))];
  const routes = new Map((await getRoutesByIds(app.sql, allIds)).map((r) => [r.id, r]));
  const tRoutes = Date.now();

  // Messages of one run share their dates; group by date window: one input load per window.
  const groups = new Map<string, Item[]>();
  for (const m of items) {
    const key = m.body.dates.join(",");
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  const results: { item: Item; error: string | null }[] = [];
  const writes: Promise<void>[] = [];
  const writing: Item[] = [];
  let tInputs = 0;
  let tCompute = 0;
  let scores = 0;
  for (const group of groups.values()) {
    const groupRoutes = [...new Set(group.flatMap((m) => m.body.routeIds))].flatMap((id) => routes.get(id) ?? []);
    const ti = Date.now();
    const inputs: ScoringInputs = await app.warming.scores.loadInputs(groupRoutes, group[0]!.body.dates);
    tInputs += Date.now() - ti;
    for (const item of group) {
      const tc = Date.now();
      let s: Scored;
      try {
        const own = item.body.routeIds.flatMap((id) => routes.get(id) ?? []);
        const missing = item.body.routeIds.filter((id) => !routes.has(id));
        s = { item, outcomes: app.warming.scores.scoreCompact(inputs, own), missing };
      } catch (e) {
        results.push({ item, error: `scoring failed: ${(e as Error).message}` });
        continue;
      } finally {
        tCompute += Date.now() - tc;
      }
      scores += s.outcomes.filter((o) => o.ok).length * item.body.dates.length;
      // Its writes go out while the next message is scored; yielding lets their I/O (and any other
      // request of this isolate) proceed between two CPU-bound scorings.
      writes.push(writeMessage(app, s));
      writing.push(item);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }
  const tWrite = Date.now();
  const written = await Promise.allSettled(writes);
  written.forEach((w, i) =>
    results.push({ item: writing[i]!, error: w.status === "fulfilled" ? null : `write failed: ${(w.reason as Error)?.message ?? w.reason}` }),
  );
  log.info("warm_batch", {
    messages: items.length,
    routes: allIds.length,
    scores,
    ms: { routes: tRoutes - t0, inputs: tInputs, compute: tCompute, writeWait: Date.now() - tWrite, total: Date.now() - t0 },
  });
  return results;
}

/** One message's scores and run progress (one Upstash request), then its follow-up if any. */
async function writeMessage(app: AppContext, { item, outcomes, missing }: Scored): Promise<void> {
  const { body } = item;
  const store = runStore(app);
  const ttl = app.config.scoreTtlSeconds;
  const failures: { routeId: number; reason: string }[] = missing.map((routeId) => ({ routeId, reason: "route not found or has no coordinates" }));
  const retry: number[] = [];
  const writes: ScoreWrite[] = [];
  let fallback = 0;
  let withoutClimate = 0;
  for (const o of outcomes) {
    if (o.ok) {
      for (const f of o.scores) {
        writes.push(scoreWrite(f, ttl));
        if (f.weather.status !== "ok") fallback++;
        if (!f.weather.climate_available) withoutClimate++;
      }
      continue;
    }
    const final = body.attempt >= MAX_ROUTE_ATTEMPTS;
    log.info("warm_route_failed", { runId: body.runId, routeId: o.route.id, attempt: body.attempt, final, reason: o.error });
    if (final) failures.push({ routeId: o.route.id, reason: o.error });
    else retry.push(o.route.id);
  }
  const followUp = retry.length ? { field: pendingField({ index: body.index, attempt: body.attempt + 1 }), routeIds: retry } : null;
  const outcome: MessageOutcome = {
    runId: body.runId,
    field: pendingField(body),
    routesInMessage: body.routeIds.length,
    doneRoutes: outcomes.filter((o) => o.ok).length,
    failures,
    scoresDone: writes.length,
    scoresFallback: fallback,
    scoresWithoutClimate: withoutClimate,
    followUp,
  };
  // Today's score of every warmed route into score_history (one bulk insert per message), before
  // the run counts the message, so a counted message has its history (ON CONFLICT keeps the first).
  const today = body.dates[0]!;
  const history: HistoryRow[] = [];
  for (const o of outcomes) {
    const facts = o.ok ? o.scores.find((f) => f.date === today) : undefined;
    if (facts)
      history.push({
        routeId: facts.route_id,
        date: today,
        riskScore: pyRound(facts.risk_score, 1),
        colorCode: facts.color_code,
        computedAt: facts.computed_at,
      });
  }
  await writeHistory(app.sql, history);
  const { counted, finished } = await store.recordMessage(outcome, (p) => addScoreWritesBulk(p, writes, ttl));
  // A redelivery sends the follow-up the first delivery registered, if it is still pending.
  let followIds = followUp?.routeIds ?? null;
  if (!counted) {
    const field = pendingField({ index: body.index, attempt: body.attempt + 1 });
    const registered = await app.warming.cache.run("run_follow_up", (r) => r.hget<string>(keys.runPending(body.runId), field), {
      timeoutMs: BACKGROUND_TIMEOUT_MS,
    });
    followIds = registered ? decodeIds(String(registered)) : null;
  }
  if (followIds?.length) {
    await app.env.WARM_QUEUE.send(
      { runId: body.runId, index: body.index, routeIds: followIds, dates: body.dates, attempt: body.attempt + 1 } satisfies WarmMessage,
      { delaySeconds: backoffSeconds(body.attempt, app.config.warming.retryBaseSeconds) },
    );
  }
  if (finished) await logFinished(app, body.runId);
}

export async function logFinished(app: AppContext, runId: string) {
  const run = await runStore(app)
    .get(runId)
    .catch(() => null);
  if (!run) return;
  log.info("warm_run_finished", {
    runId: run.id,
    trigger: run.trigger,
    scope: run.scope,
    status: run.status,
    routes: run.routes,
    scores: run.scores,
    durationMs: run.durationMs,
  });
}

/** wrangler.toml's max_retries + 1 for the dead-letter consumer. */
export const DLQ_MAX_ATTEMPTS = 6;

export async function handleDeadLetterBatch(batch: MessageBatch<unknown>, app: AppContext): Promise<void> {
  const store = runStore(app);
  for (const msg of batch.messages) {
    const body = parse(msg);
    try {
      if ("invalid" in body) {
        await keepInvalidLetter(app, msg, body.invalid);
        log.info("warm_dead_letter", { messageId: msg.id, reason: body.invalid });
        msg.ack();
        continue;
      }
      const field = pendingField(body);
      const [run, why] = await Promise.all([store.get(body.runId), store.retryReason(body.runId, field)]);
      const reason = `dead-lettered after ${msg.attempts} attempt(s): ${why ?? "message kept failing"}`;
      const { counted, finished } = await store.recordMessage({
        runId: body.runId,
        field,
        routesInMessage: body.routeIds.length,
        doneRoutes: 0,
        failures: body.routeIds.map((routeId) => ({ routeId, reason })),
        scoresDone: 0,
        scoresFallback: 0,
        scoresWithoutClimate: 0,
        followUp: null,
      });
      // Kept once: a redelivered dead letter whose run already counted it is not kept twice.
      if (counted) {
        await keepDeadLetter(app, {
          runId: body.runId,
          routeIds: body.routeIds,
          dates: body.dates,
          reason,
          deadAt: new Date().toISOString(),
          ...(run?.trigger === "auto-replay" ? { autoReplayed: true } : {}),
        });
      }
      log.info("warm_dead_letter", { runId: body.runId, messageId: msg.id, index: body.index, routes: body.routeIds, counted });
      if (finished) await logFinished(app, body.runId);
      msg.ack();
    } catch (e) {
      // Redis itself is failing: retry; on the last attempt the log line is the record of last resort
      // (and the message stays pending in its run, so the run's abandonment brings it back).
      const routes = "invalid" in body ? [] : body.routeIds;
      if (msg.attempts >= DLQ_MAX_ATTEMPTS) {
        log.error("warm_dead_letter_lost", { messageId: msg.id, runId: "invalid" in body ? null : body.runId, routes, reason: (e as Error).message });
        msg.ack();
      } else {
        msg.retry({ delaySeconds: backoffSeconds(msg.attempts, app.config.warming.retryBaseSeconds) });
      }
    }
  }
}
