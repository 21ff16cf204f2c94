/**
 * A synthetic route catalogue at Mountain Project scale (~168,000 routes on ~28,000 locations), in
 * the SafeAscent export format, deterministic for a seed — so the whole catalogue can be warmed and
 * measured locally. `npm run demo-data -- --routes 168000 --locations 28000 --out DIR` writes it.
 *
 * What it holds
 *  - The real mountains and routes (when bundled from `accidentsFrom`, e.g. ../shared/data/safeascent)
 *    with their ids, values and accident counts unchanged, so the real accidents.csv and weather.csv
 *    (copied byte for byte) resolve their foreign keys. Synthetic ids cannot collide with them:
 *    mountains from SYNTHETIC_MOUNTAIN_ID_BASE (100000), routes from SYNTHETIC_ROUTE_ID_BASE (1000000).
 *    Totals are exact: `locations` mountains rows and `routes` routes rows, real ones included.
 *  - A "location" is a mountains row. Synthetic routes are clustered on them like climbing areas:
 *    ~40 famous big areas (Muir Valley, Hidden Valley, the Buttermilks, El Capitan, …) take a Zipf
 *    share of the routes (the biggest has thousands at full size); the rest get 1 + a lognormal
 *    share with a quarter pinned at one route, so most have a handful and about a third have one.
 *  - Scoring points: most synthetic routes have no coordinates of their own (they inherit the
 *    location's, as src/data/routes.ts does; elevation always comes from the location). About 5 %
 *    carry their own coordinates near the crag and about 2 % repeat the location's coordinates
 *    explicitly (same point). About 4 % of locations are sub-areas sharing their neighbour's exact
 *    point (latitude, longitude and elevation), as Mountain Project sub-areas often do.
 *  - Geography: ~80 North American climbing regions (California to Québec, Alaska to Nuevo León)
 *    with a centre, a spread and elevation ranges for crags and peaks; the real mountains' own
 *    coordinates serve as extra sub-centres of the region they lie in. Points are drawn around a
 *    centre (at most 2.2 spreads away) with elevations from the region's range for the location's
 *    kind (crag, boulder_field, wall, peak, ice).
 *  - Route types by location kind: alpine, trad, sport, ice, mixed, aid, boulder, big_wall, unknown,
 *    empty (NULL), and raw aliases the engine maps (src/scoring/route-type.ts, ALGORITHM.md 4.1;
 *    the importer keeps them as written, lower-cased): traditional, rock, yds, toprope, tr,
 *    sport climb, trad climb, bouldering, mountaineering, snow, alpine climb, ice climbing,
 *    ice climb, aid climb, big wall.
 *  - Grades in every system of src/scoring/factors/grade.ts, with the forms it cannot parse too (see
 *    GRADE_SYSTEMS / gradeSystemOf). The first routes generated cover every (type, grade system)
 *    pair in COVERAGE, so even a small catalogue (2,000 routes on 300 locations) has all of them.
 *
 * In-process use (tests, the warming helper's fixtures):
 *   generateCatalogue({ routes: 2000, locations: 300, seed: 7, accidentsFrom: dir | null })
 *     -> { mountains, routes, files, real, stats }   (typed rows; CSV texts accepted by importDataset)
 * Files: writeCatalogue(outDir, options) streams mountains.csv and routes.csv (never holding all
 * rows) and copies accidents.csv / weather.csv (header-only files when there is nothing to bundle).
 */
