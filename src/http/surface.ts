/**
 * An API surface (/api/v1, /api/v2): a nested itty-router mounted on the main one, built from an
 * endpoint table. Both surfaces share this machinery — routing, HEAD for every GET, preflights,
 * CORS on every answer (errors included), 404 for an unknown path and 405 with Allow for a known
 * path with a wrong method, the cached OpenAPI handler — and differ only in their error shapes
 * (`SurfaceErrors`).
 */
import { Router, type IRequest, type RouteEntry, type RouterType } from "itty-router";
import type { WorkerEnv } from "../config";
import type { AppRequest, Args } from "./context";
import { preflight, withCors } from "./cors";
import { buildOpenApi, type DocumentOptions, type EndpointDoc } from "./openapi";
import { jsonWithEtag } from "./respond";

export type Handler = (req: AppRequest, env: WorkerEnv, ctx: ExecutionContext) => Promise<Response> | Response;

/** An entry of a surface's endpoint table: the single source for its routing and its OpenAPI document. */
export interface Endpoint extends EndpointDoc {
  handler: Handler;
}

/** GET …/openapi.json: the surface's document, built once per isolate from its table (lazily: the table holds this handler). */
export function openApiHandler(endpoints: () => readonly EndpointDoc[], options: DocumentOptions): Handler {
  let text: string | undefined;
  return (req) => jsonWithEtag(req, (text ??= JSON.stringify(buildOpenApi(endpoints(), options))), { "Cache-Control": "public, max-age=3600" });
}

export interface RoutedEndpoint {
  method: "get" | "post";
  /** itty-router path under the surface's base, e.g. "/routes/:id/safety". */
  path: string;
  handler: Handler;
}

/** How a surface answers what no handler answered, and what a handler threw. */
export interface SurfaceErrors {
  notFound(req: IRequest): Response;
  methodNotAllowed(req: IRequest, allow: string): Response;
  onError(err: unknown, req: IRequest): Response;
}

const corsOrigins = (req: IRequest) => (req as AppRequest).app.config.corsOrigins;

/** The methods a path accepts (empty: unknown path), from a router's route table. */
export function methodsOf(routes: readonly RouteEntry[], url: string): string[] {
  const { pathname } = new URL(url);
  return [...new Set(routes.filter(([, regex]) => regex.test(pathname)).map(([method]) => method))];
}

function buildSurface(base: string, endpoints: readonly RoutedEndpoint[], errors: SurfaceErrors): RouterType<IRequest, Args> {
  // itty-router reads before/finally from its options (not the router object): build them first,
  // over the route table the router fills.
  const routes: RouteEntry[] = [];
  const surface = Router<IRequest, Args>({
    base,
    routes,
    before: [
      (req) => {
        if (req.method !== "OPTIONS") return undefined;
        const methods = methodsOf(routes, req.url);
        return methods.length ? preflight(req, methods, corsOrigins(req)) : undefined;
      },
    ],
    catch: errors.onError,
    finally: [
      (res: Response | undefined, req: IRequest) => {
        if (res) return res;
        const methods = methodsOf(routes, req.url);
        if (!methods.length) return errors.notFound(req);
        return errors.methodNotAllowed(req, [...methods, "OPTIONS"].join(", "));
      },
      (res: Response, req: IRequest) => withCors(req, res, corsOrigins(req)),
    ],
  });
  for (const e of endpoints) {
    const handler = (req: IRequest, env: WorkerEnv, ctx: ExecutionContext) => e.handler(req as AppRequest, env, ctx);
    surface[e.method](e.path, handler);
    if (e.method === "get") surface.head(e.path, handler); // the runtime drops the body
  }
  return surface;
}

/** Builds a surface from its endpoint table and mounts it on the main router under its base. */
export function mountSurface(router: RouterType<IRequest, Args>, base: string, endpoints: readonly RoutedEndpoint[], errors: SurfaceErrors): void {
  router.all(`${base}/*`, buildSurface(base, endpoints, errors).fetch);
}
