/**
 * GET /api/v1/mp-routes/map-with-safety before and after a warming run, on the real dataset:
 * - cached counts move from 0 to the warmed routes (a run of the warming consumer for a few real
 *   routes and UTC yesterday — a date this file owns: the warming tests warm today … today+6);
 * - each warmed route carries exactly its cached compact score, the others `safety: null`;
 * - the cost is one SQL query and one Redis read whatever the number of routes, nothing computed;
 * - Cache-Control never outlives the earliest embedded score.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { keys } from "../../../src/cache/keys";
import { CompactScoreSchema } from "../../../src/cache/scores";
import { appContext } from "../../../src/context";
import { addDays, todayUtc } from "../../../src/dates";
import { ScoreService } from "../../../src/service/score-service";
import worker from "../../../src/index";
import { call, clearRouteKeys, env, json, quietRoutes, redis, sql } from "./helpers";
import { dataVersionSince, seasonMarkers, seasonMarkersPart } from "../../../src/data/queries";
import { MarkerCache } from "../../../src/service/markers";

const date = addDays(todayUtc(), -1);
const runId = `test-v1-map-${crypto.randomUUID().slice(0, 8)}`;
let warmed: number[];

async function dropRun() {
  await redis.del(keys.run(runId), keys.runPending(runId), keys.runFailed(runId), keys.runAlive(runId), keys.runRetryReasons(runId));
}

beforeAll(async () => {
  warmed = (await quietRoutes(10, 4, (t) => t === "alpine" || t === "trad")).map((r) => r.id);
  expect(warmed).toHaveLength(4);
  await redis.del(keys.mapIndex(date));
  await clearRouteKeys(warmed, [date]);
});
afterEach(() => vi.restoreAllMocks());
afterAll(async () => {
  await clearRouteKeys(warmed, [date]);
  await redis.del(keys.mapIndex(date));
  await dropRun();
});

type Marker = { mp_route_id: number; safety: { risk_score: number; color_code: string; status: string } | null };
type MapBody = { routes: Marker[]; meta: { total_routes: number; cached_routes: number; missing_routes: number; computed_routes: number } };

describe("map-with-safety and a warming run", () => {
  it("0 cached before; after the run exactly the warmed routes, each with its cached score", async () => {
    const before = await json<MapBody>(await call(`/mp-routes/map-with-safety?target_date=${date}&season=rock`));
    expect(before.meta).toMatchObject({ cached_routes: 0, missing_routes: before.meta.total_routes, computed_routes: 0 });
    expect(before.routes.every((r) => r.safety === null)).toBe(true);
    expect(before.routes.map((r) => r.mp_route_id)).toEqual(expect.arrayContaining(warmed));

    // A warming run's message for these routes and the date, through the queue consumer.
    const batch = createMessageBatch("safeascent-warm", [
      { id: "v1-map-1", timestamp: new Date(), attempts: 1, body: { runId, index: 0, routeIds: warmed, dates: [date] } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue!(batch as never, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["v1-map-1"]);

    const spy = vi.spyOn(ScoreService.prototype, "computeRouteForecasts");
    const res = await call(`/mp-routes/map-with-safety?target_date=${date}&season=rock`);
    expect(spy).not.toHaveBeenCalled();
    const after = await json<MapBody>(res);
    expect(after.meta).toMatchObject({
      total_routes: before.meta.total_routes,
      cached_routes: warmed.length,
      missing_routes: before.meta.total_routes - warmed.length,
    });
    for (const id of warmed) {
      const compact = CompactScoreSchema.parse(JSON.parse((await redis.get<string>(keys.score(id, date)))!));
      expect(after.routes.find((r) => r.mp_route_id === id)!.safety, String(id)).toEqual({
        risk_score: compact.risk_score,
        color_code: compact.color_code,
        status: "cached",
      });
    }
    expect(
      after.routes
        .filter((r) => r.safety !== null)
        .map((r) => r.mp_route_id)
        .sort(),
    ).toEqual([...warmed].sort());
    // Not longer than the scores it embeds live (6 h here) and never more than a minute.
    const maxAge = Number(/max-age=(\d+)/.exec(res.headers.get("Cache-Control")!)![1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(60);
    vi.restoreAllMocks();
  });

  it("costs one SQL query and one Redis read, whatever the number of routes", async () => {
    // The isolate's first request of a season also reads its markers (once per isolate and import).
    for (const season of ["rock", "winter"]) expect((await call(`/mp-routes/map-with-safety?target_date=${date}&season=${season}`)).status).toBe(200);
    const app = appContext(env);
    const queries = vi.spyOn(app.sql, "query");
    const run = vi.spyOn(app.cache, "run");
    const exec = vi.spyOn(app.cache, "exec");
    for (const season of ["rock", "winter"]) {
      queries.mockClear();
      run.mockClear();
      exec.mockClear();
      const res = await call(`/mp-routes/map-with-safety?target_date=${date}&season=${season}`);
      expect(res.status).toBe(200);
      expect(queries, season).toHaveBeenCalledTimes(1);
      expect(run.mock.calls.length + exec.mock.calls.length, season).toBe(1);
      expect(run.mock.calls[0]![0]).toBe("map_read_all"); // HGETALL of the date's index
    }
    vi.restoreAllMocks();
  });

  it("the markers are read once per isolate and data version: the query brings them only when the version moved", async () => {
    const { readDataVersion } = await import("../../../src/data/db");
    const version = await readDataVersion(sql);
    expect(await dataVersionSince(sql, version)).toEqual({ version, routeCount: null });
    const moved = await dataVersionSince(sql, version - 1);
    const all = await seasonMarkers(sql, "rock");
    expect(moved.version).toBe(version);
    expect(moved.routeCount).toBe((await sql.query("SELECT count(*)::int AS n FROM routes"))[0]!.n);
    expect(all.count).toBeGreaterThanOrEqual(157);
    expect(all.lines.split("\n")).toHaveLength(all.count);
    for (const line of all.lines.split("\n").slice(0, 50)) expect(JSON.parse(line)).toMatchObject({ mp_route_id: expect.any(Number), safety: null });
    // The slices (route_id modulo parts) are disjoint and together the whole season.
    const parts = await Promise.all([0, 1, 2].map((i) => seasonMarkersPart(sql, "rock", i, 3)));
    const ids = (m: { lines: string }) => (m.lines === "" ? [] : m.lines.split("\n").map((l) => (JSON.parse(l) as { mp_route_id: number }).mp_route_id));
    expect(parts.flatMap(ids).sort((a, b) => a - b)).toEqual(ids(all).sort((a, b) => a - b));
    // The cache: a new instance reads them; later calls of the same version only ask for the version.
    const cache = new MarkerCache(sql);
    const queries = vi.spyOn(sql, "query");
    const first = await cache.get("winter");
    const again = await cache.get("winter");
    expect(again).toBe(first);
    expect(cache.loads).toBe(1);
    expect(queries).toHaveBeenCalledTimes(3); // version + the one slice winter needs, then the version only
    vi.restoreAllMocks();
  });

  it("an entry whose score expires in 10 s: embedded, and Cache-Control says at most 10 s; once expired it is null", async () => {
    const id = warmed[0]!;
    const now = Math.floor(Date.now() / 1000);
    await redis.hset(keys.mapIndex(date), { [String(id)]: `12.3|green|${now + 10}` });
    const res = await call(`/mp-routes/map-with-safety?target_date=${date}`);
    const body = await json<MapBody>(res);
    expect(body.routes.find((r) => r.mp_route_id === id)!.safety).toEqual({ risk_score: 12.3, color_code: "green", status: "cached" });
    expect(Number(/max-age=(\d+)/.exec(res.headers.get("Cache-Control")!)![1])).toBeLessThanOrEqual(10);
    await redis.hset(keys.mapIndex(date), { [String(id)]: `12.3|green|${now - 1}` });
    const expired = await json<MapBody>(await call(`/mp-routes/map-with-safety?target_date=${date}`));
    expect(expired.routes.find((r) => r.mp_route_id === id)!.safety).toBeNull();
    expect(expired.meta.cached_routes).toBe(warmed.length - 1);
  });

  it("Redis unreachable: the markers, all with safety null, flagged X-Degraded", async () => {
    const noRedis = { ...env, UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9" };
    const res = await call(`/mp-routes/map-with-safety?target_date=${date}`, {}, noRedis);
    expect(res.status).toBe(200);
    expect(res.headers.get("X-Degraded")).toBe("cache-unavailable");
    const body = await json<MapBody>(res);
    expect(body.routes.length).toBeGreaterThan(100);
    expect(body.meta.cached_routes).toBe(0);
  });
});