import { chmodSync, closeSync, copyFileSync, rmSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { checkHeader, isProblem, mountainsSpec, parseCsv, routesSpec, type MountainRow, type RouteRow, type TableSpec } from "./csv-schemas";
import { validateRecord } from "./csv-schemas";
import { gridCell } from "../../src/weather/cells";
import {
  ACCIDENT_COLUMNS,
  ADJECTIVES,
  ASPECTS,
  csvHeader,
  csvLine,
  MOUNTAIN_COLUMNS,
  NOUNS,
  ROUTE_COLUMNS,
  Rng,
  WEATHER_COLUMNS,
  type DemoFiles,
} from "./demo-data";

export const CATALOGUE_SEED = 20_240_602;
export const SYNTHETIC_MOUNTAIN_ID_BASE = 100_000;
export const SYNTHETIC_ROUTE_ID_BASE = 1_000_000;

/** Options that cannot make a catalogue (the message names the option); the CLI exits 2 on it. */
export class CatalogueOptionsError extends Error {
  override name = "CatalogueOptionsError";
}

export interface CatalogueOptions {
  /** Total routes rows, real ones included. */
  routes: number;
  /** Total mountains rows (locations), real ones included. */
  locations: number;
  /** PRNG seed (default CATALOGUE_SEED). */
  seed?: number;
  /**
   * Folder with a SafeAscent export (mountains.csv, routes.csv, accidents.csv, weather.csv) whose
   * mountains and routes are included with their ids and whose accidents and weather are bundled.
   * null/undefined: a purely synthetic catalogue with header-only accidents.csv and weather.csv.
   */
  accidentsFrom?: string | null;
}

export interface CatalogueStats {
  locations: number;
  routes: number;
  real: { locations: number; routes: number };
  /** Routes per synthetic location. */
  routesPerLocation: { max: number; median: number; mean: number; singleShare: number; atLeast100: number; atLeast1000: number };
  /** Distinct (latitude, longitude, elevation_ft) over all locatable routes after the mountain fallback. */
  scoringPoints: number;
  /** Distinct 0.01° weather grid cells of those points (src/weather/cells.ts gridCell): the forecast fetches of a full tick. */
  weatherCells: number;
  /** Routes with neither own nor mountain coordinates (only ever real ones): not scorable. */
  unlocatableRoutes: number;
  /** Synthetic routes with latitude/longitude filled (own points ~5 %, explicit copies of the location's ~2 %). */
  ownCoordinateShare: number;
  /** Routes per raw type ("" for NULL), synthetic routes only. */
  types: Record<string, number>;
  /** Routes per grade system (gradeSystemOf of COALESCE(grade, grade_yds)), synthetic routes only. */
  gradeSystems: Record<string, number>;
}

export interface Catalogue {
  /** Real mountains first (file order), then the synthetic ones by id. */
  mountains: MountainRow[];
  routes: RouteRow[];
  /** CSV texts by file name, accepted by `importDataset(sql, files)`. */
  files: DemoFiles;
  real: { mountains: number; routes: number; accidents: number; weather: number };
  stats: CatalogueStats;
}

// ---------------------------------------------------------------------------------------------
// Types and grades
// ---------------------------------------------------------------------------------------------

type Kind = "crag" | "boulder_field" | "wall" | "peak" | "ice";
type Shape = "sport" | "trad" | "boulder" | "alpine" | "ice" | "mixed" | "aid" | "big_wall" | "unknown" | "none";

/** Raw route types written, and the route shape (grades, lengths) each one gets. "" = NULL. */
const RAW_TYPES: Record<string, Shape> = {
  alpine: "alpine",
  trad: "trad",
  sport: "sport",
  ice: "ice",
  mixed: "mixed",
  aid: "aid",
  boulder: "boulder",
  big_wall: "big_wall",
  unknown: "unknown",
  "": "none",
  traditional: "trad",
  rock: "trad",
  yds: "trad",
  toprope: "sport",
  tr: "sport",
  "sport climb": "sport",
  "trad climb": "trad",
  bouldering: "boulder",
  mountaineering: "alpine",
  snow: "alpine",
  "alpine climb": "alpine",
  "ice climbing": "ice",
  "ice climb": "ice",
  "aid climb": "aid",
  "big wall": "aid",
};
export const CATALOGUE_ROUTE_TYPES: readonly string[] = Object.keys(RAW_TYPES);

const TYPE_MIX: Record<Kind, readonly (readonly [string, number])[]> = {
  crag: [
    ["sport", 44],
    ["trad", 38],
    ["boulder", 3],
    ["aid", 1.2],
    ["mixed", 0.3],
    ["ice", 0.3],
    ["unknown", 3],
    ["", 1.5],
    ["traditional", 1],
    ["rock", 0.6],
    ["yds", 0.5],
    ["toprope", 1.2],
    ["tr", 0.6],
    ["sport climb", 0.5],
    ["trad climb", 0.3],
  ],
  boulder_field: [
    ["boulder", 90],
    ["bouldering", 2.5],
    ["sport", 1],
    ["trad", 1],
    ["unknown", 3],
    ["", 1.5],
  ],
  wall: [
    ["trad", 45],
    ["big_wall", 14],
    ["aid", 10],
    ["sport", 18],
    ["unknown", 3],
    ["", 1],
    ["traditional", 0.5],
    ["big wall", 0.5],
    ["aid climb", 0.3],
  ],
  peak: [
    ["alpine", 55],
    ["trad", 14],
    ["ice", 8],
    ["mixed", 6],
    ["unknown", 8],
    ["", 2],
    ["mountaineering", 2.5],
    ["snow", 2],
    ["alpine climb", 0.5],
    ["ice climbing", 0.3],
    ["rock", 0.5],
  ],
  ice: [
    ["ice", 60],
    ["mixed", 24],
    ["alpine", 3],
    ["trad", 4],
    ["unknown", 3],
    ["", 1],
    ["ice climbing", 2.5],
    ["ice climb", 0.5],
  ],
};

/**
 * Grade systems by the form of the grade string. parseGrade (src/scoring/factors/grade.ts) gives a
 * number for yds, yds_bare, v_scale, wi, ai, m and aid; the others are real-world forms it cannot
 * parse (grade weight 1): YDS with a protection rating or an aid grade, NCCS commitment grades,
 * Alaska grades, class ratings, snow ratings; none = no grade at all.
 */
export const GRADE_SYSTEMS = [
  "yds",
  "yds_bare",
  "v_scale",
  "wi",
  "ai",
  "m",
  "aid",
  "yds_rating",
  "yds_aid",
  "commitment",
  "alaska",
  "class",
  "snow",
  "none",
] as const;
export type GradeSystem = (typeof GRADE_SYSTEMS)[number];
export const PARSEABLE_GRADE_SYSTEMS: ReadonlySet<GradeSystem> = new Set(["yds", "yds_bare", "v_scale", "wi", "ai", "m", "aid"]);

/** The system a grade string is written in (by its form; see GRADE_SYSTEMS). */
export function gradeSystemOf(grade: string | null): GradeSystem {
  if (grade === null || grade.trim() === "") return "none";
  const g = grade.trim();
  if (/^5\.\d+[abcd]?(?:\/[abcd]|[+-])?$/.test(g)) return "yds";
  if (/^5\.\d+\S* (?:R|X|PG13)$/.test(g)) return "yds_rating";
  if (/^5\.\d+\S* [AC]\d\+?$/.test(g)) return "yds_aid";
  if (/^1\d[abcd]$/.test(g)) return "yds_bare";
  if (/^V(?:B|\d+(?:[+-]|-\d+)?)$/.test(g)) return "v_scale";
  if (/^WI\d/.test(g)) return "wi";
  if (/^AI\d/.test(g)) return "ai";
  if (/^M\d/.test(g)) return "m";
  if (/^[AC]\d\+?$/.test(g)) return "aid";
  if (/^Alaska Grade \d$/.test(g)) return "alaska";
  if (/^Class \d$/.test(g)) return "class";
  if (/Snow$/.test(g)) return "snow";
  if (/^(?:Grade )?(?:I|II|III|IV|V|VI)\b/.test(g)) return "commitment";
  throw new Error(`gradeSystemOf: no system for ${JSON.stringify(grade)}`);
}

/** Grade systems per route shape, with weights (alaska only in Alaska regions). */
const SYSTEM_MIX: Record<Shape, readonly (readonly [GradeSystem, number])[]> = {
  sport: [
    ["yds", 95],
    ["yds_bare", 2],
    ["yds_rating", 1.5],
    ["none", 1.5],
  ],
  trad: [
    ["yds", 90],
    ["yds_rating", 6],
    ["yds_aid", 2],
    ["none", 2],
  ],
  boulder: [
    ["v_scale", 96],
    ["none", 4],
  ],
  alpine: [
    ["commitment", 35],
    ["class", 15],
    ["snow", 6],
    ["yds", 20],
    ["ai", 4],
    ["none", 10],
    ["alaska", 0],
  ],
  ice: [
    ["wi", 75],
    ["ai", 20],
    ["none", 5],
  ],
  mixed: [
    ["m", 85],
    ["wi", 10],
    ["none", 5],
  ],
  aid: [
    ["aid", 45],
    ["yds_aid", 50],
    ["none", 5],
  ],
  big_wall: [
    ["commitment", 85],
    ["yds_aid", 10],
    ["none", 5],
  ],
  unknown: [
    ["none", 50],
    ["commitment", 15],
    ["class", 10],
    ["yds", 25],
  ],
  none: [
    ["yds", 60],
    ["v_scale", 10],
    ["none", 30],
  ],
};
const ALASKA_ALPINE_MIX: readonly (readonly [GradeSystem, number])[] = [
  ["alaska", 55],
  ["commitment", 15],
  ["yds", 10],
  ["ai", 10],
  ["none", 10],
];

/** (raw type, grade system) pairs the first routes are forced to, so every type and system appears. */
const COVERAGE: readonly (readonly [string, GradeSystem])[] = [
  ...Object.entries(SYSTEM_MIX).flatMap(([shape, mix]) =>
    mix.map(([system]) => [Object.keys(RAW_TYPES).find((t) => RAW_TYPES[t] === shape)!, system] as const),
  ),
  ...Object.keys(RAW_TYPES).map((t) => [t, SYSTEM_MIX[RAW_TYPES[t]][0][0]] as const),
];

/** Whether a coverage pair of `type` may be forced at a location of `kind`: not where the type is a rarity. */
const MAX_TYPE_WEIGHT = new Map<string, number>();
for (const mix of Object.values(TYPE_MIX)) for (const [t, w] of mix) MAX_TYPE_WEIGHT.set(t, Math.max(MAX_TYPE_WEIGHT.get(t) ?? 0, w));
function forceable(type: string, kind: Kind): boolean {
  const w = TYPE_MIX[kind].find(([t]) => t === type)?.[1] ?? 0;
  return w > 0 && w >= Math.min(1, MAX_TYPE_WEIGHT.get(type)!);
}

const ROMAN = ["I", "II", "III", "IV", "V", "VI"];
const LETTERS = ["a", "b", "c", "d"];

function ydsNumber(rng: Rng, mean: number, sd: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Math.round(rng.normal(mean, sd))));
}

/** "5.9", "5.9+", "5.10-", "5.11b", "5.11b/c", "5.10" — all forms parseGrade reads. */
function ydsGrade(rng: Rng, n: number): string {
  if (n < 10) return rng.chance(0.15) ? `5.${n}${rng.pick(["+", "-"])}` : `5.${n}`;
  const x = rng.next();
  if (x < 0.07) return `5.${n}`;
  if (x < 0.1) return `5.${n}${rng.pick(["+", "-"])}`;
  const l = rng.int(0, 3);
  if (x < 0.16 && l < 3) return `5.${n}${LETTERS[l]}/${LETTERS[l + 1]}`;
  return `5.${n}${LETTERS[l]}`;
}

function vGrade(rng: Rng): string {
  const x = rng.next();
  if (x < 0.04) return "VB";
  const n = Math.min(16, Math.max(0, Math.round(Math.exp(rng.normal(1.2, 0.6)) - 1)));
  if (x < 0.1) return `V${n}-${n + 1}`;
  if (x < 0.14) return `V${n}${rng.pick(["+", "-"])}`;
  return `V${n}`;
}

const aidGrade = (rng: Rng) => `${rng.pick(["A", "A", "C"])}${rng.int(0, 4)}${rng.chance(0.2) ? "+" : ""}`.replace(/^C0/, "C1").replace(/^C4/, "C3");

interface Grading {
  grade: string | null;
  yds: string | null;
}

