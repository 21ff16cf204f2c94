import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../../src/config";

const good = {
  UPSTASH_REDIS_REST_URL: "https://eu1-example.upstash.io/",
  UPSTASH_REDIS_REST_TOKEN: "tok",
  DATABASE_URL: "postgresql://u:p@ep-x.neon.tech/db?sslmode=require",
  ADMIN_TOKEN: "0123456789abcdef",
  TOP_ROUTES: "200",
  ROUTES_PER_MESSAGE: "10",
  FORECAST_DAYS: "7",
  SCORE_TTL_SECONDS: "21600",
  RUN_TTL_SECONDS: "86400",
  WARM_RETRY_BASE_SECONDS: "5",
  WARM_CRON: "0 */6 * * *",
  OPEN_METEO_FORECAST_URL: "https://api.open-meteo.com",
  OPEN_METEO_ARCHIVE_URL: "https://archive-api.open-meteo.com",
  CORS_ORIGINS: "https://a.example, https://b.example",
};

function issues(env: Record<string, unknown>): string[] {
  try {
    parseConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues;
  }
  throw new Error("expected a ConfigError");
}

describe("config", () => {
  it("parses a complete environment into typed settings", () => {
    const c = parseConfig(good);
    expect(c.upstash.url).toBe("https://eu1-example.upstash.io");
    expect(c.warming).toEqual({
      topRoutes: 200,
      routesPerMessage: 10,
      forecastDays: 7,
      retryBaseSeconds: 5,
      cron: "0 */6 * * *",
      // Defaults of the settings the environment leaves out.
      watchdogCron: "*/5 * * * *",
      scope: "top",
      batchRoutes: 200,
      stallSeconds: 900,
      maxConcurrentRuns: 2,
      replayDelaySeconds: 120,
    });
    expect(c.historyRetentionDays).toBe(400);
    expect(c.scoreTtlSeconds).toBe(21600);
    expect(c.corsOrigins).toEqual(["https://a.example", "https://b.example"]);
    expect(c.neonHttpEndpoint).toBeUndefined();
  });

  it("names a missing secret", () => {
    const { DATABASE_URL: _, ...env } = good;
    expect(issues(env)).toEqual(["DATABASE_URL is missing"]);
  });

  it("names a malformed URL and a bad number", () => {
    const found = issues({ ...good, UPSTASH_REDIS_REST_URL: "not a url", TOP_ROUTES: "lots", DATABASE_URL: "mysql://x" });
    expect(found).toContain("UPSTASH_REDIS_REST_URL must be an http(s) URL");
    expect(found).toContain("TOP_ROUTES must be a whole number");
    expect(found).toContain("DATABASE_URL must be a postgres:// or postgresql:// URL");
  });

  it("rejects a short admin token and out-of-range tunables", () => {
    const found = issues({ ...good, ADMIN_TOKEN: "short", FORECAST_DAYS: "9" });
    expect(found).toContain("ADMIN_TOKEN must be at least 16 characters");
    expect(found).toContain("FORECAST_DAYS must be between 1 and 7");
  });
});
