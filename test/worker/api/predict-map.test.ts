/** POST /predict (body rules, window, brief cache) and GET /map (cache only: one read of the per-date index). */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { addDays, todayUtc } from "../../../src/dates";
import { ScoreService } from "../../../src/service/score-service";
import { pointKey } from "../../../src/service/route-scores";
import { ErrorBody, MapResponse, PredictResponse, SafetyResponse } from "../../../src/http/v2/schemas";
import { BOX_PARAM, call, clearScores, json, redis, seed, window7 } from "./helpers";
import { keys } from "../../../src/cache/keys";
import { mapIndexTtl, routeScoreTtl } from "../../../src/cache/scores";

const today = todayUtc();
// The routes of Zedtest Spire belong to this file; two get warmed.
const SPIRE = [900005, 900006, 900007, 900008, 900011];
const MAP_WARM = [900005, 900006];
// A point of our own (predict keys are per exact input; a unique latitude keeps runs apart).
const lat = -44.5 - Math.floor(Math.random() * 1e6) / 1e9;
const point = { latitude: lat, longitude: 169.5, date: today, route_type: "Alpine", elevation_m: 2500 };
const predictKey = (p: typeof point) =>
  pointKey({ latitude: p.latitude, longitude: p.longitude, routeType: p.route_type.toLowerCase(), elevationM: p.elevation_m ?? null, grade: null }, p.date);
const boulderKey = () => pointKey({ latitude: lat - 0.001, longitude: 169.5, routeType: "boulder", elevationM: null, grade: null }, today);

const post = (body: unknown, headers: Record<string, string> = { "Content-Type": "application/json" }) =>
  call("/predict", { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });

/** The routes' fields of the per-date map index (clearScores deletes only the score keys). */
const clearMapIndex = (ids: readonly number[]) => Promise.all(window7().map((d) => redis.hdel(keys.mapIndex(d), ...ids.map(String))));
/** An index entry: its risk and colour, and the expiry of its score key (computed + that key's TTL, to a few seconds). */
function expectEntry(raw: string | null, risk: number, color: string, date: string, computedAt: string) {
  const [r, c, expiry] = raw!.split("|");
  expect([Number(r), c]).toEqual([risk, color]);
  const computed = Math.floor(Date.parse(computedAt) / 1000);
  const ttl = routeScoreTtl({ date, weather: { status: "ok", climate_available: true } }, 21_600, Date.parse(computedAt));
  expect(Math.abs(Number(expiry) - (computed + ttl))).toBeLessThanOrEqual(5);
}
const mapEntry = async (id: number, date: string) => (await redis.hget<string>(keys.mapIndex(date), String(id))) ?? null;
const nowSeconds = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  await seed();
  await clearScores(SPIRE);
  await clearMapIndex(SPIRE);
  await redis.del(predictKey(point), boulderKey());
});
afterEach(() => vi.restoreAllMocks());
afterAll(async () => {
  await clearScores(SPIRE);
  await clearMapIndex(SPIRE);
  await redis.del(predictKey(point));
});

