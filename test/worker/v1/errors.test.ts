/**
 * /api/v1 errors and parameter rules in FastAPI's shapes: 422 `{"detail": [{type, loc, msg, input}]}`
 * with pydantic codes, 404 `{"detail": "... not found"}` (ids beyond 32 bits too), 400 for a route
 * without coordinates, 405 `{"detail": "Method Not Allowed"}` with Allow, unknown query parameters
 * ignored, repeated ones last-wins, booleans in all their spellings, CORS for a cross-origin
 * frontend — and every answer JSON.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, todayUtc } from "../../../src/dates";
import { call, clearRouteKeys, env, json, quietRoutes, sql } from "./helpers";

const today = todayUtc();
let routeId: number;
let unlocatedId: number;

beforeAll(async () => {
  routeId = (await quietRoutes(1, 1, (t) => t === "alpine"))[0]!.id;
  const rows = await sql.query(
    `SELECT r.route_id FROM routes r LEFT JOIN mountains m ON m.mountain_id = r.mountain_id
     WHERE COALESCE(r.latitude, m.latitude) IS NULL AND r.route_id < 900000 ORDER BY r.route_id LIMIT 1`,
  );
  unlocatedId = Number(rows[0]!.route_id);
  await clearRouteKeys([routeId], [today]);
});
afterAll(() => clearRouteKeys([routeId], [today]));

interface Item {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

/** A 422 with pydantic items; returns them. */
async function unprocessable(path: string, init: RequestInit = {}): Promise<Item[]> {
  const res = await call(path, init);
  const text = await res.text();
  expect(res.status, `${path}: ${text.slice(0, 200)}`).toBe(422);
  const body = JSON.parse(text) as { detail: Item[] };
  expect(Array.isArray(body.detail), path).toBe(true);
  for (const item of body.detail) {
    expect(
      Object.keys(item)
        .sort()
        .filter((k) => k !== "ctx"),
      path,
    ).toEqual(["input", "loc", "msg", "type"]);
    expect(typeof item.msg).toBe("string");
  }
  return body.detail;
}

const post = (body: unknown, headers: Record<string, string> = { "Content-Type": "application/json" }) => ({
  method: "POST",
  headers,
  body: typeof body === "string" ? body : JSON.stringify(body),
});

