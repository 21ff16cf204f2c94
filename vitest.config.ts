import { defineConfig } from "vitest/config";
import { cloudflareTest } from "@cloudflare/vitest-plugin";

// Four projects:
//  - unit:    plain Node (scoring engine, importer, dev stand-ins, CLIs, the console's client logic)
//  - worker:  inside workerd via @cloudflare/vitest-plugin, with the Worker's real bindings from
//             wrangler.toml and the local stand-ins started by test/setup/backends.ts.
//  - worker-warming: the same, for the warming files, one file at a time.
//  - browser: the operator console in the system Chromium (playwright-core) against the whole local
//             stack (wrangler dev); runs after the others (groupOrder), as it uses their Redis database.
// All share one globalSetup that brings up the backends (real Redis/Postgres when reachable).
/** The workerd pool with the Worker's bindings (wrangler.toml + the stand-ins of the global setup). */
function workerPool() {
  return cloudflareTest(async ({ inject }) => ({
    wrangler: { configPath: "./wrangler.toml" },
    miniflare: {
      bindings: {
        UPSTASH_REDIS_REST_URL: inject<string>("upstashUrl"),
        UPSTASH_REDIS_REST_TOKEN: inject<string>("upstashToken"),
        DATABASE_URL: inject<string>("workerDatabaseUrl"),
        NEON_HTTP_ENDPOINT: inject<string>("neonHttpEndpoint"),
        OPEN_METEO_FORECAST_URL: inject<string>("openMeteoUrl"),
        OPEN_METEO_ARCHIVE_URL: inject<string>("openMeteoUrl"),
        // A commercial plan of the stand-in (dev/open-meteo.ts DEV_API_KEYS): warming 200 routes
        // cold on the free plan is paced over ~2.5 minutes (test/unit/shell/weather-service.test.ts
        // covers that); Worker tests should not wait for it.
        OPEN_METEO_API_KEY: "dev-professional-key",
        ADMIN_TOKEN: "test-admin-token-0123456789",
        WARM_RETRY_BASE_SECONDS: "0",
        // The cron tick's tests are about the top routes; `all` runs are asked for explicitly.
        WARM_SCOPE: "top",
        WARM_REPLAY_DELAY_SECONDS: "0",
        // Prune only before ~1750: test files write history rows of their own (1990, today)
        // in parallel, and a run's global prune must not remove them.
        HISTORY_RETENTION_DAYS: "100000",
        // test/worker/api/fuzz.test.ts: a fixed seed to replay, else the clock's (printed).
        FUZZ_SEED: process.env.FUZZ_SEED ?? "",
      },
      // The per-client compute limit is shared by every test file (one client, one key):
      // lifted here, and a tight limiter of its own for the test of the limit.
      ratelimits: {
        COMPUTE_LIMITER: { namespace_id: "1001", simple: { limit: 100_000, period: 60 } },
        TEST_TIGHT_LIMITER: { namespace_id: "9001", simple: { limit: 3, period: 60 } },
      },
    },
  }));
}

export default defineConfig({
  test: {
    globalSetup: ["./test/setup/backends.ts"],
    reporters: ["default", "./test/setup/summary-reporter.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        plugins: [workerPool()],
        test: {
          name: "worker",
          include: ["test/worker/**/*.test.ts"],
          exclude: ["test/worker/warming*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Warming tests share the Worker's global warming keys (the one-run lock, the live runs,
        // the dead letters): their files run one after another, in parallel with everything else.
        extends: true,
        plugins: [workerPool()],
        test: {
          name: "worker-warming",
          include: ["test/worker/warming*.test.ts"],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          testTimeout: 90_000,
          hookTimeout: 180_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