function gradeFor(rng: Rng, shape: Shape, system: GradeSystem): Grading {
  const base = shape === "boulder" ? ydsNumber(rng, 9, 1.5, 4, 12) : shape === "sport" ? ydsNumber(rng, 10.5, 1.6, 5, 14) : ydsNumber(rng, 8.8, 1.9, 2, 13);
  switch (system) {
    case "yds": {
      const g = ydsGrade(rng, shape === "alpine" || shape === "unknown" || shape === "none" ? Math.min(base, 10) : base);
      // Some exports fill only grade_yds; the engine reads COALESCE(grade, grade_yds).
      return rng.chance(0.03) ? { grade: null, yds: g } : { grade: g, yds: g };
    }
    case "yds_bare": {
      const n = Math.max(10, base);
      const l = rng.pick(LETTERS);
      return { grade: `${n}${l}`, yds: `5.${n}${l}` };
    }
    case "yds_rating": {
      const g = ydsGrade(rng, base);
      return {
        grade: `${g} ${rng.weighted([
          ["R", 5],
          ["X", 1],
          ["PG13", 3],
        ] as const)}`,
        yds: g,
      };
    }
    case "yds_aid": {
      const g = ydsGrade(rng, Math.min(base, 11));
      return { grade: `${g} ${aidGrade(rng)}`, yds: g };
    }
    case "v_scale":
      return { grade: vGrade(rng), yds: null };
    case "wi":
      return { grade: `WI${rng.int(2, 7)}${rng.chance(0.25) ? "+" : ""}${rng.chance(0.03) ? " R" : ""}`, yds: null };
    case "ai":
      return { grade: `AI${rng.int(2, 5)}${rng.chance(0.2) ? "+" : ""}`, yds: null };
    case "m": {
      const m = rng.int(3, 10);
      const x = rng.next();
      return { grade: x < 0.5 ? `M${m}` : x < 0.9 ? `M${m} WI${rng.int(3, 6)}` : `M${m}+`, yds: null };
    }
    case "aid":
      return { grade: aidGrade(rng), yds: null };
    case "commitment": {
      if (shape === "big_wall") {
        const g = ydsGrade(rng, Math.min(12, Math.max(8, base)));
        return rng.chance(0.8) ? { grade: `${rng.pick(["V", "VI"])} ${g} ${aidGrade(rng)}`, yds: g } : { grade: `Grade VI ${g}`, yds: g };
      }
      const roman = ROMAN[rng.int(0, 4)];
      const x = rng.next();
      if (x < 0.3) return { grade: `Grade ${roman}`, yds: null };
      const tech = ydsGrade(rng, Math.min(9, base));
      if (x < 0.75) return { grade: `Grade ${roman} ${tech}`, yds: tech };
      if (x < 0.9) return { grade: `${roman} ${tech}`, yds: tech };
      return { grade: `Grade ${roman} AI${rng.int(2, 4)}`, yds: null };
    }
    case "alaska":
      return { grade: `Alaska Grade ${rng.int(1, 6)}`, yds: null };
    case "class":
      return { grade: `Class ${rng.pick([2, 3, 3, 4, 4, 4])}`, yds: null };
    case "snow":
      return { grade: rng.pick(["Easy Snow", "Moderate Snow", "Steep Snow"]), yds: null };
    case "none":
      return { grade: null, yds: null };
  }
}

function lengthAndPitches(rng: Rng, shape: Shape, kind: Kind): { length: number | null; pitches: number | null } {
  switch (shape) {
    case "sport":
      if (rng.chance(0.05)) {
        const p = rng.int(2, 8);
        return { length: p * rng.int(8, 12) * 10, pitches: p };
      }
      return { length: rng.int(3, 12) * 10, pitches: 1 };
    case "trad": {
      const p = kind === "wall" || kind === "peak" ? rng.int(1, 12) : rng.chance(0.7) ? 1 : rng.int(2, 6);
      return { length: p * rng.int(6, 16) * 10, pitches: p };
    }
    case "boulder":
      return { length: rng.int(8, 30), pitches: null };
    case "alpine":
      return { length: rng.int(5, 60) * 100, pitches: rng.chance(0.5) ? rng.int(3, 30) : null };
    case "ice": {
      const p = rng.int(1, 8);
      return { length: p * rng.int(8, 20) * 10, pitches: p };
    }
    case "mixed": {
      const p = rng.int(1, 12);
      return { length: p * rng.int(8, 20) * 10, pitches: p };
    }
    case "aid": {
      const p = rng.int(1, 10);
      return { length: p * rng.int(8, 16) * 10, pitches: p };
    }
    case "big_wall": {
      const p = rng.int(12, 35);
      return { length: p * rng.int(8, 11) * 10, pitches: p };
    }
    case "unknown":
    case "none":
      return rng.chance(0.5) ? { length: null, pitches: null } : { length: rng.int(1, 20) * 50, pitches: rng.chance(0.5) ? rng.int(1, 6) : null };
  }
}

// ---------------------------------------------------------------------------------------------
// Geography: North American climbing regions (approximate public coordinates, elevations in ft)
// ---------------------------------------------------------------------------------------------

interface Region {
  range: string;
  state: string;
  location: string;
  lat: number;
  lon: number;
  /** Standard deviation of a location's offset from a centre, degrees of latitude. */
  sdDeg: number;
  /** Relative share of the (non-head) locations. */
  weight: number;
  /** Elevation range (ft) of crags, boulders, walls and ice; peaks use `peak`. */
  crag: readonly [number, number];
  peak: readonly [number, number] | null;
  kinds: readonly (readonly [Kind, number])[];
  alaska: boolean;
  /** Real mountains (with coordinates) inside the region: extra centres. */
  seeds: { lat: number; lon: number; elevationFt: number | null }[];
}

function region(
  range: string,
  state: string,
  location: string,
  lat: number,
  lon: number,
  sdDeg: number,
  weight: number,
  crag: readonly [number, number],
  peak: readonly [number, number] | null,
  kinds: string,
): Region {
  const mix = kinds.split(" ").map((kv) => {
    const [k, w] = kv.split(":");
    return [k as Kind, Number(w)] as const;
  });
  return { range, state, location, lat, lon, sdDeg, weight, crag, peak, kinds: mix, alaska: state === "Alaska", seeds: [] };
}

