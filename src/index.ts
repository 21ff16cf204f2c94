/**
 * SafeAscent Edge — the Worker's entry: HTTP (fetch), the cron tick (scheduled) and the warming
 * queues (queue). Each delegates to its module; shared clients live in the per-isolate context.
 */
import type { WorkerEnv } from "./config";
import { appContext } from "./context";
import { buildRouter } from "./http/router";
import { DLQ_QUEUE, handleDeadLetterBatch, handleWarmBatch } from "./warming/consumer";
import { log, requestIdOf, withLogContext } from "./log";
import { startRun } from "./warming/start-run";

const router = buildRouter();

export default {
  fetch: (request, env, ctx) => withLogContext({ requestId: requestIdOf(request) }, () => router.fetch(request, env, ctx)),

  scheduled: (controller, env, ctx) =>
    withLogContext({ cron: controller.cron, tick: new Date(controller.scheduledTime).toISOString() }, async () => {
      log.info("cron_tick");
      await startRun(appContext(env), { trigger: "cron", scheduledTime: controller.scheduledTime, waitUntil: (p) => ctx.waitUntil(p) });
    }),

  queue: (batch, env, _ctx) =>
    withLogContext({ queue: batch.queue }, async () => {
      const app = appContext(env);
      if (batch.queue === DLQ_QUEUE) await handleDeadLetterBatch(batch, app);
      else await handleWarmBatch(batch, app);
    }),
} satisfies ExportedHandler<WorkerEnv>;
