/**
 * The public API under /api/v1: a nested itty-router mounted on the main one, so every answer —
 * errors included — gets CORS headers, and a known path with a wrong method is a 405 with Allow.
 * The endpoint table below is the single source for routing and for the OpenAPI document.
 */
import { Router, type IRequest, type RouteEntry, type RouterType } from "itty-router";
import type { WorkerEnv } from "../config";
import { errorResponse } from "./errors";
import { preflight, withCors } from "./cors";
import { buildOpenApi, type EndpointDoc } from "./openapi";
import type { AppRequest, Args } from "./context";
import { onError } from "./errors";
import { getAccidentHandler, listAccidentsHandler } from "./api/accidents";
import { mapHandler } from "./api/map";
import { predict } from "./api/predict";
import { jsonWithEtag } from "./api/respond";
import { getRouteHandler, listRoutesHandler } from "./api/routes";
import { breakdown, forecast, safety } from "./api/scores";
import { AccidentsQuery, BreakdownQuery, ForecastQuery, IdParam, MapQuery, PredictBody, RoutesQuery, SafetyQuery } from "./api/schemas";

export const API_BASE = "/api/v1";

type Handler = (req: AppRequest, env: WorkerEnv, ctx: ExecutionContext) => Promise<Response> | Response;
export interface Endpoint extends EndpointDoc {
  handler: Handler;
}

let openApiText: string | undefined;
const openApi: Handler = (req) =>
  jsonWithEtag(req, (openApiText ??= JSON.stringify(buildOpenApi(ENDPOINTS, API_BASE))), { "Cache-Control": "public, max-age=3600" });

const id = { id: IdParam };
const SCORE_ERRORS = [400, 404, 422];

export const ENDPOINTS: Endpoint[] = [
  {
    method: "get", path: "/routes", handler: listRoutesHandler, tag: "routes", etag: true,
    summary: "List routes",
    description: "Located routes ordered by id, with keyset pagination (pass next_cursor as cursor).",
    query: RoutesQuery, response: "RouteList", errors: [400, 422],
  },
  { method: "get", path: "/routes/:id", handler: getRouteHandler, tag: "routes", etag: true, summary: "One route", pathParams: id, response: "Route", errors: [400, 404] },
  {
    method: "get", path: "/routes/:id/safety", handler: safety, tag: "scores", etag: true, scoreCache: true,
    summary: "The route's risk score for a date",
    description:
      "Cache-first: the warmed score, or computed and cached on a miss (concurrent misses compute once). " +
      "Cache-Control max-age is the cached score's remaining lifetime. fresh=true recomputes (admin bearer token).",
    pathParams: id, query: SafetyQuery, response: "SafetyScore", errors: [...SCORE_ERRORS, 401, 403],
  },
  {
    method: "get", path: "/routes/:id/forecast", handler: forecast, tag: "scores", etag: true, scoreCache: true,
    summary: "Seven consecutive days of scores",
    description: "Served from the warmed keys; only missing days are computed (and cached). X-Cache is HIT only when all 7 came from the cache.",
    pathParams: id, query: ForecastQuery, response: "Forecast", errors: SCORE_ERRORS,
  },
  {
    method: "get", path: "/routes/:id/breakdown", handler: breakdown, tag: "scores", etag: true, scoreCache: true,
    summary: "Why: factor weights, extreme weather, weather used, top accidents",
    pathParams: id, query: BreakdownQuery, response: "Breakdown", errors: SCORE_ERRORS,
  },
  {
    method: "post", path: "/predict", handler: predict, tag: "scores", scoreCache: true,
    summary: "Score an arbitrary point",
    description:
      "Same fields as a route's safety answer, with location instead of the route. date must lie in the forecast window today … today+6 (UTC). " +
      "Cached for 15 minutes per exact input. Body: JSON, at most 16 KB.",
    body: PredictBody, response: "PredictScore", errors: [400, 413, 415, 422],
  },
  {
    method: "get", path: "/map", handler: mapHandler, tag: "scores", etag: true,
    summary: "Compact cached scores of the routes in a box",
    description: "Cache only (nothing is computed): routes without a cached score for the date are listed in missing. One read of the per-date index; at most 5,000 routes, busiest first (truncated: more lie in the box).",
    query: MapQuery, response: "MapScores", errors: [400, 422],
  },
  { method: "get", path: "/accidents", handler: listAccidentsHandler, tag: "accidents", etag: true, summary: "List accidents", query: AccidentsQuery, response: "AccidentList", errors: [400, 422] },
  { method: "get", path: "/accidents/:id", handler: getAccidentHandler, tag: "accidents", etag: true, summary: "One accident", pathParams: id, response: "Accident", errors: [400, 404] },
  { method: "get", path: "/openapi.json", handler: openApi, tag: "meta", etag: true, summary: "This document (OpenAPI 3.1)", errors: [] },
];

function buildApiRouter() {
  // itty-router reads before/finally from its options (not the router object): build them first,
  // over the route table the router fills.
  const routes: RouteEntry[] = [];
  /** The methods a path accepts (empty: unknown path). */
  const methodsOf = (url: string) => {
    const { pathname } = new URL(url);
    return [...new Set(routes.filter(([, regex]) => regex.test(pathname)).map(([method]) => method))];
  };
  const corsOrigins = (req: IRequest) => (req as AppRequest).app.config.corsOrigins;

  const api = Router<IRequest, Args>({
    base: API_BASE,
    routes,
    before: [
      (req) => {
        if (req.method !== "OPTIONS") return undefined;
        const methods = methodsOf(req.url);
        return methods.length ? preflight(req, methods, corsOrigins(req)) : undefined;
      },
    ],
    catch: onError,
    finally: [
      (res: Response | undefined, req: IRequest) => {
        if (res) return res;
        const methods = methodsOf(req.url);
        if (!methods.length) return errorResponse(404, "not_found", `No route for ${req.method} ${new URL(req.url).pathname}`);
        const allow = [...methods, "OPTIONS"].join(", ");
        return errorResponse(405, "method_not_allowed", `${req.method} is not allowed here; use ${allow}`, undefined, { Allow: allow });
      },
      (res: Response, req: IRequest) => withCors(req, res, corsOrigins(req)),
    ],
  });
  for (const e of ENDPOINTS) {
    const handler = (req: IRequest, env: WorkerEnv, ctx: ExecutionContext) => e.handler(req as AppRequest, env, ctx);
    api[e.method](e.path, handler);
    if (e.method === "get") api.head(e.path, handler); // the runtime drops the body
  }
  return api;
}

export function registerApi(router: RouterType<IRequest, Args>): void {
  const api = buildApiRouter();
  router.all(`${API_BASE}/*`, api.fetch);
}