describe("POST /predict", () => {
  it("scores a point with the safety endpoint's fields (location instead of the route), cached briefly", async () => {
    const spy = vi.spyOn(ScoreService.prototype, "computeRouteForecasts");
    const res = await post(point);
    expect(res.status).toBe(200);
    expect(res.headers.get("X-Cache")).toBe("MISS");
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    const body = PredictResponse.parse(await res.json());
    expect(body.location).toEqual({ latitude: lat, longitude: 169.5, elevation_m: 2500, route_type: "alpine" });
    expect(body.canonical_route_type).toBe("alpine");
    expect(body.date).toBe(today);
    expect(body.risk_score).toBeGreaterThanOrEqual(0);
    expect(spy).toHaveBeenCalledTimes(1);
    // Scored on the predict grid (0.01°, elevation to 10 m); the answer echoes the caller's point.
    const route = spy.mock.calls[0]![0][0]!;
    expect(route).toMatchObject({ latitude: -44.5, longitude: 169.5, type: "alpine", elevationM: 2500 });

    // The same fields as a route's safety answer, minus route_id/route_name.
    const safetyKeys = Object.keys(SafetyResponse.shape)
      .filter((k) => !k.startsWith("route_"))
      .sort();
    expect(
      Object.keys(body)
        .filter((k) => k !== "location")
        .sort(),
    ).toEqual(safetyKeys);

    const ttl = Number(await redis.ttl(predictKey(point)));
    expect(ttl).toBeGreaterThan(800);
    expect(ttl).toBeLessThanOrEqual(900);
    const again = await post(point);
    expect(again.headers.get("X-Cache")).toBe("HIT");
    expect(spy).toHaveBeenCalledTimes(1);
    expect(await again.json()).toEqual(body);
  });

  it("elevation is optional; the route type must be one of the seven canonical ones, any case", async () => {
    const { elevation_m: _e, ...noElevation } = point;
    const res = await post({ ...noElevation, route_type: "BOULDER", latitude: lat - 0.001 });
    expect(res.status).toBe(200);
    expect(PredictResponse.parse(await res.json()).location).toMatchObject({ elevation_m: null, route_type: "boulder" });
    await redis.del(boulderKey());

    const bad = await post({ ...point, route_type: "big_wall" });
    expect(bad.status).toBe(422);
    expect(ErrorBody.parse(await bad.json()).error.field).toBe("route_type");
  });

  it("accepts dates in today … today+6 only (422 naming date and the range)", async () => {
    for (const date of [addDays(today, -1), addDays(today, 7)]) {
      const res = await post({ ...point, date });
      expect(res.status).toBe(422);
      const { error } = ErrorBody.parse(await res.json());
      expect(error.field).toBe("date");
      expect(error.message).toContain(addDays(today, 6));
    }
  });

  it("400/413/415/422 for bad bodies, never a 500", async () => {
    const cases: [RequestInit["body"] | object, Record<string, string>, number, string | undefined][] = [
      [point, { "Content-Type": "text/plain" }, 415, undefined],
      [point, {}, 415, undefined],
      [point, { "Content-Type": "application/jsonx" }, 415, undefined],
      ["{not json", { "Content-Type": "application/json" }, 400, "body"],
      ["", { "Content-Type": "application/json" }, 400, "body"],
      ["[1,2]", { "Content-Type": "application/json; charset=utf-8" }, 400, undefined],
      ["null", { "Content-Type": "application/json" }, 400, undefined],
      [{ ...point, latitude: 91 }, { "Content-Type": "application/json" }, 422, "latitude"],
      [{ ...point, longitude: "169" }, { "Content-Type": "application/json" }, 400, "longitude"],
      [{ ...point, date: "2026-02-30" }, { "Content-Type": "application/json" }, 422, "date"],
      [{ ...point, elevation_m: 20000 }, { "Content-Type": "application/json" }, 422, "elevation_m"],
      [{ ...point, extra: 1 }, { "Content-Type": "application/json" }, 400, "extra"],
      [{ latitude: 1 }, { "Content-Type": "application/json" }, 400, "longitude"],
    ];
    for (const [body, headers, status, field] of cases) {
      const res = await post(body, headers);
      expect(res.status, JSON.stringify(body).slice(0, 40)).toBe(status);
      const err = ErrorBody.parse(await res.json()).error;
      if (field) expect(err.field).toBe(field);
    }
  });

  it("413 for bodies over 16 KB, declared or not", async () => {
    const big = JSON.stringify({ ...point, pad: "x".repeat(17_000) });
    const declared = await post(big);
    expect(declared.status).toBe(413);
    expect(ErrorBody.parse(await declared.json()).error.code).toBe("payload_too_large");
    // Streamed without a Content-Length.
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 20; i++) c.enqueue(new TextEncoder().encode(" ".repeat(1000)));
        c.close();
      },
    });
    const chunked = await call("/predict", { method: "POST", headers: { "Content-Type": "application/json" }, body: stream, duplex: "half" } as RequestInit);
    expect(chunked.status).toBe(413);
    // Exactly at the limit is fine (whitespace-padded valid JSON).
    const body = JSON.stringify(point);
    const exact = await post(body + " ".repeat(16 * 1024 - body.length));
    expect(exact.status).toBe(200);
  });
});

