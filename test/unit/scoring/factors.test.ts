/**
 * Per-factor unit tests from hand-worked values (spec 4, 7).
 */
import { describe, expect, it } from "vitest";
import {
  batchRouteType,
  canonicalRouteType,
  colorCode,
  batchColorCode,
  elevationWeight,
  gradeWeight,
  haversineKm,
  inferAccidentType,
  parseGrade,
  routeTypeWeight,
  severityWeight,
  spatialWeight,
  temporalWeight,
  combineWeather,
  riskFromTotal,
} from "../../../src/scoring";
import { temporalAccidentFactor, temporalTargetFactor, temporalWeightFromFactors } from "../../../src/scoring/factors/temporal";
import { cube } from "../../../src/scoring/combination";
import { passesPrefilter } from "../../../src/scoring/selection";
import { buildCorpus, scoreRouteDay } from "../../../src/scoring";

describe("spatial (7.1)", () => {
  it("haversine of known points", () => {
    expect(haversineKm(46.8523, -121.7603, 46.8523, -121.7603)).toBe(0);
    // One degree of latitude along a meridian: R·π/180.
    expect(haversineKm(0, 0, 1, 0)).toBeCloseTo((6371 * Math.PI) / 180, 9);
    expect(haversineKm(0, 0, 0, 90)).toBeCloseTo((6371 * Math.PI) / 2, 9);
    // Pole to equator, and antipodes (a is capped at 1, so no NaN).
    expect(haversineKm(90, 0, 0, 123)).toBeCloseTo((6371 * Math.PI) / 2, 9);
    expect(haversineKm(0, 0, 0, 180)).toBeCloseTo(6371 * Math.PI, 9);
    // London – Paris ≈ 343.6 km on a 6371 km sphere.
    expect(haversineKm(51.5074, -0.1278, 48.8566, 2.3522)).toBeCloseTo(343.56, 1);
    // Symmetric.
    expect(haversineKm(40, -105, 37.7, -83.7)).toBeCloseTo(haversineKm(37.7, -83.7, 40, -105), 9);
  });

  it("S = exp(−d²/(2h²)), no cut-off", () => {
    expect(spatialWeight(0, 75)).toBe(1);
    expect(spatialWeight(75, 75)).toBeCloseTo(Math.exp(-0.5), 15);
    expect(spatialWeight(50, 25)).toBeCloseTo(Math.exp(-2), 15);
    expect(spatialWeight(500, 25)).toBeGreaterThan(0);
    expect(spatialWeight(500, 25) / Math.exp(-200)).toBeCloseTo(1, 12);
    // Far enough, the kernel underflows to exactly 0 (no floor).
    expect(spatialWeight(1000, 25)).toBe(0);
  });
});

describe("temporal (7.2)", () => {
  it("days = 0 gives 1 (×1.05 in the same season)", () => {
    expect(temporalWeight(0, 0.9998, false)).toBe(1);
    expect(temporalWeight(0, 0.9998, true)).toBe(1.05);
  });

  it("matches 1 − 0.35·(1 − λ^(1.5·days))", () => {
    for (const [days, lambda] of [
      [365, 0.9998],
      [3650, 0.999],
      [12000, 0.9995],
    ] as const) {
      const expected = 1 - 0.35 * (1 - Math.exp(1.5 * days * Math.log(lambda)));
      expect(temporalWeight(days, lambda, false)).toBeCloseTo(expected, 12);
      expect(temporalWeight(days, lambda, true)).toBeCloseTo(expected * 1.05, 12);
    }
    // Case 20's first accident: 9728 days, alpine λ, June vs February (different seasons).
    expect(temporalWeight(9728, 0.9998, false)).toBeCloseTo(0.6689014998406646, 15);
  });

  it("negative days are not clamped: Tm₀ > 1", () => {
    const tm = temporalWeight(-365, 0.9998, false);
    expect(tm).toBeGreaterThan(1);
    expect(tm).toBeCloseTo(1 - 0.35 * (1 - Math.pow(0.9998, -365 * 1.5)), 12);
  });

  it("the scorer's factored form agrees with the reference to 1e-14", () => {
    for (const lambda of [0.999, 0.9995, 0.9996, 0.9997, 0.9998]) {
      for (const [target, accident] of [
        [20000, 8000],
        [20000, 20000],
        [20000, 20500],
        [20000, -40000],
        [23000, 1],
      ] as const) {
        const days = target - accident;
        const fast = temporalWeightFromFactors(temporalTargetFactor(lambda, target), temporalAccidentFactor(lambda, accident), days, lambda, true);
        expect(Math.abs(fast - temporalWeight(days, lambda, true))).toBeLessThan(1e-14);
      }
    }
    // Out of the safe range it falls back to the reference form exactly.
    expect(temporalWeightFromFactors(0, 1, 10, 0.999, false)).toBe(temporalWeight(10, 0.999, false));
  });

  it("tends to 0.65 for very old accidents", () => {
    expect(temporalWeight(1e6, 0.999, false)).toBeCloseTo(0.65, 12);
  });
});

