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
import { runWatchdog } from "./warming/watchdog";

const router = buildRouter();

export default {
  fetch: (request, env, ctx) => withLogContext({ requestId: requestIdOf(request) }, () => router.fetch(request, env, ctx)),

  // Two crons: WARM_CRON starts a run (a failure throws: the platform retries, the watchdog catches
  // up); WARM_WATCHDOG_CRON checks for stalled runs, a missed tick and what to replay.
  scheduled: (controller, env, ctx) =>
    withLogContext({ cron: controller.cron, tick: new Date(controller.scheduledTime).toISOString() }, async () => {
      const app = appContext(env);
      const waitUntil = (p: Promise<unknown>) => ctx.waitUntil(p);
      if (controller.cron === app.config.warming.watchdogCron && controller.cron !== app.config.warming.cron) {
        const report = await runWatchdog(app, { waitUntil });
        if (report.errors.length) throw new Error(`watchdog: ${report.errors.join("; ")}`);
        return;
      }
      log.info("cron_tick");
      await startRun(app, { trigger: "cron", scheduledTime: controller.scheduledTime, waitUntil });
    }),

  queue: (batch, env, _ctx) =>
    withLogContext({ queue: batch.queue }, async () => {
      const app = appContext(env);
      if (batch.queue === DLQ_QUEUE) await handleDeadLetterBatch(batch, app);
      else await handleWarmBatch(batch, app);
    }),
} satisfies ExportedHandler<WorkerEnv>;