const REGIONS_TEMPLATE = (): Region[] => [
  region("Sierra Nevada", "California", "Yosemite Valley", 37.73, -119.6, 0.04, 4, [3900, 7500], null, "wall:3 crag:5 boulder_field:2"),
  region("Sierra Nevada", "California", "Tuolumne Meadows", 37.87, -119.38, 0.06, 2, [8600, 10500], [10000, 13000], "crag:5 peak:3 boulder_field:1"),
  region("Sierra Nevada", "California", "High Sierra, Eastern Sierra", 36.9, -118.5, 0.3, 3, [8000, 11000], [11500, 14505], "peak:6 crag:2 ice:1"),
  region("Sierra Nevada", "California", "Bishop Area", 37.35, -118.5, 0.1, 4, [4200, 7500], null, "boulder_field:6 crag:4"),
  region("Little San Bernardino Mountains", "California", "Joshua Tree National Park", 34.01, -116.16, 0.08, 5, [3000, 5500], null, "crag:6 boulder_field:4"),
  region("Sierra Nevada", "California", "Lake Tahoe and Donner Summit", 39.05, -120.2, 0.15, 3, [5500, 8500], [8500, 10800], "crag:7 boulder_field:2 peak:1"),
  region("San Jacinto Mountains", "California", "Idyllwild (Tahquitz and Suicide)", 33.76, -116.68, 0.05, 1.5, [6000, 8500], null, "crag:9 boulder_field:1"),
  region("Gabilan Range", "California", "Pinnacles National Park", 36.49, -121.18, 0.04, 1, [900, 2800], null, "crag:8 boulder_field:2"),
  region("Spring Mountains", "Nevada", "Red Rock Canyon", 36.13, -115.45, 0.07, 5, [3800, 7000], null, "crag:7 wall:1 boulder_field:2"),
  region("Colorado Plateau", "Utah", "Indian Creek", 38.03, -109.54, 0.08, 2, [5000, 6500], null, "crag:10"),
  region("Colorado Plateau", "Utah", "Moab and Castle Valley", 38.6, -109.5, 0.1, 2, [4000, 6500], null, "crag:8 boulder_field:2"),
  region("Colorado Plateau", "Utah", "Zion National Park", 37.27, -112.95, 0.06, 2, [4000, 7000], null, "wall:4 crag:6"),
  region("Wasatch Range", "Utah", "Salt Lake City Canyons", 40.57, -111.7, 0.1, 4, [5000, 9000], [10000, 11500], "crag:6 boulder_field:2 peak:1 ice:1"),
  region("Wasatch Plateau", "Utah", "Maple Canyon and Joe's Valley", 39.43, -111.5, 0.12, 2, [6000, 7800], null, "crag:5 boulder_field:5"),
  region("Colorado Plateau", "Utah", "St. George", 37.15, -113.6, 0.12, 2, [3000, 5500], null, "crag:7 boulder_field:3"),
  region("Superstition Mountains", "Arizona", "Phoenix Area (Queen Creek)", 33.3, -111.1, 0.15, 2.5, [1500, 4500], null, "crag:8 boulder_field:2"),
  region("Santa Catalina Mountains", "Arizona", "Mount Lemmon", 32.4, -110.75, 0.05, 2, [4000, 9000], null, "crag:8 boulder_field:2"),
  region("Colorado Plateau", "Arizona", "Flagstaff and Sedona", 35.05, -111.7, 0.15, 1.5, [4500, 7500], null, "crag:7 boulder_field:3"),
  region("Front Range", "Colorado", "Boulder, Eldorado Canyon and the Flatirons", 39.98, -105.3, 0.05, 5, [5500, 8500], null, "crag:7 boulder_field:3"),
  region("Front Range", "Colorado", "Clear Creek Canyon", 39.74, -105.35, 0.05, 2.5, [6000, 8000], null, "crag:8 boulder_field:2"),
  region(
    "Front Range",
    "Colorado",
    "Rocky Mountain National Park",
    40.3,
    -105.65,
    0.1,
    3,
    [7800, 10500],
    [11000, 14259],
    "peak:5 crag:3 boulder_field:1 ice:1",
  ),
  region("Front Range", "Colorado", "South Platte", 39.3, -105.2, 0.12, 2, [6500, 9000], null, "crag:8 boulder_field:2"),
  region("White River Plateau", "Colorado", "Rifle and Glenwood Springs", 39.7, -107.7, 0.1, 1.5, [5800, 7200], null, "crag:9 ice:1"),
  region("Front Range", "Colorado", "Shelf Road", 38.6, -105.22, 0.05, 1.5, [5900, 6600], null, "crag:10"),
  region("San Juan Mountains", "Colorado", "Ouray and the San Juans", 37.95, -107.7, 0.15, 2, [7500, 10000], [12000, 14300], "ice:4 crag:3 peak:3"),
  region("Elk Mountains", "Colorado", "Aspen and Independence Pass", 39.1, -106.75, 0.15, 1.5, [8000, 11000], [12500, 14265], "peak:5 crag:4 ice:1"),
  region("West Elk Mountains", "Colorado", "Black Canyon of the Gunnison", 38.57, -107.72, 0.03, 1, [6500, 8200], null, "wall:6 crag:4"),
  region("Sandia Mountains", "New Mexico", "Albuquerque Area", 35.2, -106.45, 0.1, 1.5, [6000, 10400], null, "crag:8 boulder_field:2"),
  region("Hueco Mountains", "Texas", "Hueco Tanks State Park", 31.92, -106.04, 0.02, 1.5, [4400, 4900], null, "boulder_field:9 crag:1"),
  region("Texas Hill Country", "Texas", "Central Texas (Reimers Ranch, Enchanted Rock)", 30.5, -98.5, 0.25, 1, [600, 1800], null, "crag:7 boulder_field:3"),
  region("Teton Range", "Wyoming", "Grand Teton National Park", 43.73, -110.8, 0.07, 2, [6800, 9500], [10500, 13775], "peak:6 crag:2 ice:2"),
  region("Wind River Range", "Wyoming", "Wind River Range", 42.9, -109.4, 0.2, 1.5, [9000, 11500], [11000, 13804], "peak:6 crag:4"),
  region("Bighorn Mountains", "Wyoming", "Ten Sleep Canyon", 44.1, -107.3, 0.15, 1.5, [4500, 9000], null, "crag:9 ice:1"),
  region("Laramie Mountains", "Wyoming", "Vedauwoo", 41.16, -105.38, 0.06, 1, [7800, 8600], null, "crag:7 boulder_field:3"),
  region("Bear Lodge Mountains", "Wyoming", "Devils Tower National Monument", 44.59, -104.715, 0.01, 0.4, [4500, 5100], null, "crag:10"),
  region("Absaroka Range", "Wyoming", "Cody (South Fork Shoshone)", 44.45, -109.5, 0.15, 0.8, [5200, 8500], null, "ice:8 crag:2"),
  region("Gallatin Range", "Montana", "Bozeman and Hyalite Canyon", 45.45, -111.0, 0.15, 1.5, [5000, 9500], [9000, 11000], "ice:5 crag:4 peak:1"),
  region("Bitterroot Range", "Montana", "Missoula and the Bitterroot", 46.3, -114.2, 0.2, 1, [3500, 8000], [8000, 10157], "crag:8 peak:2"),
  region("Albion Mountains", "Idaho", "City of Rocks and Castle Rocks", 42.07, -113.72, 0.04, 2, [5500, 7500], null, "crag:9 boulder_field:1"),
  region("Sawtooth Range", "Idaho", "Sawtooth National Recreation Area", 44.1, -115.0, 0.15, 1, [6500, 9000], [9000, 10751], "peak:6 crag:4"),
  region("Black Hills", "South Dakota", "The Needles and Rushmore", 43.84, -103.55, 0.08, 1.5, [4500, 7200], null, "crag:9 boulder_field:1"),
  region("North Cascades", "Washington", "Washington Pass and the North Cascades", 48.52, -120.65, 0.2, 2, [2000, 8000], [6500, 9500], "peak:5 crag:4 ice:1"),
  region("Cascade Range", "Washington", "Index and Skykomish", 47.82, -121.57, 0.05, 1.5, [500, 3500], null, "crag:8 boulder_field:2"),
  region("Stuart Range", "Washington", "Leavenworth", 47.55, -120.75, 0.08, 2, [1200, 5500], [7000, 9415], "crag:6 boulder_field:3 peak:1"),
  region("Cascade Range", "Washington", "Mount Rainier National Park", 46.85, -121.76, 0.1, 0.6, [4000, 7000], [8000, 14411], "peak:8 ice:2"),
  region("Columbia Plateau", "Washington", "Vantage (Frenchman Coulee)", 47.0, -119.97, 0.03, 1, [600, 1500], null, "crag:9 boulder_field:1"),
  region("Crooked River Gorge", "Oregon", "Smith Rock State Park", 44.367, -121.14, 0.02, 1.5, [2700, 3600], null, "crag:10"),
  region("Cascade Range", "Oregon", "Mount Hood and the Oregon Cascades", 45.37, -121.7, 0.2, 0.8, [2000, 6000], [7000, 11249], "peak:5 crag:5"),
  region("Alaska Range", "Alaska", "Denali National Park (Ruth Gorge)", 63.0, -150.9, 0.25, 0.8, [4000, 7000], [8000, 20310], "peak:8 ice:2"),
  region("Chugach Mountains", "Alaska", "Seward Highway (Turnagain Arm)", 61.03, -149.6, 0.04, 0.6, [50, 2500], [3000, 6000], "crag:6 ice:3 peak:1"),
  region("Chugach Mountains", "Alaska", "Valdez (Keystone Canyon)", 61.09, -146.0, 0.06, 0.4, [200, 3500], null, "ice:9 crag:1"),
  region("Cumberland Plateau", "Kentucky", "Red River Gorge", 37.78, -83.68, 0.06, 4, [800, 1400], null, "crag:10"),
  region("Appalachian Plateau", "West Virginia", "New River Gorge", 38.07, -81.08, 0.06, 3, [1200, 2000], null, "crag:9 boulder_field:1"),
  region("Allegheny Mountains", "West Virginia", "Seneca Rocks", 38.83, -79.37, 0.03, 0.6, [1600, 2400], null, "crag:10"),
  region("Cumberland Plateau", "Tennessee", "Chattanooga Area", 35.15, -85.35, 0.15, 2, [1200, 2300], null, "crag:5 boulder_field:5"),
  region("Cumberland Plateau", "Alabama", "Northeast Alabama", 34.2, -85.9, 0.2, 1.5, [600, 1700], null, "crag:4 boulder_field:6"),
  region("Lookout Mountain", "Georgia", "Northwest Georgia", 34.65, -85.3, 0.1, 0.8, [1000, 2000], null, "boulder_field:7 crag:3"),
  region("Blue Ridge Mountains", "North Carolina", "Western North Carolina", 35.9, -81.9, 0.25, 2, [1500, 5000], null, "crag:8 boulder_field:2"),
  region("Blue Ridge Mountains", "Virginia", "Grayson Highlands", 36.63, -81.5, 0.08, 0.8, [3500, 5500], null, "boulder_field:7 crag:3"),
  region("Shawangunk Ridge", "New York", "The Gunks", 41.74, -74.19, 0.04, 3, [800, 1600], null, "crag:9 boulder_field:1"),
  region("Adirondack Mountains", "New York", "Adirondacks", 44.15, -73.85, 0.2, 2, [1000, 4500], [3500, 5344], "crag:6 ice:3 peak:1"),
  region("White Mountains", "New Hampshire", "North Conway and the White Mountains", 44.08, -71.2, 0.1, 2, [600, 3000], [3500, 6288], "crag:6 ice:3 peak:1"),
  region("White Mountains", "New Hampshire", "Rumney", 43.8, -71.84, 0.02, 1, [700, 1500], null, "crag:10"),
  region("Green Mountains", "Vermont", "Smugglers' Notch and Northern Vermont", 44.55, -72.8, 0.15, 0.8, [1000, 3500], null, "ice:5 crag:5"),
  region("Mount Desert Island", "Maine", "Acadia National Park", 44.33, -68.22, 0.02, 0.6, [50, 1400], null, "crag:10"),
  region("Metacomet Ridge", "Massachusetts", "Southern New England", 42.2, -72.6, 0.25, 1, [200, 1500], null, "crag:6 boulder_field:4"),
  region("Baraboo Hills", "Wisconsin", "Devil's Lake State Park", 43.42, -89.73, 0.03, 1, [900, 1500], null, "crag:7 boulder_field:3"),
  region("St. Croix River Valley", "Minnesota", "Sandstone and Taylors Falls", 45.9, -92.75, 0.2, 0.8, [700, 1300], null, "crag:7 boulder_field:2 ice:1"),
  region("Ozark Mountains", "Arkansas", "Horseshoe Canyon Ranch and the Ozarks", 35.95, -93.3, 0.2, 1, [900, 2300], null, "crag:7 boulder_field:3"),
  region("Coast Mountains", "British Columbia", "Squamish", 49.69, -123.14, 0.03, 2.5, [100, 2300], null, "crag:6 boulder_field:3 wall:1"),
  region("Purcell Mountains", "British Columbia", "Bugaboo Provincial Park", 50.74, -116.79, 0.12, 0.6, [7000, 9000], [9000, 11342], "peak:7 crag:3"),
  region("Canadian Rockies", "Alberta", "Banff, Canmore and Lake Louise", 51.1, -115.6, 0.3, 2.5, [4300, 7500], [8000, 11870], "crag:4 peak:4 ice:3"),
  region("Canadian Rockies", "Alberta", "Jasper National Park", 52.85, -118.05, 0.2, 0.8, [3500, 6000], [8000, 12294], "peak:5 ice:3 crag:2"),
  region("Selkirk Mountains", "British Columbia", "Rogers Pass", 51.3, -117.5, 0.15, 0.5, [4000, 6500], [8000, 10800], "peak:7 ice:2 crag:1"),
  region("Okanagan Highland", "British Columbia", "Skaha Bluffs", 49.43, -119.55, 0.05, 1, [1200, 2800], null, "crag:9 boulder_field:1"),
  region("Niagara Escarpment", "Ontario", "Southern Ontario", 43.6, -80.1, 0.15, 1, [600, 1200], null, "crag:8 boulder_field:2"),
  region("Laurentian Mountains", "Quebec", "Val-David and the Laurentians", 46.03, -74.2, 0.1, 0.8, [900, 2000], null, "crag:7 ice:3"),
  region("Sierra Madre Oriental", "Nuevo León", "El Potrero Chico", 25.95, -100.47, 0.04, 1, [2300, 4000], null, "crag:9 wall:1"),
];

