/**
 * Property, on both surfaces: a malformed request gets the status class it is due, never a 5xx,
 * and every answer with a body is JSON in the surface's error shape. Each generator states what
 * its request deserves (a 200 where a 4xx is due fails, and vice versa), e.g. /api/v1 ignores
 * unknown query parameters (2xx) where /api/v2 rejects them (4xx).
 *
 * The seed comes from FUZZ_SEED (vitest.config.ts passes it in) or the clock, and is printed: CI
 * explores new inputs on every run, and a failing seed is replayed with FUZZ_SEED=<seed>.
 * Requests are invalid or name unknown routes, so nothing expensive is computed.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { addDays, todayUtc } from "../../../src/dates";
import { ErrorBody } from "../../../src/http/v2/schemas";
import { call, env, seed } from "./helpers";
import { rng } from "../../support/random";

const SEED = Number((env as unknown as { FUZZ_SEED?: string }).FUZZ_SEED || Date.now() % 2_147_483_647);
const COUNT_PER_SURFACE = 900;

const rand = rng(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const junk = (n = int(1, 40)) => Array.from({ length: n }, () => String.fromCharCode(pick([int(32, 126), int(0x80, 0x2fff), int(0x1f600, 0x1f64f)]))).join("");
const enc = encodeURIComponent;

const today = todayUtc();
type Expect = "2xx" | "4xx";
interface Case {
  surface: "v1" | "v2";
  method: string;
  path: string;
  init: RequestInit;
  expect: Expect;
  why: string;
}

// ----------------------------------------------------------------------------- building blocks

const V2 = "http://edge.test/api/v2";
const V1 = "http://edge.test/api/v1";
const notV2Id = () =>
  pick(["0", "-1", "abc", "1.5", "01", "1e3", "0x1F", "%207", "７", "99999999999", "2147483648", "%00", "null", "NaN", "[1]", enc(junk(5))]);
const notInt = () => pick(["abc", "1.5", "1e3", "0x1F", "７", "%00", "null", "NaN", "[1]", "1%2C2", enc(`x${junk(4)}`)]);
const unknownInt = () => String(pick([99_999_999_999, 2_147_483_648, 0, -5, 899_000 + int(0, 999), 2_147_483_647]));
const badDate = () => pick(["2026-02-30", "2025-13-01", "20261125", "today", "", "2026-1-1", "9999-99-99", "0000-00-00", enc(junk(10)), "2026-11-25T25:00"]);
const scorable = () => addDays(today, int(-1, 8));
const badNumber = () => pick(["NaN", "Infinity", "abc", "1,5", "", "--1", "0x10", enc(junk(4))]);
const junkParam = () => `${enc(`z${junk(3)}`)}=${enc(junk())}`;
const wrongMethod = (allowed: string[]) => pick(["PUT", "DELETE", "PATCH", "POST", "GET"].filter((m) => !allowed.includes(m)));
const headers = (): Record<string, string> => {
  const h: Record<string, string> = {};
  if (rand() < 0.3) h["If-None-Match"] = pick(['"abc"', "*", 'W/"x"']);
  if (rand() < 0.3) h.Origin = pick(["https://app.example", "null", "http://localhost:5173"]);
  if (rand() < 0.1) h.Authorization = pick(["Bearer nope", "Basic abc", "Bearer "]);
  return h;
};
const get = (surface: Case["surface"], path: string, expect: Expect, why: string, method = "GET"): Case => ({
  surface,
  method,
  path,
  init: { method, headers: headers() },
  expect,
  why,
});

/** A JSON body that breaks at least one rule (or is not JSON at all). */
function badPredictBody(v1: boolean): string {
  const dateField = v1 ? "planned_date" : "date";
  const body: Record<string, unknown> = {
    latitude: rand() * 180 - 90,
    longitude: rand() * 360 - 180,
    [dateField]: addDays(today, int(0, 6)),
    route_type: pick(["alpine", "ICE", "trad"]),
  };
  const mutations = [
    () => (body.latitude = pick([91, -91, null, [], {}, true])),
    () => (body.longitude = pick([181, -180.0001, null, [1]])),
    () => (body[dateField] = pick(["2026-02-30", "today", 20261125, null, ""])),
    () => (body.route_type = pick(["big_wall", "", 7, null, `x${junk(5)}`])),
    () => delete body[pick(["latitude", "longitude", dateField, "route_type"])],
    () => (body[v1 ? "elevation_meters" : "elevation_m"] = pick([-501, 9001, "high", [], {}])),
  ];
  for (let i = int(1, 3); i > 0; i--) pick(mutations)();
  const json = JSON.stringify(body);
  return pick([json, json, json, json.slice(0, int(1, json.length - 1)), "[]", "42", '"text"', "{", "\ufeff{", junk(50)]);
}

// ----------------------------------------------------------------------------- generators

