/**
 * The API's side of the score cache: cache-first reads, single-flight computation on a miss, the
 * write-back with the warmer's TTL, hit/miss counters, and degraded mode.
 *
 * Degraded mode: every Redis call has a short timeout; a failure opens a per-client breaker for
 * `BREAKER_MS`, during which the API skips Redis entirely and computes (X-Degraded:
 * cache-unavailable) instead of paying the client's retries on every request.
 */
import type { AppContext } from "../../context";
import type { Redis } from "../../cache/redis";
import { CACHE_COUNTER_KEY, type Pipeline } from "../../cache/scores";
import { redisLockStore, SingleFlight, type FlightRole, type LockStore } from "../../cache/single-flight";
import { todayUtc } from "../../dates";
import { log } from "../../log";

const REDIS_TIMEOUT_MS = 1500;
const BREAKER_MS = 5_000;

/** One per isolate: concurrent misses of this isolate share a computation. */
export const flights = new SingleFlight();

const downUntil = new WeakMap<Redis, number>();

export class CacheDown extends Error {
  constructor(cause: unknown) {
    super(`score cache unavailable: ${(cause as Error)?.message ?? cause}`);
    this.name = "CacheDown";
  }
}

export const cacheAvailable = (redis: Redis) => (downUntil.get(redis) ?? 0) <= Date.now();

