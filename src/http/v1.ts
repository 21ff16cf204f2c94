/**
 * /api/v1: the SafeAscent v1 contract (/work/shared/spec/SAFEASCENT_V1_API.md), so the original
 * SafeAscent React frontend runs against this Worker by changing only VITE_API_BASE_URL.
 *
 * A thin layer over the same score service, cache keys, single-flight and map index as /api/v2
 * (src/service/route-scores.ts); it differs in paths, field names and FastAPI's error shapes
 * (src/http/v1/errors.ts) and parameter rules (src/http/v1/params.ts: unknown parameters ignored,
 * repeated ones last-wins, pydantic's lax parsing). The endpoint table below is the single source
 * for routing and for /api/v1/openapi.json.
 */
import type { IRequest, RouterType } from "itty-router";
import type { Args } from "./context";
import { type Endpoint, type Handler, mountSurface, openApiHandler } from "./surface";
import { ascentAnalytics, historicalTrends, timeOfDay } from "./v1/analytics";
import { getAccidentV1, listAccidentsV1, routeAccidents } from "./v1/accidents";
import { detailResponse, v1OnError } from "./v1/errors";
import { mapMarkers, mapWithSafety } from "./v1/map";
import { IntString } from "./v1/params";
import { predictV1 } from "./v1/predict";
import { getLocationHandler, listLocations, listRoutes, routeDetails } from "./v1/routes";
import { riskBreakdown, routeForecast, routeSafety } from "./v1/scores";
import {
  AccidentsQuery,
  ForecastQuery,
  LocationsQuery,
  MapQuery,
  MapWithSafetyQuery,
  PredictBody,
  RESPONSE_SCHEMAS,
  RouteAccidentsQuery,
  RoutesQuery,
  SafetyQuery,
  TargetDateQuery,
  TrendsQuery,
} from "./v1/schemas";

export const V1_BASE = "/api/v1";

const ERROR_TEXT: Record<number, string> = {
  400: "The route exists but has no coordinates, and this endpoint needs them.",
  404: 'Unknown id: {"detail": "Route not found"} (or Location / Accident). Ids beyond 32 bits are unknown too.',
  405: 'Known path, wrong method: {"detail": "Method Not Allowed"} with Allow.',
  413: "Body larger than 16 KB.",
  422: 'Validation error: {"detail": [{type, loc, msg, input, ctx?}]} as FastAPI/pydantic report it.',
  429: "Too many score computations for this client (or new locations overall) this minute; retry after Retry-After seconds. Cached answers are never limited.",
  503: "A backing service (Postgres, Redis for cache-only answers) is unreachable; retry after Retry-After seconds.",
};

const routeId = { mp_route_id: IntString.meta({ description: "The route id (Edge routes.route_id)." }) };
const SCORE_ERRORS = [400, 404, 422, 429];
const ROUTE_ERRORS = [400, 404, 422];

const openApi = openApiHandler(() => ENDPOINTS, {
  basePath: V1_BASE,
  title: "SafeAscent API (v1 compatibility surface of SafeAscent Edge)",
  description:
    "The SafeAscent v1 contract: what the original SafeAscent React frontend calls, served by SafeAscent Edge. " +
    "Route ids are Edge route ids, location ids are mountain ids. Errors use FastAPI's shapes: {detail: string}, or {detail: [validation items]} with 422. " +
    "Scores are cache-first (the warmed cache, else computed once and cached); dates today−7 … today+14 (UTC) are scored on demand.",
  schemas: RESPONSE_SCHEMAS,
  errorComponent: (status) => (status === 422 ? "HTTPValidationError" : "HTTPError"),
  errorText: ERROR_TEXT,
  paramIo: "output",
});

const health: Handler = () => Response.json({ status: "healthy" }, { headers: { "Cache-Control": "no-store" } });
const docs: Handler = (req) =>
  Response.json(
    { detail: `The API is described by ${V1_BASE}/openapi.json` },
    { status: 307, headers: { Location: new URL(`${V1_BASE}/openapi.json`, req.url).toString() } },
  );

