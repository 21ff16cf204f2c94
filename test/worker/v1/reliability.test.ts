/**
 * Cost bounds and outages through the HTTP layer, on both surfaces:
 * - per-client compute rate limit (Workers' rate-limiting binding; here a tight instance of it,
 *   TEST_TIGHT_LIMITER = 3/min, bound as COMPUTE_LIMITER): the 4th computation is a 429 with
 *   Retry-After in each surface's shape; a hit is never limited and costs one Upstash request;
 * - the global budget for new /predict points (a Redis counter per minute);
 * - a Postgres outage as Neon reports it (SQLSTATE 55000) is a 503, a bug whose message says
 *   "upstream" (a TypeError) a 500 — classified by type, never by text; /admin/warm and
 *   /admin/stats answer 503 when Postgres or Redis is unreachable;
 * - a hung weather source: the answer comes within the request budget with the no-forecast
 *   fallback (flagged), while the fetch is still pending, and its Cache-Control never exceeds the
 *   TTL the fallback score was stored with.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createExecutionContext } from "cloudflare:test";
import { keyPrefixes, keys } from "../../../src/cache/keys";
import { appContext } from "../../../src/context";
import { addDays, todayUtc } from "../../../src/dates";
import { UpstreamUnavailable } from "../../../src/errors";
import { pointKey } from "../../../src/service/route-scores";
import { gridCell, climateCell } from "../../../src/weather/cells";
import worker from "../../../src/index";
import { ADMIN } from "../api/helpers";
import { call, clearRouteKeys, days, env, json, quietRoutes, redis } from "./helpers";

const today = todayUtc();
const dates = days(today, 8);
let limited: number[];
let hung: { id: number; latitude: number; longitude: number };
/** A client address of its own (the limiter's state may outlive a run within the same minute). */
const client = () => ({ "CF-Connecting-IP": `2001:db8::${crypto.randomUUID().slice(0, 4)}:${crypto.randomUUID().slice(0, 4)}` });
const tight = () => ({ ...env, COMPUTE_LIMITER: (env as unknown as Record<string, unknown>).TEST_TIGHT_LIMITER }) as typeof env;
const points = [0, 1, 2, 3, 4].map((i) => ({ latitude: -33.123 - i * 0.05, longitude: -70.456, route_type: "trad" }));
const pointKeys = () =>
  points.flatMap((p) =>
    [today, addDays(today, 1)].map((d) => pointKey({ latitude: p.latitude, longitude: p.longitude, routeType: "trad", elevationM: null, grade: null }, d)),
  );

async function deleteMatching(pattern: string) {
  let cursor = "0";
  do {
    const [next, found] = (await redis.scan(cursor, { match: pattern, count: 1000 })) as [string, string[]];
    if (found.length) await redis.del(...found);
    cursor = String(next);
  } while (cursor !== "0");
}

beforeAll(async () => {
  const quiet = await quietRoutes(40, 3, (t) => t === "alpine" || t === "trad");
  limited = quiet.slice(0, 2).map((r) => r.id);
  hung = quiet[2]!;
  await clearRouteKeys([...limited, hung.id], dates);
  if (pointKeys().length) await redis.del(...pointKeys());
});
afterEach(() => vi.restoreAllMocks());
afterAll(async () => {
  await clearRouteKeys([...limited, hung.id], dates);
  await redis.del(...pointKeys());
});

