/**
 * The native API under /api/v2 (SafeAscent Edge's own surface): its endpoint table — the single
 * source for routing and for its OpenAPI document — mounted through the shared surface machinery
 * (src/http/surface.ts) with the native error shape `{error: {code, message, field?}}`.
 */
import type { IRequest, RouterType } from "itty-router";
import type { Args } from "./context";
import { errorResponse, onError } from "./errors";
import { type Endpoint, mountSurface, openApiHandler } from "./surface";
import { getAccidentHandler, listAccidentsHandler } from "./v2/accidents";
import { mapHandler } from "./v2/map";
import { predict } from "./v2/predict";
import { getRouteHandler, listRoutesHandler } from "./v2/routes";
import { breakdown, forecast, safety } from "./v2/scores";
import { AccidentsQuery, BreakdownQuery, ForecastQuery, IdParam, MapQuery, PredictBody, RESPONSE_SCHEMAS, RoutesQuery, SafetyQuery } from "./v2/schemas";

export const API_BASE = "/api/v2";

const ERROR_TEXT: Record<number, string> = {
  400: "Malformed input (the error names the field).",
  401: "Missing admin bearer token.",
  403: "Wrong admin bearer token.",
  404: "Unknown resource.",
  405: "Known path, wrong method (see Allow).",
  413: "Body larger than 16 KB.",
  415: "Content-Type is not application/json.",
  422: "Invalid value, e.g. a date outside the forecast window (the error names the field and the range).",
  429: "Too many computations for this client (or new locations overall) this minute; retry after Retry-After seconds.",
  503: "Postgres (or Redis for cache-only answers) unreachable; retry after Retry-After seconds.",
};

const openApi = openApiHandler(() => ENDPOINTS, {
  basePath: API_BASE,
  title: "SafeAscent Edge API",
  description:
    "Climbing-route risk scores (0–100) from historical accidents, weather similarity, route type and severity. " +
    "Route scores are served cache-first; dates are limited to the forecast window today … today+6 (UTC). " +
    "Errors are JSON {error: {code, message, field?}}.",
  schemas: RESPONSE_SCHEMAS,
  errorComponent: () => "Error",
  errorText: ERROR_TEXT,
  paramIo: "input",
  securitySchemes: { adminBearer: { type: "http", scheme: "bearer", description: "The admin token; only for ?fresh=true." } },
});

const id = { id: IdParam };
const SCORE_ERRORS = [400, 404, 422, 429];

export const ENDPOINTS: Endpoint[] = [
  {
    method: "get",
    path: "/routes",
    handler: listRoutesHandler,
    tag: "routes",
    etag: true,
    summary: "List routes",
    description: "Located routes ordered by id, with keyset pagination (pass next_cursor as cursor).",
    query: RoutesQuery,
    response: "RouteList",
    errors: [400, 422],
  },
  {
    method: "get",
    path: "/routes/:id",
    handler: getRouteHandler,
    tag: "routes",
    etag: true,
    summary: "One route",
    pathParams: id,
    response: "Route",
    errors: [400, 404],
  },
  {
    method: "get",
    path: "/routes/:id/safety",
    handler: safety,
    tag: "scores",
    etag: true,
    scoreCache: true,
    summary: "The route's risk score for a date",
    description:
      "Cache-first: the warmed score, or computed and cached on a miss (concurrent misses compute once). " +
      "Cache-Control max-age is the cached score's remaining lifetime. fresh=true recomputes (admin bearer token). " +
      "A miss counts against the client's computation rate limit (429 with Retry-After beyond it).",
    pathParams: id,
    query: SafetyQuery,
    response: "SafetyScore",
    errors: [...SCORE_ERRORS, 401, 403],
  },
  {
    method: "get",
    path: "/routes/:id/forecast",
    handler: forecast,
    tag: "scores",
    etag: true,
    scoreCache: true,
    summary: "Seven consecutive days of scores",
    description: "Served from the warmed keys; only missing days are computed (and cached). X-Cache is HIT only when all 7 came from the cache.",
    pathParams: id,
    query: ForecastQuery,
    response: "Forecast",
    errors: SCORE_ERRORS,
  },
  {
    method: "get",
    path: "/routes/:id/breakdown",
    handler: breakdown,
    tag: "scores",
    etag: true,
    scoreCache: true,
    summary: "Why: factor weights, extreme weather, weather used, top accidents",
    pathParams: id,
    query: BreakdownQuery,
    response: "Breakdown",
    errors: SCORE_ERRORS,
  },
  {
    method: "post",
    path: "/predict",
    handler: predict,
    tag: "scores",
    scoreCache: true,
    summary: "Score an arbitrary point",
    description:
      "Same fields as a route's safety answer, with location instead of the route. date must lie in the forecast window today … today+6 (UTC). " +
      "Scored and cached (15 minutes) on the predict grid: latitude/longitude rounded to 0.01° (the weather cell) and elevation to 10 m, " +
      "so nearby points share one computation; location echoes the caller's point. Body: JSON, at most 16 KB.",
    body: PredictBody,
    response: "PredictScore",
    errors: [400, 413, 415, 422, 429],
  },
  {
    method: "get",
    path: "/map",
    handler: mapHandler,
    tag: "scores",
    etag: true,
    summary: "Compact cached scores of the routes in a box",
    description:
      "Cache only (nothing is computed): routes without a cached score for the date are listed in missing. One read of the per-date index; at most 5,000 routes, busiest first (truncated: more lie in the box).",
    query: MapQuery,
    response: "MapScores",
    errors: [400, 422],
  },
  {
    method: "get",
    path: "/accidents",
    handler: listAccidentsHandler,
    tag: "accidents",
    etag: true,
    summary: "List accidents",
    query: AccidentsQuery,
    response: "AccidentList",
    errors: [400, 422],
  },
  {
    method: "get",
    path: "/accidents/:id",
    handler: getAccidentHandler,
    tag: "accidents",
    etag: true,
    summary: "One accident",
    pathParams: id,
    response: "Accident",
    errors: [400, 404],
  },
  { method: "get", path: "/openapi.json", handler: openApi, tag: "meta", etag: true, summary: "This document (OpenAPI 3.1)", errors: [] },
];

export function registerV2(router: RouterType<IRequest, Args>): void {
  mountSurface(router, API_BASE, ENDPOINTS, {
    notFound: (req) => errorResponse(404, "not_found", `No route for ${req.method} ${new URL(req.url).pathname}`),
    methodNotAllowed: (req, allow) => errorResponse(405, "method_not_allowed", `${req.method} is not allowed here; use ${allow}`, undefined, { Allow: allow }),
    onError,
  });
}
