/**
 * Warming the whole catalogue (issue #9) on a small synthetic one inside workerd: 2,000 routes on
 * 300 locations from the catalogue generator (tools/data/catalogue.ts, seed 7, no accidents of
 * its own), added to the test database next to the shared dataset. `scope=all` warms every located
 * route × 7 days in location batches; location scoring equals route-by-route scoring; a failing
 * batch is retried and reported without losing the other batches' keys; history is written once
 * per route and day and pruned once per run.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { env } from "cloudflare:workers";
import { appContext } from "../../src/context";
import { keys as redisKeys } from "../../src/cache/keys";
import { CompactScoreSchema } from "../../src/cache/scores";
import { addDays, dateRange, todayUtc } from "../../src/dates";
import { countLocatedRoutes, getRoutesByIds, pageRoutePoints, type RoutePoint } from "../../src/data/routes";
import { readHistory, writeHistory } from "../../src/data/history";
import { ScoreService } from "../../src/service/score-service";
import { stats } from "../../src/http/admin";
import { startRun } from "../../src/warming/start-run";
import { generateCatalogue } from "../../tools/data/catalogue";
import { ADMIN, call, existing, redis, resetWarmingState, waitForFinish, type SendBatchSpy } from "./warming-support";
import type { RunRecord } from "../../src/warming/runs";

const app = () => appContext(env);
const BATCH = Number(env.WARM_BATCH_ROUTES);
let syntheticIds: number[] = [];

async function seedCatalogue() {
  const cat = generateCatalogue({ routes: 2000, locations: 300, seed: 7, accidentsFrom: null });
  const m = cat.mountains as Record<string, any>[];
  const r = cat.routes as Record<string, any>[];
  const sql = app().sql;
  await sql.query(
    `INSERT INTO mountains (mountain_id, name, elevation_ft, latitude, longitude, accident_count)
     SELECT * FROM unnest($1::int[], $2::text[], $3::float8[], $4::float8[], $5::float8[], $6::int[]) ON CONFLICT DO NOTHING`,
    [m.map((x) => x.mountain_id), m.map((x) => x.name), m.map((x) => x.elevation_ft), m.map((x) => x.latitude), m.map((x) => x.longitude), m.map(() => 0)],
  );
  await sql.query(
    `INSERT INTO routes (route_id, name, mountain_id, grade, grade_yds, type, latitude, longitude, accident_count)
     SELECT * FROM unnest($1::int[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::float8[], $9::int[]) ON CONFLICT DO NOTHING`,
    [
      r.map((x) => x.route_id),
      r.map((x) => x.name),
      r.map((x) => x.mountain_id),
      r.map((x) => x.grade),
      r.map((x) => x.grade_yds),
      r.map((x) => x.type),
      r.map((x) => x.latitude),
      r.map((x) => x.longitude),
      r.map(() => 0),
    ],
  );
  syntheticIds = r.map((x) => Number(x.route_id));
}

/** Every located route of the database with its scoring point (keyset pages, as the tick reads them). */
async function allPoints(): Promise<RoutePoint[]> {
  const out: RoutePoint[] = [];
  let after: RoutePoint | null = null;
  for (;;) {
    const page = await pageRoutePoints(app().sql, after, 5000);
    out.push(...page);
    if (page.length < 5000) return out;
    after = page.at(-1)!;
  }
}

const bodies = (spy: SendBatchSpy) => spy.mock.calls.flatMap(([msgs]) => msgs.map((m) => m.body as { routeIds: number[]; index: number }));

beforeAll(async () => {
  await resetWarmingState();
  await seedCatalogue();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await resetWarmingState();
});

