/**
 * GET /admin/map (the console's risk plot) inside workerd against real Redis and Postgres: the live
 * entries of the per-date index safety_map:v1:{date} joined with the routes' names and coordinates.
 *
 * Other files index their own routes in the same hashes at the same time, so this file uses routes
 * 900201… of its own and checks only those.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, todayUtc } from "../../src/dates";
import { keys } from "../../src/cache/keys";
import { ADMIN, call, json, redis, sql } from "./api/helpers";

const ADMIN_BASE = "http://edge.test/admin";
const today = todayUtc();
const date = addDays(today, 2);
const index = keys.mapIndex(date);
const nowSeconds = () => Math.floor(Date.now() / 1000);

// Outside the API tests' box (they list every route in it) and on a mountain of this file's own.
const MOUNTAIN = { id: 900201, name: "Console Test Peak", lat: -46.5, lon: 167.5 };
const OWN = [
  { id: 900201, name: "Console Red Pillar", lat: -46.51, lon: 167.51, mountain: MOUNTAIN.id },
  { id: 900202, name: "Console Green Slab", lat: -46.52, lon: 167.52, mountain: MOUNTAIN.id },
  // Neither own nor mountain coordinates: an entry for it cannot be drawn.
  { id: 900203, name: "Console Nowhere", lat: null, lon: null, mountain: null },
] as const;
const STALE = 900204; // entry past its score's expiry
const MALFORMED = 900205;
const GONE = 900299; // no such route in the database

interface AdminMap {
  date: string;
  dates: string[];
  routes: { id: number; name: string; mountain: string | null; latitude: number; longitude: number; risk: number; color: string; expiresAt: string }[];
  stale: number;
  unlocated: number;
  truncated: boolean;
}

const get = (query: string, headers: Record<string, string> = ADMIN) => call(`${ADMIN_BASE}/map${query}`, { headers });
let t = 0; // when the entries were written (epoch s)
const fields = [...OWN.map((r) => r.id), STALE, MALFORMED, GONE].map(String);

beforeAll(async () => {
  await sql.query(
    `INSERT INTO mountains (mountain_id, name, latitude, longitude, accident_count) VALUES ($1,$2,$3,$4,0) ON CONFLICT (mountain_id) DO NOTHING`,
    [MOUNTAIN.id, MOUNTAIN.name, MOUNTAIN.lat, MOUNTAIN.lon],
  );
  for (const r of OWN) {
    await sql.query(
      `INSERT INTO routes (route_id, name, mountain_id, latitude, longitude, accident_count) VALUES ($1,$2,$3,$4,$5,0)
       ON CONFLICT (route_id) DO NOTHING`,
      [r.id, r.name, r.mountain, r.lat, r.lon],
    );
  }
  t = nowSeconds();
  await redis.hset(index, {
    "900201": `81.2|red|${t + 21_540}`,
    "900202": `12.5|green|${t + 21_570}`,
    "900203": `40|yellow|${t + 21_600}`,
    [String(STALE)]: `55.5|orange|${t - 5}`,
    [String(MALFORMED)]: "55.5|purple|1",
    [String(GONE)]: `33.3|yellow|${t + 21_600}`,
  });
});
afterAll(async () => {
  await redis.hdel(index, ...fields);
});

describe("GET /admin/map", () => {
  it("lists the date's live index entries with the route's name, mountain and coordinates", async () => {
    const res = await get(`?date=${date}`);
    expect(res.status).toBe(200);
    const body = await json<AdminMap>(res);
    expect(body.date).toBe(date);
    expect(body.dates).toHaveLength(7);
    expect(body.dates[0]).toBe(today);
    const own = body.routes.filter((r) => fields.includes(String(r.id)));
    // Riskiest first; the stale, malformed, unlocatable and unknown ones are not drawn.
    expect(own.map((r) => r.id)).toEqual([900201, 900202]);
    expect(own[0]).toMatchObject({ name: "Console Red Pillar", mountain: "Console Test Peak", latitude: -46.51, longitude: 167.51, risk: 81.2, color: "red" });
    expect(own[0]!.expiresAt).toBe(new Date((t + 21_540) * 1000).toISOString());
    expect(own[1]).toMatchObject({ name: "Console Green Slab", risk: 12.5, color: "green" });
    expect(body.stale).toBeGreaterThanOrEqual(2);
    expect(body.unlocated).toBeGreaterThanOrEqual(2);
    const risks = body.routes.map((r) => r.risk);
    expect(risks).toEqual([...risks].sort((a, b) => b - a));
  });

  it("defaults to today; a date outside the warmed window is a 422 and a malformed one names the field", async () => {
    const res = await get("");
    expect(res.status).toBe(200);
    expect((await json<AdminMap>(res)).date).toBe(today);

    const late = await get(`?date=${addDays(today, 7)}`);
    expect(late.status).toBe(422);
    expect((await json(late)).error).toMatchObject({ code: "invalid_value", field: "date" });

    const bad = await get("?date=tomorrow");
    expect(bad.status).toBe(422);
    expect((await json(bad)).error.field).toBe("date");

    const unknown = await get(`?date=${today}&bbox=1`);
    expect(unknown.status).toBe(400);
    expect((await json(unknown)).error.field).toBe("bbox");
  });

  it("needs the admin token", async () => {
    for (const headers of [{}, { Authorization: "Bearer wrong-token-0123456789" }] as Record<string, string>[]) {
      const res = await get(`?date=${date}`, headers);
      expect(res.status).toBe(401);
      expect((await json(res)).error.code).toBe("unauthorized");
    }
  });
});