describe("GET /map", () => {
  it("returns cached scores only (compact), listing the routes without one, and computes nothing", async () => {
    for (const id of MAP_WARM) expect((await call(`/routes/${id}/safety?date=${today}`)).status).toBe(200);
    const spy = vi.spyOn(ScoreService.prototype, "computeRouteForecasts");
    const box = "169.6,-44.7,169.7,-44.6"; // Zedtest Spire
    const res = await call(`/map?bbox=${box}&date=${today}`);
    expect(res.status).toBe(200);
    expect(spy).not.toHaveBeenCalled();
    expect(res.headers.get("ETag")).toBeTruthy();
    const body = MapResponse.parse(await res.json());
    expect(body.date).toBe(today);
    expect(body.truncated).toBe(false);
    expect(body.routes.map((r) => r.id).sort()).toEqual(MAP_WARM);
    expect(body.missing.sort()).toEqual([900007, 900008, 900011]);
    const r5 = body.routes.find((r) => r.id === 900005)!;
    expect(r5).toMatchObject({ lat: -44.621, lon: 169.612 });
    const safety = SafetyResponse.parse(await json(await call(`/routes/900005/safety?date=${today}`)));
    expect(r5.risk).toBe(Math.round(safety.risk_score * 10) / 10);
    expect(r5.color).toBe(safety.color_code);

    // What /map read: the write-back's compact entry "<risk 1dp>|<color>|<expiry epoch s>" (computed +
    // the score's TTL), and the index hash lives until its date has ended everywhere.
    expectEntry(await mapEntry(900005, today), r5.risk, safety.color_code, today, safety.computed_at);
    const ttl = Number(await redis.ttl(keys.mapIndex(today)));
    expect(ttl).toBeGreaterThan(mapIndexTtl(today, 21_600) - 600);
    expect(ttl).toBeLessThanOrEqual(mapIndexTtl(today, 21_600) + 1);
  });

  it("a forecast's write-back indexes all seven days; /map then lists the route for each of them", async () => {
    const forecast = await call(`/routes/900008/forecast`);
    expect(forecast.status).toBe(200);
    const days = (await forecast.json()) as { days: { date: string; risk_score: number; color_code: string; computed_at: string }[] };
    expect(days.days.map((d) => d.date)).toEqual(window7());
    const spy = vi.spyOn(ScoreService.prototype, "computeRouteForecasts");
    for (const d of days.days) {
      expectEntry(await mapEntry(900008, d.date), d.risk_score, d.color_code, d.date, d.computed_at);
      const body = MapResponse.parse(await json(await call(`/map?bbox=169.6,-44.7,169.7,-44.6&date=${d.date}`)));
      expect(
        body.routes.find((r) => r.id === 900008),
        d.date,
      ).toMatchObject({ risk: d.risk_score, color: d.color_code });
      expect(body.missing).not.toContain(900008);
    }
    expect(spy).not.toHaveBeenCalled();
  });

  it("reads only the index: an entry past its score's expiry is missing; a live one is served as is", async () => {
    const box = "169.6,-44.7,169.7,-44.6";
    const date = window7()[3]!;
    const index = keys.mapIndex(date);
    const ids = async () => {
      const body = MapResponse.parse(await json(await call(`/map?bbox=${box}&date=${date}`)));
      return { routes: body.routes, missing: body.missing };
    };
    // The hash's fields do not expire on their own: a stale entry is filtered by the expiry it carries.
    await redis.hset(index, { "900011": `55.5|orange|${nowSeconds() - 5}` });
    expect((await ids()).missing).toContain(900011);
    await redis.hset(index, { "900011": `55.5|orange|${nowSeconds() + 120}` });
    expect((await ids()).routes.find((r) => r.id === 900011)).toEqual({ id: 900011, lat: -44.64, lon: 169.63, risk: 55.5, color: "orange" });
    // Malformed entries count as missing, never as an error.
    for (const bad of ["", "55.5|purple|1", "x|red|1", "55.5|red", `55.5|red|${nowSeconds()}|extra`]) {
      await redis.hset(index, { "900011": bad });
      const res = await call(`/map?bbox=${box}&date=${date}`);
      expect(res.status, bad).toBe(200);
      expect(MapResponse.parse(await res.json()).missing, bad).toContain(900011);
    }
    await redis.hdel(index, "900011");
    expect((await ids()).missing).toContain(900011);
  });

  it("needs a valid box; the date must be in the window", async () => {
    expect((await call(`/map`)).status).toBe(400);
    expect(ErrorBody.parse(await json(await call(`/map?bbox=1,1,0,0`))).error.field).toBe("bbox");
    const res = await call(`/map?bbox=${BOX_PARAM}&date=${addDays(today, 7)}`);
    expect(res.status).toBe(422);
    expect(ErrorBody.parse(await res.json()).error.field).toBe("date");
  });
});
