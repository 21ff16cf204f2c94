/**
 * The native surface's JSON errors (/api/v2, /admin, the root): `{error: {code, message, field?}}`
 * with the right status, never a 500 for user input; and `onError`, which maps thrown errors by
 * type. /api/v1 has its own mapper in FastAPI's shape (src/http/v1/errors.ts).
 */
import type { IRequest } from "itty-router";
import { ConfigError } from "../config";
import { UpstreamUnavailable } from "../errors";
import { log } from "../log";
import { RouteNotFound } from "../service/route-scores";
import { RateLimited } from "./rate-limit";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export function errorResponse(status: number, code: string, message: string, field?: string, headers: Record<string, string> = {}): Response {
  return Response.json({ error: { code, message, ...(field ? { field } : {}) } }, { status, headers });
}

export const badRequest = (message: string, field?: string) => new HttpError(400, "bad_request", message, field);
export const unprocessable = (message: string, field?: string) => new HttpError(422, "invalid_value", message, field);
export const notFound = (message = "Not found") => new HttpError(404, "not_found", message);
export const unavailable = (message: string, retryAfterSeconds = 30) =>
  new HttpError(503, "upstream_unavailable", message, undefined, { "Retry-After": String(retryAfterSeconds) });

/**
 * Thrown error → response, by type: HttpError as it says, a route that does not exist (or cannot
 * be located) 404, a refused computation 429 with Retry-After, an upstream outage (as typed by
 * its adapter) 503 with Retry-After, anything else a logged 500.
 */
export function onError(err: unknown, request: IRequest): Response {
  if (err instanceof HttpError) return errorResponse(err.status, err.code, err.message, err.field, err.headers);
  if (err instanceof RouteNotFound) return errorResponse(404, "not_found", err.message);
  if (err instanceof RateLimited) return errorResponse(429, "rate_limited", err.message, undefined, { "Retry-After": String(err.retryAfterSeconds) });
  if (err instanceof ConfigError) {
    log.error("config_invalid", { issues: err.issues });
    return errorResponse(500, "config_invalid", err.message);
  }
  const path = new URL(request.url).pathname;
  if (err instanceof UpstreamUnavailable) {
    log.warn("upstream_unavailable", { service: err.service, path, detail: err.detail });
    return errorResponse(503, "upstream_unavailable", "A backing service is unavailable; retry shortly", undefined, { "Retry-After": "30" });
  }
  log.error("unhandled_error", { path, message: err instanceof Error ? err.message : String(err), stack: (err as Error)?.stack });
  return errorResponse(500, "internal_error", "Internal error");
}
