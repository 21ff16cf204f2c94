/**
 * Property: no malformed request gets a 500. 1,200 seeded-random requests mix bad ids, dates, boxes,
 * query parameters, bodies, content types and methods over every endpoint; each answer must be
 * < 500 and, when it is an error, the JSON error shape. Requests are built to be invalid or to name
 * unknown routes, so nothing expensive is computed. The seed is fixed (reproducible runs); change it
 * to explore other inputs.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { addDays, todayUtc } from "../../../src/dates";
import { ErrorBody } from "../../../src/http/v2/schemas";
import { call, seed } from "./helpers";
import { rng } from "../../support/random";

const SEED = 20_261_125;
const COUNT = 1200;

const rand = rng(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const junk = (n = int(1, 40)) => Array.from({ length: n }, () => String.fromCharCode(pick([int(32, 126), int(0x80, 0x2fff), int(0x1f600, 0x1f64f)]))).join("");

const today = todayUtc();
const badIds = () => pick(["0", "-1", "abc", "1.5", "01", "1e3", "0x1F", " 7", "７", "99999999999", "2147483648", "%00", "%ZZ", "null", "NaN", "[1]", encodeURIComponent(junk(5)), ""]);
const unknownId = () => String(pick([899_000 + int(0, 999), 2_147_483_647, int(800_000, 899_999)]));
const anyId = () => (rand() < 0.7 ? badIds() : unknownId());
const badDate = () =>
  pick([addDays(today, -int(1, 4000)), addDays(today, int(7, 400)), "2026-02-30", "2025-13-01", "20261125", "today", "", "2026-1-1", "9999-99-99", "0000-00-00", junk(10), "2026-11-25T00:00:00Z"]);
const anyDate = () => (rand() < 0.8 ? badDate() : addDays(today, int(0, 6)));
const num = () => pick([String(int(-400, 400)), (rand() * 360 - 180).toFixed(int(0, 6)), "NaN", "Infinity", "1e400", "-0", "", "abc", "1,5"]);
const bbox = () => pick([[num(), num(), num(), num()].join(","), [num(), num(), num()].join(","), `${num()},${num()},${num()},${num()},${num()}`, "10,10,0,0", "-181,0,0,1", "0,-95,1,1", junk(12), "1,2,3,4"]);
const QUERY: Record<string, () => string> = {
  date: anyDate, start: anyDate, since: anyDate, bbox,
  type: () => pick(["", "scrambling", "ALPINE ", "big_wall", "trad,sport", junk(6), "Sport"]),
  q: () => pick(["", junk(), "x".repeat(int(90, 300)), "%", "_", "'; DROP TABLE routes; --"]),
  limit: () => pick(["0", "-5", "201", "1000000", "ten", "1.5", "", "1e2", String(int(1, 200))]),
  cursor: () => pick(["", junk(8), btoa("r:0"), btoa("a:-1"), btoa(`r:${int(1, 99)}`), "%%%", "====", btoa(junk(4).replace(/[^\x00-\xff]/g, "x")), "x".repeat(100)]),
  severity: () => pick(["", "deadly", "fatal,,minor", "FATAL", "fatal;minor", junk(5)]),
  fresh: () => pick(["yes", "2", "", "true", "TRUE"]),
  [junk(4)]: junk,
  page: () => "2",
};
function query(): string {
  const n = int(0, 4);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const key = rand() < 0.1 ? junk(3) : pick(Object.keys(QUERY));
    const value = (QUERY[key] ?? junk)();
    parts.push(`${rand() < 0.05 ? key : encodeURIComponent(key)}=${rand() < 0.1 ? value : encodeURIComponent(value)}`);
  }
  return parts.length ? `?${parts.join("&")}` : "";
}

/** A predict body that is always invalid in at least one way (so nothing is computed). */
function predictBody(): string {
  const body: Record<string, unknown> = { latitude: rand() * 180 - 90, longitude: rand() * 360 - 180, date: addDays(today, int(0, 6)), route_type: pick(["alpine", "ICE", "trad"]) };
  const mutations = [
    () => (body.latitude = pick([91, -91, "45", null, [], {}, true, 1e400])),
    () => (body.longitude = pick([181, -180.0001, "0", null, [1]])),
    () => (body.date = badDate()),
    () => (body.route_type = pick(["big_wall", "", 7, null, junk(5)])),
    () => (body.elevation_m = pick([-501, 9001, "high", [], {}])),
    () => delete body[pick(["latitude", "longitude", "date", "route_type"])],
    () => (body[junk(5)] = junk()),
  ];
  for (let i = int(1, 3); i > 0; i--) pick(mutations)();
  const json = JSON.stringify(body);
  return pick([
    json, json, json,
    json.slice(0, int(0, json.length - 1)),
    "null", "[]", "42", '"text"', "{", "", "{\"a\":" + "[".repeat(2000) + "]".repeat(2000) + "}",
    JSON.stringify({ ...body, pad: "x".repeat(int(16_000, 20_000)) }),
    "\ufeff" + json, junk(50),
  ]);
}

