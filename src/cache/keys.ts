/**
 * Every Redis key the Worker reads or writes is built here, and nowhere else.
 *
 * Keys carry the version of the shape they hold (`…:v1:…`): a deploy that changes a stored shape
 * bumps its version, so old values are never misread — they are simply not found and expire.
 * The one exception is `safety_score:{route_id}:{YYYY-MM-DD}`, SafeAscent's own layout, kept as
 * it is so the original backend (and `redis-cli GET`) can read what we write; its value is the
 * original's compact JSON (see src/cache/scores.ts).
 */

/** Route score for a date: compact JSON, TTL = the score TTL (SafeAscent's layout, unversioned). */
export const scoreKey = (routeId: number, date: string) => `safety_score:${routeId}:${date}`;

export const keys = {
  score: scoreKey,
  /** The full explanation of a route score (top accidents, factors, weather used): computed on request. */
  scoreDetail: (routeId: number, date: string) => `safety_detail:v1:${routeId}:${date}`,
  /** Per-date map index: a hash route id → `<risk 1dp>|<color>|<computed epoch s>`. */
  mapIndex: (date: string) => `safety_map:v1:${date}`,
  /** A point score of POST /predict, on the predict grid (see src/http). */
  predict: (pointKey: string) => `predict:v1:${pointKey}`,
  /** Global count of /predict computations for new points in one minute (epoch minutes): src/http/rate-limit.ts. */
  newPointsPerMinute: (epochMinute: number) => `ratelimit:v1:new_points:${epochMinute}`,
  /** Single-flight lock of a cache key (or of a joined set of keys). */
  lock: (key: string) => `lock:v1:${key}`,
  /** API hit/miss/computed counters: a hash `{day}:{name}` / `total:{name}` → count. */
  cacheCounters: "stats:v1:score_cache",

  /** Daily forecast rows of a 0.01° weather cell for a date window (6 h). */
  weatherForecast: (cellKey: string, start: string, end: string) => `weather:v1:forecast:${cellKey}:${start}:${end}`,
  /** Hourly forecast of a 0.01° weather cell for a date window (6 h). */
  weatherHourly: (cellKey: string, start: string, end: string) => `weather:v1:hourly:${cellKey}:${start}:${end}`,
  /** Climate statistics + monthly volatility of a 0.1° climate cell (weeks; see src/weather/weather-service.ts). */
  weatherClimate: (climateCellKey: string) => `weather:v2:climate:${climateCellKey}`,
  /** A recent failure to fetch a climate cell's archive, with its reason (minutes). */
  weatherClimateFailure: (climateCellKey: string) => `weather:v1:climate_failed:${climateCellKey}`,

  /**
   * The serialised accident corpus of a data version (a cold isolate loads it instead of querying
   * Neon): its manifest. `stamp` is the version's update time, so two databases that both count
   * version 1 (a test and a dev database on one Redis) never share a snapshot.
   */
  corpusSnapshot: (dataVersion: number, stamp: string) => `corpus:v1:${dataVersion}:${stamp}`,
  /** Chunk `index` of that snapshot (base64 text; the manifest says how many). */
  corpusSnapshotChunk: (dataVersion: number, stamp: string, index: number) => `corpus:v1:${dataVersion}:${stamp}:${index}`,

  /** Warming runs (src/warming/runs.ts): the record (counters), its unfinished messages, its failures, its heartbeat. */
  run: (runId: string) => `warm:v2:run:${runId}`,
  runPending: (runId: string) => `warm:v2:run:${runId}:pending`,
  runFailed: (runId: string) => `warm:v2:run:${runId}:failed`,
  runAlive: (runId: string) => `warm:v2:run:${runId}:alive`,
  /** Why a message is being retried ("<index>.<attempt>" → reason), for its dead letter; removed when it is recorded. */
  runRetryReasons: (runId: string) => `warm:v2:run:${runId}:retry`,
  runsIndex: "warm:v2:runs",
  /** Runs not finished yet (a ZSET by start time): the concurrency cap and the watchdog read it. */
  liveRuns: "warm:v2:live",
  activeRun: "warm:v1:active",
  deadLetters: "warm:v1:dlq",
  /** Once-per-tick lock of a cron tick (its scheduled time, ISO). */
  tickLock: (scheduledIso: string) => `warm:v1:tick:${scheduledIso}`,
} as const;

/** Key prefixes, for tools that scan or clear a family (tests, benchmarks). */
export const keyPrefixes = {
  score: "safety_score:",
  scoreDetail: "safety_detail:v1:",
  mapIndex: "safety_map:v1:",
  predict: "predict:v1:",
  rateLimit: "ratelimit:v1:",
  lock: "lock:v1:",
  weather: "weather:v1:",
  weatherClimate: "weather:v2:climate:",
  warm: "warm:v1:",
  warmRuns: "warm:v2:",
  tickLock: "warm:v1:tick:",
} as const;