describe("elevation (7.3)", () => {
  it("is neutral when either elevation is unknown", () => {
    expect(elevationWeight(null, 4000, 1600)).toBe(1);
    expect(elevationWeight(4000, null, 1600)).toBe(1);
    expect(elevationWeight(4000, NaN, 1600)).toBe(1);
  });
  it("is a bonus between 1 and 1.15", () => {
    expect(elevationWeight(4392.5, 4392.5, 1600)).toBe(1.15);
    expect(elevationWeight(1000, 2600, 1600)).toBeCloseTo(1 + 0.15 / Math.E, 15);
    expect(elevationWeight(2600, 1000, 1600)).toBeCloseTo(1 + 0.15 / Math.E, 15);
    expect(elevationWeight(0, 100000, 1600)).toBe(1);
  });
});

describe("route type (3.2, 7.4)", () => {
  it("uses the asymmetric matrix, case-insensitively", () => {
    expect(routeTypeWeight("alpine", "sport")).toBe(0.9);
    expect(routeTypeWeight("sport", "alpine")).toBe(0.3);
    expect(routeTypeWeight("ice", "alpine")).toBe(0.9);
    expect(routeTypeWeight("alpine", "ice")).toBe(0.8);
    expect(routeTypeWeight("boulder", "boulder")).toBe(1.0);
    expect(routeTypeWeight("ALPINE", "Mixed")).toBe(0.9);
  });
  it("gives 0.5 to pairs not in the table", () => {
    expect(routeTypeWeight("trad", "default")).toBe(0.5);
    expect(routeTypeWeight("whatever", "sport")).toBe(0.5);
  });
});

describe("severity (7.5)", () => {
  it("looks up the lower-cased severity", () => {
    expect(severityWeight("fatal")).toBe(1.3);
    expect(severityWeight("Serious")).toBe(1.1);
    expect(severityWeight("minor")).toBe(1.0);
    expect(severityWeight("unknown")).toBe(1.0);
    expect(severityWeight(null)).toBe(1.0);
    expect(severityWeight("")).toBe(1.0);
    expect(severityWeight("catastrophic")).toBe(1.0);
  });
});

describe("grade (7.6)", () => {
  it("parses the spec's checked examples", () => {
    const cases: [string, number | null][] = [
      ["5.8", 8],
      ["5.9+", 9.25],
      ["5.10-", 10.25],
      ["5.10", 10.5],
      ["5.10b/c", 10.375],
      ["V5", 12.0],
      ["VB", 9.5],
      ["WI4", 9.6],
      ["AI3", 9.8],
      ["M6", 10.0],
      ["A2", 10.4],
      ["5.9 C2", null],
      ["Class 4", null],
      ["Grade IV 5.4", null],
    ];
    for (const [g, v] of cases) {
      if (v === null) expect(parseGrade(g), g).toBeNull();
      else expect(parseGrade(g), g).toBeCloseTo(v, 12);
    }
  });
  it("parses the other documented forms", () => {
    expect(parseGrade("10a")).toBe(10.0);
    expect(parseGrade("5.0")).toBe(0);
    expect(parseGrade("5.11a")).toBe(11.0);
    expect(parseGrade("5.12d")).toBe(12.75);
    expect(parseGrade("5.15")).toBe(15.5);
    expect(parseGrade("  5.10a  ")).toBe(10.0);
    expect(parseGrade("5.10A")).toBe(10.0);
    expect(parseGrade("C3")).toBeCloseTo(11.6, 12);
    expect(parseGrade("V10")).toBeCloseTo(14.0, 12);
  });
  it("treats edge and garbage forms as unparseable", () => {
    for (const g of [null, "", "   ", "5.10a+", "5.9/10", "V", "5.16", "5.", "Grade III", "easy"]) {
      expect(parseGrade(g), String(g)).toBeNull();
    }
  });
  it("G = max(0.25, exp(−Δ²/(2σ²))), σ = 3/1.18, neutral when unknown", () => {
    const sigma = 3.0 / 1.18;
    expect(gradeWeight(null, 10)).toBe(1);
    expect(gradeWeight(10, null)).toBe(1);
    expect(gradeWeight(10, 10)).toBe(1);
    expect(gradeWeight(10, 13)).toBeCloseTo(Math.exp(-9 / (2 * sigma * sigma)), 15);
    expect(gradeWeight(10, 13)).toBeCloseTo(0.5, 2);
    expect(gradeWeight(0, 15)).toBe(0.25);
  });
});

