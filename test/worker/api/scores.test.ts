/**
 * Route score endpoints end to end (workerd → Neon-HTTP/Upstash-REST stand-ins → real Postgres and
 * Redis): cache-first safety with HIT/MISS, Cache-Control from the key's TTL, ETag/304, fresh=true,
 * the forecast from warmed keys, the breakdown, the date window, and the hit/miss counters.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { addDays, todayUtc } from "../../../src/dates";
import { keys } from "../../../src/cache/keys";
import { CompactScoreSchema, routeScoreTtl } from "../../../src/cache/scores";
import { appContext } from "../../../src/context";
import { ScoreService } from "../../../src/service/score-service";
import { BreakdownResponse, ErrorBody, ForecastResponse, SafetyResponse } from "../../../src/http/v2/schemas";
import { ACCIDENTS, ADMIN, call, clearScores, env, hash, json, redis, seed, window7 } from "./helpers";

// This file's routes (no other file touches their keys).
const SAFETY = 900001;
const FRESH = 900002;
const ICE = 900003; // coordinates from its mountain
const FORECAST = 900009;
const BREAKDOWN = 900010;
const MINE = [SAFETY, FRESH, ICE, FORECAST, BREAKDOWN];

beforeAll(async () => {
  await seed();
  await clearScores(MINE);
});
afterEach(() => vi.restoreAllMocks());
afterAll(() => clearScores(MINE));

const today = todayUtc();

describe("GET /routes/:id/safety", () => {
  it("MISS computes and caches; the next call is a HIT with the same body and ETag", async () => {
    const first = await call(`/routes/${SAFETY}/safety?date=${today}`);
    expect(first.status).toBe(200);
    expect(first.headers.get("X-Cache")).toBe("MISS");
    expect(first.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(first.headers.get("Cache-Control")).toBe("public, max-age=21600");
    const body = SafetyResponse.parse(await first.clone().json());
    expect(body.route_id).toBe(SAFETY);
    expect(body.route_name).toBe("Zedtest North Ridge");
    expect(body.date).toBe(today);
    expect(body.risk_score).toBeGreaterThanOrEqual(0);
    expect(body.risk_score).toBeLessThanOrEqual(100);
    expect(body.canonical_route_type).toBe("alpine");
    expect(["ok", "forecast_unavailable"]).toContain(body.weather.status);
    expect(body).not.toHaveProperty("confidence");

    // The explanation under its own key, the compact score (what warming writes) beside it, same TTL:
    // today's scores live until today has ended everywhere (routeScoreTtl), at least 6 h.
    const expected = routeScoreTtl({ date: today, weather: { status: "ok", climate_available: true } }, 21_600);
    for (const key of [keys.scoreDetail(SAFETY, today), keys.score(SAFETY, today)]) {
      const ttl = Number(await redis.ttl(key));
      expect(ttl).toBeGreaterThan(expected - 100);
      expect(ttl).toBeLessThanOrEqual(expected + 1); // TTLs are whole seconds
    }
    const compact = CompactScoreSchema.parse(JSON.parse((await redis.get<string>(keys.score(SAFETY, today)))!));
    expect(compact.risk_score).toBe(Math.round(body.risk_score * 10) / 10);
    expect(compact.color_code).toBe(body.color_code);

    const second = await call(`/routes/${SAFETY}/safety?date=${today}`);
    expect(second.status).toBe(200);
    expect(second.headers.get("X-Cache")).toBe("HIT");
    expect(await second.clone().text()).toBe(await first.text());
    expect(second.headers.get("ETag")).toBe(first.headers.get("ETag"));
  });

  it("date defaults to today; Cache-Control max-age is the key's remaining TTL", async () => {
    await redis.expire(keys.scoreDetail(SAFETY, today), 1234);
    const res = await call(`/routes/${SAFETY}/safety`);
    expect(res.headers.get("X-Cache")).toBe("HIT");
    const maxAge = Number(/max-age=(\d+)/.exec(res.headers.get("Cache-Control")!)![1]);
    expect(maxAge).toBeGreaterThan(1200);
    expect(maxAge).toBeLessThanOrEqual(1234);
  });

  it("ETag + If-None-Match gives 304 with no body; a different tag gives 200", async () => {
    const res = await call(`/routes/${SAFETY}/safety?date=${today}`);
    const etag = res.headers.get("ETag")!;
    expect(etag).toMatch(/^"[0-9a-f]{40}"$/);
    const notModified = await call(`/routes/${SAFETY}/safety?date=${today}`, { headers: { "If-None-Match": etag } });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get("ETag")).toBe(etag);
    expect(notModified.headers.get("X-Cache")).toBe("HIT");
    expect(await notModified.text()).toBe("");
    const weak = await call(`/routes/${SAFETY}/safety?date=${today}`, { headers: { "If-None-Match": `"nope", W/${etag}` } });
    expect(weak.status).toBe(304);
    const other = await call(`/routes/${SAFETY}/safety?date=${today}`, { headers: { "If-None-Match": `"0000"` } });
    expect(other.status).toBe(200);
  });

  it("routes located by their mountain are scored; the engine runs for the asked date only", async () => {
    const spy = vi.spyOn(ScoreService.prototype, "computeRouteForecasts");
    const date = addDays(today, 3);
    const res = await call(`/routes/${ICE}/safety?date=${date}`);
    expect(res.status).toBe(200);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]![1]).toEqual([date]);
    const body = SafetyResponse.parse(await res.json());
    expect(body.canonical_route_type).toBe("ice");
  });

  it("fresh=true: 401 without a token, 403 with a wrong one, recomputes with the admin token", async () => {
    const url = `/routes/${FRESH}/safety?date=${today}&fresh=true`;
    const anon = await call(url);
    expect(anon.status).toBe(401);
    expect(anon.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
    expect(ErrorBody.parse(await anon.json()).error.field).toBe("fresh");
    const wrong = await call(url, { headers: { Authorization: "Bearer not-the-token-0123456789" } });
    expect(wrong.status).toBe(403);

    const cached = await call(`/routes/${FRESH}/safety?date=${today}`);
    expect(cached.headers.get("X-Cache")).toBe("MISS");
    const before = await json(cached);

    const spy = vi.spyOn(ScoreService.prototype, "computeRouteForecasts");
    const fresh = await call(url, { headers: ADMIN });
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get("X-Cache")).toBe("MISS");
    expect(fresh.headers.get("Cache-Control")).toBe("no-store");
    expect(spy).toHaveBeenCalledTimes(1);
    const after = SafetyResponse.parse(await fresh.json());
    expect(after.computed_at >= before.computed_at).toBe(true);
    // The recomputed value replaced the cached one.
    const stored = JSON.parse((await redis.get<string>(keys.scoreDetail(FRESH, today)))!);
    expect(stored.computed_at).toBe(after.computed_at);
    expect(JSON.parse((await redis.get<string>(keys.score(FRESH, today)))!).computed_at).toBe(after.computed_at);
  });

  it("dates outside today … today+6 are 422 naming the field and the range; malformed ones too", async () => {
    for (const date of [addDays(today, -1), addDays(today, 7), "2000-01-01"]) {
      const res = await call(`/routes/${SAFETY}/safety?date=${date}`);
      expect(res.status).toBe(422);
      const { error } = ErrorBody.parse(await res.json());
      expect(error.field).toBe("date");
      expect(error.message).toContain(today);
      expect(error.message).toContain(addDays(today, 6));
    }
    for (const date of ["2026-02-30", "tomorrow", "20261125", ""]) {
      const res = await call(`/routes/${SAFETY}/safety?date=${encodeURIComponent(date)}`);
      expect(res.status).toBe(422);
      expect(ErrorBody.parse(await res.json()).error.field).toBe("date");
    }
  });

  it("bad ids are 400, unknown and unlocatable routes 404, unknown parameters 400", async () => {
    for (const id of ["0", "-3", "abc", "1.5", "01", "99999999999", "1e3"]) {
      const res = await call(`/routes/${id}/safety`);
      expect(res.status, id).toBe(400);
      expect(ErrorBody.parse(await res.json()).error.field).toBe("id");
    }
    const unknown = await call(`/routes/899999/safety`);
    expect(unknown.status).toBe(404);
    expect(ErrorBody.parse(await unknown.json()).error.code).toBe("not_found");
    expect((await call(`/routes/900013/safety`)).status).toBe(404);
    const extra = await call(`/routes/${SAFETY}/safety?dte=${today}`);
    expect(extra.status).toBe(400);
    expect(ErrorBody.parse(await extra.json()).error.field).toBe("dte");
  });

  it("hit/miss/computed counters are counted in the isolate and flushed to Redis", async () => {
    const read = async () => {
      await appContext(env).counters.flush(); // what the next due flush (≤ 5 s later) would write
      const h = await hash(keys.cacheCounters);
      return { hit: Number(h[`${today}:hit`] ?? 0), miss: Number(h[`${today}:miss`] ?? 0), totalHit: Number(h["total:hit"] ?? 0) };
    };
    const before = await read();
    await call(`/routes/${SAFETY}/safety?date=${today}`); // HIT (cached above)
    await call(`/routes/${SAFETY}/safety?date=${addDays(today, 6)}`); // MISS
    const after = await read();
    // Other test files may count too: at least ours.
    expect(after.hit - before.hit).toBeGreaterThanOrEqual(1);
    expect(after.miss - before.miss).toBeGreaterThanOrEqual(1);
    expect(after.totalHit - before.totalHit).toBeGreaterThanOrEqual(1);
    const stats = await json(await call("http://edge.test/admin/stats", { headers: ADMIN }));
    expect(stats.counters.today.hits).toBeGreaterThanOrEqual(after.hit);
    expect(stats.counters.today.computed).toBeGreaterThanOrEqual(1);
  });
});

describe("GET /routes/:id/forecast", () => {
  it("serves warmed days from one read and computes only the missing ones in one call", async () => {
    const dates = window7();
    // Warm days 0, 2, 4, 6 through the safety endpoint.
    for (const d of [dates[0], dates[2], dates[4], dates[6]]) expect((await call(`/routes/${FORECAST}/safety?date=${d}`)).status).toBe(200);

    const spy = vi.spyOn(ScoreService.prototype, "computeRouteForecasts");
    const res = await call(`/routes/${FORECAST}/forecast`);
    expect(res.status).toBe(200);
    expect(res.headers.get("X-Cache")).toBe("MISS");
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]![1]).toEqual([dates[1], dates[3], dates[5]]);
    const body = ForecastResponse.parse(await res.json());
    expect(body.route_id).toBe(FORECAST);
    expect(body.start).toBe(today);
    expect(body.days.map((d) => d.date)).toEqual(dates);
    expect(body.days.map((d) => d.cached)).toEqual([true, false, true, false, true, false, true]);
    for (const d of body.days) {
      expect(d.risk_score).toBe(Math.round(d.risk_score * 10) / 10);
      expect(d.weather.days === null || d.weather.days.at(-1)!.date === d.date).toBe(true);
    }

    // Written back: now every day is a hit and nothing is computed.
    spy.mockClear();
    const again = await call(`/routes/${FORECAST}/forecast?start=${today}`);
    expect(again.headers.get("X-Cache")).toBe("HIT");
    expect(spy).not.toHaveBeenCalled();
    const hit = ForecastResponse.parse(await again.json());
    expect(hit.days.every((d) => d.cached)).toBe(true);
    expect(hit.days.map((d) => d.risk_score)).toEqual(body.days.map((d) => d.risk_score));
    const maxAge = Number(/max-age=(\d+)/.exec(again.headers.get("Cache-Control")!)![1]);
    expect(maxAge).toBeLessThanOrEqual(21600);
    expect(maxAge).toBeGreaterThan(21000);
  });

  it("start other than today is 422 naming start and the window", async () => {
    for (const start of [addDays(today, 1), addDays(today, -1), "2026-13-01"]) {
      const res = await call(`/routes/${FORECAST}/forecast?start=${start}`);
      expect(res.status).toBe(422);
      const { error } = ErrorBody.parse(await res.json());
      expect(error.field).toBe("start");
    }
    const msg = ErrorBody.parse(await (await call(`/routes/${FORECAST}/forecast?start=${addDays(today, 2)}`)).json()).error.message;
    expect(msg).toContain(today);
    expect(msg).toContain(addDays(today, 6));
    expect((await call(`/routes/899999/forecast`)).status).toBe(404);
  });
});

describe("GET /routes/:id/breakdown", () => {
  it("explains the score: per-accident factor weights, extreme weather, weather, top accidents with date and severity", async () => {
    const res = await call(`/routes/${BREAKDOWN}/breakdown?date=${today}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("X-Cache")).toBe("MISS");
    const body = BreakdownResponse.parse(await res.json());
    expect(body.route_id).toBe(BREAKDOWN);
    expect(body.risk_score).toBe(Math.round(body.risk_score * 10) / 10);
    expect(body.top_contributing_accidents.length).toBeGreaterThan(0);
    expect(body.top_contributing_accidents.length).toBeLessThanOrEqual(50);
    expect(body.factors.per_accident.map((a) => a.accident_id)).toEqual(body.top_contributing_accidents.map((a) => a.accident_id));
    expect(body.factors.extreme_weather).not.toBeNull();
    for (const a of body.top_contributing_accidents) {
      expect(a.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    // Our own accidents next to the route are the strongest contributors, with their stored date and severity.
    const ours = body.top_contributing_accidents.filter((a) => a.accident_id >= 900000);
    expect(ours.length).toBeGreaterThan(0);
    for (const a of ours) {
      const seeded = ACCIDENTS.find((x) => x.id === a.accident_id)!;
      expect(a.date).toBe(seeded.date);
      expect(a.severity).toBe(seeded.severity);
      expect(a.distance_km).toBeLessThan(50);
    }
    expect(body.top_contributing_accidents[0]!.accident_id).toBeGreaterThanOrEqual(900000);

    // The same key as the safety endpoint: now a HIT there, with the same unrounded score.
    const safety = await call(`/routes/${BREAKDOWN}/safety?date=${today}`);
    expect(safety.headers.get("X-Cache")).toBe("HIT");
    const s = SafetyResponse.parse(await safety.json());
    expect(Math.round(s.risk_score * 10) / 10).toBeCloseTo(body.risk_score, 10);
    expect((await call(`/routes/${BREAKDOWN}/breakdown?date=${addDays(today, 9)}`)).status).toBe(422);
  });
});
