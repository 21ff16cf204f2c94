/** JSON errors: `{error: {code, message, field?}}` with the right status, never a 500 for user input. */

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