describe("route-type canonicalisation (4.1)", () => {
  it("on-demand mapping", () => {
    const cases: [string | null, string][] = [
      [null, "trad"],
      ["", "trad"],
      ["alpine", "alpine"],
      ["Sport", "sport"],
      [" ICE ", "ice"],
      ["YDS", "trad"],
      ["Traditional", "trad"],
      ["trad climb", "trad"],
      ["Sport Climb", "sport"],
      ["bouldering", "boulder"],
      ["ice climbing", "ice"],
      ["alpine climb", "alpine"],
      ["Mountaineering", "alpine"],
      ["aid climb", "aid"],
      ["big wall", "aid"],
      ["snow", "alpine"],
      ["rock", "trad"],
      ["toprope", "sport"],
      ["big_wall", "trad"],
      ["TR", "trad"],
      ["Trad, Sport", "trad"],
      ["unknown", "trad"],
      ["constructor", "trad"],
    ];
    for (const [raw, t] of cases) expect(canonicalRouteType(raw), String(raw)).toBe(t);
  });
  it("nightly-batch substring mapping", () => {
    expect(batchRouteType("Trad, Sport")).toBe("sport");
    expect(batchRouteType("big_wall")).toBe("trad");
    expect(batchRouteType("Mixed Ice")).toBe("ice");
    expect(batchRouteType("Alpine")).toBe("alpine");
    expect(batchRouteType("Aid")).toBe("aid");
    expect(batchRouteType("Bouldering")).toBe("boulder");
    expect(batchRouteType(null)).toBe("trad");
    expect(batchRouteType("")).toBe("trad");
    expect(batchRouteType("unknown")).toBeNull();
  });
});

describe("accident-type inference (4.2)", () => {
  it("spec examples", () => {
    expect(inferAccidentType("climbing", "roped_climbing", "Serious, Roped, Pendulum")).toBe("trad");
    expect(inferAccidentType("Backcountry Tourer", "avalanche", null)).toBe("alpine");
    expect(inferAccidentType("Snowmobiler", "unknown", "buried:1")).toBe("default");
  });
  it("tag rules in order", () => {
    expect(inferAccidentType(null, null, "Ice Climbing, Alpine")).toBe("ice");
    expect(inferAccidentType(null, null, "Mixed Climbing, Alpine")).toBe("mixed");
    expect(inferAccidentType(null, null, "Alpine/Mountaineering, Trad")).toBe("alpine");
    expect(inferAccidentType(null, null, "Sport Climbing, Trad")).toBe("sport");
    expect(inferAccidentType(null, null, "Traditional climbing")).toBe("trad");
    expect(inferAccidentType(null, null, "Aid Climbing")).toBe("aid");
    expect(inferAccidentType(null, null, "Bouldering")).toBe("boulder");
  });
  it("grade tags (A.8) and the roped rule (A.9)", () => {
    expect(inferAccidentType(null, null, "grade: 5.11a")).toBe("sport");
    // High grade with "trad" → rule 5 already matched trad.
    expect(inferAccidentType(null, null, "grade: 5.12 trad")).toBe("trad");
    expect(inferAccidentType(null, null, "grade: 5.7")).toBe("trad");
    // Low grade with "sport" → rule 4 needs "sport climb"; here it falls through A to B/C/D.
    expect(inferAccidentType(null, null, "grade: 5.7 sport")).toBe("default");
    expect(inferAccidentType("climbing", null, "grade: 5.7 sport")).toBe("trad");
    // "5.1" is a substring of 5.10 … so a bare grade: tag without digits falls through.
    expect(inferAccidentType(null, "avalanche", "grade: IV")).toBe("alpine");
    expect(inferAccidentType(null, null, "Unroped, Solo")).toBe("trad");
  });
  it("accident_type and activity rules", () => {
    expect(inferAccidentType(null, "ice_climbing", null)).toBe("ice");
    expect(inferAccidentType(null, "Fall on Ice", "")).toBe("ice");
    expect(inferAccidentType(null, "rockfall", null)).toBe("alpine");
    expect(inferAccidentType(null, "rappel_error", null)).toBe("trad");
    expect(inferAccidentType(null, "free_solo", null)).toBe("alpine");
    expect(inferAccidentType("Backcountry skier", null, null)).toBe("alpine");
    expect(inferAccidentType("Rock climber", null, null)).toBe("trad");
    expect(inferAccidentType("Mountaineer", null, null)).toBe("alpine");
    expect(inferAccidentType("Canyoneering", null, null)).toBe("trad");
    expect(inferAccidentType("Skier", null, null)).toBe("alpine");
    expect(inferAccidentType("Hiker", null, null)).toBe("default");
    expect(inferAccidentType("Snowmobile rider", null, null)).toBe("default");
    expect(inferAccidentType(null, null, null)).toBe("default");
    expect(inferAccidentType("", "", "")).toBe("default");
  });
});

