/**
 * The Worker's configuration: `[vars]` from wrangler.toml plus secrets, validated once per isolate.
 *
 * Every Worker entry point (fetch, scheduled, queue) calls `loadConfig(env)` first. A missing or
 * malformed setting fails fast with a `ConfigError` whose message names the setting, instead of a
 * confusing failure deep inside a client library.
 */
import { z } from "zod";
import { cronProblem } from "./warming/schedule";
import { resolveSource, type OpenMeteoSource } from "./weather/open-meteo";

/** The Worker env: wrangler.toml bindings and vars plus the secrets declared in src/secrets.d.ts. */
export type WorkerEnv = Env;

const intVar = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);

const httpUrl = z
  .string()
  .refine((s) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol), "must be an http(s) URL")
  .transform((s) => s.replace(/\/+$/, ""));

const postgresUrl = z.string().refine((s) => URL.canParse(s) && /^postgres(ql)?:$/.test(new URL(s).protocol), "must be a postgres:// or postgresql:// URL");

const ConfigSchema = z.object({
  UPSTASH_REDIS_REST_URL: httpUrl,
  UPSTASH_REDIS_REST_TOKEN: z.string().min(1, "is required"),
  DATABASE_URL: postgresUrl,
  ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters"),
  NEON_HTTP_ENDPOINT: z.union([z.literal(""), httpUrl]).optional(),
  TOP_ROUTES: intVar(1, 10_000),
  ROUTES_PER_MESSAGE: intVar(1, 100),
  FORECAST_DAYS: intVar(1, 7),
  SCORE_TTL_SECONDS: intVar(60, 7 * 86_400),
  RUN_TTL_SECONDS: intVar(60, 30 * 86_400),
  WARM_RETRY_BASE_SECONDS: intVar(0, 300),
  /** Cloudflare's cron syntax (5 fields, names, ranges, steps, L/W/#; weekdays 1-7 = SUN-SAT). */
  WARM_CRON: z.string().superRefine((s, ctx) => {
    const problem = cronProblem(s);
    if (problem) ctx.addIssue({ code: "custom", message: `is not a cron expression Cloudflare accepts: ${problem}` });
  }),
  /** The watchdog's schedule (stalled runs, a failed tick's catch-up, automatic replay). */
  WARM_WATCHDOG_CRON: z
    .string()
    .default("*/5 * * * *")
    .superRefine((s, ctx) => {
      const problem = cronProblem(s);
      if (problem) ctx.addIssue({ code: "custom", message: `is not a cron expression Cloudflare accepts: ${problem}` });
    }),
  /** What a cron tick warms: the busiest TOP_ROUTES routes, or every located route. */
  WARM_SCOPE: z.enum(["top", "all"], { message: 'must be "top" or "all"' }).default("top"),
  /** Routes per location-batch message of an `all` run (a location's routes travel together). */
  WARM_BATCH_ROUTES: intVar(1, 1000).default(200),
  /** A run without progress for this long is abandoned (its lock released, its missing routes replayed once). */
  WARM_STALL_SECONDS: intVar(60, 86_400).default(900),
  /** At most this many runs at once (force=true is refused beyond it). */
  WARM_MAX_CONCURRENT_RUNS: intVar(1, 20).default(2),
  /** Automatic replay of dead letters / an abandoned run's routes waits at least this long. */
  WARM_REPLAY_DELAY_SECONDS: intVar(0, 86_400).default(120),
  /** score_history rows older than this are pruned once per run. */
  HISTORY_RETENTION_DAYS: intVar(1, 100_000).default(400),
  OPEN_METEO_FORECAST_URL: httpUrl,
  OPEN_METEO_ARCHIVE_URL: httpUrl,
  /** Secret, optional: a commercial Open-Meteo key (customer hosts, `apikey=`). Empty = unset. */
  OPEN_METEO_API_KEY: z.string().optional(),
  CORS_ORIGINS: z.string().default("*"),
  PREDICT_NEW_POINTS_PER_MINUTE: intVar(0, 1_000_000).optional(),
});