describe("422: FastAPI's validation items", () => {
  it("query and path parameters: missing, int/float/bool/date parsing, ranges — each names its loc", async () => {
    const cases: [string, RequestInit, string, (string | number)[], unknown][] = [
      [`/mp-routes/${routeId}/safety`, { method: "POST" }, "missing", ["query", "target_date"], null],
      [`/mp-routes/abc/safety?target_date=${today}`, { method: "POST" }, "int_parsing", ["path", "mp_route_id"], "abc"],
      [`/mp-routes/1.5`, {}, "int_parsing", ["path", "mp_route_id"], "1.5"],
      [`/locations/x`, {}, "int_parsing", ["path", "mp_id"], "x"],
      [`/accidents/1e3`, {}, "int_parsing", ["path", "accident_id"], "1e3"],
      [`/mp-routes/${routeId}/forecast?start_date=2026-02-30`, {}, "date_from_datetime_parsing", ["query", "start_date"], "2026-02-30"],
      [`/mp-routes/${routeId}/forecast?start_date=tomorrow`, {}, "date_from_datetime_parsing", ["query", "start_date"], "tomorrow"],
      [`/mp-routes/${routeId}/forecast`, {}, "missing", ["query", "start_date"], null],
      [`/mp-routes/map-with-safety?target_date=2026-13-01`, {}, "date_from_datetime_parsing", ["query", "target_date"], "2026-13-01"],
      [`/mp-routes/${routeId}/safety?target_date=${today}&bypass_cache=maybe`, { method: "POST" }, "bool_parsing", ["query", "bypass_cache"], "maybe"],
      [`/mp-routes?limit=501`, {}, "less_than_equal", ["query", "limit"], "501"],
      [`/mp-routes?limit=0`, {}, "greater_than_equal", ["query", "limit"], "0"],
      [`/mp-routes?limit=ten`, {}, "int_parsing", ["query", "limit"], "ten"],
      [`/mp-routes?offset=-1`, {}, "greater_than_equal", ["query", "offset"], "-1"],
      [`/locations?limit=0`, {}, "greater_than_equal", ["query", "limit"], "0"],
      [`/accidents?limit=1001`, {}, "less_than_equal", ["query", "limit"], "1001"],
      [`/accidents?lat=abc`, {}, "float_parsing", ["query", "lat"], "abc"],
      [`/accidents?radius_km=0.01`, {}, "greater_than_equal", ["query", "radius_km"], "0.01"],
      [`/accidents?start_date=yesterday`, {}, "date_from_datetime_parsing", ["query", "start_date"], "yesterday"],
      [`/mp-routes/${routeId}/accidents?limit=101`, {}, "less_than_equal", ["query", "limit"], "101"],
      [`/mp-routes/${routeId}/historical-trends?days=366`, {}, "less_than_equal", ["query", "days"], "366"],
      [`/mp-routes/${routeId}/time-of-day`, {}, "missing", ["query", "target_date"], null],
      [`/mp-routes/${routeId}/risk-breakdown?target_date=`, {}, "date_from_datetime_parsing", ["query", "target_date"], ""],
      [`/mp-routes/map?min_lat=north`, {}, "float_parsing", ["query", "min_lat"], "north"],
    ];
    for (const [path, init, type, loc, input] of cases) {
      const items = await unprocessable(path, init);
      expect(
        items.find((i) => i.loc.join(".") === loc.join(".")),
        path,
      ).toMatchObject({ type, loc, input });
    }
    // Limits carry pydantic's ctx.
    expect((await unprocessable(`/mp-routes?limit=501`))[0]!.ctx).toEqual({ le: 500 });
    // Several problems: one item each.
    const two = await unprocessable(`/mp-routes/${routeId}/safety?target_date=2026-13-01&bypass_cache=2`, { method: "POST" });
    expect(two.map((i) => i.type).sort()).toEqual(["bool_parsing", "date_from_datetime_parsing"]);
  });

  it("a date outside today−7 … today+14 is a value_error naming the parameter (single-day scores)", async () => {
    const far = addDays(today, 40);
    const [item] = await unprocessable(`/mp-routes/${routeId}/risk-breakdown?target_date=${far}`);
    expect(item).toMatchObject({ type: "value_error", loc: ["query", "target_date"], input: far });
    expect(item!.msg).toContain(addDays(today, 14));
  });

  it("POST /predict: every rule of the original's tests, and a body that is not JSON", async () => {
    const point = { latitude: 40.0, longitude: -105.3, route_type: "trad", planned_date: today };
    for (const field of ["latitude", "longitude", "route_type", "planned_date"] as const) {
      const { [field]: _omit, ...rest } = point;
      const items = await unprocessable("/predict", post(rest));
      expect(items, field).toContainEqual(expect.objectContaining({ type: "missing", loc: ["body", field] }));
    }
    const rules: [Record<string, unknown>, string, string][] = [
      [{ latitude: 95 }, "latitude", "less_than_equal"],
      [{ longitude: -200 }, "longitude", "greater_than_equal"],
      [{ route_type: "big_wall" }, "route_type", "value_error"],
      [{ planned_date: "2026-02-30" }, "planned_date", "date_from_datetime_parsing"],
      [{ elevation_meters: 9001 }, "elevation_meters", "less_than_equal"],
      [{ search_radius_km: 5 }, "search_radius_km", "greater_than_equal"],
      [{ latitude: "north" }, "latitude", "float_parsing"],
    ];
    for (const [change, field, type] of rules) {
      const items = await unprocessable("/predict", post({ ...point, ...change }));
      expect(items, field).toContainEqual(expect.objectContaining({ type, loc: ["body", field] }));
    }
    expect((await unprocessable("/predict", post("{not json")))[0]).toMatchObject({ type: "json_invalid", loc: ["body", 1] });
    expect((await unprocessable("/predict", post("[1, 2]")))[0]).toMatchObject({ type: "model_attributes_type", loc: ["body"] });
    expect((await unprocessable("/predict", { method: "POST" }))[0]).toMatchObject({ type: "missing", loc: ["body"] });
    // The route form still needs planned_date.
    expect(await unprocessable("/predict", post({ route_id: routeId }))).toContainEqual(
      expect.objectContaining({ type: "missing", loc: ["body", "planned_date"] }),
    );
    // Unknown body fields are ignored (numbers as numeric strings too, as pydantic's lax mode).
    const res = await call("/predict", post({ ...point, latitude: "40.0", extra: "ignored" }));
    expect(res.status).toBe(200);
  });
});

