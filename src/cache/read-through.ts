/**
 * Read-through with write-back, for keys holding JSON strings: one read (MGET + TTLs in one
 * pipeline); the missing ones computed together, once across concurrent requests (single-flight on
 * the missing keys), and written back; the answer's lifetime is the shortest TTL actually stored.
 *
 * Degraded mode: when Redis is unreachable (UpstreamUnavailable from the guarded client, or its
 * breaker is open) the values are computed without the cache and the answer says so; any other
 * error (a bug) propagates.
 */
import { isUpstreamUnavailable } from "../errors";
import type { CacheClient, Pipeline } from "./client";
import { redisLockStore, SingleFlight, type FlightRole } from "./single-flight";

/** One isolate-wide flight table: concurrent misses of this isolate share a computation. */
export const flights = new SingleFlight();

/** A computed value: its exact bytes and the TTL it is (to be) stored with. */
export interface ComputedValue {
  raw: string;
  ttlSeconds: number;
}

/**
 * What a computation returns: each missing key's value in order, and optionally its own
 * write-back (which then replaces the plain SETs; e.g. scores also write their /map index entries).
 */
export interface Computed {
  values: ComputedValue[];
  write?: (p: Pipeline) => void;
}

export interface Tally {
  hits: number;
  misses: number;
  /** Engine runs this request made (0 when it shared or waited for another's). */
  computed: number;
}

export interface ReadThroughResult {
  /** The raw JSON string of each key, in order. */
  values: string[];
  /** Which values came from the cache. */
  fromCache: boolean[];
  /** HIT: every value read from the cache; MISS: at least one computed (here or by a concurrent request). */
  cache: "HIT" | "MISS";
  /** Remaining lifetime of the answer: the shortest TTL among its values, seconds. */
  maxAgeSeconds: number;
  /** Redis was unavailable: computed without the cache. */
  degraded: boolean;
  tally: Tally;
}

/** How long clients may keep an answer computed while the cache is down. */
export const DEGRADED_MAX_AGE_SECONDS = 60;

export const computedBy = (role: FlightRole) => (role === "leader" || role === "fallback" ? 1 : 0);

export interface ReadThroughOptions {
  /** Skip the read and the cross-isolate lock (an operator's explicit recompute); still write. */
  fresh?: boolean;
  /** A cached value that fails this check counts as missing (validation at the edge). */
  accept?: (raw: string) => boolean;
  /**
   * The longest lifetime an answer may announce: values that are stored longer than they stay
   * current (the current day's score outlives the next warming tick) are announced only this long.
   */
  maxAgeCapSeconds?: number;
}

/** Reads `keys`; computes the missing ones with `compute(missingIndexes)`. */
export async function readThrough(
  cache: CacheClient,
  keys: readonly string[],
  compute: (missing: number[]) => Promise<Computed>,
  opts: ReadThroughOptions = {},
): Promise<ReadThroughResult> {
  const accept = opts.accept ?? (() => true);
  let degraded = !cache.available;
  let values: (string | null)[] = keys.map(() => null);
  let maxAge = Number.POSITIVE_INFINITY;
  if (!opts.fresh && !degraded) {
    try {
      const [found, ...ttls] = await cache.exec<[(string | null)[], ...number[]]>("read_through", (p) => {
        p.mget(...keys);
        for (const k of keys) p.ttl(k);
      });
      values = found.map((v) => (v !== null && accept(String(v)) ? String(v) : null));
      ttls.forEach((ttl, i) => {
        if (values[i] !== null) maxAge = Math.min(maxAge, Math.max(0, Number(ttl)));
      });
    } catch (e) {
      if (!isUpstreamUnavailable(e, "redis")) throw e;
      degraded = true;
    }
  }
  const fromCache = values.map((v) => v !== null);
  const missing = keys.flatMap((_, i) => (values[i] === null ? [i] : []));
  let computed = 0;

  if (missing.length) {
    const missingKeys = missing.map((i) => keys[i]!);
    const computeAndWrite = async (): Promise<ComputedValue[]> => {
      const out = await compute(missing);
      if (!degraded) {
        const write = out.write ?? ((p: Pipeline) => missingKeys.forEach((k, j) => p.set(k, out.values[j]!.raw, { ex: out.values[j]!.ttlSeconds })));
        // The answer does not wait on a failed write-back: it is served, and the next request recomputes.
        await cache.exec("write_back", write).catch((e) => {
          if (!isUpstreamUnavailable(e, "redis")) throw e;
        });
      }
      return out.values;
    };
    let computedValues: ComputedValue[];
    if (opts.fresh) {
      computedValues = await computeAndWrite();
      computed = 1;
    } else {
      // Polled while another isolate computes: its values, with the TTLs it stored them with.
      const read = async (): Promise<ComputedValue[] | null> => {
        const reply = await cache
          .exec<[(string | null)[], ...number[]]>("read_through_poll", (p) => {
            p.mget(...missingKeys);
            for (const k of missingKeys) p.ttl(k);
          })
          .catch(() => null);
        if (!reply) return null;
        const [v, ...ttls] = reply;
        if (!v.every((x) => x !== null && accept(String(x)))) return null;
        return v.map((raw, j) => ({ raw: String(raw), ttlSeconds: Math.max(0, Number(ttls[j])) }));
      };
      const flight = await flights.run(missingKeys.join("|"), degraded ? null : redisLockStore(cache), read, computeAndWrite);
      computedValues = flight.value;
      computed = computedBy(flight.role);
    }
    missing.forEach((i, j) => {
      values[i] = computedValues[j]!.raw;
      maxAge = Math.min(maxAge, computedValues[j]!.ttlSeconds);
    });
  }

  const hits = keys.length - missing.length;
  return {
    values: values as string[],
    fromCache,
    cache: missing.length ? "MISS" : "HIT",
    maxAgeSeconds: Math.min(
      Number.isFinite(maxAge) ? maxAge : 0,
      degraded ? DEGRADED_MAX_AGE_SECONDS : Number.POSITIVE_INFINITY,
      opts.maxAgeCapSeconds ?? Number.POSITIVE_INFINITY,
    ),
    degraded,
    tally: opts.fresh ? { hits: 0, misses: 0, computed } : { hits, misses: missing.length, computed },
  };
}
