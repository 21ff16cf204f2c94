/**
 * The SafeAscent v1 contract, endpoint by endpoint, against the real dataset: every field the
 * frontend reads (test/worker/v1/ui-paths.ts, from the spec's UI column) is present with the right
 * JSON type and nesting, walked the way the UI reads it — no undefined where the spec says a value
 * or null — plus the derivations the spec fixes (season counts, id mapping, reference_date echo,
 * 7 forecast days, percentages that sum to 100, the no-ascents shape).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, todayUtc } from "../../../src/dates";
import { call, clearRouteKeys, days, json, quietRoutes, sql, walkUi } from "./helpers";
import { UI } from "./ui-paths";

const today = todayUtc();
let routeId: number;
let routeName: string;
let unlocatedId: number;

beforeAll(async () => {
  const [r] = await quietRoutes(0, 1, (t) => t === "alpine");
  routeId = r!.id;
  routeName = r!.name;
  const rows = await sql.query(
    `SELECT r.route_id FROM routes r LEFT JOIN mountains m ON m.mountain_id = r.mountain_id
     WHERE COALESCE(r.latitude, m.latitude) IS NULL AND r.route_id < 900000 ORDER BY r.route_id LIMIT 1`,
  );
  unlocatedId = Number(rows[0]!.route_id);
  await clearRouteKeys([routeId], days(addDays(today, -1), 10));
});
afterAll(() => clearRouteKeys([routeId], days(addDays(today, -1), 10)));

async function ok(path: string, ui: keyof typeof UI, init: RequestInit = {}) {
  const res = await call(path, init);
  const text = await res.text();
  expect(res.status, `${path}: ${text.slice(0, 200)}`).toBe(200);
  expect(res.headers.get("Content-Type"), path).toMatch(/^application\/json/);
  const body = JSON.parse(text);
  const { failures, checked } = walkUi(body, UI[ui]!);
  expect(failures, path).toEqual([]);
  return { body, checked, res };
}

describe("the UI walker", () => {
  it("is not vacuous: an omitted safety, a string score, a missing meta and a null array where one is due all fail", () => {
    const good = {
      routes: [{ mp_route_id: 1, name: "a", latitude: 1.5, longitude: 2, grade: null, type: "trad", location_id: null, safety: null }],
      meta: { total_routes: 1, cached_routes: 0, missing_routes: 1, computed_routes: 0, target_date: "x", season: "rock" },
    };
    expect(walkUi(good, UI.mapWithSafety!).failures).toEqual([]);
    const { safety: _s, ...omitted } = good.routes[0]!;
    expect(walkUi({ ...good, routes: [omitted] }, UI.mapWithSafety!).failures).toContain("$.routes[0].safety: missing (UI expects object|null)");
    const stringScore = { ...good, routes: [{ ...good.routes[0], safety: { risk_score: "42.0", color_code: "red", status: "cached" } }] };
    expect(walkUi(stringScore, UI.mapWithSafety!).failures).toEqual(["$.routes[0].safety.risk_score: string where the UI expects number"]);
    expect(walkUi({ routes: good.routes }, UI.mapWithSafety!).failures).toContain("$.meta: missing (UI expects object)");
    expect(walkUi({ ...good, routes: null }, UI.mapWithSafety!).failures).toContain("$.routes: null where the UI expects array");
    expect(walkUi({ ...good, routes: [{ ...good.routes[0], mp_route_id: 1.5 }] }, UI.mapWithSafety!).failures).toEqual([
      "$.routes[0].mp_route_id: number where the UI expects int",
    ]);
  });
});

describe("map (§3.1, §3.2)", () => {
  it("map-with-safety: every located route of the season, safety null or the cached score, meta counts", async () => {
    const { body, checked } = await ok(`/mp-routes/map-with-safety?target_date=${today}&season=rock`, "mapWithSafety");
    const real = body.routes.filter((r: { mp_route_id: number }) => r.mp_route_id < 900_000);
    expect(real).toHaveLength(157); // §2.6: rock = 157 routes with this dataset
    expect(checked["routes[].safety"]).toBe(body.routes.length); // present on every marker
    expect(body.meta).toMatchObject({ total_routes: body.routes.length, computed_routes: 0, target_date: today, season: "rock" });
    const cached = body.routes.filter((r: { safety: unknown }) => r.safety !== null).length;
    expect(body.meta.cached_routes).toBe(cached);
    expect(body.meta.missing_routes).toBe(body.routes.length - cached);
    for (const r of body.routes.filter((x: { safety: unknown }) => x.safety)) {
      expect(["green", "yellow", "orange", "red"]).toContain(r.safety.color_code);
      expect(r.safety.status).toBe("cached");
    }
    const winter = (await ok(`/mp-routes/map-with-safety?season=winter`, "mapWithSafety")).body;
    expect(winter.routes.filter((r: { mp_route_id: number }) => r.mp_route_id < 900_000)).toHaveLength(3);
    expect(winter.routes.every((r: { type: string }) => /ice|mixed/i.test(r.type))).toBe(true);
    expect(winter.meta.target_date).toBe(today); // default: the server's today
    // Any value other than winter means rock; meta echoes it as received.
    const other = (await ok(`/mp-routes/map-with-safety?season=summer`, "mapWithSafety")).body;
    expect(other.meta.season).toBe("summer");
    expect(other.routes.length).toBe(body.routes.length);
  });

  it("map: the fallback markers carry safety: null, also under data; limit truncates both", async () => {
    const { body } = await ok(`/mp-routes/map?limit=10`, "map");
    expect(body.routes).toHaveLength(10);
    expect(body.data).toEqual(body.routes);
    expect(body.total).toBe(10);
    const all = (await ok(`/mp-routes/map?season=rock`, "map")).body;
    expect(all.routes.filter((r: { mp_route_id: number }) => r.mp_route_id < 900_000)).toHaveLength(157);
    // The box applies only when all four bounds are non-zero (a 0 disables it).
    const boxed = (await ok(`/mp-routes/map?min_lat=39&max_lat=41&min_lon=-106&max_lon=-105`, "map")).body;
    expect(boxed.routes.length).toBeGreaterThan(0);
    expect(boxed.routes.every((r: { latitude: number }) => r.latitude >= 39 && r.latitude <= 41)).toBe(true);
    const zero = (await ok(`/mp-routes/map?min_lat=0&max_lat=41&min_lon=-106&max_lon=-105`, "map")).body;
    expect(zero.routes.length).toBe(all.routes.length);
  });
});

describe("search (§3.3–§3.6)", () => {
  it("mp-routes: name substring, total before paging, ids = route ids (integers, as on the map)", async () => {
    const { body, checked } = await ok(`/mp-routes?search=${encodeURIComponent(routeName.slice(0, 4).toUpperCase())}&limit=8`, "routes");
    expect(checked["data[].mp_route_id"]).toBeGreaterThan(0);
    expect(body.data.length).toBeLessThanOrEqual(8);
    expect(body.total).toBeGreaterThanOrEqual(body.data.length);
    const names = body.data.map((r: { name: string }) => r.name);
    expect([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(names); // sorted by name
    const mine = (await ok(`/mp-routes?search=${encodeURIComponent(routeName)}`, "routes")).body;
    expect(mine.data.map((r: { mp_route_id: number }) => r.mp_route_id)).toContain(routeId);
    // url only for routes with a Mountain Project id.
    const withMp = await sql.query(`SELECT route_id, mp_route_id, name FROM routes WHERE mp_route_id IS NOT NULL ORDER BY route_id LIMIT 1`);
    const mp = (await ok(`/mp-routes?search=${encodeURIComponent(withMp[0]!.name)}`, "routes")).body;
    expect(mp.data.find((r: { mp_route_id: number }) => r.mp_route_id === Number(withMp[0]!.route_id)).url).toBe(
      `https://www.mountainproject.com/route/${Number(withMp[0]!.mp_route_id)}`,
    );
  });

  it("locations: from mountains, most routes first, real route_count, total = page size; alt names match", async () => {
    const { body } = await ok(`/locations?limit=5`, "locations");
    expect(body.total).toBe(5);
    const counts = body.data.map((l: { route_count: number }) => l.route_count);
    expect([...counts].sort((a: number, b: number) => b - a)).toEqual(counts);
    const [top] = body.data;
    const n = await sql.query(`SELECT count(*)::int AS n FROM routes WHERE mountain_id = $1`, [top.mp_id]);
    expect(top.route_count).toBe(n[0]!.n);
    const denali = (await ok(`/locations?search=denali&limit=5`, "locations")).body;
    expect(denali.data.map((l: { name: string }) => l.name)).toContain("McKinley");
    const one = (await ok(`/locations/${top.mp_id}`, "location")).body;
    expect(one).toEqual(top);
  });

  it("route details: the route's own fields, location name from its mountain, a route without a location still 200", async () => {
    const { body } = await ok(`/mp-routes/${routeId}`, "details");
    expect(body).toMatchObject({ mp_route_id: routeId, name: routeName });
    expect(typeof body.latitude).toBe("number");
    expect((await ok(`/mp-routes/${unlocatedId}`, "details")).body.latitude).toBeNull();
  });
});

describe("the route modal (§3.7–§3.13)", () => {
  it("safety POST without a body: risk_score and color_code", async () => {
    const { body } = await ok(`/mp-routes/${routeId}/safety?target_date=${today}&bypass_cache=true`, "safety", { method: "POST" });
    expect(body).toMatchObject({ route_id: routeId, route_name: routeName, target_date: today });
    expect(body.risk_score).toBeGreaterThanOrEqual(0);
    expect(body.risk_score).toBeLessThanOrEqual(100);
  });

  it("forecast: 7 days from start_date, weather fields numbers or null, today = the start day", async () => {
    const { body } = await ok(`/mp-routes/${routeId}/forecast?start_date=${today}`, "forecast");
    expect(body.forecast_days.map((d: { date: string }) => d.date)).toEqual(days(today, 7));
    expect(body.today).toEqual(body.forecast_days[0]);
    for (const d of body.forecast_days) {
      expect(typeof d.risk_score).toBe("number");
      // Not a probability: trunc(min(precip × 10, 100)) of the unrounded sum (precip_mm is rounded to 1 dp).
      if (d.precip_mm !== null) expect(Math.abs(d.precip_chance - Math.trunc(Math.min(d.precip_mm * 10, 100)))).toBeLessThanOrEqual(1);
    }
  });

  it("accidents: within 50 km, nearest first, an array even when empty", async () => {
    const { body, checked } = await ok(`/mp-routes/${routeId}/accidents`, "accidents");
    expect(body.accidents.length).toBeLessThanOrEqual(50);
    expect(checked["accidents[].accident_id"]).toBe(body.accidents.length);
    const d = body.accidents.map((a: { distance_km: number }) => a.distance_km);
    expect([...d].sort((a: number, b: number) => a - b)).toEqual(d);
    expect(d.every((x: number) => x <= 50)).toBe(true);
    expect(body.total_accidents).toBe(body.accidents.length);
  });

  it("risk breakdown: four factors summing to ≈ 100 (or one No Data), extreme_weather, ≤ 5 top accidents", async () => {
    const { body } = await ok(`/mp-routes/${routeId}/risk-breakdown?target_date=${today}`, "breakdown");
    if (body.num_contributing_accidents > 0) {
      expect(body.factors.map((f: { name: string }) => f.name)).toEqual(["Spatial Proximity", "Temporal Recency", "Weather Similarity", "Route Type Match"]);
      const sum = body.factors.reduce((s: number, f: { contribution: number }) => s + f.contribution, 0);
      expect(Math.abs(sum - 100)).toBeLessThanOrEqual(0.2);
    } else {
      expect(body.factors).toEqual([{ name: "No Data", contribution: 0, description: expect.any(String) }]);
    }
    expect(body.top_accidents.length).toBeLessThanOrEqual(5);
  });

  it("historical trends: reference_date echoes target_date; no history yet → [] with the message", async () => {
    const ref = addDays(today, 1);
    const { body } = await ok(`/mp-routes/${routeId}/historical-trends?days=365&target_date=${ref}`, "trends");
    expect(body.reference_date).toBe(ref);
    expect(body.weather_volatility.reference_date).toBe(ref);
    // Missing coordinates are not an error here: volatility is then unavailable.
    const unlocated = (await ok(`/mp-routes/${unlocatedId}/historical-trends`, "trends")).body;
    expect(unlocated.weather_volatility).toMatchObject({ available: false, message: expect.any(String) });
    expect(unlocated.reference_date).toBe(today);
  });

  it("time of day: hourly_data an array of hours or null — never []", async () => {
    const { body } = await ok(`/mp-routes/${routeId}/time-of-day?target_date=${today}`, "timeOfDay");
    expect(body.hourly_data === null || body.hourly_data.length > 0).toBe(true);
    if (body.hourly_data === null) expect(body).toMatchObject({ climbing_windows: [], best_window: null });
    else expect(body.best_window).toEqual(body.climbing_windows[0] ?? null);
  });

  it("ascent analytics: the no-ascents shape with 12 months and the route's linked accidents", async () => {
    const { body } = await ok(`/mp-routes/${routeId}/ascent-analytics`, "ascents");
    expect(body).toMatchObject({
      route_id: routeId,
      total_ascents: 0,
      overall_accident_rate: 0,
      has_data: false,
      best_month: null,
      worst_month: null,
      peak_month: null,
    });
    expect(body.monthly_stats.map((m: { month_num: number }) => m.month_num)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const linked = await sql.query(`SELECT count(*)::int AS n FROM accidents WHERE route_id = $1`, [routeId]);
    expect(body.total_accidents).toBe(linked[0]!.n);
    expect(body.monthly_stats.reduce((s: number, m: { accident_count: number }) => s + m.accident_count, 0)).toBeLessThanOrEqual(body.total_accidents);
  });
});

describe("predict and accidents (§3.14–§3.17)", () => {
  it("predict: the frontend's route form and the point form", async () => {
    const post = (body: unknown) => ({ method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    const route = (await ok(`/predict`, "predict", post({ route_id: routeId, route_name: routeName, planned_date: today }))).body;
    const details = (await ok(`/mp-routes/${routeId}`, "details")).body;
    expect(route.metadata.search_date).toBe(today);
    const point = (
      await ok(`/predict`, "predict", post({ latitude: details.latitude, longitude: details.longitude, route_type: "Alpine", planned_date: today }))
    ).body;
    expect(point.metadata.route_type).toBe("alpine");
    expect(point.top_contributing_accidents.length).toBeLessThanOrEqual(50);
  });

  it("accidents list and one accident", async () => {
    const { body } = await ok(`/accidents?limit=3`, "accidentList");
    expect(body.total).toBe(4319 + (await sql.query(`SELECT count(*)::int AS n FROM accidents WHERE accident_id >= 900000`))[0]!.n);
    const dates = body.data.map((a: { date: string }) => a.date);
    expect([...dates].sort().reverse()).toEqual(dates); // newest first
    const one = (await ok(`/accidents/${body.data[0].accident_id}`, "accident")).body;
    expect(one).toEqual(body.data[0]);
  });

  it("health and the root", async () => {
    for (const url of ["http://edge.test/api/v1/health", "http://edge.test/health"]) {
      const res = await call(url);
      expect(res.status).toBe(200);
      expect((await json(res)).status).toBe("healthy");
    }
    const root = await json(await call("http://edge.test/"));
    expect(root.message).toContain("SafeAscent");
    expect(root).toMatchObject({ version: "1.0.0", docs: "/api/v1/docs" });
  });
});