export const DEFAULT_NEW_POINTS_PER_MINUTE = 120;

export interface Config {
  upstash: { url: string; token: string };
  databaseUrl: string;
  /** Set only in local development: where Neon's HTTP driver sends queries. */
  neonHttpEndpoint: string | undefined;
  adminToken: string;
  warming: {
    topRoutes: number;
    routesPerMessage: number;
    forecastDays: number;
    retryBaseSeconds: number;
    cron: string;
    watchdogCron: string;
    scope: "top" | "all";
    batchRoutes: number;
    stallSeconds: number;
    maxConcurrentRuns: number;
    replayDelaySeconds: number;
  };
  historyRetentionDays: number;
  scoreTtlSeconds: number;
  runTtlSeconds: number;
  /** Where weather comes from; `apiKey` is a secret: never log it (see src/weather/open-meteo.ts). */
  openMeteo: OpenMeteoSource;
  /** "*" or an explicit list of allowed browser origins. */
  corsOrigins: "*" | string[];
  /** /predict computations for new points per minute, all clients together (src/http/rate-limit.ts). */
  predictNewPointsPerMinute: number;
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid Worker configuration: ${issues.join("; ")}`);
    this.name = "ConfigError";
  }
}

export function parseConfig(env: Record<string, unknown>): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const name = String(i.path[0] ?? "env");
        const missing = env[name] === undefined || env[name] === "";
        return missing ? `${name} is missing` : `${name} ${i.message}`;
      }),
    );
  }
  const v = parsed.data;
  const origins = v.CORS_ORIGINS.trim();
  return {
    upstash: { url: v.UPSTASH_REDIS_REST_URL, token: v.UPSTASH_REDIS_REST_TOKEN },
    databaseUrl: v.DATABASE_URL,
    neonHttpEndpoint: v.NEON_HTTP_ENDPOINT || undefined,
    adminToken: v.ADMIN_TOKEN,
    warming: {
      topRoutes: v.TOP_ROUTES,
      routesPerMessage: v.ROUTES_PER_MESSAGE,
      forecastDays: v.FORECAST_DAYS,
      retryBaseSeconds: v.WARM_RETRY_BASE_SECONDS,
      cron: v.WARM_CRON.trim(),
      watchdogCron: v.WARM_WATCHDOG_CRON.trim(),
      scope: v.WARM_SCOPE,
      batchRoutes: v.WARM_BATCH_ROUTES,
      stallSeconds: v.WARM_STALL_SECONDS,
      maxConcurrentRuns: v.WARM_MAX_CONCURRENT_RUNS,
      replayDelaySeconds: v.WARM_REPLAY_DELAY_SECONDS,
    },
    historyRetentionDays: v.HISTORY_RETENTION_DAYS,
    scoreTtlSeconds: v.SCORE_TTL_SECONDS,
    runTtlSeconds: v.RUN_TTL_SECONDS,
    openMeteo: resolveSource({ forecastUrl: v.OPEN_METEO_FORECAST_URL, archiveUrl: v.OPEN_METEO_ARCHIVE_URL }, v.OPEN_METEO_API_KEY?.trim() || undefined),
    corsOrigins:
      origins === "*"
        ? "*"
        : origins
            .split(",")
            .map((o) => o.trim())
            .filter(Boolean),
    predictNewPointsPerMinute: v.PREDICT_NEW_POINTS_PER_MINUTE ?? DEFAULT_NEW_POINTS_PER_MINUTE,
  };
}

// One parse per isolate: the env object is the same for every event of an isolate.
const parsedConfigs = new WeakMap<object, Config>();

export function loadConfig(env: WorkerEnv): Config {
  let config = parsedConfigs.get(env);
  if (!config) {
    config = parseConfig(env as unknown as Record<string, unknown>);
    parsedConfigs.set(env, config);
  }
  return config;
}
