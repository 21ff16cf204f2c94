/**
 * GET /api/v1/openapi.json: an OpenAPI 3.1 document generated from the zod schemas that validate
 * /api/v1 (its parameters' limits and types come from the validators), with every endpoint of the
 * contract; and real answers validate against the document's own response schemas.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, todayUtc } from "../../../src/dates";
import { RESPONSE_SCHEMAS } from "../../../src/http/v1/schemas";
import { validate } from "../api/json-schema-lite";
import { call, clearRouteKeys, days, json, quietRoutes } from "./helpers";

const today = todayUtc();
let doc: Record<string, any>;
let routeId: number;

beforeAll(async () => {
  routeId = (await quietRoutes(50, 1, (t) => t === "alpine"))[0]!.id;
  await clearRouteKeys([routeId], days(today, 7));
  const res = await call("/openapi.json");
  expect(res.status).toBe(200);
  doc = await json(res);
});
afterAll(() => clearRouteKeys([routeId], days(today, 7)));

/** The contract's endpoints (spec §4), with their methods. */
const CONTRACT: [string, string][] = [
  ["get", "/mp-routes/map-with-safety"],
  ["get", "/mp-routes/map"],
  ["get", "/mp-routes"],
  ["get", "/locations"],
  ["get", "/locations/{mp_id}"],
  ["get", "/mp-routes/{mp_route_id}"],
  ["post", "/mp-routes/{mp_route_id}/safety"],
  ["get", "/mp-routes/{mp_route_id}/forecast"],
  ["get", "/mp-routes/{mp_route_id}/accidents"],
  ["get", "/mp-routes/{mp_route_id}/risk-breakdown"],
  ["get", "/mp-routes/{mp_route_id}/historical-trends"],
  ["get", "/mp-routes/{mp_route_id}/time-of-day"],
  ["get", "/mp-routes/{mp_route_id}/ascent-analytics"],
  ["post", "/predict"],
  ["get", "/accidents"],
  ["get", "/accidents/{accident_id}"],
  ["get", "/health"],
];

describe("the /api/v1 document", () => {
  it("is OpenAPI 3.1 for /api/v1 with every contract endpoint, FastAPI's error components, parameters from the validators", () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.servers).toEqual([{ url: "/api/v1" }]);
    const ops = Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item as object).map((m) => `${m} ${p}`));
    for (const [m, p] of CONTRACT) expect(ops, `${m} ${p}`).toContain(`${m} ${p}`);
    expect(Object.keys(doc.components.schemas).sort()).toEqual(Object.keys(RESPONSE_SCHEMAS).sort());
    const ids = new Set<string>();
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const [, op] of Object.entries<any>(item)) {
        expect(ids.has(op.operationId)).toBe(false);
        ids.add(op.operationId);
        expect(op.parameters.filter((p: any) => p.in === "path").map((p: any) => p.name)).toEqual([...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]));
        for (const [status, r] of Object.entries<any>(op.responses)) {
          if (status === "422") expect(r.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/HTTPValidationError" });
          else if (Number(status) >= 400) expect(r.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/HTTPError" });
        }
      }
    }
    // The typed values the validators parse: limits, defaults, required-ness.
    const param = (path: string, method: string, name: string) => doc.paths[path][method].parameters.find((p: any) => p.name === name);
    expect(param("/mp-routes", "get", "limit")).toMatchObject({ required: false, schema: { type: "integer", minimum: 1, maximum: 500, default: 50 } });
    expect(param("/accidents", "get", "limit").schema).toMatchObject({ type: "integer", minimum: 1, maximum: 1000, default: 100 });
    expect(param("/accidents", "get", "radius_km").schema).toMatchObject({ type: "number", minimum: 0.1, maximum: 500 });
    expect(param("/mp-routes/{mp_route_id}/safety", "post", "target_date").required).toBe(true);
    expect(param("/mp-routes/{mp_route_id}/safety", "post", "bypass_cache")).toMatchObject({ required: false, schema: { type: "boolean", default: false } });
    expect(param("/mp-routes/{mp_route_id}/historical-trends", "get", "days").schema).toMatchObject({ minimum: 1, maximum: 365, default: 30 });
    expect(param("/mp-routes/{mp_route_id}", "get", "mp_route_id").schema.type).toBe("integer");
    // The safety POST has no body; predict has both forms.
    expect(doc.paths["/mp-routes/{mp_route_id}/safety"].post.requestBody).toBeUndefined();
    const body = doc.paths["/predict"].post.requestBody.content["application/json"].schema;
    expect(body.anyOf).toHaveLength(2);
    expect(body.anyOf.map((s: any) => [...s.required].sort())).toEqual([
      ["latitude", "longitude", "planned_date", "route_type"],
      ["planned_date", "route_id"],
    ]);
  });

  it("real answers validate against the document's response schemas (and the zod ones they came from)", async () => {
    const schemaOf = (path: string, method: string, status: string) => doc.paths[path][method].responses[status].content["application/json"].schema;
    async function check(path: string, method: string, url: string, init: RequestInit = {}, status = 200) {
      const res = await call(url, { method: method.toUpperCase(), ...init });
      expect(res.status, url).toBe(status);
      const body = await json(res);
      const schema = schemaOf(path, method, String(status));
      expect(validate(doc, schema, body), url).toEqual([]);
      const name = schema.$ref?.split("/").at(-1) as keyof typeof RESPONSE_SCHEMAS;
      expect(RESPONSE_SCHEMAS[name].safeParse(body).success, url).toBe(true);
    }
    const r = `/mp-routes/${routeId}`;
    await check("/mp-routes/map-with-safety", "get", "/mp-routes/map-with-safety?season=winter");
    await check("/mp-routes/map", "get", "/mp-routes/map?limit=3");
    await check("/mp-routes", "get", "/mp-routes?limit=3");
    await check("/locations", "get", "/locations?limit=3");
    await check("/locations/{mp_id}", "get", "/locations/1");
    await check("/mp-routes/{mp_route_id}", "get", r);
    await check("/mp-routes/{mp_route_id}/safety", "post", `${r}/safety?target_date=${today}`);
    await check("/mp-routes/{mp_route_id}/forecast", "get", `${r}/forecast?start_date=${today}`);
    await check("/mp-routes/{mp_route_id}/accidents", "get", `${r}/accidents?limit=5`);
    await check("/mp-routes/{mp_route_id}/risk-breakdown", "get", `${r}/risk-breakdown?target_date=${today}`);
    await check("/mp-routes/{mp_route_id}/historical-trends", "get", `${r}/historical-trends?target_date=${addDays(today, 1)}`);
    await check("/mp-routes/{mp_route_id}/time-of-day", "get", `${r}/time-of-day?target_date=${today}`);
    await check("/mp-routes/{mp_route_id}/ascent-analytics", "get", `${r}/ascent-analytics`);
    await check("/predict", "post", "/predict", {
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ route_id: routeId, planned_date: today }),
    });
    await check("/accidents", "get", "/accidents?limit=2");
    await check("/accidents/{accident_id}", "get", "/accidents/1");
    await check("/health", "get", "/health");
    await check("/mp-routes/{mp_route_id}", "get", "/mp-routes/abc", {}, 422);
    await check("/mp-routes/{mp_route_id}", "get", "/mp-routes/99999999999", {}, 404);
  });
});
