/**
 * Location-level sharing (scoreLocationDays): on the real SafeAscent corpus
 * (../shared/data/safeascent, loaded as bench/score.ts loads it), a location's routes scored
 * together give bit for bit what each gives scored alone with scoreRouteDays; the compact output
 * equals the full output's fields; the golden cases survive being scored among other routes.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  GoldenInputSchema,
  buildCorpus,
  canonicalRouteType,
  parseGrade,
  scoreGoldenInput,
  scoreLocationDays,
  scoreLocationDaysCompact,
  scoreRouteDays,
  type AccidentInput,
  type CompactRiskResult,
  type DayRequest,
  type ForecastDay,
  type GoldenInput,
  type LocationRequest,
  type LocationRoute,
  type PreparedCorpus,
  type RiskResult,
  type RouteInput,
  type WeatherStats,
} from "../../../src/scoring";
import { isoDateFromDayNumber, parseIsoDate } from "../../../src/scoring/dates";
import { loadData } from "../../../bench/score";
import { rng } from "../../support/random";
import { compareGolden, loadGoldenCases } from "./golden-compare";

/** Every canonical type, the on-demand aliases (any case/spacing), and types that fall back to trad. */
const ROUTE_TYPES: readonly (string | null)[] = [
  "alpine",
  "ice",
  "mixed",
  "trad",
  "sport",
  "aid",
  "boulder",
  "Sport",
  " ICE ",
  "Alpine",
  "sport climb",
  "Bouldering",
  "big wall",
  "Mountaineering",
  "snow",
  "toprope",
  "yds",
  "ice climbing",
  null,
  "",
  "unknown",
  "big_wall",
  "TR",
  "Trad, Sport",
];
/** Every grade system of spec 7.6 plus unparseable forms. */
const GRADES: readonly (string | null)[] = [
  null,
  "",
  "5.4",
  "5.8",
  "5.9+",
  "5.10-",
  "5.10",
  "5.10a",
  "5.10b/c",
  "5.11d",
  "5.12c",
  "5.13a",
  "5.15",
  "V0",
  "V5",
  "V12",
  "VB",
  "WI2",
  "WI4",
  "AI3",
  "M6",
  "A2",
  "C1",
  "10a",
  "11c",
  "5.9 C2",
  "Class 4",
  "5.10a+",
  "garbage",
];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function randomForecast(r: () => number, targetDay: number): ForecastDay[] | null {
  const u = r();
  if (u < 0.12) return null;
  const n = u < 0.22 ? 1 + Math.floor(r() * 4) : u < 0.3 ? 5 + Math.floor(r() * 2) : 7;
  const stormy = r() < 0.2;
  const rows: ForecastDay[] = Array.from({ length: n }, (_, k) => {
    const mean = Math.round((r() * 35 - 15) * 100) / 100;
    return {
      date: isoDateFromDayNumber(targetDay - (n - 1 - k)),
      temperature_2m_mean: mean,
      temperature_2m_min: mean - Math.round(r() * 80) / 10,
      temperature_2m_max: mean + Math.round(r() * 80) / 10,
      precipitation_sum: stormy ? 20 + r() * 80 : r() < 0.5 ? 0 : Math.round(r() * 150) / 10,
      wind_speed_10m_max: stormy ? 15 + r() * 20 : r() * 12,
      cloud_cover_mean: Math.round(r() * 100),
    };
  });
  if (r() < 0.05) rows[Math.floor(r() * n)]!.cloud_cover_mean = null; // a null value = no forecast
  return rows;
}

function randomStats(r: () => number): WeatherStats | null {
  const u = r();
  if (u < 0.15) return null;
  if (u < 0.22) return {};
  const stats: WeatherStats = { source: "open_meteo_archive", sample_count: 1825 };
  if (r() < 0.9) stats.temperature = [r() * 20 - 5, 3 + r() * 5];
  if (r() < 0.9) stats.precipitation = [1 + r() * 3, 2 + r() * 3];
  if (r() < 0.9) stats.wind_speed = [4 + r() * 4, 1 + r() * 3];
  if (r() < 0.7) stats.visibility = [10000, 0];
  return stats;
}

function randomDays(r: () => number): DayRequest[] {
  const start = parseIsoDate("2025-01-01")!.dayNumber + Math.floor(r() * 540);
  const count = 1 + Math.floor(r() * 7);
  return Array.from({ length: count }, (_, d) => ({
    targetDate: isoDateFromDayNumber(start + d),
    forecast: randomForecast(r, start + d),
    weatherStats: randomStats(r),
  }));
}

