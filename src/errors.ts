/**
 * The one error type for "a backing service could not be reached".
 *
 * Each adapter (Neon in src/data/db.ts, Upstash in src/cache/client.ts, Open-Meteo in
 * src/weather/open-meteo.ts) turns its connection-class failures into `UpstreamUnavailable` at the
 * point where it still knows what failed (a fetch that threw, a timeout, an HTTP 5xx/429, a SQLSTATE
 * of the connection classes). Everything else — a rejected query, a Redis WRONGTYPE, a TypeError in
 * our own code — is left as it is: a bug, answered 500 and logged as one.
 *
 * The HTTP layer maps by `instanceof`, never by message text.
 */

export type UpstreamService = "postgres" | "redis" | "weather";

export class UpstreamUnavailable extends Error {
  override readonly name = "UpstreamUnavailable";

  constructor(
    readonly service: UpstreamService,
    override readonly cause: unknown,
    /** A short, non-secret description for logs (never a connection string or a token). */
    readonly detail: string = describeCause(cause),
  ) {
    super(`${service} unavailable: ${detail}`);
  }
}

export const isUpstreamUnavailable = (e: unknown, service?: UpstreamService): e is UpstreamUnavailable =>
  e instanceof UpstreamUnavailable && (service === undefined || e.service === service);

/** The error's class and message, cut short (messages of client libraries can be long). */
export function describeCause(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`.slice(0, 300);
  return String(cause).slice(0, 300);
}

/** An HTTP status that means the service is down or shedding load, not that our request was wrong. */
export const isUnavailableStatus = (status: number) => status >= 500 || status === 429 || status === 408;

/**
 * Postgres SQLSTATEs that mean "the server cannot serve us right now", not "your query is wrong":
 * class 08 (connection exception), 53 (insufficient resources), 57P (operator intervention:
 * admin/crash shutdown, cannot connect now, database dropped), 57014 (statement cancelled: a
 * statement timeout or a cancelled query on an overloaded compute) and 55000 as Postgres uses it
 * for "database … is not currently accepting connections".
 */
export const isUnavailableSqlState = (code: string) => /^(08|53|57P)/.test(code) || code === "55000" || code === "57014";