/** The big areas that get the Zipf head of the routes (in order), each inside a region above. */
const HEAD_AREAS: readonly { name: string; location: string; kind: Kind; lat: number; lon: number; elevationFt: number }[] = [
  { name: "Muir Valley", location: "Red River Gorge", kind: "crag", lat: 37.7298, lon: -83.6289, elevationFt: 1100 },
  { name: "Hidden Valley", location: "Joshua Tree National Park", kind: "crag", lat: 34.0125, lon: -116.1675, elevationFt: 4200 },
  { name: "The Buttermilks", location: "Bishop Area", kind: "boulder_field", lat: 37.3305, lon: -118.5778, elevationFt: 6400 },
  { name: "Calico Basin", location: "Red Rock Canyon", kind: "crag", lat: 36.1503, lon: -115.4222, elevationFt: 4200 },
  { name: "El Capitan", location: "Yosemite Valley", kind: "wall", lat: 37.7342, lon: -119.6378, elevationFt: 7573 },
  { name: "The Trapps", location: "The Gunks", kind: "crag", lat: 41.7397, lon: -74.1885, elevationFt: 1200 },
  { name: "Endless Wall", location: "New River Gorge", kind: "crag", lat: 38.0593, lon: -81.0617, elevationFt: 1800 },
  { name: "North Mountain", location: "Hueco Tanks State Park", kind: "boulder_field", lat: 31.9254, lon: -106.0431, elevationFt: 4600 },
  { name: "Redgarden Wall", location: "Boulder, Eldorado Canyon and the Flatirons", kind: "crag", lat: 39.9311, lon: -105.2928, elevationFt: 6200 },
  { name: "Ouray Ice Park", location: "Ouray and the San Juans", kind: "ice", lat: 38.0197, lon: -107.6717, elevationFt: 7800 },
  { name: "Mooses Tooth", location: "Denali National Park (Ruth Gorge)", kind: "peak", lat: 62.9667, lon: -150.6125, elevationFt: 10335 },
  { name: "Disappointment Peak", location: "Grand Teton National Park", kind: "peak", lat: 43.7318, lon: -110.7942, elevationFt: 11618 },
  { name: "Morning Glory Wall", location: "Smith Rock State Park", kind: "crag", lat: 44.3668, lon: -121.1402, elevationFt: 2900 },
  { name: "The Chief", location: "Squamish", kind: "wall", lat: 49.6822, lon: -123.1457, elevationFt: 2300 },
  { name: "Lower Town Wall", location: "Index and Skykomish", kind: "crag", lat: 47.8153, lon: -121.5594, elevationFt: 600 },
  { name: "Rifle Mountain Park", location: "Rifle and Glenwood Springs", kind: "crag", lat: 39.7197, lon: -107.6906, elevationFt: 6500 },
  { name: "Hyalite Canyon", location: "Bozeman and Hyalite Canyon", kind: "ice", lat: 45.4833, lon: -110.9667, elevationFt: 6800 },
  { name: "Little Cottonwood Canyon", location: "Salt Lake City Canyons", kind: "crag", lat: 40.5715, lon: -111.7272, elevationFt: 6000 },
  { name: "Joe's Valley", location: "Maple Canyon and Joe's Valley", kind: "boulder_field", lat: 39.293, lon: -111.2899, elevationFt: 7000 },
  { name: "Stone Fort", location: "Chattanooga Area", kind: "boulder_field", lat: 35.1335, lon: -85.2391, elevationFt: 1700 },
  { name: "Horse Pens 40", location: "Northeast Alabama", kind: "boulder_field", lat: 33.921, lon: -86.3036, elevationFt: 1500 },
  { name: "Huntington Ravine", location: "North Conway and the White Mountains", kind: "ice", lat: 44.2626, lon: -71.2902, elevationFt: 4500 },
  { name: "Cathedral Ledge", location: "North Conway and the White Mountains", kind: "crag", lat: 44.0634, lon: -71.1642, elevationFt: 1150 },
  { name: "Back of the Lake", location: "Banff, Canmore and Lake Louise", kind: "crag", lat: 51.4134, lon: -116.2348, elevationFt: 5700 },
  { name: "Polar Circus", location: "Banff, Canmore and Lake Louise", kind: "ice", lat: 52.1336, lon: -116.9418, elevationFt: 6000 },
  { name: "Lumpy Ridge", location: "Rocky Mountain National Park", kind: "crag", lat: 40.3997, lon: -105.5222, elevationFt: 8500 },
  { name: "Cirque of the Towers", location: "Wind River Range", kind: "peak", lat: 42.7753, lon: -109.2144, elevationFt: 11884 },
  { name: "Lembert Dome", location: "Tuolumne Meadows", kind: "crag", lat: 37.8783, lon: -119.3506, elevationFt: 9450 },
  { name: "El Potrero Chico", location: "El Potrero Chico", kind: "wall", lat: 25.9518, lon: -100.4754, elevationFt: 2800 },
  { name: "Angels Landing", location: "Zion National Park", kind: "wall", lat: 37.2693, lon: -112.9479, elevationFt: 5790 },
  { name: "Supercrack Buttress", location: "Indian Creek", kind: "crag", lat: 38.0305, lon: -109.5399, elevationFt: 5400 },
  { name: "Bath Rock", location: "City of Rocks and Castle Rocks", kind: "crag", lat: 42.0764, lon: -113.7044, elevationFt: 6800 },
  { name: "Liberty Bell", location: "Washington Pass and the North Cascades", kind: "peak", lat: 48.5153, lon: -120.6578, elevationFt: 7720 },
  { name: "North Chasm View Wall", location: "Black Canyon of the Gunnison", kind: "wall", lat: 38.5828, lon: -107.703, elevationFt: 7700 },
  { name: "Windy Point", location: "Mount Lemmon", kind: "crag", lat: 32.3712, lon: -110.714, elevationFt: 6600 },
  { name: "The Bank", location: "Shelf Road", kind: "crag", lat: 38.6247, lon: -105.2266, elevationFt: 6300 },
  { name: "Keystone Canyon", location: "Valdez (Keystone Canyon)", kind: "ice", lat: 61.0875, lon: -145.9667, elevationFt: 700 },
  { name: "Ten Sleep Canyon", location: "Ten Sleep Canyon", kind: "crag", lat: 44.0544, lon: -107.3306, elevationFt: 5800 },
  { name: "Owens River Gorge", location: "Bishop Area", kind: "crag", lat: 37.4975, lon: -118.5683, elevationFt: 4800 },
  { name: "Maple Canyon", location: "Maple Canyon and Joe's Valley", kind: "crag", lat: 39.5547, lon: -111.6968, elevationFt: 6900 },
  { name: "Forestland Boulders", location: "Leavenworth", kind: "boulder_field", lat: 47.5435, lon: -120.7105, elevationFt: 1400 },
];

