/**
 * Properties of the engine on generated and golden inputs: risk bounds, monotonicity of the raw
 * total, empty results, serialisation round trip, determinism, multi-day equivalence, top list.
 */
import { describe, expect, it } from "vitest";
import {
  GoldenInputSchema,
  buildCorpus,
  deserializeCorpus,
  scoreRouteDay,
  scoreRouteDays,
  serializeCorpus,
  type AccidentInput,
  type ForecastDay,
  type GoldenInput,
  type RiskResult,
  type ScoreMetadata,
  type ScoreRequest,
} from "../../../src/scoring";
import { isoDateFromDayNumber, parseIsoDate } from "../../../src/scoring/dates";
import { loadGoldenCases } from "./golden-compare";
import { rng } from "../../support/random";

const TYPES = ["alpine", "Sport", "trad", "ice", "mixed", "aid", "boulder", null, "big_wall"];
const ACTIVITIES = ["climbing", "Hiker", "Backcountry skier", "Mountaineer", null];
const ACC_TYPES = ["roped_climbing", "avalanche", "unknown", "ice_climbing", null];
const TAGS = ["Serious, Roped", "Alpine/Mountaineering", "Sport climbing", "Bouldering", null, "grade: 5.12a"];
const SEVERITIES = ["fatal", "serious", "minor", "unknown", null];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function randomAccident(r: () => number, id: number, near: { lat: number; lon: number }): AccidentInput {
  const day = parseIsoDate("1990-01-01")!.dayNumber + Math.floor(r() * 13000);
  const date = isoDateFromDayNumber(day);
  const nRows = Math.floor(r() * 8);
  const weather = Array.from({ length: nRows }, (_, k) => ({
    date: isoDateFromDayNumber(day - (nRows - 1 - k)),
    temperature_avg: r() * 30 - 15,
    temperature_min: r() * 10 - 20,
    temperature_max: r() * 20,
    precipitation_total: r() < 0.5 ? 0 : r() * 20,
    wind_speed_avg: r() * 15,
    visibility_avg: null,
    cloud_cover_avg: r() * 100,
  }));
  const spread = r() < 0.5 ? 0.5 : 20;
  return {
    accident_id: id,
    date: r() < 0.03 ? null : date,
    latitude: r() < 0.03 ? null : near.lat + (r() - 0.5) * spread,
    longitude: near.lon + (r() - 0.5) * spread,
    elevation_m: r() < 0.3 ? null : 500 + r() * 4000,
    activity: pick(r, ACTIVITIES),
    accident_type: pick(r, ACC_TYPES),
    tags: pick(r, TAGS),
    injury_severity: pick(r, SEVERITIES),
    weather,
  };
}

function randomForecast(r: () => number, target: string, storm: boolean): ForecastDay[] | null {
  if (r() < 0.15) return null;
  const t = parseIsoDate(target)!.dayNumber;
  const n = r() < 0.15 ? 3 + Math.floor(r() * 4) : 7;
  return Array.from({ length: n }, (_, k) => {
    const mean = r() * 30 - 15;
    return {
      date: isoDateFromDayNumber(t - (n - 1 - k)),
      temperature_2m_mean: mean,
      temperature_2m_min: mean - r() * 8,
      temperature_2m_max: mean + r() * 8,
      precipitation_sum: storm ? 50 + r() * 100 : r() < 0.5 ? 0 : r() * 10,
      wind_speed_10m_max: storm ? 30 + r() * 20 : r() * 15,
      cloud_cover_mean: r() * 100,
    };
  });
}

function randomRequest(r: () => number): ScoreRequest {
  const target = isoDateFromDayNumber(parseIsoDate("2024-01-01")!.dayNumber + Math.floor(r() * 730));
  const stats =
    r() < 0.2
      ? null
      : r() < 0.1
        ? {}
        : { temperature: [0, 8] as const, precipitation: [2, 3] as const, wind_speed: [8, 3] as const, visibility: [10000, 0] as const };
  return {
    route: {
      latitude: 40 + (r() - 0.5) * 10,
      longitude: -110 + (r() - 0.5) * 10,
      route_type: pick(r, TYPES),
      elevation_m: r() < 0.3 ? null : 1000 + r() * 3000,
      grade: r() < 0.5 ? "5.10a" : null,
    },
    targetDate: target,
    forecast: randomForecast(r, target, r() < 0.2),
    weatherStats: stats,
  };
}

function total(result: RiskResult): number {
  return "total_influence_sum" in result.metadata ? (result.metadata as ScoreMetadata).total_influence_sum : 0;
}