/** A location at a real route's coordinates (or near it), with a random mix of routes. */
function randomLocation(r: () => number, realRoutes: readonly RouteInput[]): LocationRequest {
  const anchor = pick(r, realRoutes);
  const jitter = r() < 0.5 ? 0 : 0.3;
  const count = pick(r, [1, 2, 3, 4, 6, 8, 12]);
  const routes: LocationRoute[] = Array.from({ length: count }, () => ({ route_type: pick(r, ROUTE_TYPES), grade: pick(r, GRADES) }));
  if (count > 1 && r() < 0.5) routes.push({ ...routes[0]! }); // an exact duplicate route
  return {
    location: {
      latitude: anchor.latitude + (r() - 0.5) * jitter,
      longitude: anchor.longitude + (r() - 0.5) * jitter,
      elevation_m: r() < 0.25 ? null : Math.round(500 + r() * 4000),
    },
    routes,
    days: randomDays(r),
    searchRadiusKm: r() < 0.2 ? 20 + r() * 400 : undefined,
  };
}

function alone(corpus: PreparedCorpus, request: LocationRequest, k: number, debug = false): RiskResult[] {
  const route = request.routes[k]!;
  return scoreRouteDays(
    corpus,
    {
      route: { ...request.location, route_type: route.route_type, grade: route.grade },
      days: request.days,
      searchRadiusKm: request.searchRadiusKm,
    },
    { debug },
  );
}

function compactOf(full: RiskResult): CompactRiskResult {
  const extreme = "extreme_weather" in full.metadata ? full.metadata.extreme_weather.is_extreme : false;
  return {
    risk_score: full.risk_score,
    color_code: full.color_code,
    num_contributing_accidents: full.num_contributing_accidents,
    canonical_route_type: full.canonical_route_type,
    extreme_weather_applied: extreme,
  };
}

let realRoutes: RouteInput[];
let accidents: AccidentInput[];
/** The real corpus (no accident has a grade, so G ≡ 1), and the same accidents with random grades. */
let corpora: { name: string; corpus: PreparedCorpus }[];

beforeAll(() => {
  const data = loadData();
  realRoutes = data.routes;
  accidents = data.accidents;
  const r = rng(4711);
  const graded = accidents.map((a) => ({ ...a, grade: r() < 0.8 ? pick(r, GRADES) : null }));
  corpora = [
    { name: "real", corpus: buildCorpus(accidents) },
    { name: "real with accident grades", corpus: buildCorpus(graded) },
  ];
}, 60_000);