// Names (the demo data's words first, in their order, then more)
const ADJ = [
  ...ADJECTIVES,
  "Black",
  "White",
  "Red",
  "Green",
  "Sunny",
  "Shady",
  "Windy",
  "Frozen",
  "Dancing",
  "Sleeping",
  "Howling",
  "Stone",
  "Copper",
  "Silver",
  "Crystal",
  "Desert",
  "Mystic",
  "Secret",
  "Savage",
  "Gentle",
  "Sharp",
  "Smooth",
  "Jagged",
  "Soaring",
  "Lucky",
  "Crazy",
  "Hungry",
  "Angry",
  "Happy",
  "Tiny",
  "Giant",
  "Northern",
  "Southern",
  "Eastern",
  "Western",
  "Upper",
] as const;
const NOUN = [
  ...NOUNS,
  "Chimney",
  "Hand",
  "Finger",
  "Fist",
  "Jug",
  "Crimp",
  "Sloper",
  "Pocket",
  "Dyno",
  "Horn",
  "Nose",
  "Lip",
  "Bulge",
  "Scoop",
  "Chockstone",
  "Offwidth",
  "Squeeze",
  "Rattlesnake",
  "Coyote",
  "Eagle",
  "Hawk",
  "Bear",
  "Goat",
  "Wolf",
  "Dragon",
  "Ghost",
  "Monkey",
  "Thunder",
  "Lightning",
  "Storm",
  "River",
  "Canyon",
  "Mesa",
  "Moon",
  "Sun",
  "Star",
] as const;
const SUFFIX = ["Direct", "Variation", "Left", "Right", "Extension", "Start", "Finish", "Traverse", "Arete", "Crack"] as const;
const ALPINE_FEATURE = ["Ridge", "Buttress", "Face", "Arete", "Glacier", "Couloir", "Spur", "Gully", "Icefall", "Chimney", "Ramp", "Pillar"] as const;
const SURNAME = [
  "Abbot",
  "Beckey",
  "Chouinard",
  "Robbins",
  "Harding",
  "Bridwell",
  "Croft",
  "Lowe",
  "Kor",
  "Hill",
  "Wiessner",
  "Underhill",
  "Petzoldt",
  "Exum",
  "Bradford",
  "Davis",
  "Mason",
  "Tucker",
  "Hayes",
  "Reed",
  "Carver",
  "Foster",
  "Graham",
  "Hunter",
  "Jensen",
  "Keller",
  "Lawson",
  "Morgan",
  "Nolan",
  "Owens",
] as const;
const CRAG_WORD = ["Wall", "Cliff", "Buttress", "Crag", "Tower", "Slabs", "Dome", "Bluff", "Rocks", "Ledges", "Amphitheater", "Cove"] as const;
const SUBAREA = ["Upper", "Lower", "Left", "Right", "Main", "Far", "Back", "Central"] as const;

function locationName(rng: Rng, kind: Kind): string {
  switch (kind) {
    case "crag":
      return rng.chance(0.75) ? `${rng.pick(ADJ)} ${rng.pick(NOUN)} ${rng.pick(CRAG_WORD)}` : `${rng.pick(SURNAME)}'s ${rng.pick(CRAG_WORD)}`;
    case "boulder_field":
      return rng.chance(0.6) ? `${rng.pick(ADJ)} ${rng.pick(NOUN)} Boulders` : `The ${rng.pick(NOUN)} Boulders`;
    case "wall":
      return `${rng.pick(ADJ)} ${rng.pick(NOUN)} ${rng.pick(["Wall", "Dome", "Face", "Spire"])}`;
    case "peak":
      return rng.chance(0.5) ? `Mount ${rng.pick(SURNAME)}` : `${rng.pick(ADJ)} ${rng.pick(["Peak", "Spire", "Tower", "Needle", "Horn", "Mountain"])}`;
    case "ice":
      return `${rng.pick(ADJ)} ${rng.pick(NOUN)} ${rng.pick(["Falls", "Gully", "Ice", "Icefall", "Canyon"])}`;
  }
}

