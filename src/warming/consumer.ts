/**
 * Queue consumers for warming.
 *
 * Main queue: a batch of messages (≤ 10 × 10 routes) is handled together: one Neon query for the
 * routes, one weather lookup for all grid cells, the engine per route, then one Upstash pipeline
 * per message with its scores (TTL), their /map index entries and the run's progress.
 * - A route whose computation fails is recorded and retried alone in a follow-up message with
 *   backoff; after `MAX_ROUTE_ATTEMPTS` it is a final failure in the run.
 * - If the batch cannot be computed (database down), every message is retried with backoff; if
 *   one message's write fails, only that message is. After wrangler.toml's `max_retries` a message
 *   lands in the dead-letter queue.
 * - Redelivery is harmless: the same keys are overwritten and progress is a hash of route outcomes.
 *
 * Dead-letter queue: records the message's unfinished routes as failed in their run and keeps the
 * message in `warm_dlq` for POST /admin/dlq/replay. If even that fails on its last attempt, the
 * `warm_dead_letter_lost` log line names the routes: nothing vanishes unreported.
 */
import type { AppContext } from "../context";
import { BACKGROUND_TIMEOUT_MS } from "../cache/client";
import { addScoreWrites, scoreWrite } from "../cache/scores";
import { getRoutesByIds } from "../data/routes";
import type { DailyScore } from "../service/score-service";
import { log } from "../log";
import { backoffSeconds, WarmMessageSchema, type WarmMessage } from "./messages";
import { DLQ_KEY, type RouteResult } from "./runs";
import { runStore } from "./start-run";

export const MAX_ROUTE_ATTEMPTS = 3;
/** The dead-letter queue's name in wrangler.toml. */
export const DLQ_QUEUE = "safeascent-warm-dlq";

export interface DeadLetter {
  runId: string | null;
  routeIds: number[];
  dates: string[];
  reason: string;
  deadAt: string;
  body?: unknown;
}