describe("combination (9) and colours (10)", () => {
  it("F = 0 below 0.25, W³ otherwise", () => {
    expect(combineWeather(0.2499999)).toBe(0);
    expect(combineWeather(0.25)).toBe(0.015625);
    expect(combineWeather(0.5)).toBe(0.125);
    expect(combineWeather(2)).toBe(8);
  });
  it("W³ is correctly rounded", () => {
    // Exact cubes, and values from case 01 where glibc's pow(W, 3) and Math.pow differ.
    expect(cube(1.5)).toBe(3.375);
    expect(cube(0.1)).toBe(0.0010000000000000002);
    const r = (x: number) => {
      // Exact cube by BigInt on the binary value, then one rounding.
      const [m, e] = (() => {
        let m = x;
        let e = 0;
        while (!Number.isInteger(m)) {
          m *= 2;
          e--;
        }
        return [BigInt(m), e];
      })();
      return Number(m ** 3n) * 2 ** (3 * e);
    };
    for (const w of [0.714816067178213, 0.6082282146619474, 0.7010157238504487, 0.3333333333333333, 0.9999999999999999]) {
      expect(cube(w)).toBe(r(w));
    }
  });

  it("risk = clamp(7·total, 0, 100)", () => {
    expect(riskFromTotal(0)).toBe(0);
    expect(riskFromTotal(1)).toBe(7);
    expect(riskFromTotal(41.5)).toBe(100);
  });
  it("on-demand and batch colour bands", () => {
    expect([0, 29.99, 30, 49.9, 50, 69.99, 70, 100].map(colorCode)).toEqual(["green", "green", "yellow", "yellow", "orange", "orange", "red", "red"]);
    expect([24.94, 24.96, 49.9, 74.9, 74.96].map(batchColorCode)).toEqual(["green", "yellow", "yellow", "orange", "red"]);
  });
});

describe("selection (5)", () => {
  it("keeps d ≤ 50 km or Ty ≥ 0.85", () => {
    expect(passesPrefilter(50, 0.5)).toBe(true);
    expect(passesPrefilter(50.000001, 0.84)).toBe(false);
    expect(passesPrefilter(5000, 0.85)).toBe(true);
    expect(passesPrefilter(5000, 0.8)).toBe(false);
  });
  it("decides the 50 km boundary with the exact haversine, keeping input order", () => {
    const degPerKm = 180 / (Math.PI * 6371);
    const mk = (id: number, dLat: number, dLon: number, activity: string | null) => ({
      accident_id: id,
      date: "2001-01-01",
      latitude: 40 + dLat,
      longitude: -105 + dLon,
      elevation_m: null,
      activity,
      accident_type: null,
      tags: null,
      injury_severity: null,
      weather: [],
    });
    const corpus = buildCorpus([
      mk(1, 49.999 * degPerKm, 0, "Hiker"), // default type, just inside
      mk(2, 50.001 * degPerKm, 0, "Hiker"), // just outside
      mk(3, 30 * degPerKm, 0.3, "Hiker"), // ~38 km, mostly east-west
      mk(4, 20, 0, "Mountaineer"), // alpine: kept at any distance for an alpine route
      mk(5, -45.2 * degPerKm, 0, "climbing"), // trad, Ty(alpine, trad) = 0.8 < 0.85, inside 50 km
    ]);
    const res = scoreRouteDay(
      corpus,
      {
        route: { latitude: 40, longitude: -105, route_type: "alpine", elevation_m: null, grade: null },
        targetDate: "2025-01-01",
        forecast: null,
        weatherStats: null,
      },
      { debug: true },
    );
    const scored = "scored_accidents" in res.debug! ? res.debug!.scored_accidents : [];
    expect(scored.map((s) => s.accident_id)).toEqual([1, 3, 4, 5]);
    expect(scored[0]!.distance_km).toBeCloseTo(49.999, 6);
  });
});