describe("per-client rate limit on computation", () => {
  /**
   * Computations (each a new key) until the limiter refuses one. Its windows are aligned to the
   * clock, so a window may end during the loop: at least `limit` succeed before the first refusal.
   */
  async function untilRefused(request: (i: number) => Promise<Response>, max: number) {
    for (let i = 0; i < max; i++) {
      const res = await request(i);
      if (res.status === 429) return { okBefore: i, refused: res };
      expect(res.status, `computation ${i}`).toBe(200);
    }
    throw new Error(`no 429 in ${max} computations`);
  }

  it("v1: beyond 3 computations a client gets 429 {detail} with Retry-After; hits stay 200 and cost no token", async () => {
    const ip = client();
    const e = tight();
    const safety = (id: number, d: string) => call(`/mp-routes/${id}/safety?target_date=${d}`, { method: "POST", headers: ip }, e);
    const { okBefore, refused } = await untilRefused((i) => safety(limited[0]!, dates[i]!), dates.length);
    expect(okBefore).toBeGreaterThanOrEqual(3);
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(typeof (await json(refused)).detail).toBe("string");
    // Cached answers are never limited, and a hit is one Upstash request (no limiter, no counter).
    const app = appContext(e);
    const limiter = (e as unknown as { COMPUTE_LIMITER: { limit: () => unknown } }).COMPUTE_LIMITER;
    const take = vi.spyOn(limiter, "limit");
    const run = vi.spyOn(app.cache, "run");
    const hit = await safety(limited[0]!, dates[0]!);
    expect(hit.status).toBe(200);
    expect(hit.headers.get("X-Cache")).toBe("HIT");
    expect(take).not.toHaveBeenCalled();
    // Every Upstash request goes through the guarded client's run() (exec included): one, the read.
    expect(run.mock.calls.map(([op]) => op).filter((op) => op !== "counters_flush")).toEqual(["read_through"]);
  });

  it("v2 and /predict: the same limiter, in the native error shape", async () => {
    const e = tight();
    const ip = client();
    const { okBefore, refused } = await untilRefused(
      (i) => call(`http://edge.test/api/v2/routes/${limited[1]}/breakdown?date=${dates[i]}`, { headers: ip }, e),
      7,
    );
    expect(okBefore).toBeGreaterThanOrEqual(3);
    expect(refused.headers.get("Retry-After")).toBeTruthy();
    expect((await json(refused)).error.code).toBe("rate_limited");
    const other = client();
    const predict = (i: number) =>
      call(
        "http://edge.test/api/v2/predict",
        {
          method: "POST",
          headers: { ...other, "Content-Type": "application/json" },
          body: JSON.stringify({ ...points[i % 5], date: i < 5 ? today : addDays(today, 1) }),
        },
        e,
      );
    const p = await untilRefused(predict, 10);
    expect(p.okBefore).toBeGreaterThanOrEqual(3);
    expect((await json(p.refused)).error.code).toBe("rate_limited");
  });

  it("new /predict points are bounded per minute for all clients together (PREDICT_NEW_POINTS_PER_MINUTE)", async () => {
    const e = { ...env, PREDICT_NEW_POINTS_PER_MINUTE: "1" };
    const body = (p: (typeof points)[number]) => JSON.stringify({ ...p, planned_date: addDays(today, 1) });
    const post = (p: (typeof points)[number]) =>
      call("/predict", { method: "POST", headers: { ...client(), "Content-Type": "application/json" }, body: body(p) }, e);
    // Count this minute's new points from here (other files' predictions count too: the budget is global).
    await redis.del(keys.newPointsPerMinute(Math.floor(Date.now() / 60_000)));
    const statuses = [];
    for (const p of points.slice(1, 4)) statuses.push((await post(p)).status);
    expect(statuses).toContain(429);
    const refused = await post(points[4]!);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("Retry-After"))).toBeLessThanOrEqual(60);
    // A point already scored is a hit: not limited.
    const first = points.slice(1, 4)[statuses.indexOf(200)];
    if (first) expect((await post(first)).status).toBe(200);
  });
});