export const ENDPOINTS: Endpoint[] = [
  {
    method: "get",
    path: "/mp-routes/map-with-safety",
    handler: mapWithSafety,
    tag: "map",
    summary: "Every located route of the season with its cached score",
    description:
      "Cache only: one SQL query for the markers and one read of the per-date map index; safety is null for a route without a cached score (nothing is computed). " +
      "Compressed by the runtime (gzip/br) for clients that accept it. Cache-Control max-age ≤ 60 s and ≤ the earliest expiry of an embedded score.",
    query: MapWithSafetyQuery,
    response: "MapWithSafety",
    errors: [422],
  },
  {
    method: "get",
    path: "/mp-routes/map",
    handler: mapMarkers,
    tag: "map",
    summary: "Markers without scores (the map's fallback)",
    description: "safety is null on every marker; the same array is also under data. The box applies only when all four bounds are non-zero.",
    query: MapQuery,
    response: "MapMarkers",
    errors: [422],
  },
  {
    method: "get",
    path: "/mp-routes",
    handler: listRoutes,
    tag: "routes",
    etag: true,
    summary: "Route search (by name)",
    query: RoutesQuery,
    response: "RouteList",
    errors: [422],
  },
  {
    method: "get",
    path: "/mp-routes/:mp_route_id",
    handler: routeDetails,
    tag: "routes",
    etag: true,
    summary: "Route details",
    pathParams: routeId,
    response: "RouteDetails",
    errors: [404, 422],
  },
  {
    method: "post",
    path: "/mp-routes/:mp_route_id/safety",
    handler: routeSafety,
    tag: "scores",
    scoreCache: true,
    summary: "The route's score for a date (marker click)",
    description:
      "No body. Cache-first (bypass_cache is accepted without authentication and ignored: a public click never forces a recomputation); a miss is computed once and cached. " +
      "risk_score is the cached compact score (1 dp).",
    pathParams: routeId,
    query: SafetyQuery,
    response: "RouteSafety",
    errors: SCORE_ERRORS,
  },
  {
    method: "get",
    path: "/mp-routes/:mp_route_id/forecast",
    handler: routeForecast,
    tag: "scores",
    etag: true,
    scoreCache: true,
    summary: "Seven daily scores with the day's weather",
    description:
      "start_date … start_date+6. Days in today−7 … today+14 (UTC) are scored (missing ones computed); a day outside it has risk_score null and null weather.",
    pathParams: routeId,
    query: ForecastQuery,
    response: "Forecast",
    errors: SCORE_ERRORS,
  },
  {
    method: "get",
    path: "/mp-routes/:mp_route_id/accidents",
    handler: routeAccidents,
    tag: "accidents",
    etag: true,
    summary: "Accident reports within 50 km, nearest first",
    description: "weather is the stored weather of the accident's own date (wind converted from the dataset's km/h to m/s).",
    pathParams: routeId,
    query: RouteAccidentsQuery,
    response: "RouteAccidents",
    errors: ROUTE_ERRORS,
  },
  {
    method: "get",
    path: "/mp-routes/:mp_route_id/risk-breakdown",
    handler: riskBreakdown,
    tag: "scores",
    etag: true,
    scoreCache: true,
    summary: "The score's four factors, extreme weather and top accidents",
    pathParams: routeId,
    query: TargetDateQuery,
    response: "RiskBreakdown",
    errors: SCORE_ERRORS,
  },
  {
    method: "get",
    path: "/mp-routes/:mp_route_id/historical-trends",
    handler: historicalTrends,
    tag: "analytics",
    etag: true,
    summary: "Stored daily scores (written once a day by the warming run) and monthly weather volatility",
    pathParams: routeId,
    query: TrendsQuery,
    response: "HistoricalTrends",
    errors: [404, 422],
  },
  {
    method: "get",
    path: "/mp-routes/:mp_route_id/time-of-day",
    handler: timeOfDay,
    tag: "analytics",
    etag: true,
    summary: "Hourly risk and climbing windows from the hourly forecast",
    description: "When hourly weather cannot be had: 200 with hourly_data null, no windows and best_window null.",
    pathParams: routeId,
    query: TargetDateQuery,
    response: "TimeOfDay",
    errors: SCORE_ERRORS,
  },
  {
    method: "get",
    path: "/mp-routes/:mp_route_id/ascent-analytics",
    handler: ascentAnalytics,
    tag: "analytics",
    etag: true,
    summary: "Ascents vs accidents (no tick data here: has_data false, the route's accidents by month)",
    pathParams: routeId,
    response: "AscentAnalytics",
    errors: [404, 422],
  },
  {
    method: "get",
    path: "/locations",
    handler: listLocations,
    tag: "locations",
    etag: true,
    summary: "Location (mountain) search, most routes first",
    description: "total is the number of items on this page, as in the original.",
    query: LocationsQuery,
    response: "LocationList",
    errors: [422],
  },
  {
    method: "get",
    path: "/locations/:mp_id",
    handler: getLocationHandler,
    tag: "locations",
    etag: true,
    summary: "One location, with its real route_count",
    pathParams: { mp_id: IntString },
    response: "Location",
    errors: [404, 422],
  },
  {
    method: "post",
    path: "/predict",
    handler: predictV1,
    tag: "scores",
    scoreCache: true,
    summary: "Score a point, or a route by id",
    description:
      "Point form {latitude, longitude, route_type, planned_date}: scored on the 0.01° grid (the weather cell; elevation to 10 m), cached 15 minutes. " +
      "Route form {route_id, planned_date}: the route's own score. planned_date within today−7 … today+14 (UTC).",
    body: PredictBody,
    response: "Prediction",
    errors: [404, 400, 413, 422, 429],
  },
  {
    method: "get",
    path: "/accidents",
    handler: listAccidentsV1,
    tag: "accidents",
    etag: true,
    summary: "Accident list, newest first",
    query: AccidentsQuery,
    response: "AccidentList",
    errors: [422],
  },
  {
    method: "get",
    path: "/accidents/:accident_id",
    handler: getAccidentV1,
    tag: "accidents",
    etag: true,
    summary: "One accident",
    pathParams: { accident_id: IntString },
    response: "Accident",
    errors: [404, 422],
  },
  { method: "get", path: "/health", handler: health, tag: "meta", summary: "Liveness (static)", response: "Health", errors: [] },
  { method: "get", path: "/docs", handler: docs, tag: "meta", summary: "Redirects to this document", errors: [] },
  { method: "get", path: "/openapi.json", handler: openApi, tag: "meta", etag: true, summary: "This document (OpenAPI 3.1)", errors: [] },
];

/** FastAPI's 405 for a known path and a wrong method. */
export const v1MethodNotAllowed = (allow: string) => detailResponse(405, "Method Not Allowed", { Allow: allow });

/** GET / (the original's root answer). */
export const rootInfo = () => Response.json({ message: "SafeAscent API", version: "1.0.0", docs: `${V1_BASE}/docs` });

export function registerV1(router: RouterType<IRequest, Args>): void {
  mountSurface(router, V1_BASE, ENDPOINTS, {
    notFound: () => detailResponse(404, "Not Found"),
    methodNotAllowed: (_req, allow) => v1MethodNotAllowed(allow),
    onError: v1OnError,
  });
}
