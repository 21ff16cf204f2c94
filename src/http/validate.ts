/** Request validation with zod: the first issue becomes a 400/422 naming the field. */
import type { z } from "zod";
import { HttpError } from "./errors";

function toHttpError(error: z.ZodError, unknownKeyStatus = 400): HttpError {
  const issue = error.issues[0]!;
  if (issue.code === "unrecognized_keys") {
    return new HttpError(unknownKeyStatus, "bad_request", `unknown parameter: ${issue.keys.join(", ")}`, issue.keys[0]);
  }
  const field = issue.path.map(String).join(".") || undefined;
  const status = issue.code === "invalid_type" && issue.input === undefined ? 400 : 422;
  return new HttpError(status, status === 400 ? "bad_request" : "invalid_value", `${field ?? "request"}: ${issue.message}`, field);
}

export function parseQuery<S extends z.ZodType>(request: Request, schema: S): z.output<S> {
  const url = new URL(request.url);
  const params: Record<string, string> = {};
  for (const [k, v] of url.searchParams) {
    if (k in params) throw new HttpError(400, "bad_request", `parameter ${k} given more than once`, k);
    params[k] = v;
  }
  const r = schema.safeParse(params);
  if (!r.success) throw toHttpError(r.error);
  return r.data;
}

export function parseWith<S extends z.ZodType>(value: unknown, schema: S): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw toHttpError(r.error);
  return r.data;
}