const PATHS: [() => string, string][] = [
  [() => "/routes", "GET"], [() => `/routes/${anyId()}`, "GET"], [() => `/routes/${anyId()}/safety`, "GET"],
  [() => `/routes/${anyId()}/forecast`, "GET"], [() => `/routes/${anyId()}/breakdown`, "GET"], [() => "/predict", "POST"],
  [() => "/predict", "POST"], [() => "/predict", "POST"], [() => "/map", "GET"], [() => "/accidents", "GET"],
  [() => `/accidents/${anyId()}`, "GET"], [() => "/openapi.json", "GET"], [() => `/${encodeURIComponent(junk(6))}`, "GET"],
  [() => `/routes/${anyId()}/${pick(["safety/x", "nope", ""])}`, "GET"], [() => `//routes`, "GET"], [() => `/routes/../accidents`, "GET"],
];

function randomRequest(): { path: string; init: RequestInit } {
  const [makePath, proper] = pick(PATHS);
  const path = makePath() + query();
  const isPredict = path.startsWith("/predict");
  const method = rand() < 0.75 ? proper : pick(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]);
  const headers: Record<string, string> = {};
  if (rand() < 0.3) headers["If-None-Match"] = pick(['"abc"', "*", "W/\"x\"", junk(8).replace(/[^\x20-\x7e]/g, "")]);
  if (rand() < 0.3) headers.Origin = pick(["https://app.example", "null", "http://evil.test"]);
  if (rand() < 0.1) headers.Authorization = pick(["Bearer nope", "Basic abc", "Bearer "]);
  let body: string | undefined;
  if (method === "POST" || method === "PUT" || method === "PATCH") {
    body = isPredict ? predictBody() : junk();
    headers["Content-Type"] = pick(["application/json", "application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", "APPLICATION/JSON", "", "application/jsonp"]);
  }
  return { path, init: { method, headers, body } };
}

beforeAll(seed);

describe(`fuzz (seed ${SEED})`, () => {
  it(`${COUNT} malformed requests: never a 5xx, errors are JSON {error:{code,message}}`, async () => {
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    const requests = Array.from({ length: COUNT }, randomRequest);
    for (let i = 0; i < requests.length; i += 25) {
      await Promise.all(
        requests.slice(i, i + 25).map(async ({ path, init }) => {
          let res: Response;
          try {
            res = await call(path, init);
          } catch (e) {
            failures.push(`${init.method} ${path}: threw ${(e as Error).message}`);
            return;
          }
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const text = await res.text();
          if (res.status >= 500) failures.push(`${init.method} ${path} -> ${res.status} ${text.slice(0, 200)}`);
          else if (res.status >= 400 && init.method !== "HEAD") {
            const parsed = ErrorBody.safeParse(JSON.parse(text));
            if (!parsed.success) failures.push(`${init.method} ${path} -> ${res.status} not an error body: ${text.slice(0, 100)}`);
          }
        }),
      );
    }
    console.log(`fuzz seed ${SEED}: ${COUNT} requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`);
    expect(failures).toEqual([]);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(COUNT);
    // The mix really exercised the error paths.
    for (const status of [400, 404, 405, 415, 422]) expect(statuses.get(status) ?? 0, `status ${status}`).toBeGreaterThan(0);
  });
});