describe("404 and 400", () => {
  it('unknown paths: {"detail": "Not Found"}', async () => {
    for (const path of ["/nope", "/mp-routes/1/nope", "/routes", "/map", "", "/mp-routes/1/safety/extra"]) {
      const res = await call(path);
      expect(res.status, path).toBe(404);
      expect(await json(res), path).toEqual({ detail: "Not Found" });
    }
  });

  it("unknown ids, beyond 32 bits included: Route / Location / Accident not found, on every route endpoint", async () => {
    for (const id of ["99999999999", "2147483648", "899999", "0", "-5"]) {
      for (const [path, init] of [
        [`/mp-routes/${id}`, {}],
        [`/mp-routes/${id}/safety?target_date=${today}&bypass_cache=true`, { method: "POST" }],
        [`/mp-routes/${id}/forecast?start_date=${today}`, {}],
        [`/mp-routes/${id}/accidents`, {}],
        [`/mp-routes/${id}/risk-breakdown?target_date=${today}`, {}],
        [`/mp-routes/${id}/historical-trends`, {}],
        [`/mp-routes/${id}/time-of-day?target_date=${today}`, {}],
        [`/mp-routes/${id}/ascent-analytics`, {}],
      ] as const) {
        const res = await call(path, init);
        expect(res.status, path).toBe(404);
        expect(await json(res), path).toEqual({ detail: "Route not found" });
      }
      expect(await json(await call(`/locations/${id}`))).toEqual({ detail: "Location not found" });
      expect(await json(await call(`/accidents/${id}`))).toEqual({ detail: "Accident not found" });
    }
    const predict = await call("/predict", post({ route_id: 99999999999, planned_date: today }));
    expect(predict.status).toBe(404);
    expect(await json(predict)).toEqual({ detail: "Route not found" });
    // As query filters they simply match nothing.
    expect(await json(await call(`/accidents?route_id=99999999999`))).toEqual({ total: 0, data: [] });
    expect(await json(await call(`/mp-routes?location_id=99999999999`))).toEqual({ total: 0, data: [] });
  });

  it("a route without coordinates: 400 {detail} where the endpoint needs them, 200 where it does not", async () => {
    for (const [path, init] of [
      [`/mp-routes/${unlocatedId}/safety?target_date=${today}`, { method: "POST" }],
      [`/mp-routes/${unlocatedId}/forecast?start_date=${today}`, {}],
      [`/mp-routes/${unlocatedId}/accidents`, {}],
      [`/mp-routes/${unlocatedId}/risk-breakdown?target_date=${today}`, {}],
      [`/mp-routes/${unlocatedId}/time-of-day?target_date=${today}`, {}],
      ["/predict", post({ route_id: unlocatedId, planned_date: today })],
    ] as const) {
      const res = await call(path, init);
      expect(res.status, path).toBe(400);
      expect(typeof (await json(res)).detail, path).toBe("string");
    }
    for (const path of [`/mp-routes/${unlocatedId}`, `/mp-routes/${unlocatedId}/historical-trends`, `/mp-routes/${unlocatedId}/ascent-analytics`]) {
      expect((await call(path)).status, path).toBe(200);
    }
  });
});

