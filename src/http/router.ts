/**
 * The fetch handler: itty-router with JSON errors. Two API surfaces over the same score service:
 * /api/v1 (the SafeAscent v1 contract, FastAPI's shapes: src/http/v1.ts) and /api/v2 (the native
 * API: src/http/v2.ts); operator endpoints under /admin (bearer token); `/` and `/health` open.
 * The operator console's page (public/admin/, Workers Static Assets) is served before the Worker
 * runs and holds no data.
 */
import { Router, type IRequest } from "itty-router";
import { requireAdmin } from "./auth";
import { type AppRequest, type Args, withApp } from "./context";
import { errorResponse, onError } from "./errors";
import { health } from "./health";
import { getRun, listRuns, replayDeadLetters, schedule, stats, triggerWarm, warmedMap } from "./admin";
import { registerV1, rootInfo, v1MethodNotAllowed } from "./v1";
import { registerV2 } from "./v2";
import { withCors } from "./cors";

const withAdmin = async (request: IRequest) => {
  await requireAdmin(request, (request as AppRequest).app.config.adminToken);
};

/** The root endpoints answer other methods with FastAPI's 405 (the v1 contract's tests call them). */
const ROOT_PATHS = new Set(["/", "/health"]);

export function buildRouter() {
  const router = Router<IRequest, Args>({
    before: [withApp],
    catch: onError,
    finally: [
      (response: Response | undefined, request: IRequest) => {
        if (response) return response;
        const { pathname } = new URL(request.url);
        if (ROOT_PATHS.has(pathname)) {
          return withCors(request, v1MethodNotAllowed("GET, HEAD"), (request as AppRequest).app.config.corsOrigins);
        }
        return errorResponse(404, "not_found", `No route for ${request.method} ${pathname}`);
      },
    ],
  });

  router.get("/", (req) => withCors(req, rootInfo(), (req as AppRequest).app.config.corsOrigins));
  router.head("/", (req) => withCors(req, rootInfo(), (req as AppRequest).app.config.corsOrigins));
  router.get("/health", (req) => health(req as AppRequest));
  router.head("/health", (req) => health(req as AppRequest));

  router
    .all("/admin/*", withAdmin)
    .post("/admin/warm", (req, _env, ctx) => triggerWarm(req, (req as AppRequest).app, ctx))
    .get("/admin/runs", (req) => listRuns((req as AppRequest).app))
    .get("/admin/runs/:id", (req) => getRun(req.params.id!, (req as AppRequest).app))
    .get("/admin/stats", (req) => stats((req as AppRequest).app))
    .get("/admin/schedule", (req) => schedule((req as AppRequest).app))
    .get("/admin/map", (req) => warmedMap(req, (req as AppRequest).app))
    .post("/admin/dlq/replay", (req) => replayDeadLetters((req as AppRequest).app));

  registerV1(router);
  registerV2(router);
  return router;
}
