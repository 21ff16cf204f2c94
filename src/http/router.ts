/**
 * The fetch handler: itty-router with JSON errors. Public API under /api/v1 (src/http/api.ts),
 * operator endpoints under /admin (bearer token), /health open.
 */
import { Router, type IRequest } from "itty-router";
import { requireAdmin } from "./auth";
import { type AppRequest, type Args, withApp } from "./context";
import { errorResponse, onError } from "./errors";
import { health } from "./health";
import { getRun, listRuns, replayDeadLetters, schedule, stats, triggerWarm } from "./admin";
import { registerApi } from "./api";

const withAdmin = async (request: IRequest) => {
  await requireAdmin(request, (request as AppRequest).app.config.adminToken);
};

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
    .post("/admin/dlq/replay", (req) => replayDeadLetters((req as AppRequest).app));

  registerApi(router);
  return router;
}
