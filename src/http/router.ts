/**
 * The fetch handler: itty-router with JSON errors. Public API under /api/v1 (src/http/api.ts),
 * operator endpoints under /admin (bearer token), /health open. The operator console's page
 * (public/admin/, Workers Static Assets) is served before the Worker runs and holds no data.
 */
import { Router, type IRequest } from "itty-router";
import { ConfigError, type WorkerEnv } from "../config";
import { UpstreamUnavailable } from "../errors";
import { log } from "../log";
import { appContext, type AppContext } from "../context";
import { requireAdmin } from "./auth";
import { errorResponse, HttpError } from "./errors";
import { health } from "./health";
import { getRun, listRuns, replayDeadLetters, schedule, stats, triggerWarm, warmedMap } from "./admin";
import { registerApi } from "./api";

export type Args = [WorkerEnv, ExecutionContext];
export type AppRequest = IRequest & { app: AppContext };

const withApp = (request: IRequest, env: WorkerEnv) => {
  (request as AppRequest).app = appContext(env);
};
const withAdmin = async (request: IRequest) => {
  await requireAdmin(request, (request as AppRequest).app.config.adminToken);
};

export function onError(err: unknown, request: IRequest): Response {
  if (err instanceof HttpError) return errorResponse(err.status, err.code, err.message, err.field, err.headers);
  if (err instanceof ConfigError) {
    log.error("config_invalid", { issues: err.issues });
    return errorResponse(500, "config_invalid", err.message);
  }
  const message = err instanceof Error ? err.message : String(err);
  // Upstream trouble (Neon, Upstash), as typed by its adapter, is a 503 with Retry-After, not a 500.
  if (err instanceof UpstreamUnavailable) {
    log.warn("upstream_unavailable", { service: err.service, path: new URL(request.url).pathname, detail: err.detail });
    return errorResponse(503, "upstream_unavailable", "A backing service is unavailable; retry shortly", undefined, { "Retry-After": "30" });
  }
  log.error("unhandled_error", { path: new URL(request.url).pathname, message, stack: (err as Error)?.stack });
  return errorResponse(500, "internal_error", "Internal error");
}

export function buildRouter() {
  const router = Router<IRequest, Args>({
    before: [withApp],
    catch: onError,
    finally: [(response: Response | undefined, request: IRequest) =>
      response ?? errorResponse(404, "not_found", `No route for ${request.method} ${new URL(request.url).pathname}`)],
  });

  router.get("/health", (req) => health((req as AppRequest).app));

  router
    .all("/admin/*", withAdmin)
    .post("/admin/warm", (req, _env, ctx) => triggerWarm(req, (req as AppRequest).app, ctx))
    .get("/admin/runs", (req) => listRuns((req as AppRequest).app))
    .get("/admin/runs/:id", (req) => getRun(req.params.id!, (req as AppRequest).app))
    .get("/admin/stats", (req) => stats((req as AppRequest).app))
    .get("/admin/schedule", (req) => schedule((req as AppRequest).app))
    .get("/admin/map", (req) => warmedMap(req, (req as AppRequest).app))
    .post("/admin/dlq/replay", (req) => replayDeadLetters((req as AppRequest).app));

  registerApi(router);
  return router;
}
