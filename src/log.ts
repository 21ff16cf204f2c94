/**
 * The structured logger: one JSON line per event, `{level, event, at, requestId?, runId?, …fields}`.
 *
 * Context (a request id, a run id, a queue message id) is carried by AsyncLocalStorage, so a log
 * line written deep inside a service names the request or run it belongs to without threading a
 * logger through every call. Never log secrets: no tokens, no connection strings, no API keys.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogContext = Readonly<Record<string, string | number | undefined>>;

const context = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with `fields` added to every log line it writes (nested contexts merge). */
export function withLogContext<R>(fields: LogContext, fn: () => R): R {
  return context.run({ ...context.getStore(), ...fields }, fn);
}

/** A request id: Cloudflare's cf-ray when present (it ties our lines to Cloudflare's), else a fresh one. */
export const requestIdOf = (request: Request) => request.headers.get("cf-ray") ?? crypto.randomUUID();

function write(level: LogLevel, event: string, fields: Record<string, unknown>): void {
  const line = JSON.stringify({ level, event, at: new Date().toISOString(), ...context.getStore(), ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

export const log = {
  debug: (event: string, fields: Record<string, unknown> = {}) => write("debug", event, fields),
  info: (event: string, fields: Record<string, unknown> = {}) => write("info", event, fields),
  warn: (event: string, fields: Record<string, unknown> = {}) => write("warn", event, fields),
  error: (event: string, fields: Record<string, unknown> = {}) => write("error", event, fields),
};