describe("scope=all", () => {
  it("warms every located route × 7 days with compact values, sending whole locations per message, with a record of constant size", async () => {
    const points = await allPoints();
    const located = await countLocatedRoutes(app().sql);
    expect(points).toHaveLength(located);
    expect(located).toBeGreaterThan(2000);

    const sendBatch = vi.spyOn(env.WARM_QUEUE, "sendBatch") as unknown as SendBatchSpy;
    const res = await call("/admin/warm?scope=all&wait=240", { method: "POST", headers: ADMIN });
    expect(res.status, await res.clone().text()).toBe(200);
    const { run } = (await res.json()) as { run: RunRecord };
    expect(run).toMatchObject({ status: "succeeded", scope: "all", planned: true });
    expect(run.routes).toMatchObject({ total: located, done: located, failed: 0, pending: 0, retrying: 0 });
    expect(run.scores).toMatchObject({ total: located * 7, done: located * 7, failed: 0 });

    // Messages: every route once, ≤ WARM_BATCH_ROUTES each, ≤ 100 per sendBatch; a location's
    // routes in one message unless the location is larger than a batch.
    const sent = bodies(sendBatch);
    expect(run.messages).toBe(sent.length);
    for (const [msgs] of sendBatch.mock.calls) expect(msgs.length).toBeLessThanOrEqual(100);
    expect(sent.every((b) => b.routeIds.length <= BATCH)).toBe(true);
    const ids = sent.flatMap((b) => b.routeIds);
    expect(ids.length).toBe(located);
    expect(new Set(ids).size).toBe(located);
    const messageOf = new Map(sent.flatMap((b) => b.routeIds.map((id) => [id, b.index] as const)));
    const byPoint = new Map<string, number[]>();
    for (const p of points) {
      const k = `${p.latitude}|${p.longitude}|${p.elevationFt}`;
      byPoint.set(k, [...(byPoint.get(k) ?? []), p.id]);
    }
    const shared = [...byPoint.values()].filter((g) => g.length > 1);
    expect(shared.length).toBeGreaterThan(50);
    for (const g of shared) if (g.length <= BATCH) expect(new Set(g.map((id) => messageOf.get(id))).size).toBe(1);
    // Fewer messages than route-by-route batching would need.
    expect(sent.length).toBeLessThanOrEqual(Math.ceil(located / BATCH) + byPoint.size / 20);

    // Every key, compact.
    const keys = points.flatMap((p) => run.dates.map((d) => redisKeys.score(p.id, d)));
    expect(await existing(keys)).toBe(located * 7);
    const sample = (await redis.mget(...keys.filter((_, i) => i % 499 === 0))) as string[];
    for (const raw of sample) expect(CompactScoreSchema.safeParse(JSON.parse(raw)).success).toBe(true);

    // The record is counters (+ failures): a few dozen fields whatever the catalogue; nothing pending.
    expect(Number(await redis.hlen(redisKeys.run(run.id)))).toBeLessThan(40);
    expect(Number(await redis.hlen(redisKeys.runPending(run.id)))).toBe(0);
    expect(Number(await redis.exists(redisKeys.runFailed(run.id)))).toBe(0);

    // /admin/stats at scope all counts from the map index (HLEN per date), expecting every located route.
    const a = app();
    const body = (await (await stats({ ...a, config: { ...a.config, warming: { ...a.config.warming, scope: "all" } } })).json()) as {
      cache: { scope: string; scopeRoutes: number; cachedKeys: number; expectedKeys: number };
    };
    expect(body.cache).toMatchObject({ scope: "all", scopeRoutes: located, expectedKeys: located * 7, cachedKeys: located * 7 });
  });

  it("scores a location's routes together exactly as route by route", async () => {
    const routes = await getRoutesByIds(app().sql, syntheticIds);
    const byPoint = new Map<string, typeof routes>();
    for (const r of routes) {
      const k = `${r.latitude}|${r.longitude}|${r.elevationM}`;
      byPoint.set(k, [...(byPoint.get(k) ?? []), r]);
    }
    const locations = [...byPoint.values()].filter((g) => g.length >= 3 && new Set(g.map((r) => r.type)).size >= 2).slice(0, 6);
    expect(locations.length).toBeGreaterThanOrEqual(3);
    const dates = dateRange(todayUtc(), 7);
    const together = await app().scores.computeCompactForecasts(locations.flat(), dates);
    for (const o of together) {
      expect(o.ok).toBe(true);
      if (!o.ok) continue;
      const alone = await app().scores.computeRouteForecast(o.route, dates);
      expect(o.scores.map((s) => [s.date, s.risk_score, s.color_code, s.num_contributing_accidents, s.weather.status, s.weather.climate_available])).toEqual(
        alone.map((s) => [s.date, s.risk_score, s.color_code, s.num_contributing_accidents, s.weather.status, s.weather.climate_available]),
      );
    }
  });

  it("a failing location batch is retried and reported, and never loses the other batches' keys", async () => {
    const sendBatch = vi.spyOn(env.WARM_QUEUE, "sendBatch") as unknown as SendBatchSpy;
    const [transient, permanent] = [syntheticIds[100]!, syntheticIds[1500]!];
    const calls = new Map<number, number>();
    const original = ScoreService.prototype.scoreCompact;
    vi.spyOn(ScoreService.prototype, "scoreCompact").mockImplementation(function (this: ScoreService, inputs, routes) {
      for (const id of [transient, permanent]) {
        if (!routes.some((r) => r.id === id)) continue;
        const n = (calls.get(id) ?? 0) + 1;
        calls.set(id, n);
        if (id === permanent || n <= 2) throw new Error(`synthetic batch failure (${id}, attempt ${n})`);
      }
      return original.call(this, inputs, routes);
    });
    const res = await call("/admin/warm?scope=all", { method: "POST", headers: ADMIN });
    const { runId } = (await res.json()) as { runId: string };
    const run = await waitForFinish(runId, 180_000);
    const sent = bodies(sendBatch).filter((b) => b.index !== undefined);
    const lost = sent.find((b) => b.routeIds.includes(permanent))!.routeIds;
    const retried = sent.find((b) => b.routeIds.includes(transient))!.routeIds;
    expect(lost.includes(transient)).toBe(false);
    expect(calls.get(transient)).toBe(3); // two failures, then the retry that wrote it
    expect(calls.get(permanent)).toBeGreaterThanOrEqual(4); // first delivery + max_retries, then the dead letter

    expect(run.status).toBe("partial");
    expect(run.routes).toMatchObject({ failed: lost.length, done: run.routes.total - lost.length, pending: 0 });
    expect(run.failedRoutes.map((f) => f.routeId)).toEqual([...lost].sort((a, b) => a - b));
    expect(run.failedRoutes[0]!.reason).toMatch(/dead-lettered after \d+ attempt\(s\): scoring failed: synthetic batch failure/);
    const others = sent.flatMap((b) => b.routeIds).filter((id) => !lost.includes(id));
    expect(others).toEqual(expect.arrayContaining(retried));
    // Each of the other batches' keys was written by this run (computed_at after it started).
    const keys = others.flatMap((id) => run.dates.map((d) => redisKeys.score(id, d)));
    expect(await existing(keys)).toBe(others.length * 7);
    const startedS = Date.parse(run.createdAt);
    for (const raw of (await redis.mget(...retried.flatMap((id) => run.dates.map((d) => redisKeys.score(id, d))))) as string[]) {
      expect(Date.parse(JSON.parse(raw).computed_at)).toBeGreaterThanOrEqual(startedS);
    }
    expect(Number(await redis.llen(redisKeys.deadLetters))).toBe(1);
  });
});

