/**
 * SafeAscent Edge — the Worker's entry: HTTP (fetch), the cron tick (scheduled) and the warming
 * queues (queue). Each delegates to its module; shared clients live in the per-isolate context.
 */
import type { WorkerEnv } from "./config";
import { appContext } from "./context";
import { buildRouter } from "./http/router";
import { DLQ_QUEUE, handleDeadLetterBatch, handleWarmBatch } from "./warming/consumer";
import { logEvent } from "./warming/log";
import { startRun } from "./warming/start-run";

const router = buildRouter();

export default {
  fetch: (request, env, ctx) => router.fetch(request, env, ctx),

  async scheduled(controller, env, ctx) {
    logEvent("cron_tick", { cron: controller.cron, scheduledTime: new Date(controller.scheduledTime).toISOString() });
    await startRun(appContext(env), { trigger: "cron", scheduledTime: controller.scheduledTime, waitUntil: (p) => ctx.waitUntil(p) });
  },

  async queue(batch, env, _ctx) {
    const app = appContext(env);
    if (batch.queue === DLQ_QUEUE) await handleDeadLetterBatch(batch, app);
    else await handleWarmBatch(batch, app);
  },
} satisfies ExportedHandler<WorkerEnv>;