function parse(msg: Message<unknown>): WarmMessage | { invalid: string } {
  const r = WarmMessageSchema.safeParse(msg.body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  return { invalid: `${issue?.path.join(".") || "body"}: ${issue?.message}` };
}

async function keepDeadLetter(app: AppContext, letter: DeadLetter) {
  await app.cache.exec(
    "dlq_keep",
    (p) => {
      p.rpush(DLQ_KEY, JSON.stringify(letter));
      p.expire(DLQ_KEY, 7 * 86_400);
    },
    { timeoutMs: BACKGROUND_TIMEOUT_MS },
  );
}

export async function handleWarmBatch(batch: MessageBatch<unknown>, app: AppContext): Promise<void> {
  const valid: { msg: Message<unknown>; body: WarmMessage }[] = [];
  for (const msg of batch.messages) {
    const body = parse(msg);
    if ("invalid" in body) {
      // Poison: retrying cannot fix it. Keep it for the operator and say so.
      log.info("warm_message_invalid", { messageId: msg.id, reason: body.invalid });
      await keepDeadLetter(app, { runId: null, routeIds: [], dates: [], reason: `invalid message: ${body.invalid}`, deadAt: new Date().toISOString(), body: msg.body });
      msg.ack();
    } else {
      valid.push({ msg, body });
    }
  }
  if (valid.length === 0) return;

  let outcomes: { msg: Message<unknown>; body: WarmMessage; error: string | null }[];
  try {
    outcomes = await processMessages(app, valid);
  } catch (e) {
    // The batch could not be computed at all (database or corpus unavailable): retry every message.
    const reason = (e as Error).message;
    outcomes = valid.map((v) => ({ ...v, error: reason }));
  }
  const store = runStore(app);
  for (const { msg, body, error } of outcomes) {
    if (error === null) {
      msg.ack();
      continue;
    }
    log.info("warm_message_retry", { runId: body.runId, messageId: msg.id, attempts: msg.attempts, reason: error });
    msg.retry({ delaySeconds: backoffSeconds(msg.attempts, app.config.warming.retryBaseSeconds) });
    // Best effort: remember why, so a later dead letter can say it.
    await store.noteRetrying(body.runId, body.routeIds, error).catch(() => undefined);
  }
}

/**
 * Computes a batch's routes together and writes each message's results in its own pipeline.
 * Throws when nothing could be computed; otherwise returns each message's write outcome, so a
 * message whose write failed is retried alone and the others are acked.
 */
async function processMessages(
  app: AppContext,
  messages: { msg: Message<unknown>; body: WarmMessage }[],
): Promise<{ msg: Message<unknown>; body: WarmMessage; error: string | null }[]> {
  const store = runStore(app);
  const t0 = Date.now();
  const allIds = [...new Set(messages.flatMap((m) => m.body.routeIds))];
  const routes = new Map((await getRoutesByIds(app.sql, allIds)).map((r) => [r.id, r]));
  const tRoutes = Date.now();

  // Messages of one run share their dates; group by date window so each group is one compute call.
  const groups = new Map<string, { dates: string[]; items: { msg: Message<unknown>; body: WarmMessage }[] }>();
  for (const m of messages) {
    const key = m.body.dates.join(",");
    const g = groups.get(key) ?? { dates: m.body.dates, items: [] };
    g.items.push(m);
    groups.set(key, g);
  }

  const perMessage: { msg: Message<unknown>; body: WarmMessage; results: RouteResult[]; scores: DailyScore[] }[] = [];
  for (const { dates, items } of groups.values()) {
    const ids = [...new Set(items.flatMap((m) => m.body.routeIds))];
    const outcomes = await app.scores.computeRouteForecasts(ids.flatMap((id) => routes.get(id) ?? []), dates);
    const byId = new Map(outcomes.map((o) => [o.route.id, o]));
    for (const { msg, body } of items) {
      const results: RouteResult[] = [];
      const scores: DailyScore[] = [];
      for (const id of body.routeIds) {
        const o = byId.get(id);
        if (o?.ok) {
          results.push({ routeId: id, ok: true });
          scores.push(...o.scores);
        } else {
          // A route that vanished from the database is a final failure: retrying cannot bring it back.
          const reason = o ? o.error : "route not found or has no coordinates";
          results.push({ routeId: id, ok: false, reason, final: !o || body.attempt >= MAX_ROUTE_ATTEMPTS });
        }
      }
      perMessage.push({ msg, body, results, scores });
    }
  }

  const tCompute = Date.now();
  // One Upstash pipeline per message (≈ 70 keys, ~1 MB: well under Upstash's 10 MB request cap;
  // plus 7 small HSETs of the /map index), all messages in parallel.
  const ttl = app.config.scoreTtlSeconds;
  const written = await Promise.allSettled(
    perMessage.map(async ({ body, results, scores }) => {
      for (const r of results.filter((x) => !x.ok)) {
        log.info("warm_route_failed", { runId: body.runId, routeId: r.routeId, attempt: body.attempt, final: r.final, reason: r.reason });
      }
      const writes = scores.map((s) => scoreWrite(s, ttl));
      const finished = await store.recordResults(body.runId, results, (p) => addScoreWrites(p, writes, ttl));
      const retry = results.filter((r) => !r.ok && !r.final).map((r) => r.routeId);
      if (retry.length) {
        await app.env.WARM_QUEUE.send(
          { runId: body.runId, routeIds: retry, dates: body.dates, attempt: body.attempt + 1 } satisfies WarmMessage,
          { delaySeconds: backoffSeconds(body.attempt, app.config.warming.retryBaseSeconds) },
        );
      }
      if (finished) logFinished(finished);
    }),
  );
  log.info("warm_batch", {
    messages: messages.length,
    routes: allIds.length,
    ms: { routes: tRoutes - t0, compute: tCompute - tRoutes, write: Date.now() - tCompute },
  });
  return perMessage.map(({ msg, body }, i) => {
    const w = written[i]!;
    return { msg, body, error: w.status === "fulfilled" ? null : `write failed: ${(w.reason as Error)?.message ?? w.reason}` };
  });
}

export function logFinished(run: { id: string; status: string; routes: unknown; scores: unknown; durationMs: number | null; trigger: string }) {
  log.info("warm_run_finished", { runId: run.id, trigger: run.trigger, status: run.status, routes: run.routes, scores: run.scores, durationMs: run.durationMs });
}

/** wrangler.toml's max_retries + 1 for the dead-letter consumer. */
export const DLQ_MAX_ATTEMPTS = 6;

export async function handleDeadLetterBatch(batch: MessageBatch<unknown>, app: AppContext): Promise<void> {
  const store = runStore(app);
  for (const msg of batch.messages) {
    const body = parse(msg);
    try {
      if ("invalid" in body) {
        await keepDeadLetter(app, { runId: null, routeIds: [], dates: [], reason: `invalid message: ${body.invalid}`, deadAt: new Date().toISOString(), body: msg.body });
        log.info("warm_dead_letter", { messageId: msg.id, reason: body.invalid });
        msg.ack();
        continue;
      }
      const pending = await store.notDone(body.runId, body.routeIds);
      const reasons = await store.retryReasons(body.runId);
      const results: RouteResult[] = pending.map((id) => ({
        routeId: id,
        ok: false,
        final: true,
        reason: `dead-lettered after ${msg.attempts} attempt(s): ${reasons[String(id)] ?? "message kept failing"}`,
      }));
      if (pending.length) {
        await keepDeadLetter(app, { runId: body.runId, routeIds: pending, dates: body.dates, reason: results[0]!.reason!, deadAt: new Date().toISOString() });
      }
      log.info("warm_dead_letter", { runId: body.runId, messageId: msg.id, routes: pending });
      const finished = await store.recordResults(body.runId, results);
      if (finished) logFinished(finished);
      msg.ack();
    } catch (e) {
      // Redis itself is failing: retry; on the last attempt the log line is the record of last resort.
      const routes = "invalid" in body ? [] : body.routeIds;
      if (msg.attempts >= DLQ_MAX_ATTEMPTS) {
        log.info("warm_dead_letter_lost", { messageId: msg.id, runId: "invalid" in body ? null : body.runId, routes, reason: (e as Error).message });
        msg.ack();
      } else {
        msg.retry({ delaySeconds: backoffSeconds(msg.attempts, app.config.warming.retryBaseSeconds) });
      }
    }
  }
}
