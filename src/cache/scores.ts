/**
 * What the score cache stores, and how it is written.
 *
 * - `safety_score:{route_id}:{YYYY-MM-DD}` → the **compact** score, SafeAscent's own format
 *   `{route_id, route_name, target_date, risk_score (1 dp), color_code}` plus a few small fields
 *   (≤ 300 bytes): what a map, a list or a popup needs, and what the original backend could read.
 *   Written by the warming run and by the API on a miss.
 * - `safety_detail:v1:{route_id}:{date}` → the full explanation (top contributing accidents, factor
 *   weights, the weather used, ~14 KB). Never written by warming: computed on request (single-
 *   flighted) and cached for the same TTL, so repeated views of a popular route are hits while the
 *   catalogue-wide warm stays small (1.18 M keys × ≤ 300 B instead of × 14 KB).
 * - `safety_map:v1:{date}` → per-date hash route id → `<risk 1dp>|<color>|<expires epoch s>`
 *   (~20 bytes a route) that map endpoints read with one HMGET/HGETALL. Its fields do not expire
 *   individually: the hash's EXPIRE (refreshed at each write) bounds the whole, and each entry
 *   carries the expiry of its score key, so a reader treats an entry past it as missing
 *   (`mapEntryFresh`) — a short-lived fallback score disappears from the map when its key does.
 *
 * Values read back are validated (zod); a malformed value counts as a miss, never as a score.
 */
import { z } from "zod";
import { addDays, todayUtc } from "../dates";
import { pyRound, type ColorCode } from "../scoring";
import { hashFromReply, valuesFromHmget, type CacheClient, type Pipeline } from "./client";
import { keys } from "./keys";

const COLORS = ["green", "yellow", "orange", "red"] as const satisfies readonly ColorCode[];

/** The cached value of `safety_score:{route_id}:{date}`. */
export const CompactScoreSchema = z.object({
  route_id: z.number().int(),
  route_name: z.string(),
  target_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** 0–100, rounded to 1 dp (as the original stored it). */
  risk_score: z.number().min(0).max(100),
  color_code: z.enum(COLORS),
  num_contributing_accidents: z.number().int().min(0),
  /** "ok", or the engine's no-forecast fallback was used. */
  weather: z.enum(["ok", "forecast_unavailable"]),
  /** Whether climate statistics (extreme-weather amplification) were available. */
  climate: z.boolean(),
  computed_at: z.string(),
  data_version: z.number().int(),
});
export type CompactScore = z.infer<typeof CompactScoreSchema>;

/** Longest route name kept in a compact value, so that a key stays ≤ 300 bytes. */
export const COMPACT_NAME_MAX = 100;
export const COMPACT_MAX_BYTES = 300;

/** What a computed score must provide to be cached compactly (a full `DailyScore` has all of it). */
export interface ScoreFacts {
  route_id: number;
  route_name: string;
  date: string;
  risk_score: number;
  color_code: ColorCode;
  num_contributing_accidents: number;
  weather: { status: "ok" | "forecast_unavailable"; climate_available: boolean };
  computed_at: string;
  data_version: number;
}

export function toCompact(s: ScoreFacts): CompactScore {
  return {
    route_id: s.route_id,
    route_name: s.route_name.length > COMPACT_NAME_MAX ? `${s.route_name.slice(0, COMPACT_NAME_MAX - 1)}…` : s.route_name,
    target_date: s.date,
    risk_score: pyRound(s.risk_score, 1),
    color_code: s.color_code,
    num_contributing_accidents: s.num_contributing_accidents,
    weather: s.weather.status,
    climate: s.weather.climate_available,
    computed_at: s.computed_at,
    data_version: s.data_version,
  };
}

