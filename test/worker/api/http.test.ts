/**
 * HTTP behaviour around the handlers: 404/405 with Allow, CORS (wildcard and an origin list) and
 * preflights, 503 with Retry-After when Postgres is unreachable, and degraded mode when Redis or the
 * weather source is down.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { todayUtc } from "../../../src/dates";
import { appContext } from "../../../src/context";
import { UpstreamUnavailable } from "../../../src/errors";
import { ErrorBody, PredictResponse, SafetyResponse } from "../../../src/http/v2/schemas";
import { call, clearScores, env, json, redis, seed } from "./helpers";
import { keyPrefixes } from "../../../src/cache/keys";
import { pointKey } from "../../../src/service/route-scores";

const today = todayUtc();
const DEGRADED = 900012;
const HIT_ONLY = 900014;

beforeAll(async () => {
  await seed();
  await clearScores([DEGRADED, HIT_ONLY]);
});
afterEach(() => vi.restoreAllMocks());
afterAll(() => clearScores([DEGRADED, HIT_ONLY]));

describe("unknown paths and methods", () => {
  it("405 with Allow for a known path and a wrong method; HEAD where GET is; 404 JSON for an unknown path", async () => {
    const cases: [string, string, string][] = [
      ["DELETE", "/routes", "GET, HEAD, OPTIONS"],
      ["POST", "/routes/5", "GET, HEAD, OPTIONS"],
      ["PUT", "/routes/5/safety", "GET, HEAD, OPTIONS"],
      ["GET", "/predict", "POST, OPTIONS"],
      ["PATCH", "/map", "GET, HEAD, OPTIONS"],
      ["POST", "/openapi.json", "GET, HEAD, OPTIONS"],
    ];
    for (const [method, path, allow] of cases) {
      const res = await call(path, { method });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get("Allow")).toBe(allow);
      expect(ErrorBody.parse(await res.json()).error.code).toBe("method_not_allowed");
    }
    const head = await call("/accidents/900001", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("ETag")).toMatch(/^"/);
    expect(await head.text()).toBe("");
    for (const path of ["/nope", "/routes/5/nope", "", "/routes/5/safety/extra"]) {
      const res = await call(path);
      expect(res.status, path).toBe(404);
      expect(ErrorBody.parse(await res.json()).error.code).toBe("not_found");
    }
  });
});

describe("CORS", () => {
  it("wildcard: every answer, errors included, allows any origin; preflights name the path's methods", async () => {
    const origin = { Origin: "https://app.example" };
    for (const [path, status] of [
      ["/routes?limit=1", 200],
      ["/routes/0", 400],
      ["/nope", 404],
    ] as const) {
      const res = await call(path, { headers: origin });
      expect(res.status).toBe(status);
      expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
      expect(res.headers.get("Access-Control-Expose-Headers")).toContain("X-Cache");
    }
    const pre = await call("/predict", {
      method: "OPTIONS",
      headers: { ...origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(pre.headers.get("Access-Control-Allow-Methods")).toBe("POST, OPTIONS");
    expect(pre.headers.get("Access-Control-Allow-Headers")).toMatch(/Content-Type/);
    expect(Number(pre.headers.get("Access-Control-Max-Age"))).toBeGreaterThan(0);
    const routePre = await call("/routes/7/safety", { method: "OPTIONS", headers: origin });
    expect(routePre.headers.get("Access-Control-Allow-Methods")).toBe("GET, HEAD, OPTIONS");
    expect((await call("/nope", { method: "OPTIONS", headers: origin })).status).toBe(404);
  });

  it("an origin list echoes listed origins (Vary: Origin) and omits the header for others", async () => {
    const listEnv = { ...env, CORS_ORIGINS: "https://a.example, https://b.example" };
    const ok = await call("/routes?limit=1", { headers: { Origin: "https://b.example" } }, listEnv);
    expect(ok.headers.get("Access-Control-Allow-Origin")).toBe("https://b.example");
    expect(ok.headers.get("Vary")).toContain("Origin");
    const other = await call("/routes?limit=1", { headers: { Origin: "https://evil.example" } }, listEnv);
    expect(other.status).toBe(200);
    expect(other.headers.get("Access-Control-Allow-Origin")).toBeNull();
    const pre = await call("/routes", { method: "OPTIONS", headers: { Origin: "https://evil.example" } }, listEnv);
    expect(pre.status).toBe(204);
    expect(pre.headers.get("Access-Control-Allow-Methods")).toBeNull();
  });
});

describe("backing services down", () => {
  it("Postgres unreachable: 503 with Retry-After; cached scores are still served", async () => {
    // Warm one key first, then make every query fail the way the Postgres adapter reports a lost database.
    expect((await call(`/routes/${HIT_ONLY}/safety?date=${today}`)).status).toBe(200);
    const sql = appContext(env).sql;
    const down = new UpstreamUnavailable("postgres", new TypeError("fetch failed"));
    vi.spyOn(sql, "query").mockRejectedValue(down);
    for (const path of ["/routes?limit=3", "/routes/900001", "/accidents/900001", `/map?bbox=169,-45,170,-44`, `/routes/899998/safety?date=${today}`]) {
      const res = await call(path);
      expect(res.status, path).toBe(503);
      expect(res.headers.get("Retry-After")).toBe("30");
      expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
      expect(ErrorBody.parse(await res.json()).error.code).toBe("upstream_unavailable");
    }
    const hit = await call(`/routes/${HIT_ONLY}/safety?date=${today}`);
    expect(hit.status).toBe(200);
    expect(hit.headers.get("X-Cache")).toBe("HIT");
  });

  it("Redis unreachable: scores are computed and answered with X-Degraded: cache-unavailable", async () => {
    const noRedis = { ...env, UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9" };
    const started = Date.now();
    const res = await call(`/routes/${DEGRADED}/safety?date=${today}`, {}, noRedis);
    expect(res.status).toBe(200);
    expect(res.headers.get("X-Degraded")).toBe("cache-unavailable");
    expect(res.headers.get("X-Cache")).toBe("MISS");
    expect(res.headers.get("Cache-Control")).toBe("public, max-age=60");
    expect(SafetyResponse.parse(await res.json()).route_id).toBe(DEGRADED);
    // The breaker is open now: the cache-only map answers at once (all missing) instead of waiting for Redis.
    const t = Date.now();
    const map = await call(`/map?bbox=169,-45,170,-44`, {}, noRedis);
    expect(map.status).toBe(200);
    expect(map.headers.get("X-Degraded")).toBe("cache-unavailable");
    expect((await json(map)).routes).toEqual([]);
    expect(Date.now() - t).toBeLessThan(3000);
    console.log(`degraded: computed answer ${t - started} ms, map ${Date.now() - t} ms`);
    // Nothing was written to the real cache by the degraded isolate context.
    expect(await redis.exists(`safety_score:${DEGRADED}:${today}`)).toBe(0);
  });

  it("weather source down: the spec's fallback (W = 0.5), said in weather.status and notes", async () => {
    const noWeather = { ...env, OPEN_METEO_FORECAST_URL: "http://127.0.0.1:9", OPEN_METEO_ARCHIVE_URL: "http://127.0.0.1:9" };
    // Weather is cached in Redis per 0.01° cell: forget this cell's, so the source is really asked.
    const latitude = -44.95;
    // (forecast per 0.01° cell, climate and its failure marker per 0.1° cell: src/cache/keys.ts)
    for (const pattern of [
      `${keyPrefixes.weather}forecast:-44.95,169.90:*`,
      `${keyPrefixes.weatherClimate}-44.9,169.9`,
      `${keyPrefixes.weather}climate_failed:-44.9,169.9`,
    ]) {
      let cursor = "0";
      do {
        const [next, keys] = (await redis.scan(cursor, { match: pattern, count: 1000 })) as [string, string[]];
        if (keys.length) await redis.del(...keys);
        cursor = String(next);
      } while (cursor !== "0");
    }
    const body = { latitude, longitude: 169.9, date: today, route_type: "alpine" };
    const res = await call("/predict", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }, noWeather);
    expect(res.status).toBe(200);
    const score = PredictResponse.parse(await json(res));
    expect(score.weather.status).toBe("forecast_unavailable");
    expect(score.weather.days).toBeNull();
    expect(score.weather.notes.join(" ")).toMatch(/forecast unavailable/);
    if ("extreme_weather" in score.metadata) expect(score.metadata.extreme_weather.enabled).toBe(false);
    await redis.del(pointKey({ latitude, longitude: 169.9, routeType: "alpine", elevationM: null, grade: null }, today));
  });
});