describe("outages and bugs, by type", () => {
  it("SQLSTATE 55000 from Neon (database not accepting connections): 503 on both surfaces, never 500", async () => {
    const realFetch = globalThis.fetch;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url === env.NEON_HTTP_ENDPOINT) {
        return new Response(JSON.stringify({ message: 'database "safeascent" is not currently accepting connections', code: "55000", severity: "FATAL" }), {
          status: 400,
          headers: { "Content-Type": "application/json" },
        });
      }
      return realFetch(input, init);
    });
    const v1 = await call(`/mp-routes?limit=1`);
    expect(v1.status).toBe(503);
    expect(v1.headers.get("Retry-After")).toBeTruthy();
    expect(typeof (await json(v1)).detail).toBe("string");
    const v2 = await call(`http://edge.test/api/v2/routes?limit=1`);
    expect(v2.status).toBe(503);
    expect((await json(v2)).error.code).toBe("upstream_unavailable");
  });

  it("a TypeError whose message mentions upstream is a bug: 500 on both surfaces (not an outage)", async () => {
    vi.spyOn(appContext(env).sql, "query").mockRejectedValue(new TypeError("upstream is not a function"));
    const v1 = await call(`/mp-routes?limit=1`);
    expect(v1.status).toBe(500);
    expect(await json(v1)).toEqual({ detail: "Internal Server Error" });
    const v2 = await call(`http://edge.test/api/v2/routes?limit=1`);
    expect(v2.status).toBe(500);
    expect((await json(v2)).error.code).toBe("internal_error");
  });

  it("/admin/warm and /admin/stats: 503 when Postgres or Redis is unreachable", async () => {
    const admin = (path: string, method: string, e: typeof env) => call(`http://edge.test${path}`, { method, headers: ADMIN }, e);
    vi.spyOn(appContext(env).sql, "query").mockRejectedValue(new UpstreamUnavailable("postgres", new TypeError("fetch failed")));
    for (const [path, method] of [
      ["/admin/stats", "GET"],
      [`/admin/warm?routes=${limited[0]}`, "POST"],
    ] as const) {
      const res = await admin(path, method, env);
      expect(res.status, `${method} ${path} (postgres)`).toBe(503);
      expect(res.headers.get("Retry-After")).toBeTruthy();
    }
    vi.restoreAllMocks();
    const noRedis = { ...env, UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9" };
    for (const [path, method] of [
      ["/admin/stats", "GET"],
      ["/admin/warm?top=5", "POST"],
    ] as const) {
      const res = await admin(path, method, noRedis);
      expect(res.status, `${method} ${path} (redis)`).toBe(503);
      expect((await json(res)).error.code).toBe("upstream_unavailable");
    }
  });
});

describe("a hung weather source", () => {
  it("is answered within the request budget with the flagged fallback; Cache-Control ≤ the stored TTL", async () => {
    const HANG = "http://hung-weather.test";
    const e = { ...env, OPEN_METEO_FORECAST_URL: HANG, OPEN_METEO_ARCHIVE_URL: HANG };
    // Nothing cached for this route's cells: the service has to ask the (hung) source.
    await deleteMatching(`${keyPrefixes.weather}*${gridCell(hung.latitude, hung.longitude).key}*`);
    await deleteMatching(`${keyPrefixes.weatherClimate}${climateCell(hung.latitude, hung.longitude).key}`);
    await redis.del(keys.weatherClimateFailure(climateCell(hung.latitude, hung.longitude).key));
    const realFetch = globalThis.fetch;
    let pending = 0;
    vi.spyOn(globalThis, "fetch").mockImplementation((input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (!url.startsWith(HANG)) return realFetch(input, init);
      pending++;
      // Never answers; only the caller's own abort (its per-call timeout) ends it.
      return new Promise<Response>((_, reject) => init?.signal?.addEventListener("abort", () => (pending--, reject(init.signal!.reason))));
    });
    const ctx = createExecutionContext();
    const res = await worker.fetch!(
      new Request(`http://edge.test/api/v1/mp-routes/${hung.id}/safety?target_date=${today}`, { method: "POST" }) as never,
      e,
      ctx,
    );
    // Answered while the weather request is still hanging: the deadline, not the fetch's timeout, ended the wait.
    expect(pending).toBeGreaterThan(0);
    expect(res.status).toBe(200);
    const compact = JSON.parse((await redis.get<string>(keys.score(hung.id, today)))!);
    expect(compact.weather).toBe("forecast_unavailable"); // the fallback, flagged in the cached score
    const ttl = Number(await redis.ttl(keys.score(hung.id, today)));
    expect(ttl).toBeLessThanOrEqual(900); // a fallback score is cached briefly
    const maxAge = Number(/max-age=(\d+)/.exec(res.headers.get("Cache-Control")!)![1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(ttl);
    // The same key served from the cache later says no more than what is left of it.
    const again = await call(`/mp-routes/${hung.id}/safety?target_date=${today}`, { method: "POST" });
    expect(again.headers.get("X-Cache")).toBe("HIT");
    expect(Number(/max-age=(\d+)/.exec(again.headers.get("Cache-Control")!)![1])).toBeLessThanOrEqual(Number(await redis.ttl(keys.score(hung.id, today))) + 1);
  });
});