describe("score history", () => {
  it("each run writes each warmed route's score for its day once: two days, two rows", async () => {
    const route = syntheticIds[7]!;
    const today = todayUtc();
    const tomorrow = addDays(today, 1);
    for (const now of [new Date(`${today}T01:00:00Z`), new Date(`${tomorrow}T01:00:00Z`), new Date(`${tomorrow}T07:00:00Z`)]) {
      const started = await startRun(app(), { trigger: "manual", routeIds: [route], now });
      expect(started.started).toBe(true);
      if (started.started) expect((await waitForFinish(started.run.id)).status).toBe("succeeded");
      if (now.getUTCHours() === 1 && now.toISOString().startsWith(tomorrow)) {
        const rows = await readHistory(app().sql, route, today, tomorrow);
        expect(rows.map((r) => r.date)).toEqual([today, tomorrow]);
      }
    }
    const rows = await readHistory(app().sql, route, today, tomorrow);
    expect(rows.map((r) => r.date)).toEqual([today, tomorrow]);
    // The second run of the day kept the first one's row (first write wins).
    const first = rows[1]!;
    const scores = JSON.parse((await redis.get<string>(redisKeys.score(route, tomorrow)))!);
    expect(first.riskScore).toBe(scores.risk_score);
    expect(["green", "yellow", "orange", "red"]).toContain(first.colorCode);
  });

  it("prunes history older than HISTORY_RETENTION_DAYS once per run", async () => {
    const route = syntheticIds[8]!;
    await writeHistory(app().sql, [
      { routeId: route, date: "1800-01-01", riskScore: 10, colorCode: "green", computedAt: "1800-01-01T00:00:00.000Z" },
      { routeId: route, date: "1800-06-01", riskScore: 20, colorCode: "green", computedAt: "1800-06-01T00:00:00.000Z" },
    ]);
    vi.spyOn(env.WARM_QUEUE, "sendBatch").mockResolvedValue(undefined as never); // the prune is what this is about
    const a = app();
    const started = await startRun(
      { ...a, config: { ...a.config, historyRetentionDays: 30 } },
      { trigger: "manual", routeIds: [route], now: new Date("1800-06-02T00:00:00Z") },
    );
    expect(started.started).toBe(true);
    expect((await readHistory(a.sql, route, "1799-01-01", "1800-12-31")).map((r) => r.date)).toEqual(["1800-06-01"]);
    await a.sql.query(`DELETE FROM score_history WHERE route_id = $1 AND date < '1900-01-01'`, [route]);
    if (started.started) await redis.del(redisKeys.runAlive(started.run.id));
  });
});