describe("scoreLocationDays on the real corpus", () => {
  it("loads the real data", () => {
    expect(accidents.length).toBeGreaterThan(4000);
    expect(corpora[0]!.corpus.count).toBeGreaterThan(3900);
  });

  for (const [c, seed] of [
    [0, 1],
    [1, 2],
  ] as const) {
    it(`routes scored together equal each scored alone, bit for bit (corpus ${c === 0 ? "real" : "real with accident grades"})`, () => {
      const { corpus } = corpora[c]!;
      const r = rng(seed);
      let distinctTypeLocations = 0;
      let differingTypeResults = 0;
      let differingGradeResults = 0;
      for (let q = 0; q < 24; q++) {
        const request = randomLocation(r, realRoutes);
        const together = scoreLocationDays(corpus, request);
        expect(together.length).toBe(request.routes.length);
        request.routes.forEach((_, k) => {
          expect(together[k]!.length).toBe(request.days.length);
          expect(together[k], `location ${q}, route ${k}`).toStrictEqual(alone(corpus, request, k));
        });
        // Non-triviality: routes of different types (or grades) really score differently, so
        // anything shared that must not be (S, Tm, E, Ty, the pre-filter, G) would be caught.
        const types = request.routes.map((x) => canonicalRouteType(x.route_type));
        if (new Set(types).size > 1) distinctTypeLocations++;
        for (let a = 0; a < request.routes.length; a++) {
          for (let b = a + 1; b < request.routes.length; b++) {
            const same = JSON.stringify(together[a]) === JSON.stringify(together[b]);
            if (types[a] !== types[b] && !same) differingTypeResults++;
            const ga = parseGrade(request.routes[a]!.grade);
            const gb = parseGrade(request.routes[b]!.grade);
            if (types[a] === types[b] && ga !== gb && !same) differingGradeResults++;
          }
        }
      }
      expect(distinctTypeLocations).toBeGreaterThan(10);
      expect(differingTypeResults).toBeGreaterThan(20);
      // Grades matter only when accidents have grades (the real records have none: G ≡ 1).
      if (c === 1) expect(differingGradeResults).toBeGreaterThan(5);
      else expect(differingGradeResults).toBe(0);
    });
  }

  it("debug output is also identical together and alone", () => {
    const { corpus } = corpora[1]!;
    const r = rng(3);
    for (let q = 0; q < 3; q++) {
      const request = { ...randomLocation(r, realRoutes), days: randomDays(r).slice(0, 2) };
      const together = scoreLocationDays(corpus, request, { debug: true });
      request.routes.forEach((_, k) => expect(together[k]).toStrictEqual(alone(corpus, request, k, true)));
    }
  });

  it("the compact output equals the full output's fields", () => {
    const r = rng(5);
    let extreme = 0;
    for (const { corpus } of corpora) {
      for (let q = 0; q < 16; q++) {
        const request = randomLocation(r, realRoutes);
        const full = scoreLocationDays(corpus, request);
        const compact = scoreLocationDaysCompact(corpus, request);
        expect(compact).toStrictEqual(full.map((days) => days.map(compactOf)));
        for (const days of compact) for (const d of days) if (d.extreme_weather_applied) extreme++;
        for (const days of compact) for (const d of days) expect(new TextEncoder().encode(JSON.stringify(d)).length).toBeLessThanOrEqual(300);
      }
    }
    expect(extreme).toBeGreaterThan(0);
  });

  it("route order does not matter, and results are not shared objects", () => {
    const { corpus } = corpora[1]!;
    const r = rng(6);
    const request = {
      ...randomLocation(r, realRoutes),
      routes: [...ROUTE_TYPES.slice(0, 7).map((t) => ({ route_type: t, grade: "5.10a" })), { route_type: "sport", grade: "5.10a" }],
    };
    const forward = scoreLocationDays(corpus, request);
    const reversed = scoreLocationDays(corpus, { ...request, routes: [...request.routes].reverse() });
    expect([...reversed].reverse()).toStrictEqual(forward);
    // Routes 4 and 7 are identical (sport, 5.10a): equal values, distinct objects.
    expect(forward[7]).toStrictEqual(forward[4]);
    expect(forward[7]![0]).not.toBe(forward[4]![0]);
    expect(forward[7]![0]!.metadata).not.toBe(forward[4]![0]!.metadata);
    expect(forward[7]![0]!.top_contributing_accidents.length).toBeGreaterThan(0);
    expect(forward[7]![0]!.top_contributing_accidents).not.toBe(forward[4]![0]!.top_contributing_accidents);
    expect(forward[7]![0]!.top_contributing_accidents[0]).not.toBe(forward[4]![0]!.top_contributing_accidents[0]);
  });

  it("edge cases: no routes, no days, empty corpus, nothing compatible, invalid input", () => {
    const { corpus } = corpora[0]!;
    const location = { latitude: 46.85, longitude: -121.76, elevation_m: 3000 };
    const days = randomDays(rng(7));
    expect(scoreLocationDays(corpus, { location, routes: [], days })).toEqual([]);
    expect(scoreLocationDays(corpus, { location, routes: [{ route_type: "ice", grade: null }], days: [] })).toEqual([[]]);
    const routes = [
      { route_type: "alpine", grade: null },
      { route_type: "sport", grade: "5.9" },
    ];
    const empty = buildCorpus([]);
    const e = scoreLocationDays(empty, { location, routes, days });
    expect(e.map((x) => x.map((y) => y.metadata))).toStrictEqual(routes.map((_rt, k) => alone(empty, { location, routes, days }, k).map((y) => y.metadata)));
    expect(e[0]![0]!.metadata).toMatchObject({ message: "No historical accidents found within 300km" });
    expect(scoreLocationDaysCompact(empty, { location, routes, days })[1]![0]).toStrictEqual({
      risk_score: 0,
      color_code: "green",
      num_contributing_accidents: 0,
      canonical_route_type: "sport",
      extreme_weather_applied: false,
    });
    // A hiker-only corpus on the other side of the world: nothing compatible for a sport route.
    const far = buildCorpus([
      {
        accident_id: 1,
        date: "2000-01-01",
        latitude: -40,
        longitude: 60,
        elevation_m: null,
        activity: "Hiker",
        accident_type: null,
        tags: null,
        injury_severity: null,
        weather: [],
      },
    ]);
    const none = scoreLocationDays(far, { location, routes, days: days.slice(0, 1) });
    expect(none[1]![0]!.metadata).toMatchObject({ message: "No compatible accidents found after route type filtering" });
    expect(() => scoreLocationDays(corpus, { location: { ...location, latitude: NaN }, routes, days })).toThrow(TypeError);
    expect(() => scoreLocationDays(corpus, { location, routes, days: [...days, { ...days[0]!, targetDate: "2025-13-01" }] })).toThrow(RangeError);
  });
});

describe("golden cases scored among other routes", () => {
  for (const c of loadGoldenCases()) {
    it(`${c.name}: the golden route's result is unchanged by its neighbours`, () => {
      const input = GoldenInputSchema.parse(c.data.input) as GoldenInput;
      const corpus = buildCorpus(input.accidents);
      const others = ["alpine", "sport", "boulder", "ice", "mixed", "aid", "trad"].map((t) => ({ route_type: t, grade: "V3" }));
      const [result] = scoreLocationDays(
        corpus,
        {
          location: { latitude: input.route.latitude, longitude: input.route.longitude, elevation_m: input.route.elevation_m },
          routes: [{ route_type: input.route.route_type, grade: input.route.grade }, ...others],
          days: [{ targetDate: input.target_date, forecast: input.forecast_weather, weatherStats: input.weather_stats }],
        },
        { debug: true },
      );
      expect(result![0]).toStrictEqual(scoreGoldenInput(input));
      expect(compareGolden(JSON.parse(JSON.stringify(result![0])), c.data.expected)).toEqual([]);
    });
  }
});
