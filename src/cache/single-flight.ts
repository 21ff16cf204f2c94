/**
 * Single-flight for cache misses: concurrent misses for one key compute once.
 *
 * - Within an isolate, callers of one key share one in-flight promise.
 * - Across isolates, a short Redis lock (`SET lock:{key} <token> NX EX 30`) elects one leader. The
 *   others poll `read()` (the cache) every `pollMs` for at most `waitMs`; when the value appears they
 *   return it. If the lock disappears without a value (the leader failed), the next poller takes the
 *   lock over. When the wait runs out they compute themselves, so a lost leader costs bounded time.
 * - The leader releases the lock after computing (and writing) unless the computation outlived the
 *   lock's TTL — then the lock is gone anyway and may belong to someone else, so it is left alone.
 * - No lock store (Redis down): in-isolate de-duplication only.
 */
import type { Redis } from "./redis";

export interface LockStore {
  /** SET key token NX EX ttl: true when acquired. */
  acquire(key: string, token: string, ttlSeconds: number): Promise<boolean>;
  release(key: string): Promise<void>;
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

export const lockKey = (key: string) => `lock:${key}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

    const started = this.now();
    try {
      return { value: await compute(), role: held ? "leader" : "fallback" };
    } finally {
      if (held && this.now() - started < this.options.lockTtlSeconds * 1000) {
        await locks!.release(lock).catch(() => undefined);
      }
    }
  }
}

/** The lock store over Upstash Redis. */
export function redisLockStore(redis: Redis): LockStore {
  return {
    acquire: async (key, token, ttlSeconds) => (await redis.set(key, token, { nx: true, ex: ttlSeconds })) !== null,
    release: async (key) => {
      await redis.del(key);
    },
  };
}