/** Runs a Redis call with a timeout; any failure opens the breaker and throws CacheDown. */
export async function guarded<T>(redis: Redis, call: (r: Redis) => Promise<T>): Promise<T> {
  if (!cacheAvailable(redis)) throw new CacheDown("recently unreachable");
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      call(redis),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${REDIS_TIMEOUT_MS} ms`)), REDIS_TIMEOUT_MS))),
    ]);
  } catch (e) {
    downUntil.set(redis, Date.now() + BREAKER_MS);
    log.warn("score_cache_unavailable", { message: (e as Error)?.message });
    throw new CacheDown(e);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** Values (raw JSON strings) and remaining TTLs (seconds, ≤ 0 when unknown) of the keys, in one request. */
export async function readKeys(redis: Redis, keys: readonly string[]): Promise<{ values: (string | null)[]; ttls: number[] }> {
  return guarded(redis, async (r) => {
    const p = r.pipeline();
    p.mget(...keys);
    for (const k of keys) p.ttl(k);
    const [values, ...ttls] = await p.exec<[(string | null)[], ...number[]]>();
    return { values, ttls: ttls.map(Number) };
  });
}

/** Values only (one MGET); null for a missing key. */
export async function readValues(redis: Redis, keys: readonly string[]): Promise<(string | null)[]> {
  if (keys.length === 0) return [];
  return guarded(redis, (r) => r.mget<(string | null)[]>(...keys));
}

/** Runs the commands `add` puts into one pipeline (one request), with the timeout and breaker. */
export async function writePipeline(redis: Redis, add: (p: Pipeline) => void): Promise<void> {
  await guarded(redis, async (r) => {
    const p = r.pipeline();
    add(p);
    await p.exec();
  });
}

export async function writeValues(redis: Redis, entries: readonly [key: string, raw: string][], ttlSeconds: number): Promise<void> {
  if (entries.length === 0) return;
  await writePipeline(redis, (p) => {
    for (const [k, v] of entries) p.set(k, v, { ex: ttlSeconds });
  });
}

/**
 * What a `cacheFirst` computation returns: the raw JSON of each missing key in order, or those and
 * their own write-back, which then replaces the plain SETs (route scores: `addScoreWrites`, so the
 * /map index is written in the same pipeline from the computed objects, without parsing them again).
 */
export type Computed = string[] | { raws: string[]; write: (p: Pipeline) => void };

/** The single-flight lock store over Redis, with the same timeout and breaker. */
function guardedLocks(redis: Redis): LockStore {
  const inner = redisLockStore(redis);
  return {
    acquire: (key, token, ttl) => guarded(redis, () => inner.acquire(key, token, ttl)),
    release: (key) => guarded(redis, () => inner.release(key)),
  };
}

export interface Tally {
  hits: number;
  misses: number;
  /** Engine runs this request made (0 when it shared or waited for another's). */
  computed: number;
}

/** HINCRBY the day's and the total hit/miss/computed counters, after the response (waitUntil). */
export function countLater(app: AppContext, ctx: ExecutionContext, t: Tally): void {
  const fields = ([["hit", t.hits], ["miss", t.misses], ["computed", t.computed]] as const).filter(([, n]) => n > 0);
  if (fields.length === 0 || !cacheAvailable(app.redis)) return;
  const day = todayUtc();
  ctx.waitUntil(
    guarded(app.redis, async (r) => {
      const p = r.pipeline();
      for (const [name, n] of fields) {
        p.hincrby(CACHE_COUNTER_KEY, `${day}:${name}`, n);
        p.hincrby(CACHE_COUNTER_KEY, `total:${name}`, n);
      }
      await p.exec();
    }).catch(() => undefined),
  );
}

export const computedBy = (role: FlightRole) => (role === "leader" || role === "fallback" ? 1 : 0);

export interface Cached {
  /** The raw JSON string of each key, in order. */
  values: string[];
  /** Which values came from the cache. */
  fromCache: boolean[];
  /** HIT: every value read from the cache; MISS: at least one computed (here or by a concurrent request). */
  cache: "HIT" | "MISS";
  /** Remaining lifetime of the answer: the shortest TTL among its values, seconds. */
  maxAge: number;
  /** Redis was unavailable: computed without the cache. */
  degraded: boolean;
  tally: Tally;
}

/** How long clients may keep an answer computed while the cache is down. */
const DEGRADED_MAX_AGE_SECONDS = 60;

/**
 * Cache-first for keys holding JSON strings: one read (MGET + TTLs in one pipeline); the missing
 * ones computed together, once across concurrent requests (single-flight on the missing keys),
 * written back with `ttlSeconds` (or by the computation's own `write`, see `Computed`). `compute`
 * gets the indexes of the missing keys and returns their values in that order. `fresh` skips the read and the cross-isolate lock (an operator's explicit
 * recompute) but still writes the new values.
 */
export async function cacheFirst(
  app: AppContext,
  keys: readonly string[],
  ttlSeconds: number,
  compute: (missing: number[]) => Promise<Computed>,
  fresh = false,
): Promise<Cached> {
  let degraded = !cacheAvailable(app.redis);
  let values: (string | null)[] = keys.map(() => null);
  let maxAge = ttlSeconds;
  if (!fresh && !degraded) {
    try {
      const read = await readKeys(app.redis, keys);
      values = read.values;
      read.ttls.forEach((ttl, i) => values[i] !== null && (maxAge = Math.min(maxAge, Math.max(0, ttl))));
    } catch {
      degraded = true;
    }
  }
  const fromCache = values.map((v) => v !== null);
  const missing = keys.flatMap((_, i) => (values[i] === null ? [i] : []));
  const hits = keys.length - missing.length;
  let computed = 0;

  if (missing.length) {
    const missingKeys = missing.map((i) => keys[i]!);
    const computeAndWrite = async () => {
      const out = await compute(missing);
      const raws = Array.isArray(out) ? out : out.raws;
      if (!degraded) {
        const written = Array.isArray(out) ? writeValues(app.redis, missingKeys.map((k, j) => [k, raws[j]!]), ttlSeconds) : writePipeline(app.redis, out.write);
        await written.catch(() => undefined);
      }
      return raws;
    };
    let raws: string[];
    if (fresh) {
      raws = await computeAndWrite();
      computed = 1;
    } else {
      const read = async () => {
        const v = await readValues(app.redis, missingKeys).catch(() => null);
        return v && v.every((x) => x !== null) ? (v as string[]) : null;
      };
      const flight = await flights.run(missingKeys.join("|"), degraded ? null : guardedLocks(app.redis), read, computeAndWrite);
      raws = flight.value;
      computed = computedBy(flight.role);
    }
    missing.forEach((i, j) => (values[i] = raws[j]!));
  }

  return {
    values: values as string[],
    fromCache,
    cache: missing.length ? "MISS" : "HIT",
    maxAge: degraded ? Math.min(maxAge, DEGRADED_MAX_AGE_SECONDS) : maxAge,
    degraded,
    tally: fresh ? { hits: 0, misses: 0, computed } : { hits, misses: missing.length, computed },
  };
}

/** Headers of a cache-first answer. */
export function cacheHeaders(c: Pick<Cached, "cache" | "maxAge" | "degraded">, cacheable = true): Record<string, string> {
  return {
    "X-Cache": c.cache,
    "Cache-Control": cacheable ? `public, max-age=${Math.max(0, Math.floor(c.maxAge))}` : "no-store",
    ...(c.degraded ? { "X-Degraded": "cache-unavailable" } : {}),
  };
}