/** The compact value, or null when the raw text is not one (absent, foreign, truncated). */
export function parseCompact(raw: string | null | undefined): CompactScore | null {
  if (typeof raw !== "string") return null;
  try {
    const r = CompactScoreSchema.safeParse(JSON.parse(raw));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/**
 * TTL of a score computed with degraded inputs (no forecast: the spec's W = 0.5 fallback; or no
 * climate statistics: no extreme-weather amplification): long enough to spare Open-Meteo a storm of
 * retries, short enough that a passing outage does not pin a degraded score for 6 hours.
 */
export const FALLBACK_SCORE_TTL_SECONDS = 900;

/**
 * When a date has ended everywhere (12:00 UTC the next day, the end of the day at UTC−12), epoch
 * seconds. Until then some browser still shows it as "today" (the v1 map picks the browser's local
 * date), although warming moved on to the next UTC day at 00:00 UTC.
 */
export const dateEndsEverywhere = (date: string) => Date.parse(`${addDays(date, 1)}T12:00:00Z`) / 1000;

/** The TTL of a score: `ttlSeconds`, or at most 15 min for one computed with degraded inputs. */
export const scoreTtl = (s: Pick<ScoreFacts, "weather">, ttlSeconds: number) =>
  s.weather.status !== "ok" || !s.weather.climate_available ? Math.min(ttlSeconds, FALLBACK_SCORE_TTL_SECONDS) : ttlSeconds;

/**
 * The TTL a route score is stored with: `scoreTtl`, and the score of the current UTC day is kept at
 * least until that day has ended everywhere, so the map of a browser west of UTC keeps its colours
 * after 00:00 UTC (the last warm value of that day, at most ~18 h old) instead of turning grey until
 * local midnight, when warming has moved on to the next UTC day.
 */
export function routeScoreTtl(s: Pick<ScoreFacts, "weather" | "date">, ttlSeconds: number, nowMs = Date.now()): number {
  const ttl = scoreTtl(s, ttlSeconds);
  if (ttl < ttlSeconds || s.date !== todayUtc(new Date(nowMs))) return ttl;
  return Math.max(ttl, Math.ceil(dateEndsEverywhere(s.date) - nowMs / 1000));
}

/**
 * The TTL of a date's map index hash: it lives until its date has ended everywhere (at least
 * `ttlSeconds`), the same absolute moment at every write, so a later write never shortens it;
 * entries past their own expiry are ignored by readers meanwhile.
 */
export const mapIndexTtl = (date: string, ttlSeconds: number, nowMs = Date.now()) => Math.max(ttlSeconds, Math.ceil(dateEndsEverywhere(date) - nowMs / 1000));

export interface MapEntry {
  /** Rounded to 1 dp. */
  risk: number;
  color: ColorCode;
  /** When the score's key expires, epoch seconds. */
  expiresAt: number;
}

/** `<risk rounded 1dp>|<color>|<expiry epoch seconds>`, e.g. `42.7|orange|1795622400`. */
export function mapEntry(w: Pick<ScoreWrite, "compact" | "ttlSeconds">): string {
  return `${pyRound(w.compact.risk_score, 1)}|${w.compact.color_code}|${Math.floor(Date.parse(w.compact.computed_at) / 1000) + w.ttlSeconds}`;
}

/** The entry, or null when absent or malformed. */
export function parseMapEntry(raw: string | null | undefined): MapEntry | null {
  if (typeof raw !== "string") return null;
  const [risk, color, computedAt, ...rest] = raw.split("|");
  const r = Number(risk);
  const t = Number(computedAt);
  if (rest.length || risk === "" || !Number.isFinite(r) || !Number.isInteger(t) || !(COLORS as readonly string[]).includes(color!)) return null;
  return { risk: r, color: color as ColorCode, expiresAt: t };
}

/** False once the entry's score key has expired. */
export const mapEntryFresh = (e: MapEntry, nowSeconds = Math.floor(Date.now() / 1000)) => e.expiresAt >= nowSeconds;

/** A score about to be written: its compact value and its TTL. */
export interface ScoreWrite {
  compact: CompactScore;
  /** The exact bytes to store (JSON of `compact`). */
  raw: string;
  ttlSeconds: number;
}

export function scoreWrite(s: ScoreFacts, ttlSeconds: number): ScoreWrite {
  const compact = toCompact(s);
  return { compact, raw: JSON.stringify(compact), ttlSeconds: routeScoreTtl(s, ttlSeconds) };
}

/**
 * Adds the writes of compact scores to a pipeline: `SET safety_score:{route}:{date} <json> EX ttl`
 * per score, then per date one `HSET safety_map:v1:{date}` with its routes' entries and
 * `EXPIRE … mapIndexTtl(date, indexTtlSeconds)` (shorter-lived entries say when they expire).
 */
export function addScoreWrites(p: Pipeline, writes: readonly ScoreWrite[], indexTtlSeconds: number): void {
  const byDate = new Map<string, Record<string, string>>();
  for (const w of writes) {
    p.set(keys.score(w.compact.route_id, w.compact.target_date), w.raw, { ex: w.ttlSeconds });
    const fields = byDate.get(w.compact.target_date) ?? {};
    fields[String(w.compact.route_id)] = mapEntry(w);
    byDate.set(w.compact.target_date, fields);
  }
  for (const [date, fields] of byDate) {
    p.hset(keys.mapIndex(date), fields);
    p.expire(keys.mapIndex(date), mapIndexTtl(date, indexTtlSeconds));
  }
}

/**
 * The same writes as `addScoreWrites` as ONE Lua script (EVAL): `SET … EX` per score, `HSET` +
 * `EXPIRE` of each date's map index. Warming writes ~1,400 keys per message this way; Upstash bills
 * per command, and a script is one command where 1,400 SETs in a pipeline are 1,400 (see
 * docs/notes/warming.md for what that assumes). Keys and values are byte for byte those of
 * `addScoreWrites`.
 */
const BULK_SCORE_WRITE = `
local n = tonumber(ARGV[1])
for i = 1, n do redis.call('SET', KEYS[i], ARGV[2 * i], 'EX', ARGV[1 + 2 * i]) end
local a = 2 + 2 * n
for j = n + 1, #KEYS do
  local indexTtl = ARGV[a]
  local count = tonumber(ARGV[a + 1])
  a = a + 2
  local args = {}
  for k = 1, count do
    args[#args + 1] = ARGV[a]
    args[#args + 1] = ARGV[a + 1]
    a = a + 2
    if #args >= 1000 then redis.call('HSET', KEYS[j], unpack(args)) args = {} end
  end
  if #args > 0 then redis.call('HSET', KEYS[j], unpack(args)) end
  redis.call('EXPIRE', KEYS[j], indexTtl)
end
return n`;

export function addScoreWritesBulk(p: Pipeline, writes: readonly ScoreWrite[], indexTtlSeconds: number): void {
  if (writes.length === 0) return;
  const scoreKeys: string[] = [];
  const args: (string | number)[] = [writes.length];
  const byDate = new Map<string, string[]>();
  for (const w of writes) {
    scoreKeys.push(keys.score(w.compact.route_id, w.compact.target_date));
    args.push(w.raw, w.ttlSeconds);
    const fields = byDate.get(w.compact.target_date) ?? [];
    fields.push(String(w.compact.route_id), mapEntry(w));
    byDate.set(w.compact.target_date, fields);
  }
  const indexKeys: string[] = [];
  for (const [date, fields] of byDate) {
    indexKeys.push(keys.mapIndex(date));
    args.push(mapIndexTtl(date, indexTtlSeconds), fields.length / 2, ...fields);
  }
  p.eval(BULK_SCORE_WRITE, [...scoreKeys, ...indexKeys], args);
}

/** Adds the write of a full explanation (its own key, same TTL as its compact score). */
export function addDetailWrite(p: Pipeline, routeId: number, date: string, raw: string, ttlSeconds: number): void {
  p.set(keys.scoreDetail(routeId, date), raw, { ex: ttlSeconds });
}

/** The raw map index entries of the routes for a date (one HMGET), in order; null where absent. */
export async function readMapEntries(cache: CacheClient, date: string, routeIds: readonly number[]): Promise<(string | null)[]> {
  if (routeIds.length === 0) return [];
  const fields = routeIds.map(String);
  return valuesFromHmget(await cache.run("map_read", (r) => r.hmget(keys.mapIndex(date), ...fields)), fields);
}

/** The whole map index of a date (one HGETALL): route id → raw entry. */
export async function readMapIndex(cache: CacheClient, date: string): Promise<Map<number, string>> {
  const hash = hashFromReply(await cache.run("map_read_all", (r) => r.hgetall(keys.mapIndex(date))));
  return new Map(Object.entries(hash).map(([id, raw]) => [Number(id), raw]));
}