describe("properties on generated inputs", () => {
  const r = rng(2024);
  const accidents = Array.from({ length: 400 }, (_, k) => randomAccident(r, k + 1, { lat: 40, lon: -110 }));
  const corpus = buildCorpus(accidents);
  const requests = Array.from({ length: 40 }, () => randomRequest(r));

  it("risk is within 0..100 and the top list is sorted and ≤ 50", () => {
    for (const req of requests) {
      const res = scoreRouteDay(corpus, req);
      expect(res.risk_score).toBeGreaterThanOrEqual(0);
      expect(res.risk_score).toBeLessThanOrEqual(100);
      expect(Number.isFinite(res.risk_score)).toBe(true);
      expect(res.top_contributing_accidents.length).toBe(Math.min(50, res.num_contributing_accidents));
      const inf = res.top_contributing_accidents.map((t) => t.total_influence);
      for (let k = 1; k < inf.length; k++) expect(inf[k]!).toBeLessThanOrEqual(inf[k - 1]!);
    }
  });

  it("adding an accident never lowers the raw total", () => {
    for (const req of requests.slice(0, 15)) {
      const before = total(scoreRouteDay(corpus, req));
      for (let k = 0; k < 5; k++) {
        const extra = randomAccident(r, 10_000 + k, { lat: req.route.latitude, lon: req.route.longitude });
        const position = Math.floor(r() * (accidents.length + 1));
        const more = [...accidents.slice(0, position), extra, ...accidents.slice(position)];
        const after = total(scoreRouteDay(buildCorpus(more), req));
        expect(after).toBeGreaterThanOrEqual(before * (1 - 1e-12));
      }
    }
  });

  it("top list: ties keep input order, the debug list covers every kept accident", () => {
    for (const req of requests.slice(0, 10)) {
      const res = scoreRouteDay(corpus, req, { debug: true });
      const scored = "scored_accidents" in res.debug! ? res.debug!.scored_accidents : [];
      expect(scored.length).toBe(res.num_contributing_accidents);
      const order = new Map(scored.map((s, k) => [s.accident_id, k]));
      const sorted = [...scored].sort((a, b) => b.total_influence - a.total_influence || order.get(a.accident_id)! - order.get(b.accident_id)!);
      expect(res.top_contributing_accidents.map((t) => t.accident_id)).toEqual(sorted.slice(0, 50).map((s) => s.accident_id));
      const sum = scored.reduce((a, s) => a + s.total_influence, 0);
      expect(total(res)).toBeCloseTo(sum, 9);
    }
  });

  it("serialise/deserialise round trip gives equal output, and the build is deterministic", () => {
    const bytes = serializeCorpus(corpus);
    const copy = deserializeCorpus(bytes);
    expect(copy.count).toBe(corpus.count);
    for (const req of requests) expect(scoreRouteDay(copy, req, { debug: true })).toEqual(scoreRouteDay(corpus, req, { debug: true }));
    expect(serializeCorpus(buildCorpus(accidents))).toEqual(bytes);
    expect(serializeCorpus(copy)).toEqual(bytes);
  });

  it("rejects foreign bytes", () => {
    expect(() => deserializeCorpus(new Uint8Array(10))).toThrow();
    const bytes = serializeCorpus(corpus);
    expect(() => deserializeCorpus(bytes.slice(0, bytes.length - 100))).toThrow(/truncated/);
    const bad = bytes.slice();
    bad[0] = 0;
    expect(() => deserializeCorpus(bad)).toThrow(/magic/);
  });

  it("scoreRouteDays equals scoreRouteDay for each day", () => {
    const req = requests[0]!;
    const days = requests.slice(0, 7).map((q) => ({ targetDate: q.targetDate, forecast: q.forecast, weatherStats: q.weatherStats }));
    const multi = scoreRouteDays(corpus, { route: req.route, days }, { debug: true });
    days.forEach((d, k) => expect(multi[k]).toEqual(scoreRouteDay(corpus, { route: req.route, ...d }, { debug: true })));
  });

  it("an invalid target date or route position throws", () => {
    expect(() => scoreRouteDay(corpus, { ...requests[0]!, targetDate: "2025-02-30" })).toThrow(RangeError);
    expect(() => scoreRouteDay(corpus, { ...requests[0]!, route: { ...requests[0]!.route, latitude: NaN } })).toThrow(TypeError);
  });
});