const V2_GENERATORS: (() => Case)[] = [
  () => get("v2", `${V2}/${pick(["routes", "accidents"])}/${notV2Id()}`, "4xx", "malformed id"),
  () => get("v2", `${V2}/routes/${notV2Id()}/${pick(["safety", "forecast", "breakdown"])}`, "4xx", "malformed id"),
  () => get("v2", `${V2}/routes/${899_000 + int(0, 999)}`, "4xx", "unknown id"),
  () =>
    get(
      "v2",
      `${V2}/routes?${pick(["limit=0", "limit=201", "limit=ten", "bbox=10,10,0,0", "type=scrambling", `cursor=${enc(junk(6))}`, "q="])}`,
      "4xx",
      "bad parameter",
    ),
  () => get("v2", `${V2}/accidents?${pick([`since=${badDate()}`, "severity=deadly", "limit=-5", "bbox=1,2,3"])}`, "4xx", "bad parameter"),
  () => get("v2", `${V2}/map?${pick(["", `bbox=${enc(junk(8))}`, `bbox=169,-45,170,-44&date=${addDays(today, 9)}`])}`, "4xx", "bad map query"),
  () => get("v2", `${V2}/routes?limit=${int(1, 5)}&${junkParam()}`, "4xx", "v2 rejects unknown parameters"),
  () => get("v2", `${V2}/routes/900001/safety?date=${badDate()}`, "4xx", "bad date"),
  () => ({
    surface: "v2",
    method: "POST",
    path: `${V2}/predict`,
    init: {
      method: "POST",
      headers: { ...headers(), "Content-Type": pick(["application/json", "application/json; charset=utf-8"]) },
      body: badPredictBody(false),
    },
    expect: "4xx",
    why: "invalid predict body",
  }),
  () => ({
    surface: "v2",
    method: "POST",
    path: `${V2}/predict`,
    init: { method: "POST", headers: { "Content-Type": pick(["text/plain", "", "application/x-www-form-urlencoded"]) }, body: "{}" },
    expect: "4xx",
    why: "not JSON",
  }),
  () => get("v2", `${V2}/${pick(["routes", "map", "openapi.json", "routes/5"])}`, "4xx", "wrong method", wrongMethod(["GET", "HEAD", "OPTIONS"])),
  () => get("v2", `${V2}/${enc(`n${junk(6)}`)}`, "4xx", "unknown path"),
  () => get("v2", `${V2}/routes?limit=${int(1, 20)}`, "2xx", "valid listing"),
  () => get("v2", `${V2}/accidents?limit=${int(1, 20)}&severity=${pick(["fatal", "minor,serious", "UNKNOWN"])}`, "2xx", "valid listing"),
  () => get("v2", `${V2}/${pick(["routes", "accidents", "openapi.json"])}`, "2xx", "OPTIONS/HEAD", pick(["OPTIONS", "HEAD"])),
];

