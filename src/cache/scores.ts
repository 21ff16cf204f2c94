/**
 * The score cache: `safety_score:{route_id}:{YYYY-MM-DD}` → JSON `CachedScore`, with a TTL.
 * Written by the warming consumer and by the API on a miss, read by the API.
 */
import type { Redis } from "./redis";

export const scoreKey = (routeId: number, date: string) => `safety_score:${routeId}:${date}`;

/** Hit/miss counters for /admin/stats, one hash field per UTC day. */
export const CACHE_COUNTER_KEY = "stats:score_cache";

export interface ScoreEntry<T> {
  routeId: number;
  date: string;
  value: T;
}

/** Writes every entry with its TTL in one Upstash pipeline (one HTTP request). */
export async function writeScores<T>(redis: Redis, entries: readonly ScoreEntry<T>[], ttlSeconds: number): Promise<void> {
  if (entries.length === 0) return;
  const p = redis.pipeline();
  for (const e of entries) p.set(scoreKey(e.routeId, e.date), JSON.stringify(e.value), { ex: ttlSeconds });
  await p.exec();
}

/** Reads a route's scores for the given dates (one MGET); a missing date is `null`. */
export async function readScores<T>(redis: Redis, routeId: number, dates: readonly string[]): Promise<(T | null)[]> {
  if (dates.length === 0) return [];
  const values = await redis.mget<(string | null)[]>(...dates.map((d) => scoreKey(routeId, d)));
  return values.map((v) => (v === null ? null : (JSON.parse(v) as T)));
}

/** How many of the given keys exist, in chunks of MGET-able size; used by /admin/stats. */
export async function countExisting(redis: Redis, keys: readonly string[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < keys.length; i += 500) {
    const chunk = keys.slice(i, i + 500);
    n += Number(await redis.exists(...chunk));
  }
  return n;
}
