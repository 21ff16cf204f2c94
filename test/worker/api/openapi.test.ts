/**
 * GET /openapi.json: a structurally valid OpenAPI 3.1 document describing every endpoint, and real
 * responses of every endpoint validate against the document's own response schemas (checked with
 * a small JSON Schema checker) and against the zod schemas they were generated from.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { todayUtc } from "../../../src/dates";
import { RESPONSE_SCHEMAS } from "../../../src/http/v2/schemas";
import { BOX_PARAM, call, clearScores, json, redis, seed } from "./helpers";
import { validate } from "./json-schema-lite";
import { pointKey } from "../../../src/service/route-scores";

const ROUTE = 900015;
const today = todayUtc();
const latitude = -44.4 - Math.floor(Math.random() * 1e6) / 1e9;
const predictBody = { latitude, longitude: 169.4, date: today, route_type: "mixed" };

let doc: Record<string, any>;

beforeAll(async () => {
  await seed();
  await clearScores([ROUTE]);
  await redis.del(pointKey({ latitude, longitude: 169.4, routeType: "mixed", elevationM: null, grade: null }, today));
  const res = await call("/openapi.json");
  expect(res.status).toBe(200);
  expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
  doc = await json(res);
});
afterAll(async () => {
  await clearScores([ROUTE]);
  await redis.del(pointKey({ latitude, longitude: 169.4, routeType: "mixed", elevationM: null, grade: null }, today));
});

const EXPECTED: [string, string][] = [
  ["get", "/routes"],
  ["get", "/routes/{id}"],
  ["get", "/routes/{id}/safety"],
  ["get", "/routes/{id}/forecast"],
  ["get", "/routes/{id}/breakdown"],
  ["post", "/predict"],
  ["get", "/map"],
  ["get", "/accidents"],
  ["get", "/accidents/{id}"],
  ["get", "/openapi.json"],
];

function refs(x: unknown, out: string[] = []): string[] {
  if (Array.isArray(x)) x.forEach((v) => refs(v, out));
  else if (x && typeof x === "object") for (const [k, v] of Object.entries(x)) k === "$ref" ? out.push(String(v)) : refs(v, out);
  return out;
}

describe("the document", () => {
  it("is OpenAPI 3.1 with info, servers, components and exactly the public endpoints", () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(typeof doc.info.title).toBe("string");
    expect(typeof doc.info.version).toBe("string");
    expect(doc.servers).toEqual([{ url: "/api/v2" }]);
    expect(Object.keys(doc.components.schemas).sort()).toEqual(Object.keys(RESPONSE_SCHEMAS).sort());
    const ops = Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item as object).map((m) => [m, p]));
    expect(ops.sort()).toEqual([...EXPECTED].sort());
  });

  it("every operation is well formed: unique operationId, declared path parameters, responses with content, resolvable $refs", () => {
    const ids = new Set<string>();
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      expect(path.startsWith("/")).toBe(true);
      for (const [method, op] of Object.entries<any>(item)) {
        expect(["get", "post", "put", "delete", "patch", "options", "head"]).toContain(method);
        expect(op.operationId).toMatch(/^\w+$/);
        expect(ids.has(op.operationId)).toBe(false);
        ids.add(op.operationId);
        expect(typeof op.summary).toBe("string");
        const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        const pathParams = op.parameters.filter((p: any) => p.in === "path").map((p: any) => p.name);
        expect(pathParams).toEqual(templated);
        for (const p of op.parameters) {
          expect(["path", "query", "header", "cookie"]).toContain(p.in);
          expect(typeof p.name).toBe("string");
          expect(typeof p.schema).toBe("object");
          if (p.in === "path") expect(p.required).toBe(true);
        }
        const names = op.parameters.map((p: any) => `${p.in}:${p.name}`);
        expect(new Set(names).size).toBe(names.length);
        expect(op.responses["200"].content["application/json"].schema).toBeTruthy();
        for (const [status, r] of Object.entries<any>(op.responses)) {
          expect(status).toMatch(/^[1-5]\d\d$/);
          expect(typeof r.description).toBe("string");
        }
        expect(op.responses["503"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Error" });
      }
    }
    for (const ref of refs(doc)) {
      expect(ref).toMatch(/^#\/components\/schemas\/\w+$/);
      expect(doc.components.schemas[ref.split("/").at(-1)!], ref).toBeTruthy();
    }
    // The request side comes from the validating schemas: e.g. limit bounds and the predict body.
    const limit = doc.paths["/routes"].get.parameters.find((p: any) => p.name === "limit");
    expect(limit).toMatchObject({ in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 200 } });
    const bbox = doc.paths["/map"].get.parameters.find((p: any) => p.name === "bbox");
    expect(bbox.required).toBe(true);
    const body = doc.paths["/predict"].post.requestBody.content["application/json"].schema;
    expect(body.required.sort()).toEqual(["date", "latitude", "longitude", "route_type"]);
    expect(body.additionalProperties).toBe(false);
    expect(body.properties.route_type.enum).toEqual(["alpine", "ice", "mixed", "trad", "sport", "aid", "boulder"]);
  });

  it("answers If-None-Match with 304", async () => {
    const first = await call("/openapi.json");
    const again = await call("/openapi.json", { headers: { "If-None-Match": first.headers.get("ETag")! } });
    expect(again.status).toBe(304);
  });
});

describe("real responses validate against the document's schemas", () => {
  const schemaOf = (path: string, method: string, status: string) => doc.paths[path][method].responses[status].content["application/json"].schema;

  async function check(path: string, method: string, url: string, init: RequestInit = {}, status = 200) {
    const res = await call(url, { method: method.toUpperCase(), ...init });
    expect(res.status, url).toBe(status);
    const body = await json(res);
    const schema = schemaOf(path, method, String(status));
    expect(validate(doc, schema, body), url).toEqual([]);
    const name = schema.$ref?.split("/").at(-1) as keyof typeof RESPONSE_SCHEMAS | undefined;
    if (name) expect(RESPONSE_SCHEMAS[name].safeParse(body).success, url).toBe(true);
    return body;
  }

  it("the checker is not vacuous", () => {
    const safety = { $ref: "#/components/schemas/SafetyScore" };
    expect(validate(doc, safety, { route_id: "x" }).length).toBeGreaterThan(1);
    expect(validate(doc, { $ref: "#/components/schemas/Error" }, { error: { code: "x", message: "y", extra: 1 } })).toEqual([
      "$.error.extra: no value allowed",
    ]);
  });

  it("every endpoint's 200", async () => {
    await check("/routes", "get", `/routes?bbox=${BOX_PARAM}&limit=3`);
    await check("/routes/{id}", "get", `/routes/${ROUTE}`);
    await check("/routes/{id}/safety", "get", `/routes/${ROUTE}/safety?date=${today}`);
    await check("/routes/{id}/forecast", "get", `/routes/${ROUTE}/forecast`);
    const b = await check("/routes/{id}/breakdown", "get", `/routes/${ROUTE}/breakdown`);
    expect(b.top_contributing_accidents.length).toBeGreaterThan(0);
    await check("/predict", "post", "/predict", { headers: { "Content-Type": "application/json" }, body: JSON.stringify(predictBody) });
    const map = await check("/map", "get", `/map?bbox=${BOX_PARAM}`);
    expect(map.routes.length).toBeGreaterThan(0);
    await check("/accidents", "get", `/accidents?bbox=${BOX_PARAM}&limit=2`);
    await check("/accidents/{id}", "get", "/accidents/900001");
  });

  it("error answers match the Error schema", async () => {
    await check("/routes/{id}", "get", "/routes/abc", {}, 400);
    await check("/routes/{id}", "get", "/routes/899999", {}, 404);
    await check("/routes/{id}/safety", "get", `/routes/${ROUTE}/safety?date=1999-01-01`, {}, 422);
    await check("/routes/{id}/safety", "get", `/routes/${ROUTE}/safety?fresh=true`, {}, 401);
    await check("/predict", "post", "/predict", { headers: { "Content-Type": "text/plain" }, body: "{}" }, 415);
    await check("/predict", "post", "/predict", { headers: { "Content-Type": "application/json" }, body: "x".repeat(20_000) }, 413);
  });
});