describe("405, parameters, CORS", () => {
  it('a known path with a wrong method: 405 {"detail": "Method Not Allowed"} with Allow (root paths too)', async () => {
    const cases: [string, string, string][] = [
      ["DELETE", "http://edge.test/health", "GET, HEAD"],
      ["POST", "http://edge.test/", "GET, HEAD"],
      ["PUT", "/health", "GET, HEAD, OPTIONS"],
      ["GET", `/mp-routes/${routeId}/safety`, "POST, OPTIONS"],
      ["POST", "/mp-routes/map-with-safety", "GET, HEAD, OPTIONS"],
      ["DELETE", "/predict", "POST, OPTIONS"],
      ["PATCH", "/mp-routes/1", "GET, HEAD, OPTIONS"],
    ];
    for (const [method, path, allow] of cases) {
      const res = await call(path, { method });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get("Allow"), `${method} ${path}`).toBe(allow);
      expect(await json(res)).toEqual({ detail: "Method Not Allowed" });
    }
  });

  it("unknown parameters are ignored, repeated ones last-wins, latitude/longitude alias lat/lon", async () => {
    expect((await json(await call(`/mp-routes/map?limit=10&foo=bar`))).data).toHaveLength(10);
    expect((await json(await call(`/mp-routes?limit=1&limit=3`))).data).toHaveLength(3);
    const near = await json(await call(`/accidents?latitude=63.0695&longitude=-151.0074&radius_km=5&limit=1000`));
    const byLat = await json(await call(`/accidents?lat=63.0695&lon=-151.0074&radius_km=5&limit=1000`));
    expect(near.total).toBe(byLat.total);
    expect(near.total).toBeGreaterThan(0);
    expect(near.total).toBeLessThan(4319);
    // Parameters the original does not declare are never a 422, whatever their value.
    for (const limit of ["0", "-1", "abc"]) {
      const res = await call(`/mp-routes/map?limit=${limit}`);
      expect(res.status, limit).toBe(200);
      expect((await json(res)).data.length, limit).toBeGreaterThan(10);
    }
    const junkAlias = await call(`/accidents?latitude=abc&longitude=-500&limit=1`);
    expect(junkAlias.status).toBe(200);
    expect((await json(junkAlias)).total).toBe((await json(await call(`/accidents?limit=1`))).total); // no spatial filter
  });

  it("booleans: true/false/1/0/yes/no/on/off in any case", async () => {
    for (const v of ["true", "False", "1", "0", "YES", "no", "On", "off"]) {
      const res = await call(`/mp-routes/${routeId}/safety?target_date=${today}&bypass_cache=${v}`, { method: "POST" });
      expect(res.status, v).toBe(200);
    }
  });

  it("CORS: preflight of the JSON POST /predict allows POST and Content-Type; answers (errors too) carry the origin", async () => {
    const origin = { Origin: "http://localhost:5173" };
    const pre = await call("/predict", {
      method: "OPTIONS",
      headers: { ...origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(pre.headers.get("Access-Control-Allow-Methods")).toContain("POST");
    expect(pre.headers.get("Access-Control-Allow-Headers")).toMatch(/Content-Type/i);
    for (const [path, status] of [
      ["/mp-routes?limit=1", 200],
      ["/mp-routes/abc", 422],
      ["/nope", 404],
    ] as const) {
      const res = await call(path, { headers: origin });
      expect(res.status).toBe(status);
      expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    }
    // The configured origin list applies to this surface too.
    const listEnv = { ...env, CORS_ORIGINS: "http://localhost:5173" };
    const listed = await call("/mp-routes?limit=1", { headers: origin }, listEnv);
    expect(listed.headers.get("Access-Control-Allow-Origin")).toBe("http://localhost:5173");
    const other = await call("/mp-routes?limit=1", { headers: { Origin: "https://elsewhere.example" } }, listEnv);
    expect(other.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });
});
