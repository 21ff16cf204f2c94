/**
 * CORS for browser clients of the public API (not /admin): `config.corsOrigins` is "*" (any origin,
 * no credentials) or an explicit list (the request's Origin is echoed when listed, with
 * `Vary: Origin`). Preflights (OPTIONS) are answered with the path's methods.
 */

const ALLOW_HEADERS = "Content-Type, Authorization, If-None-Match";
/** Response headers a browser script may read beyond the CORS-safelisted ones. */
const EXPOSE_HEADERS = "ETag, X-Cache, X-Degraded, Retry-After, Allow";
const PREFLIGHT_MAX_AGE_SECONDS = 86_400;

/** The Access-Control-Allow-Origin value for this request, or null when the origin is not allowed. */
export function allowedOrigin(origin: string | null, corsOrigins: "*" | readonly string[]): string | null {
  if (corsOrigins === "*") return "*";
  return origin !== null && corsOrigins.includes(origin) ? origin : null;
}

/** Adds the CORS headers to a response the API built (its headers are mutable). */
export function withCors(request: Request, response: Response, corsOrigins: "*" | readonly string[]): Response {
  const origin = allowedOrigin(request.headers.get("Origin"), corsOrigins);
  if (corsOrigins !== "*") response.headers.append("Vary", "Origin");
  if (origin) {
    response.headers.set("Access-Control-Allow-Origin", origin);
    response.headers.set("Access-Control-Expose-Headers", EXPOSE_HEADERS);
  }
  return response;
}

/** The answer to an OPTIONS preflight for a path that accepts `methods`. */
export function preflight(request: Request, methods: readonly string[], corsOrigins: "*" | readonly string[]): Response {
  const allow = [...methods, "OPTIONS"].join(", ");
  const headers: Record<string, string> = { Allow: allow };
  if (allowedOrigin(request.headers.get("Origin"), corsOrigins)) {
    headers["Access-Control-Allow-Methods"] = allow;
    headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS;
    headers["Access-Control-Max-Age"] = String(PREFLIGHT_MAX_AGE_SECONDS);
  }
  return withCors(request, new Response(null, { status: 204, headers }), corsOrigins);
}
