/**
 * Single-flight for cache misses: concurrent misses for one key compute once.
 *
 * - Within an isolate, callers of one key share one in-flight promise.
 * - Across isolates, a short Redis lock (`SET lock:{key} <token> NX EX 30`) elects one leader. The
 *   others poll `read()` (the cache) every `pollMs` for at most `waitMs`; when the value appears they
 *   return it. If the lock disappears without a value (the leader failed), the next poller takes the
 *   lock over. When the wait runs out they compute themselves, so a lost leader costs bounded time.
 * - The leader releases the lock after computing (and writing) with a compare-and-delete: only if
 *   the lock still holds its own token. A leader slower than the lock's TTL therefore never deletes
 *   the lock another isolate has taken since.
 * - No lock store (Redis down): in-isolate de-duplication only.
 */
import { sleep } from "../async";
import type { CacheClient } from "./client";
import { keys } from "./keys";

export interface LockStore {
  /** SET key token NX EX ttl: true when acquired. */
  acquire(key: string, token: string, ttlSeconds: number): Promise<boolean>;
  /** Deletes the lock only if it still holds `token`. */
  release(key: string, token: string): Promise<void>;
}

/** How a caller got its value: it computed (with the lock, or without after waiting), waited for another isolate, or shared this isolate's flight. */
export type FlightRole = "leader" | "fallback" | "waited" | "shared";

export interface FlightResult<T> {
  value: T;
  role: FlightRole;
}

export interface FlightOptions {
  lockTtlSeconds: number;
  waitMs: number;
  pollMs: number;
}

export const DEFAULT_FLIGHT_OPTIONS: FlightOptions = { lockTtlSeconds: 30, waitMs: 8_000, pollMs: 100 };

export const lockKey = keys.lock;

export class SingleFlight {
  private readonly inFlight = new Map<string, Promise<FlightResult<unknown>>>();

  constructor(
    private readonly options: FlightOptions = DEFAULT_FLIGHT_OPTIONS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Number of keys in flight in this isolate (for tests). */
  get size(): number {
    return this.inFlight.size;
  }

  /**
   * `read` returns the cached value or null; `compute` computes the value and stores it where `read`
   * finds it. Errors of `compute` reach every caller sharing the flight.
   */
  run<T>(key: string, locks: LockStore | null, read: () => Promise<T | null>, compute: () => Promise<T>): Promise<FlightResult<T>> {
    const pending = this.inFlight.get(key) as Promise<FlightResult<T>> | undefined;
    if (pending) return pending.then((r) => ({ value: r.value, role: "shared" }));
    const flight = this.fly(key, locks, read, compute).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, flight);
    return flight;
  }

  private async fly<T>(key: string, locks: LockStore | null, read: () => Promise<T | null>, compute: () => Promise<T>): Promise<FlightResult<T>> {
    const lock = lockKey(key);
    const token = crypto.randomUUID();
    const tryLock = async (): Promise<boolean | null> => {
      if (!locks) return null;
      try {
        return await locks.acquire(lock, token, this.options.lockTtlSeconds);
      } catch {
        return null; // lock store unavailable: compute without it
      }
    };

    let held = await tryLock();
    if (held === false) {
      const deadline = this.now() + this.options.waitMs;
      while (held === false && this.now() < deadline) {
        await sleep(this.options.pollMs);
        const value = await read().catch(() => null);
        if (value !== null) return { value, role: "waited" };
        held = await tryLock(); // the leader gave up without a value: take over
      }
    }

    try {
      return { value: await compute(), role: held ? "leader" : "fallback" };
    } finally {
      if (held) await locks!.release(lock, token).catch(() => undefined);
    }
  }
}

/** Compare-and-delete: release a lock only if it still holds our token. */
export const RELEASE_IF_OWNER = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** The lock store over the guarded Redis client. */
export function redisLockStore(cache: CacheClient): LockStore {
  return {
    acquire: async (key, token, ttlSeconds) => (await cache.run("lock_acquire", (r) => r.set(key, token, { nx: true, ex: ttlSeconds }))) !== null,
    release: async (key, token) => {
      await cache.eval("lock_release", RELEASE_IF_OWNER, [key], [token]);
    },
  };
}
