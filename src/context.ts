/**
 * Per-isolate wiring: configuration, clients and caches are created once per isolate (keyed by the
 * env object, which is stable for an isolate) and shared by fetch, scheduled and queue events.
 */
import { loadConfig, type Config, type WorkerEnv } from "./config";
import { createSql, type Sql } from "./data/db";
import { BACKGROUND_TIMEOUT_MS, CacheClient, createRedis, DEFAULT_CACHE_OPTIONS } from "./cache/client";
import { CacheCounters } from "./cache/counters";
import { WeatherService } from "./weather/weather-service";
import { cacheApiSnapshotStore, CorpusCache, redisSnapshotStore } from "./service/corpus-cache";
import { ScoreService } from "./service/score-service";

export interface AppContext {
  env: WorkerEnv;
  config: Config;
  sql: Sql;
  /** Every Redis call of the Worker goes through this guarded client (timeout, breaker, typed errors). */
  cache: CacheClient;
  counters: CacheCounters;
  weather: WeatherService;
  corpus: CorpusCache;
  scores: ScoreService;
  /**
   * Warming (queue consumers, runs, the watchdog) is background work: its own guarded client with
   * the background budget, its weather service on it, and a score service on those. A warming
   * isolate busy scoring answers late; that is not an outage, and it must not open the request
   * path's breaker (nor the API's slow moment stop warming).
   */
  warming: { cache: CacheClient; weather: WeatherService; scores: ScoreService };
}

const contexts = new WeakMap<object, AppContext>();

export function appContext(env: WorkerEnv): AppContext {
  let ctx = contexts.get(env);
  if (!ctx) {
    const config = loadConfig(env);
    const sql = createSql(config.databaseUrl, config.neonHttpEndpoint);
    // One SDK client (createRedis keeps one per endpoint); two guards over it with their own budgets.
    const redis = createRedis(config.upstash.url, config.upstash.token);
    const cache = new CacheClient(redis);
    const weather = new WeatherService(config.openMeteo, cache);
    const corpus = new CorpusCache(sql, 30_000, Date.now, [cacheApiSnapshotStore(), redisSnapshotStore(cache)]);
    const warmingCache = new CacheClient(redis, { ...DEFAULT_CACHE_OPTIONS, timeoutMs: BACKGROUND_TIMEOUT_MS });
    const warmingWeather = new WeatherService(config.openMeteo, warmingCache);
    ctx = {
      env,
      config,
      sql,
      cache,
      counters: new CacheCounters(cache),
      weather,
      corpus,
      scores: new ScoreService(corpus, weather),
      warming: { cache: warmingCache, weather: warmingWeather, scores: new ScoreService(corpus, warmingWeather) },
    };
    contexts.set(env, ctx);
  }
  return ctx;
}
