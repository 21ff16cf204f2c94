/**
 * The score cache: `safety_score:{route_id}:{YYYY-MM-DD}` → JSON `DailyScore`, with a TTL; and its
 * compact per-date map index `safety_map:{YYYY-MM-DD}` (a hash: route id → `<risk 1dp>|<color>|<computed epoch s>`,
 * ~20 bytes a route) that GET /map reads with one HMGET instead of the full ~14 KB scores.
 * Written by the warming consumer and by the API on a miss (both through `addScoreWrites`), read by the API.
 *
 * The index's fields do not expire individually: the hash's EXPIRE (the score TTL, refreshed at each
 * write) bounds the whole, and a reader treats an entry whose computed time + TTL has passed as
 * missing (`mapEntryFresh`), since its score key has expired by then.
 */
import { pyRound, type ColorCode } from "../scoring";
import type { Redis } from "./redis";

export const scoreKey = (routeId: number, date: string) => `safety_score:${routeId}:${date}`;
export const mapIndexKey = (date: string) => `safety_map:${date}`;

/** Hit/miss counters for /admin/stats, one hash field per UTC day. */
export const CACHE_COUNTER_KEY = "stats:score_cache";

export type Pipeline = ReturnType<Redis["pipeline"]>;

/** The fields of a cached score that the writes and the map index need (a `DailyScore` has them). */
export interface IndexedScore {
  route_id: number;
  date: string;
  risk_score: number;
  color_code: ColorCode;
  computed_at: string;
  /** A score computed without a forecast (the spec's W = 0.5 fallback) is kept only briefly. */
  weather?: { status: string };
}

/**
 * TTL of a score computed while the forecast was unavailable: long enough to spare Open-Meteo a
 * storm of retries, short enough that a passing outage does not pin a fallback score for 6 hours.
 */
export const FALLBACK_SCORE_TTL_SECONDS = 900;

export const scoreTtl = (s: IndexedScore, ttlSeconds: number) =>
  s.weather && s.weather.status !== "ok" ? Math.min(ttlSeconds, FALLBACK_SCORE_TTL_SECONDS) : ttlSeconds;

export interface MapEntry {
  /** Rounded to 1 dp. */
  risk: number;
  color: ColorCode;
  /** Epoch seconds. */
  computedAt: number;
}

const COLORS: readonly string[] = ["green", "yellow", "orange", "red"] satisfies ColorCode[];

/** `<risk rounded 1dp>|<color>|<computed epoch seconds>`, e.g. `42.7|orange|1795600800`. */
export function mapEntry(s: IndexedScore): string {
  return `${pyRound(s.risk_score, 1)}|${s.color_code}|${Math.floor(Date.parse(s.computed_at) / 1000)}`;
}

/** The entry, or null when absent or malformed. */
export function parseMapEntry(raw: string | null | undefined): MapEntry | null {
  if (typeof raw !== "string") return null;
  const [risk, color, computedAt, ...rest] = raw.split("|");
  const r = Number(risk);
  const t = Number(computedAt);
  if (rest.length || risk === "" || !Number.isFinite(r) || !Number.isInteger(t) || !COLORS.includes(color!)) return null;
  return { risk: r, color: color as ColorCode, computedAt: t };
}

/** False once the score's TTL, counted from its computation, has passed (its key is gone by then). */
export const mapEntryFresh = (e: MapEntry, ttlSeconds: number, nowSeconds = Math.floor(Date.now() / 1000)) =>
  e.computedAt + ttlSeconds >= nowSeconds;

/**
 * Adds every score write to the pipeline: `SET safety_score:{route}:{date} <json> EX ttl` per score,
 * then per date one `HSET safety_map:{date}` with its routes' entries and `EXPIRE safety_map:{date} ttl`.
 * `raws[i]`, when given, is `scores[i]` already serialised (the exact bytes to store).
 */
export function addScoreWrites(p: Pipeline, scores: readonly IndexedScore[], ttlSeconds: number, raws?: readonly string[]): void {
  const byDate = new Map<string, Record<string, string>>();
  scores.forEach((s, i) => {
    p.set(scoreKey(s.route_id, s.date), raws?.[i] ?? JSON.stringify(s), { ex: scoreTtl(s, ttlSeconds) });
    const fields = byDate.get(s.date) ?? {};
    fields[String(s.route_id)] = mapEntry(s);
    byDate.set(s.date, fields);
  });
  for (const [date, fields] of byDate) {
    p.hset(mapIndexKey(date), fields);
    p.expire(mapIndexKey(date), ttlSeconds);
  }
}

/**
 * The raw map index entries of the routes for a date (one HMGET), in order; null where absent.
 * Without automatic deserialisation the reply is the flat array of values; an object (field → value)
 * or null (no field present) is accepted too.
 */
export async function readMapEntries(redis: Redis, date: string, routeIds: readonly number[]): Promise<(string | null)[]> {
  if (routeIds.length === 0) return [];
  const fields = routeIds.map(String);
  const reply = (await redis.hmget(mapIndexKey(date), ...fields)) as unknown;
  if (Array.isArray(reply)) return fields.map((_, i) => (reply[i] == null ? null : String(reply[i])));
  if (reply && typeof reply === "object") {
    const o = reply as Record<string, unknown>;
    return fields.map((f) => (o[f] == null ? null : String(o[f])));
  }
  return fields.map(() => null);
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
