/**
 * Per-isolate wiring: configuration, clients and caches are created once per isolate (keyed by the
 * env object, which is stable for an isolate) and shared by fetch, scheduled and queue events.
 */
import { loadConfig, type Config, type WorkerEnv } from "./config";
import { createSql, type Sql } from "./data/db";
import { CacheClient, createRedis } from "./cache/client";
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
}

const contexts = new WeakMap<object, AppContext>();

export function appContext(env: WorkerEnv): AppContext {
  let ctx = contexts.get(env);
  if (!ctx) {
    const config = loadConfig(env);
    const sql = createSql(config.databaseUrl, config.neonHttpEndpoint);
    const cache = new CacheClient(createRedis(config.upstash.url, config.upstash.token));
    const weather = new WeatherService(config.openMeteo, cache);
    const corpus = new CorpusCache(sql, 30_000, Date.now, [cacheApiSnapshotStore(), redisSnapshotStore(cache)]);
    ctx = { env, config, sql, cache, counters: new CacheCounters(cache), weather, corpus, scores: new ScoreService(corpus, weather) };
    contexts.set(env, ctx);
  }
  return ctx;
}