function routeName(rng: Rng, shape: Shape, used: Set<string>): string {
  const alpine = shape === "alpine" || shape === "ice" || shape === "mixed" || shape === "unknown";
  for (let attempt = 0; ; attempt++) {
    let name: string;
    if (alpine && rng.chance(0.6)) name = `${rng.pick(ASPECTS)} ${rng.pick(ALPINE_FEATURE)}`;
    else if (rng.chance(0.85)) name = `${rng.pick(ADJ)} ${rng.pick(NOUN)}`;
    else name = `The ${rng.pick(NOUN)}`;
    if (attempt >= 3) name += ` ${rng.pick(SUFFIX)}`;
    if (attempt >= 8) name += ` ${ROMAN[1 + (attempt % 5)]}`;
    if (attempt >= 16) name += ` ${attempt}`;
    if (!used.has(name)) {
      used.add(name);
      return name;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  const r = Math.round(x * f) / f;
  return Object.is(r, -0) ? 0 : r;
};

function distanceKm(aLat: number, aLon: number, bLat: number, bLon: number): number {
  const rad = Math.PI / 180;
  const dLat = (bLat - aLat) * rad;
  const dLon = (bLon - aLon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(aLat * rad) * Math.cos(bLat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** A point around (lat, lon): isotropic normal offset with `sdDeg` (degrees of latitude), at most 2.2 sd away. */
function around(rng: Rng, lat: number, lon: number, sdDeg: number): { lat: number; lon: number } {
  const cos = Math.max(0.2, Math.cos((lat * Math.PI) / 180));
  for (;;) {
    const dy = rng.normal(0, 1);
    const dx = rng.normal(0, 1);
    if (dx * dx + dy * dy > 2.2 * 2.2) continue;
    return { lat: Math.max(-90, Math.min(90, lat + dy * sdDeg)), lon: Math.max(-180, Math.min(180, lon + (dx * sdDeg) / cos)) };
  }
}

/**
 * Splits `total` into integer parts proportional to `weights` (largest remainder; ties to the lower
 * index; all-zero weights split evenly). Exported for its tests.
 */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0);
  if (weights.length === 0) return [];
  if (sum <= 0)
    return apportion(
      total,
      weights.map(() => 1),
    );
  const exact = weights.map((w) => (total * w) / sum);
  const parts = exact.map(Math.floor);
  let rest = total - parts.reduce((s, p) => s + p, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; rest > 0; k++, rest--) parts[order[k % order.length][1]]++;
  return parts;
}

const SEED_RADIUS_KM = 100;
const CENTROID_MIN_SHARED = 5;
const HEAD_SHARE = 0.08;
const LOGNORMAL_SIGMA = 1.5;
const SINGLE_PIN_SHARE = 0.25;

/** Routes per synthetic location: head areas first (Zipf), then the body (1 + lognormal share). Sum = routes. */
function routeCounts(rng: Rng, routes: number, locations: number, headAreas: number): number[] {
  const extra = routes - locations;
  const head = Math.min(headAreas, locations);
  const bodyWeights: number[] = [];
  for (let i = head; i < locations; i++) bodyWeights.push(rng.chance(SINGLE_PIN_SHARE) ? 0 : Math.exp(rng.normal(0, LOGNORMAL_SIGMA)));
  const headExtra = head === 0 ? 0 : bodyWeights.length === 0 ? extra : Math.round(extra * HEAD_SHARE);
  const headParts = apportion(
    headExtra,
    Array.from({ length: head }, (_, k) => 1 / (k + 1)),
  );
  const bodyParts = apportion(extra - headExtra, bodyWeights);
  return [...headParts, ...bodyParts].map((n) => n + 1);
}

// ---------------------------------------------------------------------------------------------
// Real data (bundled)
// ---------------------------------------------------------------------------------------------

interface Bundle {
  mountains: MountainRow[];
  routes: RouteRow[];
  accidentsCsv: string;
  weatherCsv: string;
  accidents: number;
  weather: number;
  dir: string;
}

const FILES = ["mountains.csv", "routes.csv", "accidents.csv", "weather.csv"] as const;

function readRows<Row extends Record<string, unknown>>(dir: string, spec: TableSpec<Row>): Row[] {
  const text = readFileSync(join(dir, spec.file), "utf8");
  const { header, records } = parseCsv(text);
  if (!header) throw new Error(`${join(dir, spec.file)}: empty file`);
  const h = checkHeader(spec, header.fields);
  if (!h.ok) throw new Error(`${join(dir, spec.file)}:${header.line}: ${h.reason}`);
  return records.map((rec) => {
    if (isProblem(rec)) throw new Error(`${join(dir, spec.file)}:${rec.line}: ${rec.problem}`);
    const v = validateRecord(spec, rec.fields, h.indexOf);
    if (!v.ok) throw new Error(`${join(dir, spec.file)}:${rec.line}: ${v.reason}`);
    return v.row;
  });
}

const countRecords = (text: string) => parseCsv(text).records.length;

function readBundle(dir: string): Bundle {
  for (const f of FILES) if (!existsSync(join(dir, f))) throw new CatalogueOptionsError(`accidentsFrom ${dir}: ${f} is missing`);
  const mountains = readRows(dir, mountainsSpec);
  const routes = readRows(dir, routesSpec);
  for (const m of mountains)
    if (m.mountain_id >= SYNTHETIC_MOUNTAIN_ID_BASE)
      throw new Error(`${dir}/mountains.csv: mountain_id ${m.mountain_id} collides with the synthetic ids (from ${SYNTHETIC_MOUNTAIN_ID_BASE})`);
  for (const r of routes)
    if (r.route_id >= SYNTHETIC_ROUTE_ID_BASE)
      throw new Error(`${dir}/routes.csv: route_id ${r.route_id} collides with the synthetic ids (from ${SYNTHETIC_ROUTE_ID_BASE})`);
  const accidentsCsv = readFileSync(join(dir, "accidents.csv"), "utf8");
  const weatherCsv = readFileSync(join(dir, "weather.csv"), "utf8");
  return { mountains, routes, accidentsCsv, weatherCsv, accidents: countRecords(accidentsCsv), weather: countRecords(weatherCsv), dir };
}

// ---------------------------------------------------------------------------------------------
// Generation (streaming: one location and its routes at a time)
// ---------------------------------------------------------------------------------------------

interface Plan {
  seed: number;
  routes: number;
  locations: number;
  bundle: Bundle | null;
}

function makePlan(options: CatalogueOptions): Plan {
  const { routes, locations } = options;
  for (const [name, v] of [
    ["routes", routes],
    ["locations", locations],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new CatalogueOptionsError(`${name} must be a positive integer, got ${v}`);
  }
  const bundle = options.accidentsFrom ? readBundle(options.accidentsFrom) : null;
  const realM = bundle?.mountains.length ?? 0;
  const realR = bundle?.routes.length ?? 0;
  if (locations < realM) throw new CatalogueOptionsError(`locations (${locations}) is below the ${realM} real mountains being bundled`);
  if (routes < realR) throw new CatalogueOptionsError(`routes (${routes}) is below the ${realR} real routes being bundled`);
  const synthL = locations - realM;
  const synthR = routes - realR;
  if (synthR < synthL)
    throw new CatalogueOptionsError(`${synthR} synthetic routes cannot fill ${synthL} synthetic locations (every synthetic location has at least one route)`);
  if (synthL === 0 && synthR > 0) throw new CatalogueOptionsError(`${synthR} synthetic routes need at least one synthetic location (locations > ${realM})`);
  if (routes > SYNTHETIC_ROUTE_ID_BASE || locations > SYNTHETIC_ROUTE_ID_BASE - SYNTHETIC_MOUNTAIN_ID_BASE)
    throw new CatalogueOptionsError("catalogue too large for the id ranges");
  return { seed: options.seed ?? CATALOGUE_SEED, routes, locations, bundle };
}

interface GeneratedLocation {
  mountain: MountainRow;
  routes: RouteRow[];
}

function* synthesise(plan: Plan): Generator<GeneratedLocation> {
  const realM = plan.bundle?.mountains.length ?? 0;
  const realR = plan.bundle?.routes.length ?? 0;
  const synthL = plan.locations - realM;
  const synthR = plan.routes - realR;
  if (synthL === 0) return;

  const regions = REGIONS_TEMPLATE();
  // Real mountains become extra centres of the region they lie in (within SEED_RADIUS_KM of its
  // centre). Coordinates shared by many real mountains are geocoding fallbacks (state or park
  // centroids such as 36.7783,-119.4179 for "California"), not places: skipped.
  const perPoint = new Map<string, { m: MountainRow; n: number }>();
  for (const m of plan.bundle?.mountains ?? []) {
    if (m.latitude === null || m.longitude === null) continue;
    const key = `${m.latitude},${m.longitude}`;
    const e = perPoint.get(key);
    if (e) e.n++;
    else perPoint.set(key, { m, n: 1 });
  }
  for (const { m, n } of perPoint.values()) {
    if (n >= CENTROID_MIN_SHARED) continue;
    let best: Region | null = null;
    let bestKm = SEED_RADIUS_KM;
    for (const r of regions) {
      const km = distanceKm(r.lat, r.lon, m.latitude!, m.longitude!);
      if (km < bestKm) [best, bestKm] = [r, km];
    }
    best?.seeds.push({ lat: m.latitude!, lon: m.longitude!, elevationFt: m.elevation_ft });
  }
  const regionByLocation = new Map(regions.map((r) => [r.location, r]));
  for (const h of HEAD_AREAS) if (!regionByLocation.has(h.location)) throw new Error(`head area ${h.name}: no region ${h.location}`);
  const regionWeights = regions.map((r, i) => [i, r.weight] as const);

  const countsRng = new Rng(plan.seed ^ 0x5eed_c0de);
  const rng = new Rng(plan.seed);
  const headAreas = Math.min(HEAD_AREAS.length, Math.floor(synthL / 20));
  const counts = routeCounts(countsRng, synthR, synthL, headAreas);

  const coverage = COVERAGE.map(([type, system]) => ({ type, system }));
  let routeSeq = 0;
  let previous: { region: Region; lat: number; lon: number; elevationFt: number; name: string; kind: Kind } | null = null;

  for (let i = 0; i < synthL; i++) {
    const mountainId = SYNTHETIC_MOUNTAIN_ID_BASE + i;
    let region: Region;
    let kind: Kind;
    let lat: number;
    let lon: number;
    let elevationFt: number;
    let name: string;
    if (i < headAreas) {
      const h = HEAD_AREAS[i];
      region = regionByLocation.get(h.location)!;
      ({ kind, lat, lon, elevationFt, name } = h);
    } else if (previous && i > headAreas && rng.chance(0.04)) {
      // A sub-area on its neighbour's exact point (Mountain Project sub-areas often share it).
      ({ region, kind, lat, lon, elevationFt } = previous);
      name = `${rng.pick(SUBAREA)} ${previous.name}`;
    } else {
      region = regions[rng.weighted(regionWeights)];
      kind = rng.weighted(region.kinds);
      const seed = region.seeds.length && rng.chance(0.35) ? rng.pick(region.seeds) : null;
      const p = seed ? around(rng, seed.lat, seed.lon, 0.04) : around(rng, region.lat, region.lon, region.sdDeg);
      lat = round(p.lat, 5);
      lon = round(p.lon, 5);
      if (kind === "peak") {
        const [lo, hi] = region.peak ?? [region.crag[1], region.crag[1] + 3000];
        const fromSeed = seed?.elevationFt != null && seed.elevationFt >= lo ? seed.elevationFt * rng.uniform(0.85, 1) : null;
        elevationFt = Math.round(fromSeed ?? rng.uniform(lo, hi));
      } else {
        elevationFt = Math.round(rng.uniform(region.crag[0], region.crag[1]));
      }
      name = locationName(rng, kind);
    }
    previous = { region, kind, lat, lon, elevationFt, name: name.replace(/^(?:Upper|Lower|Left|Right|Main|Far|Back|Central) /, "") };

    const mountain: MountainRow = {
      mountain_id: mountainId,
      name,
      alt_names: null,
      elevation_ft: elevationFt,
      prominence_ft: kind === "peak" ? rng.int(30, 400) * 10 : null,
      type: kind,
      range: region.range,
      state: region.state,
      latitude: lat,
      longitude: lon,
      location: region.location,
      accident_count: 0,
    };

    const used = new Set<string>();
    const routes: RouteRow[] = [];
    const typeMix = TYPE_MIX[kind];
    for (let k = 0; k < counts[i]; k++) {
      let type: string;
      let system: GradeSystem;
      // Coverage first: the next (type, system) pair not seen yet that fits this location.
      const forced = coverage.length ? coverage.findIndex((c) => (c.system !== "alaska" || region.alaska) && forceable(c.type, kind)) : -1;
      if (forced >= 0) {
        ({ type, system } = coverage[forced]);
        coverage.splice(forced, 1);
      } else {
        type = rng.weighted(typeMix);
        const shape = RAW_TYPES[type];
        system = rng.weighted(shape === "alpine" && region.alaska ? ALASKA_ALPINE_MIX : SYSTEM_MIX[shape]);
      }
      const shape = RAW_TYPES[type];
      const { grade, yds } = gradeFor(rng, shape, system);
      const { length, pitches } = lengthAndPitches(rng, shape, kind);
      let rLat: number | null = null;
      let rLon: number | null = null;
      const x = rng.next();
      if (x < 0.05) {
        const spread = kind === "peak" || kind === "ice" ? 0.01 : 0.002;
        const p = around(rng, lat, lon, spread);
        rLat = round(p.lat, 6);
        rLon = round(p.lon, 6);
      } else if (x < 0.07) {
        rLat = lat;
        rLon = lon;
      }
      const seq = routeSeq++;
      routes.push({
        route_id: SYNTHETIC_ROUTE_ID_BASE + seq,
        name: routeName(rng, shape, used),
        mountain_id: mountainId,
        mountain_name: name,
        grade,
        grade_yds: yds,
        length_ft: length,
        pitches,
        type: type === "" ? null : type,
        first_ascent_year: rng.chance(0.55) ? rng.int(kind === "peak" ? 1900 : kind === "boulder_field" ? 1970 : 1955, 2024) : null,
        latitude: rLat,
        longitude: rLon,
        accident_count: 0,
        mp_route_id: rng.chance(0.9) ? 105_800_000 + seq * 61 + rng.int(0, 60) : null,
      });
    }
    yield { mountain, routes };
  }
}

// ---------------------------------------------------------------------------------------------
// Statistics (computed while streaming)
// ---------------------------------------------------------------------------------------------

class StatsCollector {
  private perLocation: number[] = [];
  private points = new Set<string>();
  private cells = new Set<string>();
  private unlocatable = 0;
  private own = 0;
  private synthRoutes = 0;
  private types: Record<string, number> = {};
  private systems: Record<string, number> = {};
  private mountains = new Map<number, MountainRow>();
  constructor(
    private realM: number,
    private realR: number,
  ) {}

  private point(r: RouteRow, m: MountainRow | undefined) {
    const lat = r.latitude ?? m?.latitude ?? null;
    const lon = r.longitude ?? m?.longitude ?? null;
    if (lat === null || lon === null) {
      this.unlocatable++;
      return;
    }
    this.points.add(`${lat},${lon},${m?.elevation_ft ?? ""}`);
    this.cells.add(gridCell(lat, lon).key);
  }

  real(mountains: readonly MountainRow[], routes: readonly RouteRow[]) {
    for (const m of mountains) this.mountains.set(m.mountain_id, m);
    for (const r of routes) this.point(r, r.mountain_id === null ? undefined : this.mountains.get(r.mountain_id));
    this.mountains.clear();
  }

  add({ mountain, routes }: GeneratedLocation) {
    this.perLocation.push(routes.length);
    for (const r of routes) {
      this.point(r, mountain);
      this.synthRoutes++;
      if (r.latitude !== null) this.own++;
      const t = r.type ?? "";
      this.types[t] = (this.types[t] ?? 0) + 1;
      const s = gradeSystemOf(r.grade ?? r.grade_yds);
      this.systems[s] = (this.systems[s] ?? 0) + 1;
    }
  }

  result(): CatalogueStats {
    const c = [...this.perLocation].sort((a, b) => a - b);
    const n = c.length;
    const median = n === 0 ? 0 : n % 2 ? c[(n - 1) / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
    return {
      locations: this.realM + n,
      routes: this.realR + this.synthRoutes,
      real: { locations: this.realM, routes: this.realR },
      routesPerLocation: {
        max: n ? c[n - 1] : 0,
        median,
        mean: n ? round(this.synthRoutes / n, 2) : 0,
        singleShare: n ? round(c.filter((x) => x === 1).length / n, 4) : 0,
        atLeast100: c.filter((x) => x >= 100).length,
        atLeast1000: c.filter((x) => x >= 1000).length,
      },
      scoringPoints: this.points.size,
      weatherCells: this.cells.size,
      unlocatableRoutes: this.unlocatable,
      ownCoordinateShare: this.synthRoutes ? round(this.own / this.synthRoutes, 4) : 0,
      types: this.types,
      gradeSystems: this.systems,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

/** Generates the catalogue in memory: typed rows, CSV texts for `importDataset`, and its statistics. */
export function generateCatalogue(options: CatalogueOptions): Catalogue {
  const plan = makePlan(options);
  const b = plan.bundle;
  const mountains: MountainRow[] = [...(b?.mountains ?? [])];
  const routes: RouteRow[] = [...(b?.routes ?? [])];
  const stats = new StatsCollector(mountains.length, routes.length);
  stats.real(mountains, routes);
  for (const loc of synthesise(plan)) {
    stats.add(loc);
    mountains.push(loc.mountain);
    for (const r of loc.routes) routes.push(r);
  }
  const files: DemoFiles = {
    "mountains.csv": csvHeader(MOUNTAIN_COLUMNS) + mountains.map((m) => csvLine(MOUNTAIN_COLUMNS, m)).join(""),
    "routes.csv": csvHeader(ROUTE_COLUMNS) + routes.map((r) => csvLine(ROUTE_COLUMNS, r)).join(""),
    "accidents.csv": b?.accidentsCsv ?? csvHeader(ACCIDENT_COLUMNS),
    "weather.csv": b?.weatherCsv ?? csvHeader(WEATHER_COLUMNS),
  };
  return {
    mountains,
    routes,
    files,
    real: { mountains: b?.mountains.length ?? 0, routes: b?.routes.length ?? 0, accidents: b?.accidents ?? 0, weather: b?.weather ?? 0 },
    stats: stats.result(),
  };
}

/** Buffered synchronous writer (one write per ~1 MB). */
class FileWriter {
  private fd: number;
  private buf: string[] = [];
  private size = 0;
  bytes = 0;
  constructor(path: string) {
    this.fd = openSync(path, "w");
  }
  write(s: string) {
    this.buf.push(s);
    this.size += s.length;
    if (this.size >= 1 << 20) this.flush();
  }
  private flush() {
    if (!this.buf.length) return;
    const chunk = Buffer.from(this.buf.join(""), "utf8");
    writeSync(this.fd, chunk);
    this.bytes += chunk.length;
    this.buf = [];
    this.size = 0;
  }
  close() {
    this.flush();
    closeSync(this.fd);
  }
}

export interface CatalogueWriteReport {
  dir: string;
  /** Rows and bytes per file. */
  files: Record<keyof DemoFiles, { rows: number; bytes: number }>;
  /** Where accidents.csv and weather.csv came from (null: header-only files). */
  accidentsFrom: string | null;
  stats: CatalogueStats;
}

/**
 * Writes the catalogue into `dir` (created if needed): mountains.csv and routes.csv streamed one
 * location at a time; accidents.csv and weather.csv copied from `accidentsFrom` (or header-only).
 * The same options always write the same bytes.
 */
export function writeCatalogue(dir: string, options: CatalogueOptions): CatalogueWriteReport {
  const plan = makePlan(options);
  const b = plan.bundle;
  mkdirSync(dir, { recursive: true });
  const mw = new FileWriter(join(dir, "mountains.csv"));
  const rw = new FileWriter(join(dir, "routes.csv"));
  const stats = new StatsCollector(b?.mountains.length ?? 0, b?.routes.length ?? 0);
  let nM = 0;
  let nR = 0;
  try {
    mw.write(csvHeader(MOUNTAIN_COLUMNS));
    rw.write(csvHeader(ROUTE_COLUMNS));
    if (b) {
      stats.real(b.mountains, b.routes);
      for (const m of b.mountains) mw.write(csvLine(MOUNTAIN_COLUMNS, m));
      for (const r of b.routes) rw.write(csvLine(ROUTE_COLUMNS, r));
      nM += b.mountains.length;
      nR += b.routes.length;
    }
    for (const loc of synthesise(plan)) {
      stats.add(loc);
      mw.write(csvLine(MOUNTAIN_COLUMNS, loc.mountain));
      nM++;
      for (const r of loc.routes) rw.write(csvLine(ROUTE_COLUMNS, r));
      nR += loc.routes.length;
    }
  } finally {
    mw.close();
    rw.close();
  }
  if (b) {
    for (const f of ["accidents.csv", "weather.csv"]) {
      // The source files are read-only (the shared data): the copies get ordinary permissions, so a
      // second run can overwrite them.
      rmSync(join(dir, f), { force: true });
      copyFileSync(join(b.dir, f), join(dir, f));
      chmodSync(join(dir, f), 0o644);
    }
  } else {
    writeFileSync(join(dir, "accidents.csv"), csvHeader(ACCIDENT_COLUMNS));
    writeFileSync(join(dir, "weather.csv"), csvHeader(WEATHER_COLUMNS));
  }
  const size = (f: string) => statSync(join(dir, f)).size;
  return {
    dir,
    files: {
      "mountains.csv": { rows: nM, bytes: mw.bytes },
      "routes.csv": { rows: nR, bytes: rw.bytes },
      "accidents.csv": { rows: b?.accidents ?? 0, bytes: size("accidents.csv") },
      "weather.csv": { rows: b?.weather ?? 0, bytes: size("weather.csv") },
    },
    accidentsFrom: b?.dir ?? null,
    stats: stats.result(),
  };
}