describe("negligible accidents (deferred similarity)", () => {
  // Near accidents first (large influence), then many far ones of the same type (S ≈ 0 but > 0).
  const r = rng(99);
  const make = (id: number, lat: number, lon: number) => {
    const a = randomAccident(r, id, { lat, lon });
    return { ...a, latitude: lat + r() * 0.01, longitude: lon + r() * 0.01, date: a.date ?? "2001-06-01", tags: "Alpine" };
  };
  const forecast = randomForecast(() => 0.5, "2025-06-10", false);
  const request = (route_type: string): ScoreRequest => ({
    route: { latitude: 46.85, longitude: -121.76, route_type, elevation_m: 3000, grade: null },
    targetDate: "2025-06-10",
    forecast: forecast!.map((f, k) => ({ ...f, temperature_2m_mean: f.temperature_2m_mean! + k, cloud_cover_mean: 10 * k })),
    weatherStats: { temperature: [0, 5], precipitation: [1, 2], wind_speed: [3, 2] },
  });

  function exactCheck(accidents: AccidentInput[], routeType: string) {
    const res = scoreRouteDay(buildCorpus(accidents), request(routeType), { debug: true });
    const scored = "scored_accidents" in res.debug! ? res.debug!.scored_accidents : [];
    const exactTotal = scored.reduce((a, s) => a + s.total_influence, 0);
    expect(Math.abs(total(res) - exactTotal)).toBeLessThanOrEqual(1e-13 * exactTotal);
    const order = [...scored.keys()].sort((a, b) => scored[b]!.total_influence - scored[a]!.total_influence || a - b);
    expect(res.top_contributing_accidents.map((t) => t.accident_id)).toEqual(order.slice(0, 50).map((k) => scored[k]!.accident_id));
    const { debug: _d, ...rest } = res;
    expect(scoreRouteDay(buildCorpus(accidents), request(routeType))).toEqual(rest);
    return res;
  }

  it("the total stays exact to 1e-13 and the top list equals the exact ranking (list full)", () => {
    const accidents = [
      ...Array.from({ length: 80 }, (_, k) => make(k + 1, 46.85, -121.76)),
      ...Array.from({ length: 300 }, (_, k) => make(1000 + k, 46.85 + 8 + (k % 10), -121.76 + 15)),
    ];
    const res = exactCheck(accidents, "alpine");
    expect(res.num_contributing_accidents).toBe(380);
  });

  it("deferred accidents fill the list exactly when few accidents matter", () => {
    const accidents = [
      ...Array.from({ length: 5 }, (_, k) => make(k + 1, 46.85, -121.76)),
      ...Array.from({ length: 200 }, (_, k) => make(1000 + k, 46.85 + 8 + (k % 10), -121.76 + 15)),
    ];
    exactCheck(accidents, "alpine");
    exactCheck(accidents, "sport");
  });
});

describe("empty results (10.3)", () => {
  const route = { latitude: 46.85, longitude: -121.76, route_type: "alpine", elevation_m: null, grade: null };
  const request: ScoreRequest = { route, targetDate: "2025-08-01", forecast: null, weatherStats: null };

  it("zero accidents → 'No historical accidents …' with the search radius", () => {
    const res = scoreRouteDay(buildCorpus([]), request, { debug: true });
    expect(res).toEqual({
      risk_score: 0,
      num_contributing_accidents: 0,
      top_contributing_accidents: [],
      metadata: { message: "No historical accidents found within 300km", route_type: "alpine", search_date: "2025-08-01", search_radius_km: 300 },
      color_code: "green",
      canonical_route_type: "alpine",
      debug: { current_weather_pattern: null, scored_accidents: [] },
    });
    const sport = scoreRouteDay(buildCorpus([]), { ...request, route: { ...route, route_type: "sport" } });
    expect(sport.metadata).toMatchObject({ message: "No historical accidents found within 100km", search_radius_km: 100 });
    expect("debug" in sport).toBe(false);
    const custom = scoreRouteDay(buildCorpus([]), { ...request, searchRadiusKm: 1234.5 });
    expect(custom.metadata).toMatchObject({ message: "No historical accidents found within 300km", search_radius_km: 300 });
  });

  it("accidents lacking coordinates or a date are dropped first", () => {
    const base = { elevation_m: null, activity: "climbing", accident_type: null, tags: null, injury_severity: null, weather: [] };
    const corpus = buildCorpus([
      { ...base, accident_id: 1, date: "2000-01-01", latitude: null, longitude: -121 },
      { ...base, accident_id: 2, date: null, latitude: 46, longitude: -121 },
      { ...base, accident_id: 3, date: "2000-02-31", latitude: 46, longitude: -121 },
    ]);
    expect(corpus.count).toBe(0);
    expect(corpus.inputCount).toBe(3);
    expect(scoreRouteDay(corpus, request).metadata).toMatchObject({ message: "No historical accidents found within 300km" });
  });

  it("none compatible → 'No compatible accidents …' without radius or extreme_weather", () => {
    const corpus = buildCorpus([
      {
        accident_id: 9,
        date: "2000-01-01",
        latitude: 0,
        longitude: 0,
        elevation_m: null,
        activity: "Hiker",
        accident_type: null,
        tags: null,
        injury_severity: null,
        weather: [],
      },
    ]);
    expect(scoreRouteDay(corpus, request).metadata).toEqual({
      message: "No compatible accidents found after route type filtering",
      route_type: "alpine",
      search_date: "2025-08-01",
    });
  });
});

describe("properties on golden inputs", () => {
  for (const c of loadGoldenCases()) {
    it(`${c.name}: dropping accidents never raises the total; risk within bounds`, () => {
      const input = GoldenInputSchema.parse(c.data.input) as GoldenInput;
      const req: ScoreRequest = { route: input.route, targetDate: input.target_date, forecast: input.forecast_weather, weatherStats: input.weather_stats };
      const full = scoreRouteDay(buildCorpus(input.accidents), req);
      const half = scoreRouteDay(buildCorpus(input.accidents.filter((_, k) => k % 2 === 0)), req);
      expect(total(half)).toBeLessThanOrEqual(total(full) * (1 + 1e-12));
      expect(full.risk_score).toBeGreaterThanOrEqual(0);
      expect(full.risk_score).toBeLessThanOrEqual(100);
    });
  }
});
