/**
 * The one Redis (Upstash REST) client of the Worker, guarded: every call has a time budget and goes
 * through a circuit breaker, and every failure is typed.
 *
 * - A call that cannot reach Redis (the fetch threw, timed out, or the answer was not Upstash's
 *   JSON — e.g. a proxy's 502 page) throws `UpstreamUnavailable("redis")` and opens the breaker for
 *   `breakerMs`: until then every call fails at once with the same error, so an outage costs each
 *   request nothing instead of a timeout. The first call after that probes again.
 * - A command Redis answered with an error (`UpstashError`: WRONGTYPE, a bad argument, a request
 *   over the size limit, a wrong token) is not an outage: it is rethrown unchanged (a bug → 500)
 *   and leaves the breaker alone.
 * - Pipelines are built outside the guarded section (`exec(build)`), so a bug in the code that
 *   builds one is never mistaken for an outage.
 *
 * One instance per isolate (src/context.ts), shared by the API, warming, weather, runs and locks.
 */
import { Redis, errors as upstashErrors } from "@upstash/redis";
import { UpstreamUnavailable } from "../errors";
import { log } from "../log";

export type { Redis };
export type Pipeline = ReturnType<Redis["pipeline"]>;

export interface CacheClientOptions {
  /** Default time budget of a call (request path), ms. */
  timeoutMs: number;
  /** How long the breaker stays open after an outage, ms. */
  breakerMs: number;
}

export const DEFAULT_CACHE_OPTIONS: CacheClientOptions = { timeoutMs: 1500, breakerMs: 5000 };

/** Budget for background work (warming pipelines, run records): larger bodies, nobody waiting on them. */
export const BACKGROUND_TIMEOUT_MS = 10_000;

/** Hard cap on one HTTP request to Upstash, whatever the caller's budget (the SDK aborts it). */
const REQUEST_ABORT_MS = BACKGROUND_TIMEOUT_MS;

export interface CallOptions {
  timeoutMs?: number;
}

/** Whether an error thrown by the SDK means "Redis could not be reached" (vs a command error). */
export function isRedisUnreachable(e: unknown): boolean {
  if (e instanceof UpstreamUnavailable) return true;
  // The SDK's JSON parse error is an UpstashError subclass: the answer was not Upstash's (proxy, 5xx page).
  if (e instanceof upstashErrors.UpstashJSONParseError) return true;
  if (e instanceof upstashErrors.UpstashError) return false;
  // Everything else came from the transport: fetch's TypeError, an abort/timeout DOMException.
  return true;
}

export class CacheClient {
  private downUntil = 0;

  constructor(
    readonly redis: Redis,
    private readonly options: CacheClientOptions = DEFAULT_CACHE_OPTIONS,
    private readonly now: () => number = Date.now,
  ) {}

  /** False while the breaker is open (a recent call found Redis unreachable). */
  get available(): boolean {
    return this.downUntil <= this.now();
  }

  /** Runs one SDK call with the time budget and the breaker. Keep `call` to the Redis call itself. */
  async run<T>(op: string, call: (r: Redis) => Promise<T>, opts: CallOptions = {}): Promise<T> {
    if (!this.available) throw new UpstreamUnavailable("redis", new Error("circuit open"), `circuit open after a recent failure (${op})`);
    const timeoutMs = opts.timeoutMs ?? this.options.timeoutMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        call(this.redis),
        new Promise<never>((_, reject) => {
          // Two steps: when CPU work elsewhere in the isolate held the event loop past the budget,
          // the timer and the already-arrived answer become due together; the extra turn lets the
          // answer win, so a busy isolate is not mistaken for a hung Redis.
          timer = setTimeout(() => {
            timer = setTimeout(() => reject(new DOMException(`${op} timed out after ${timeoutMs} ms`, "TimeoutError")), 0);
          }, timeoutMs);
        }),
      ]);
    } catch (e) {
      if (!isRedisUnreachable(e)) throw e;
      this.downUntil = this.now() + this.options.breakerMs;
      const err = e instanceof UpstreamUnavailable ? e : new UpstreamUnavailable("redis", e);
      log.warn("redis_unavailable", { op, detail: err.detail, breakerMs: this.options.breakerMs });
      throw err;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  /** Builds a pipeline with `build` (unguarded: our code) and executes it (guarded): one request. */
  async exec<T extends unknown[] = unknown[]>(op: string, build: (p: Pipeline) => void, opts: CallOptions = {}): Promise<T> {
    const p = this.redis.pipeline();
    build(p);
    if (p.length() === 0) return [] as unknown as T;
    return this.run(op, () => p.exec<T>(), opts);
  }

  /** EVAL of a Lua script (atomic compare-and-* operations). */
  eval<T = unknown>(op: string, script: string, keys: string[], args: (string | number)[], opts: CallOptions = {}): Promise<T> {
    return this.run(op, (r) => r.eval(script, keys, args) as Promise<T>, opts);
  }
}

const sdkClients = new Map<string, Redis>();

/** The SDK client for an Upstash database: one per isolate and endpoint. */
export function createRedis(url: string, token: string): Redis {
  const id = `${url}|${token}`;
  let redis = sdkClients.get(id);
  if (!redis) {
    // Values are JSON we wrote ourselves and parse (and validate) ourselves: no automatic
    // deserialisation, one code path for pipelines and single calls. Two quick retries (50, 100 ms)
    // of a failed fetch instead of the SDK's five slow ones; the guard bounds the total.
    redis = new Redis({
      url,
      token,
      automaticDeserialization: false,
      enableTelemetry: false,
      retry: { retries: 2, backoff: (attempt) => 50 * 2 ** attempt },
      signal: () => AbortSignal.timeout(REQUEST_ABORT_MS),
    });
    sdkClients.set(id, redis);
  }
  return redis;
}

/**
 * HGETALL without automatic deserialisation is the flat `[field, value, …]` reply (null or [] when
 * the hash is absent); this turns it into an object of strings.
 */
export function hashFromReply(reply: unknown): Record<string, string> {
  if (!reply) return {};
  if (Array.isArray(reply)) {
    const out: Record<string, string> = {};
    for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1]);
    return out;
  }
  return Object.fromEntries(Object.entries(reply as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

/** HMGET's reply (flat array, or an object, or null) as the values of `fields` in order; null where absent. */
export function valuesFromHmget(reply: unknown, fields: readonly string[]): (string | null)[] {
  if (Array.isArray(reply)) return fields.map((_, i) => (reply[i] == null ? null : String(reply[i])));
  if (reply && typeof reply === "object") {
    const o = reply as Record<string, unknown>;
    return fields.map((f) => (o[f] == null ? null : String(o[f])));
  }
  return fields.map(() => null);
}
