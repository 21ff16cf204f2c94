/**
 * API hit/miss/computed counters for /admin/stats, counted in the isolate and flushed to Redis at
 * most every `flushEverySeconds` (one HINCRBY pipeline), instead of one Upstash request per hit.
 *
 * Counts of an isolate that is evicted before its next flush are lost (at most a few seconds of
 * one isolate's traffic): these are operator statistics, not billing.
 */
import { todayUtc } from "../dates";
import type { CacheClient } from "./client";
import { keys } from "./keys";

export type CounterName = "hit" | "miss" | "computed";

export const COUNTER_FLUSH_SECONDS = 5;

export class CacheCounters {
  private pending = new Map<string, number>();
  private lastFlush = 0;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly cache: CacheClient,
    private readonly flushEverySeconds = COUNTER_FLUSH_SECONDS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts; returns a flush promise when one is due (hand it to waitUntil), else null. */
  add(counts: Partial<Record<CounterName, number>>): Promise<void> | null {
    const day = todayUtc(new Date(this.now()));
    for (const [name, n] of Object.entries(counts)) {
      if (!n) continue;
      for (const field of [`${day}:${name}`, `total:${name}`]) this.pending.set(field, (this.pending.get(field) ?? 0) + n);
    }
    if (this.pending.size === 0 || this.flushing || this.now() - this.lastFlush < this.flushEverySeconds * 1000) return null;
    return this.flush();
  }

  /** Writes what is pending (one pipeline); on failure the counts are kept for the next flush. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    const batch = this.pending;
    if (batch.size === 0) return Promise.resolve();
    this.pending = new Map();
    this.lastFlush = this.now();
    this.flushing = this.cache
      .exec("counters_flush", (p) => {
        for (const [field, n] of batch) p.hincrby(keys.cacheCounters, field, n);
      })
      .then(
        () => undefined,
        () => {
          for (const [field, n] of batch) this.pending.set(field, (this.pending.get(field) ?? 0) + n);
        },
      )
      .finally(() => (this.flushing = null));
    return this.flushing;
  }
}