const V1_GENERATORS: (() => Case)[] = [
  () => get("v1", `${V1}/${pick(["mp-routes", "locations", "accidents"])}/${notInt()}`, "4xx", "non-integer id (422)"),
  () =>
    get(
      "v1",
      `${V1}/mp-routes/${notInt()}/${pick([`forecast?start_date=${today}`, "accidents", "historical-trends", "ascent-analytics", `time-of-day?target_date=${today}`])}`,
      "4xx",
      "non-integer id (422)",
    ),
  () =>
    get(
      "v1",
      `${V1}/mp-routes/${unknownInt()}${pick(["", "/accidents", "/historical-trends", "/ascent-analytics", `/forecast?start_date=${scorable()}`, `/risk-breakdown?target_date=${scorable()}`, `/time-of-day?target_date=${scorable()}`])}`,
      "4xx",
      "unknown id (404)",
    ),
  () => ({
    surface: "v1",
    method: "POST",
    path: `${V1}/mp-routes/${unknownInt()}/safety?target_date=${scorable()}&bypass_cache=${pick(["true", "1", "no"])}`,
    init: { method: "POST" },
    expect: "4xx",
    why: "unknown id (404)",
  }),
  () => get("v1", `${V1}/${pick(["locations", "accidents"])}/${unknownInt()}`, "4xx", "unknown id (404)"),
  () => ({
    surface: "v1",
    method: "POST",
    path: `${V1}/mp-routes/900001/safety${pick(["", `?target_date=${badDate()}`, `?target_date=${scorable()}&bypass_cache=${pick(["maybe", "2", "yesno"])}`])}`,
    init: { method: "POST" },
    expect: "4xx",
    why: "bad safety query (422)",
  }),
  () =>
    get(
      "v1",
      `${V1}/mp-routes/900001/${pick(["forecast", "risk-breakdown", "time-of-day"])}?${pick(["", `start_date=${badDate()}`, `target_date=${badDate()}`])}`,
      "4xx",
      "missing or bad date (422)",
    ),
  () => get("v1", `${V1}/mp-routes/900001/risk-breakdown?target_date=${addDays(today, int(16, 400))}`, "4xx", "date beyond the forecast (422)"),
  () =>
    get(
      "v1",
      `${V1}/mp-routes?${pick(["limit=0", "limit=501", `limit=${badNumber()}`, "offset=-1", `location_id=${notInt()}`])}`,
      "4xx",
      "bad parameter (422)",
    ),
  () =>
    get(
      "v1",
      `${V1}/accidents?${pick([`lat=${badNumber()}`, "radius_km=0.01", "limit=1001", `start_date=${badDate()}`, `route_id=${notInt()}`])}`,
      "4xx",
      "bad parameter (422)",
    ),
  () => get("v1", `${V1}/mp-routes/map-with-safety?target_date=${badDate()}`, "4xx", "bad date (422)"),
  () => ({
    surface: "v1",
    method: "POST",
    path: `${V1}/predict`,
    init: { method: "POST", headers: { ...headers(), ...(rand() < 0.8 ? { "Content-Type": "application/json" } : {}) }, body: badPredictBody(true) },
    expect: "4xx",
    why: "invalid predict body (422)",
  }),
  () =>
    get(
      "v1",
      `${V1}/${pick(["mp-routes", "mp-routes/map", "health", "locations", "mp-routes/5", "mp-routes/5/forecast"])}`,
      "4xx",
      "wrong method (405)",
      wrongMethod(["GET", "HEAD", "OPTIONS"]),
    ),
  () => get("v1", `${V1}/${pick(["predict", "mp-routes/5/safety"])}`, "4xx", "wrong method (405)", wrongMethod(["POST", "OPTIONS"])),
  () => get("v1", `${V1}/${enc(`n${junk(6)}`)}`, "4xx", "unknown path (404)"),
  () => get("v1", `${V1}/mp-routes?search=${enc(junk(int(1, 10)))}&limit=${int(1, 8)}&${junkParam()}`, "2xx", "unknown parameters are ignored"),
  () => get("v1", `${V1}/locations?search=${enc(junk(int(1, 6)))}&limit=${int(1, 5)}&${junkParam()}`, "2xx", "unknown parameters are ignored"),
  () =>
    get("v1", `${V1}/accidents?limit=${int(1, 10)}&latitude=${int(-89, 89)}&longitude=${int(-179, 179)}&radius_km=${int(1, 500)}`, "2xx", "valid (aliases)"),
  () => get("v1", `${V1}/mp-routes?limit=${badNumber()}&limit=${int(1, 5)}`, "2xx", "repeated parameter: the last wins"),
  () => get("v1", `${V1}/mp-routes?limit=${int(1, 5)}&limit=${pick(["0", "501", "x"])}`, "4xx", "repeated parameter: the last wins"),
  () => get("v1", `${V1}/${pick(["health", "openapi.json", "mp-routes?limit=1", "locations?limit=1"])}`, "2xx", "OPTIONS/HEAD", pick(["OPTIONS", "HEAD"])),
];

beforeAll(seed);

async function run(cases: Case[]) {
  const statuses = new Map<number, number>();
  const failures: string[] = [];
  for (let i = 0; i < cases.length; i += 25) {
    await Promise.all(
      cases.slice(i, i + 25).map(async (c) => {
        const label = `${c.method} ${c.path.replace("http://edge.test", "")} [${c.why}]`;
        let res: Response;
        try {
          res = await call(c.path, c.init);
        } catch (e) {
          failures.push(`${label}: threw ${(e as Error).message}`);
          return;
        }
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const text = await res.text();
        const due = c.expect === "2xx" ? res.status >= 200 && res.status < 400 : res.status >= 400 && res.status < 500;
        if (!due) failures.push(`${label} -> ${res.status} where ${c.expect} is due: ${text.slice(0, 160)}`);
        if (c.method === "HEAD" || res.status === 204 || res.status === 304) return;
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          failures.push(`${label} -> ${res.status}: not JSON: ${text.slice(0, 80)}`);
          return;
        }
        if (res.status >= 400) {
          const ok =
            c.surface === "v2"
              ? ErrorBody.safeParse(body).success
              : typeof body === "object" &&
                body !== null &&
                "detail" in body &&
                (typeof (body as { detail: unknown }).detail === "string" || Array.isArray((body as { detail: unknown }).detail));
          if (!ok) failures.push(`${label} -> ${res.status}: not the ${c.surface} error shape: ${text.slice(0, 100)}`);
        }
      }),
    );
  }
  return { statuses, failures };
}

describe(`fuzz (seed ${SEED}; replay with FUZZ_SEED=${SEED})`, () => {
  for (const [surface, generators] of [
    ["v2", V2_GENERATORS],
    ["v1", V1_GENERATORS],
  ] as const) {
    it(`${surface}: ${COUNT_PER_SURFACE} requests each get their due status class, never a 5xx, errors in the ${surface} shape`, async () => {
      const cases = Array.from({ length: COUNT_PER_SURFACE }, () => pick(generators)());
      const { statuses, failures } = await run(cases);
      console.log(`fuzz ${surface} seed ${SEED}: statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`);
      expect(failures.slice(0, 20)).toEqual([]);
      expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(COUNT_PER_SURFACE);
      // The mix really exercised both classes.
      expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
      for (const status of surface === "v2" ? [400, 404, 405, 422] : [404, 405, 422]) expect(statuses.get(status) ?? 0, `status ${status}`).toBeGreaterThan(0);
    });
  }
});
