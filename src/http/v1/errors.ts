/**
 * /api/v1 errors in FastAPI's shapes: `{"detail": "<sentence>"}` for errors a handler raises,
 * `{"detail": [{type, loc, msg, input, ctx?}, …]}` (pydantic's items) for 422 validation errors.
 * `v1OnError` maps thrown errors by type — never by message text — so an upstream outage is a 503
 * and a refused computation a 429 here too, in this surface's shape.
 */
import type { IRequest } from "itty-router";
import { ConfigError } from "../../config";
import { UpstreamUnavailable } from "../../errors";
import { log } from "../../log";
import { RouteNotFound, RouteUnlocated } from "../../service/route-scores";
import { RateLimited } from "../rate-limit";

/** One pydantic validation error item. */
export interface ValidationItem {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string | ValidationItem[],
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof detail === "string" ? detail : detail.map((d) => `${d.loc.join(".")}: ${d.msg}`).join("; "));
    this.name = "ApiError";
  }
}

export const detailResponse = (status: number, detail: string | ValidationItem[], headers: Record<string, string> = {}) =>
  Response.json({ detail }, { status, headers });

export const notFound = (what: "Route" | "Location" | "Accident") => new ApiError(404, `${what} not found`);
export const validationError = (items: ValidationItem[]) => new ApiError(422, items);
export const noCoordinates = () => new ApiError(400, "Route has no coordinates (neither its own nor its location's); this analysis needs them");

export function v1OnError(err: unknown, request: IRequest): Response {
  if (err instanceof ApiError) return detailResponse(err.status, err.detail, err.headers);
  if (err instanceof RouteUnlocated) return detailResponse(400, noCoordinates().detail);
  if (err instanceof RouteNotFound) return detailResponse(404, "Route not found");
  if (err instanceof RateLimited) return detailResponse(429, err.message, { "Retry-After": String(err.retryAfterSeconds) });
  const path = new URL(request.url).pathname;
  if (err instanceof UpstreamUnavailable) {
    log.warn("upstream_unavailable", { service: err.service, path, detail: err.detail });
    return detailResponse(503, `Service temporarily unavailable (${err.service}); retry shortly`, { "Retry-After": "30" });
  }
  if (err instanceof ConfigError) {
    log.error("config_invalid", { issues: err.issues });
    return detailResponse(500, "Server configuration is invalid");
  }
  log.error("unhandled_error", { path, message: err instanceof Error ? err.message : String(err), stack: (err as Error)?.stack });
  return detailResponse(500, "Internal Server Error");
}
