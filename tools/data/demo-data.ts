/**
 * A generated demo dataset in the SafeAscent export format (mountains.csv, routes.csv, accidents.csv,
 * weather.csv — same columns, same float-ish number style such as ids "12.0" and years "1998.0").
 * Nothing is copied from the reference data: mountains are real, well-known US climbing objectives
 * with approximate public coordinates; routes, accidents and weather are synthesised from a seeded
 * PRNG, so one seed always gives byte-identical files.
 *
 *  - 30 mountains and crags across the Alaska Range, Cascades, Sierra / Yosemite, Colorado Rockies,
 *    Tetons and Wind Rivers, New England, Red River Gorge, the Gunks, Joshua Tree, Smith Rock,
 *    the Buttermilks;
 *  - ~100 routes covering every route type (alpine, trad, sport, ice, mixed, aid, boulder, big_wall,
 *    unknown) with grades, lengths and pitches typical of the type;
 *  - ~300 accidents (AAC / Avalanche / NPS-style records) near those objectives, 1982–2024, seasons
 *    that fit the activity (ice in winter, Denali in May–July, crags in spring and autumn), realistic
 *    accident types, activities, tags, severities, multi-line descriptions with commas and quotes; a
 *    few without coordinates (valid rows the scorer ignores);
 *  - 7 daily weather rows (d−6 … d) per accident with coordinates, at the accident's place rounded to
 *    0.01°, plausible for latitude, elevation and season; about 40 % have an empty accident_id (as in
 *    the reference data: they are linked by place and date), never two unlinked rows for one place
 *    and day.
 * accident_count of mountains and routes equals the generated accidents that reference them.
 *
 * In-process use: `generateDemoDataset()` (typed rows), `demoDatasetFiles()` (CSV text by file name,
 * accepted by importDataset), `writeDemoDataset(dir)` (writes the four files).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AccidentRow, MountainRow, RouteRow, WeatherRow } from "./csv-schemas";
import type { ROUTE_TYPES } from "./csv-schemas";

export const DEMO_SEED = 20_240_601;

export interface DemoOptions {
  /** PRNG seed (default DEMO_SEED). */
  seed?: number;
  /** Number of accidents (default 300). */
  accidents?: number;
}

export interface DemoDataset {
  mountains: MountainRow[];
  routes: RouteRow[];
  accidents: AccidentRow[];
  weather: WeatherRow[];
}

export type DemoFiles = Record<"mountains.csv" | "routes.csv" | "accidents.csv" | "weather.csv", string>;

// ---------------------------------------------------------------------------------------------
// PRNG (sfc32 seeded through splitmix32): deterministic across platforms
// ---------------------------------------------------------------------------------------------

/** sfc32 seeded through splitmix32; shared with the catalogue generator (tools/data/catalogue.ts). */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }
  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }
  /** [0, 1) */
  next(): number {
    return this.u32() / 4294967296;
  }
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((n, [, w]) => n + w, 0);
    let x = this.next() * total;
    for (const [item, w] of items) {
      x -= w;
      if (x < 0) return item;
    }
    return items[items.length - 1][0];
  }
  normal(mean = 0, sd = 1): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  hex(n: number): string {
    let s = "";
    while (s.length < n) s += this.u32().toString(16).padStart(8, "0");
    return s.slice(0, n);
  }
}

// ---------------------------------------------------------------------------------------------
// Static geography: real objectives, approximate public coordinates and elevations
// ---------------------------------------------------------------------------------------------

type RouteType = (typeof ROUTE_TYPES)[number];
type Season = "alaska" | "summer" | "crag" | "desert";

interface Objective {
  name: string;
  alt?: string;
  elevation: number; // ft
  prominence?: number;
  type: "peak" | "crag" | "boulder_field";
  range: string;
  state: string;
  lat: number;
  lon: number;
  location: string;
  /** Route types found here; each appears at least once. */
  styles: RouteType[];
  /** Relative share of accidents. */
  risk: number;
  /** Winter avalanche terrain around it. */
  avalanche: boolean;
  /** NPS-managed (NPS-style mortality records possible). */
  park?: string;
  season: Season;
  /** Maritime climate (wetter, milder winters). */
  maritime?: boolean;
}

const OBJECTIVES: readonly Objective[] = [
  {
    name: "Denali",
    alt: "McKinley",
    elevation: 20310,
    prominence: 20156,
    type: "peak",
    range: "Alaska Range",
    state: "Alaska",
    lat: 63.0692,
    lon: -151.007,
    location: "Denali National Park",
    styles: ["alpine", "mixed", "ice"],
    risk: 3.2,
    avalanche: true,
    park: "Denali National Park & Preserve",
    season: "alaska",
  },
  {
    name: "Mount Foraker",
    alt: "Sultana",
    elevation: 17400,
    prominence: 7250,
    type: "peak",
    range: "Alaska Range",
    state: "Alaska",
    lat: 62.9604,
    lon: -151.3998,
    location: "Denali National Park",
    styles: ["alpine", "ice"],
    risk: 0.8,
    avalanche: true,
    park: "Denali National Park & Preserve",
    season: "alaska",
  },
  {
    name: "Mount Hunter",
    alt: "Begguya",
    elevation: 14573,
    prominence: 4600,
    type: "peak",
    range: "Alaska Range",
    state: "Alaska",
    lat: 62.9506,
    lon: -151.0914,
    location: "Denali National Park",
    styles: ["mixed", "alpine"],
    risk: 0.8,
    avalanche: true,
    park: "Denali National Park & Preserve",
    season: "alaska",
  },
  {
    name: "Mount Rainier",
    alt: "Tahoma",
    elevation: 14411,
    prominence: 13210,
    type: "peak",
    range: "Cascade Range",
    state: "Washington",
    lat: 46.8523,
    lon: -121.7603,
    location: "Mount Rainier National Park",
    styles: ["alpine", "ice", "unknown"],
    risk: 3,
    avalanche: true,
    park: "Mount Rainier National Park",
    season: "summer",
    maritime: true,
  },
  {
    name: "Mount Baker",
    alt: "Koma Kulshan",
    elevation: 10781,
    prominence: 8812,
    type: "peak",
    range: "Cascade Range",
    state: "Washington",
    lat: 48.7767,
    lon: -121.8144,
    location: "North Cascades",
    styles: ["alpine", "unknown"],
    risk: 1.2,
    avalanche: true,
    season: "summer",
    maritime: true,
  },
  {
    name: "Mount Shuksan",
    elevation: 9131,
    prominence: 4110,
    type: "peak",
    range: "Cascade Range",
    state: "Washington",
    lat: 48.831,
    lon: -121.6028,
    location: "North Cascades National Park",
    styles: ["alpine", "ice"],
    risk: 1,
    avalanche: true,
    season: "summer",
    maritime: true,
  },
  {
    name: "Mount Stuart",
    elevation: 9415,
    prominence: 5335,
    type: "peak",
    range: "Stuart Range",
    state: "Washington",
    lat: 47.4751,
    lon: -120.9024,
    location: "Alpine Lakes Wilderness",
    styles: ["alpine", "trad"],
    risk: 1,
    avalanche: true,
    season: "summer",
  },
  {
    name: "Mount Hood",
    alt: "Wy'east",
    elevation: 11249,
    prominence: 7706,
    type: "peak",
    range: "Cascade Range",
    state: "Oregon",
    lat: 45.3736,
    lon: -121.6959,
    location: "Mount Hood Wilderness",
    styles: ["alpine", "ice", "unknown"],
    risk: 2,
    avalanche: true,
    season: "summer",
    maritime: true,
  },
  {
    name: "Mount Shasta",
    elevation: 14179,
    prominence: 9772,
    type: "peak",
    range: "Cascade Range",
    state: "California",
    lat: 41.4092,
    lon: -122.1949,
    location: "Shasta-Trinity National Forest",
    styles: ["alpine", "unknown"],
    risk: 1.3,
    avalanche: true,
    season: "summer",
  },
  {
    name: "Mount Whitney",
    elevation: 14505,
    prominence: 10075,
    type: "peak",
    range: "Sierra Nevada",
    state: "California",
    lat: 36.5785,
    lon: -118.2923,
    location: "Sequoia National Park",
    styles: ["alpine", "trad"],
    risk: 1.2,
    avalanche: true,
    park: "Sequoia & Kings Canyon National Parks",
    season: "summer",
  },
  {
    name: "Cathedral Peak",
    elevation: 10911,
    prominence: 600,
    type: "peak",
    range: "Sierra Nevada",
    state: "California",
    lat: 37.8475,
    lon: -119.4056,
    location: "Tuolumne Meadows, Yosemite National Park",
    styles: ["trad", "alpine"],
    risk: 0.8,
    avalanche: false,
    park: "Yosemite National Park",
    season: "summer",
  },
  {
    name: "El Capitan",
    elevation: 7573,
    prominence: 80,
    type: "crag",
    range: "Sierra Nevada",
    state: "California",
    lat: 37.7342,
    lon: -119.6378,
    location: "Yosemite Valley",
    styles: ["big_wall", "aid", "trad"],
    risk: 2,
    avalanche: false,
    park: "Yosemite National Park",
    season: "crag",
  },
  {
    name: "Half Dome",
    elevation: 8839,
    prominence: 1360,
    type: "peak",
    range: "Sierra Nevada",
    state: "California",
    lat: 37.7459,
    lon: -119.5332,
    location: "Yosemite Valley",
    styles: ["big_wall", "aid", "trad"],
    risk: 1.3,
    avalanche: false,
    park: "Yosemite National Park",
    season: "crag",
  },
  {
    name: "Longs Peak",
    elevation: 14259,
    prominence: 2940,
    type: "peak",
    range: "Front Range",
    state: "Colorado",
    lat: 40.2549,
    lon: -105.6151,
    location: "Rocky Mountain National Park",
    styles: ["alpine", "trad", "mixed"],
    risk: 2.5,
    avalanche: true,
    park: "Rocky Mountain National Park",
    season: "summer",
  },
  {
    name: "Capitol Peak",
    elevation: 14130,
    prominence: 1750,
    type: "peak",
    range: "Elk Mountains",
    state: "Colorado",
    lat: 39.1503,
    lon: -107.0829,
    location: "Maroon Bells-Snowmass Wilderness",
    styles: ["alpine", "unknown"],
    risk: 1.2,
    avalanche: true,
    season: "summer",
  },
  {
    name: "Maroon Peak",
    elevation: 14163,
    prominence: 2336,
    type: "peak",
    range: "Elk Mountains",
    state: "Colorado",
    lat: 39.0708,
    lon: -106.989,
    location: "Maroon Bells-Snowmass Wilderness",
    styles: ["alpine", "unknown"],
    risk: 1.3,
    avalanche: true,
    season: "summer",
  },
  {
    name: "Redgarden Wall",
    elevation: 6200,
    type: "crag",
    range: "Front Range",
    state: "Colorado",
    lat: 39.9311,
    lon: -105.2928,
    location: "Eldorado Canyon State Park",
    styles: ["trad", "sport"],
    risk: 1.4,
    avalanche: false,
    season: "crag",
  },
  {
    name: "Ouray Ice Park",
    elevation: 7800,
    type: "crag",
    range: "San Juan Mountains",
    state: "Colorado",
    lat: 38.0197,
    lon: -107.6717,
    location: "Uncompahgre Gorge, Ouray",
    styles: ["ice", "mixed"],
    risk: 1,
    avalanche: false,
    season: "crag",
  },
  {
    name: "Grand Teton",
    elevation: 13775,
    prominence: 6530,
    type: "peak",
    range: "Teton Range",
    state: "Wyoming",
    lat: 43.7412,
    lon: -110.8024,
    location: "Grand Teton National Park",
    styles: ["alpine", "trad", "mixed"],
    risk: 2.4,
    avalanche: true,
    park: "Grand Teton National Park",
    season: "summer",
  },
  {
    name: "Mount Owen",
    elevation: 12928,
    prominence: 1040,
    type: "peak",
    range: "Teton Range",
    state: "Wyoming",
    lat: 43.7497,
    lon: -110.7998,
    location: "Grand Teton National Park",
    styles: ["alpine"],
    risk: 0.7,
    avalanche: true,
    park: "Grand Teton National Park",
    season: "summer",
  },
  {
    name: "Teewinot Mountain",
    elevation: 12325,
    prominence: 640,
    type: "peak",
    range: "Teton Range",
    state: "Wyoming",
    lat: 43.7494,
    lon: -110.7732,
    location: "Grand Teton National Park",
    styles: ["alpine", "ice"],
    risk: 0.9,
    avalanche: true,
    park: "Grand Teton National Park",
    season: "summer",
  },
  {
    name: "Pingora Peak",
    elevation: 11884,
    prominence: 500,
    type: "peak",
    range: "Wind River Range",
    state: "Wyoming",
    lat: 42.7753,
    lon: -109.2144,
    location: "Cirque of the Towers",
    styles: ["trad", "alpine"],
    risk: 0.6,
    avalanche: false,
    season: "summer",
  },
  {
    name: "Devils Tower",
    alt: "Bear Lodge",
    elevation: 5112,
    prominence: 1280,
    type: "crag",
    range: "Bear Lodge Mountains",
    state: "Wyoming",
    lat: 44.5902,
    lon: -104.7146,
    location: "Devils Tower National Monument",
    styles: ["trad"],
    risk: 0.7,
    avalanche: false,
    park: "Devils Tower National Monument",
    season: "crag",
  },
  {
    name: "Mount Washington",
    alt: "Agiocochook",
    elevation: 6288,
    prominence: 6148,
    type: "peak",
    range: "Presidential Range",
    state: "New Hampshire",
    lat: 44.2705,
    lon: -71.3033,
    location: "Huntington Ravine, White Mountains",
    styles: ["ice", "mixed", "alpine"],
    risk: 1.8,
    avalanche: true,
    season: "summer",
    maritime: true,
  },
  {
    name: "Cannon Cliff",
    elevation: 4100,
    type: "crag",
    range: "Franconia Range",
    state: "New Hampshire",
    lat: 44.1564,
    lon: -71.6989,
    location: "Franconia Notch State Park",
    styles: ["trad", "ice", "aid"],
    risk: 0.9,
    avalanche: false,
    season: "crag",
    maritime: true,
  },
  {
    name: "Muir Valley",
    elevation: 1100,
    type: "crag",
    range: "Red River Gorge",
    state: "Kentucky",
    lat: 37.7298,
    lon: -83.6289,
    location: "Red River Gorge, Wolfe County",
    styles: ["sport", "trad"],
    risk: 1.5,
    avalanche: false,
    season: "crag",
    maritime: true,
  },
  {
    name: "The Trapps",
    elevation: 1200,
    type: "crag",
    range: "Shawangunk Ridge",
    state: "New York",
    lat: 41.7397,
    lon: -74.1885,
    location: "Mohonk Preserve, New Paltz",
    styles: ["trad", "aid"],
    risk: 1.4,
    avalanche: false,
    season: "crag",
    maritime: true,
  },
  {
    name: "Intersection Rock",
    elevation: 4400,
    type: "crag",
    range: "Little San Bernardino Mountains",
    state: "California",
    lat: 34.0155,
    lon: -116.168,
    location: "Joshua Tree National Park",
    styles: ["trad", "sport", "boulder"],
    risk: 1.1,
    avalanche: false,
    park: "Joshua Tree National Park",
    season: "desert",
  },
  {
    name: "Smith Rock",
    elevation: 3200,
    type: "crag",
    range: "Crooked River Gorge",
    state: "Oregon",
    lat: 44.3682,
    lon: -121.1406,
    location: "Smith Rock State Park, Terrebonne",
    styles: ["sport", "trad", "aid"],
    risk: 1.2,
    avalanche: false,
    season: "crag",
  },
  {
    name: "Buttermilk Boulders",
    elevation: 6400,
    type: "boulder_field",
    range: "Sierra Nevada",
    state: "California",
    lat: 37.3305,
    lon: -118.5778,
    location: "Buttermilk Country, Bishop",
    styles: ["boulder"],
    risk: 0.5,
    avalanche: false,
    season: "desert",
  },
];

export const ASPECTS = ["North", "South", "East", "West", "Northeast", "Northwest", "Southeast", "Southwest"] as const;
const FEATURES: Record<RouteType, readonly string[]> = {
  alpine: ["Ridge", "Buttress", "Face", "Arete", "Glacier", "Couloir", "Spur"],
  ice: ["Couloir", "Gully", "Icefall", "Ice Face", "Smear"],
  mixed: ["Couloir", "Gully", "Chimney", "Face Direct", "Ramp"],
  trad: ["Crack", "Dihedral", "Corner", "Arete", "Chimney", "Buttress"],
  sport: [],
  aid: ["Seam", "Roof", "Direct", "Pillar"],
  boulder: [],
  big_wall: ["Wall", "Face", "Direct", "Buttress"],
  unknown: ["Route", "Standard Route", "Gully", "Ridge"],
};
export const ADJECTIVES = [
  "Crimson",
  "Hidden",
  "Silent",
  "Golden",
  "Broken",
  "Electric",
  "Lonely",
  "Wild",
  "Granite",
  "Midnight",
  "Thin",
  "Flying",
  "Lost",
  "Quiet",
  "Burning",
  "Falling",
  "Rusty",
  "Twisted",
  "Hollow",
  "Ancient",
  "Iron",
  "Velvet",
  "Paper",
  "Blue",
] as const;
export const NOUNS = [
  "Dihedral",
  "Arete",
  "Roof",
  "Crack",
  "Flake",
  "Pillar",
  "Edge",
  "Corner",
  "Traverse",
  "Prow",
  "Slab",
  "Seam",
  "Overhang",
  "Ramp",
  "Wave",
  "Fin",
  "Tower",
  "Ledge",
  "Spire",
  "Cowboy",
  "Lizard",
  "Raven",
  "Mantle",
  "Groove",
] as const;

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  const r = Math.round(x * f) / f;
  return Object.is(r, -0) ? 0 : r;
};

/**
 * Rounds to 0.01 exactly like Postgres' `round(x::numeric, 2)::float8` (float8 -> numeric keeps 15
 * significant digits; numeric rounds half away from zero), so unlinked weather rows land on the place
 * the corpus query computes from the accident's coordinates.
 */
function placeRound(x: number): number {
  const s = Math.abs(x).toPrecision(15);
  const [int, frac = ""] = s.split(".");
  const f = frac.padEnd(3, "0");
  const hundredths = Number(int) * 100 + Number(f.slice(0, 2)) + (f[2] >= "5" ? 1 : 0);
  return hundredths === 0 ? 0 : (Math.sign(x) * hundredths) / 100;
}

const DAY_MS = 86_400_000;
const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const dayOf = (y: number, m: number, d: number) => Math.floor(Date.UTC(y, m, d) / DAY_MS);
const daysInMonth = (y: number, m: number) => new Date(Date.UTC(y, m + 1, 0)).getUTCDate();

function yds(rng: Rng, lo: number, hi: number): string {
  const n = rng.int(lo, hi);
  return n >= 10 ? `5.${n}${rng.pick(["a", "b", "c", "d"])}` : `5.${n}`;
}

interface RouteShape {
  grade: string | null;
  yds: string | null;
  length: number | null;
  pitches: number | null;
}

function routeShape(rng: Rng, type: RouteType, o: Objective): RouteShape {
  const romans = ["I", "II", "III", "IV", "V", "VI"];
  switch (type) {
    case "sport": {
      const g = yds(rng, 8, 13);
      return { grade: g, yds: g, length: rng.int(4, 11) * 10, pitches: 1 };
    }
    case "trad": {
      const g = yds(rng, 4, 12);
      const pitches = rng.int(1, o.type === "crag" ? 6 : 10);
      return { grade: g, yds: g, length: pitches * rng.int(8, 16) * 10, pitches };
    }
    case "alpine": {
      const tech = rng.chance(0.6) ? yds(rng, 0, 9) : null;
      const g = o.state === "Alaska" ? `Alaska Grade ${rng.int(2, 5)}` : `Grade ${romans[rng.int(1, 4)]}${tech ? ` ${tech}` : ""}`;
      return { grade: g, yds: tech, length: rng.int(8, 60) * 100, pitches: rng.chance(0.5) ? rng.int(4, 30) : null };
    }
    case "ice": {
      const pitches = rng.int(1, 8);
      return {
        grade: `${rng.pick(["WI", "WI", "AI"])}${rng.int(2, 6)}${rng.chance(0.3) ? "+" : ""}`,
        yds: null,
        length: pitches * rng.int(10, 20) * 10,
        pitches,
      };
    }
    case "mixed": {
      const pitches = rng.int(2, 12);
      return { grade: `M${rng.int(3, 8)} WI${rng.int(3, 5)}`, yds: null, length: pitches * rng.int(10, 20) * 10, pitches };
    }
    case "aid": {
      const pitches = rng.int(2, 10);
      return {
        grade: `${yds(rng, 6, 10)} ${rng.pick(["A1", "A2", "A2+", "A3", "C1", "C2", "C3"])}`,
        yds: null,
        length: pitches * rng.int(10, 16) * 10,
        pitches,
      };
    }
    case "big_wall": {
      const pitches = rng.int(14, 35);
      const g = yds(rng, 8, 11);
      return { grade: `${rng.pick(["V", "VI"])} ${g} ${rng.pick(["A1", "A2", "C1", "C2"])}`, yds: g, length: pitches * rng.int(8, 11) * 10, pitches };
    }
    case "boulder":
      return { grade: `V${rng.int(0, 11)}`, yds: null, length: rng.int(8, 25), pitches: null };
    case "unknown":
      return { grade: null, yds: null, length: null, pitches: null };
  }
}

function routeName(rng: Rng, type: RouteType, used: Set<string>): string {
  for (let attempt = 0; ; attempt++) {
    let name: string;
    if (type === "sport" || type === "boulder" || (type === "trad" && rng.chance(0.5))) {
      name = `${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)}`;
    } else {
      name = `${rng.pick(ASPECTS)} ${rng.pick(FEATURES[type])}`;
    }
    if (attempt > 20) name += ` ${attempt}`;
    if (!used.has(name)) {
      used.add(name);
      return name;
    }
  }
}

type MonthWeights = readonly number[]; // Jan..Dec
const SEASONS: Record<Season | "winter", MonthWeights> = {
  alaska: [0, 0, 0.2, 0.5, 3, 4, 2, 0.3, 0.1, 0, 0, 0],
  summer: [0.2, 0.2, 0.4, 0.6, 1.2, 2.5, 4, 4, 2, 0.8, 0.3, 0.2],
  crag: [0.4, 0.5, 1.2, 2.2, 3, 2, 1.3, 1.3, 2.2, 3, 1.4, 0.5],
  desert: [2, 2.2, 3, 2.5, 1, 0.3, 0.1, 0.1, 0.5, 2, 3, 2.5],
  winter: [4, 4, 3, 1.5, 0.3, 0, 0, 0, 0, 0.3, 1, 3],
};

function pickDate(rng: Rng, season: MonthWeights): number {
  const year = rng.weighted(Array.from({ length: 43 }, (_, i) => [1982 + i, 1 + i / 14] as const));
  const month = rng.weighted(season.map((w, m) => [m, w] as const));
  return dayOf(year, month, rng.int(1, daysInMonth(year, month)));
}

/** Climatological daily mean (°C) at a place, elevation (m) and day of year. */
function climateMean(lat: number, elevM: number, doy: number, maritime: boolean): number {
  const seaLevelMean = 34 - 0.5 * lat;
  const amplitude = (4 + 0.22 * lat) * (maritime ? 0.65 : 1);
  return seaLevelMean - amplitude * Math.cos((2 * Math.PI * (doy - 20)) / 365.25) - 6.5 * (elevM / 1000);
}

function ageRange(rng: Rng, style: "aac" | "nps"): string | null {
  if (style === "nps") return rng.pick(["15-24", "25-34", "25-34", "35-44", "35-44", "45-54", "55-64", "65+"]);
  if (rng.chance(0.45)) return null;
  return rng.weighted([
    ["15-20", 1],
    ["21-25", 2.2],
    ["26-30", 2.1],
    ["31-35", 1.7],
    ["36-50", 2.3],
    ["51-75", 1],
  ] as const);
}

// ---------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------

export function generateDemoDataset(options: DemoOptions = {}): DemoDataset {
  const rng = new Rng(options.seed ?? DEMO_SEED);
  const nAccidents = options.accidents ?? 300;

  // Mountains.
  const mountains: MountainRow[] = OBJECTIVES.map((o, i) => ({
    mountain_id: i + 1,
    name: o.name,
    alt_names: o.alt ?? null,
    elevation_ft: o.elevation,
    prominence_ft: o.prominence ?? null,
    type: o.type,
    range: o.range,
    state: o.state,
    latitude: o.lat,
    longitude: o.lon,
    location: o.location,
    accident_count: 0,
  }));

  // Routes: every style of an objective at least once, plus 0–2 more.
  const routes: RouteRow[] = [];
  const routesOf = new Map<number, RouteRow[]>();
  OBJECTIVES.forEach((o, i) => {
    const mountainId = i + 1;
    const used = new Set<string>();
    const types: RouteType[] = [...o.styles];
    const extra = rng.int(0, 2) + (o.styles.length === 1 ? 1 : 0);
    for (let k = 0; k < extra; k++) types.push(rng.pick(o.styles));
    const list: RouteRow[] = [];
    for (const type of types) {
      const shape = routeShape(rng, type, o);
      const noCoords = type === "unknown" && rng.chance(0.5);
      const spread = o.type === "peak" ? 0.012 : 0.004;
      const route: RouteRow = {
        route_id: routes.length + 1,
        name: routeName(rng, type, used),
        mountain_id: mountainId,
        mountain_name: o.name,
        grade: shape.grade,
        grade_yds: shape.yds,
        length_ft: shape.length,
        pitches: shape.pitches,
        type,
        first_ascent_year: rng.chance(0.55) ? rng.int(o.type === "peak" ? 1900 : 1950, 2015) : null,
        latitude: noCoords ? null : round(o.lat + rng.uniform(-spread, spread), 4),
        longitude: noCoords ? null : round(o.lon + rng.uniform(-spread, spread), 4),
        accident_count: 0,
        mp_route_id: rng.chance(0.55) ? rng.int(105_700_000, 120_000_000) : null,
      };
      routes.push(route);
      list.push(route);
    }
    routesOf.set(mountainId, list);
  });

  // Accidents (generated in random order, then numbered by date).
  interface Draft {
    row: Omit<AccidentRow, "accident_id">;
    day: number;
    o: Objective;
  }
  const drafts: Draft[] = [];
  const objectiveWeights = OBJECTIVES.map((o, i) => [i, o.risk] as const);
  let aacSeq = 0;
  let npsSeq = 0;
  for (let n = 0; n < nAccidents; n++) {
    const oi = rng.weighted(objectiveWeights);
    const o = OBJECTIVES[oi];
    const mountainId = oi + 1;
    const source = rng.weighted([
      ["AAC", 0.62],
      ["Avalanche", o.avalanche ? 0.3 : 0],
      ["NPS", o.park ? 0.16 : 0],
    ] as const);
    const route = source !== "Avalanche" && rng.chance(0.7) ? rng.pick(routesOf.get(mountainId)!) : null;
    const rtype = (route?.type ?? (o.type === "peak" ? "alpine" : o.styles[0])) as RouteType;
    const wintry = rtype === "ice" || rtype === "mixed" || source === "Avalanche";
    const day = pickDate(rng, wintry ? SEASONS.winter : SEASONS[o.season]);
    const date = isoDay(day);
    const [y, m, d] = [Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10))];
    const longDate = `${MONTHS[m - 1]} ${d}, ${y}`;

    let accidentType: string;
    let activity: string;
    let severity: string;
    let tags: string;
    let description: string;
    let location: string | null = o.location;
    let state: string | null = o.state;
    let mountainText: string | null = o.name;
    let age: string | null;
    let sourceId: string;

    if (source === "Avalanche") {
      accidentType = "avalanche";
      activity = rng.weighted([
        ["backcountry", 5],
        ["Backcountry Tourer", 1.5],
        ["Snowmobiler", 0.6],
        ["Climber", 0.6],
        ["Sidecountry Rider", 0.4],
      ] as const);
      const caught = rng.int(1, 4);
      const buried = rng.int(0, caught);
      const killed = buried ? rng.int(0, buried) : 0;
      severity = killed
        ? "fatal"
        : rng.weighted([
            ["serious", 1],
            ["minor", 1.5],
            ["unknown", 1.2],
          ] as const);
      tags = `buried:${buried}, killed:${killed}`;
      location = `${o.name} area, ${rng.pick(["north", "south", "east", "west"])} of ${o.location.split(",")[0]}`;
      mountainText = null;
      age = null;
      sourceId = `${rng.hex(8)}-${rng.hex(4)}-4${rng.hex(3)}-${rng.pick(["8", "9", "a", "b"])}${rng.hex(3)}-${rng.hex(12)}`;
      const party = caught + rng.int(0, 2);
      const who = activity === "Snowmobiler" ? "snowmobilers" : activity === "Climber" ? "climbers" : "backcountry skiers";
      description =
        `SUMMARY\n` +
        `At about ${rng.int(8, 16)}00 hours on ${WEEKDAYS[new Date(day * DAY_MS).getUTCDay()]}, a party of ${party} ${who} ` +
        `was crossing a ${rng.int(30, 42)}-degree ${rng.pick(["north", "northeast", "east", "northwest"])}-facing slope near ${o.name}. ` +
        `A ${rng.pick(["soft", "hard", "wind"])} slab ${rng.int(1, 4)} feet deep released ${rng.pick(["above them", "on the first skier", "from a cornice"])}; ${caught} ${caught === 1 ? "was" : "were"} caught` +
        (buried ? ` and ${buried} fully buried.` : `, none buried.`) +
        `\n` +
        (killed
          ? `Companions located the ${killed === 1 ? "victim" : "victims"} with transceivers, but ${killed === 1 ? "he was" : "they were"} "blue and not breathing" when uncovered.`
          : `The group dug out, self-rescued, and reported the slide the same day.`);
    } else if (source === "NPS") {
      accidentType = rng.weighted([
        ["fall", 6],
        ["unknown", 1],
      ] as const);
      activity = rng.weighted([
        ["Climbing", 5],
        ["Climber", 1],
        ["Hiker", 0.5],
      ] as const);
      severity = "fatal";
      const sex = rng.weighted([
        ["Male", 4],
        ["Female", 1],
      ] as const);
      tags = `sex:${sex}, cause:${accidentType === "fall" ? "Fall" : "Unknown"}`;
      description = `Cause: ${accidentType === "fall" ? "Fall" : "Unknown"}, Activity: ${activity}`;
      location = o.park ?? o.location;
      state = null;
      mountainText = null;
      age = ageRange(rng, "nps");
      sourceId = String(++npsSeq);
    } else {
      const types: (readonly [string, number])[] =
        rtype === "ice" || rtype === "mixed"
          ? [
              ["ice_climbing", 6],
              ["fall", 1],
              ["avalanche", 0.6],
              ["rappel", 0.6],
              ["anchor_failure", 0.4],
            ]
          : rtype === "alpine" || rtype === "unknown"
            ? [
                ["fall", 3],
                ["roped_climbing", 2],
                ["rockfall", 1],
                ["solo", 0.8],
                ["avalanche", 0.6],
                ["unknown", 1.5],
                ["rappel", 0.6],
              ]
            : rtype === "boulder"
              ? [
                  ["fall", 5],
                  ["unknown", 1],
                ]
              : [
                  ["roped_climbing", 5],
                  ["rappel", 1.6],
                  ["belay", 1.2],
                  ["fall", 1],
                  ["anchor_failure", 0.6],
                  ["rockfall", 0.6],
                ];
      accidentType = rng.weighted(types);
      activity = "climbing";
      severity = rng.weighted([
        ["serious", 5],
        ["fatal", 2.5],
        ["minor", 1],
        ["unknown", 1.8],
      ] as const);
      const severityTag = { serious: "Serious", fatal: "Fatal", minor: "Minor", unknown: "No/Little" }[severity]!;
      const discipline: Record<RouteType, string> = {
        alpine: "Alpine/Mountaineering",
        trad: "Trad Climbing",
        sport: "Sport",
        ice: "Ice Climbing",
        mixed: "Ice Climbing",
        aid: "Aid & Big Wall",
        big_wall: "Aid & Big Wall",
        boulder: "Bouldering",
        unknown: "Alpine/Mountaineering",
      };
      const causes: Record<string, string> = {
        roped_climbing: "Inadequate Protection / Pulled",
        rappel: "Rappel Error",
        belay: "Belay Error",
        fall: "Fall on Rock",
        anchor_failure: "Anchor Failure / Error",
        rockfall: "Loose Rock / Rockfall",
        solo: "Unroped",
        avalanche: "Avalanche",
        ice_climbing: "Ice Screw / Tool Failure",
        unknown: "Stranded / Lost / Overdue",
      };
      const tagList = [severityTag];
      if (rng.chance(0.3)) tagList.push(rng.pick(["Head / Brain Injury", "Leg / Ankle Injury", "Hypothermia", "Ascent Illness"]));
      tagList.push(accidentType === "solo" ? "Unroped" : "Roped", discipline[rtype], causes[accidentType]);
      if (rng.chance(0.25)) tagList.push(rng.pick(["No Helmet", "Exceeding Abilities", "Off Route", "Weather"]));
      if (route?.grade_yds) tagList.push(`grade:${route.grade_yds}`);
      tags = tagList.join(", ");
      age = ageRange(rng, "aac");
      sourceId = String(++aacSeq);
      const party = rng.int(1, 4);
      const where = route ? `the ${route.name} (${route.grade ?? "ungraded"})` : `a route on ${o.name}`;
      description =
        `${causes[accidentType].toUpperCase()}, ${rng.pick(["INEXPERIENCE", "EXCEEDING ABILITIES", "DARKNESS", "WEATHER", "CLIMBING ALONE"])}\n` +
        `${o.state}, ${o.name}${route ? `, ${route.name}` : ""}\n` +
        `On ${longDate}, a party of ${party} set out to climb ${where}. ` +
        `About ${rng.int(2, 12) * 10} feet ${rng.pick(["above the last piece", "below the summit", "into the second pitch", "from the anchor"])}, ` +
        `the ${rng.pick(["leader", "second", "climber"])} ${rng.pick(["fell", "slipped", "was struck by a falling rock", "lost control of the rope"])}. ` +
        `"I thought the ${rng.pick(["cam", "nut", "anchor", "screw"])} would hold," a partner said later.\n` +
        `Analysis\n` +
        `${rng.pick(["Conditions changed faster than the party expected", "Protection was sparse, and the rock was wet", "The team was moving fast, late in the day", "A simple system check would have caught the error"])}; ` +
        `${severity === "fatal" ? "the climber did not survive" : "a rescue team evacuated the climber"}.`;
    }

    const noCoords = rng.chance(0.07);
    const spread = source === "Avalanche" ? 0.12 : o.type === "peak" ? 0.03 : 0.01;
    const lat = noCoords ? null : round(o.lat + rng.uniform(-spread, spread), rng.pick([4, 5, 7]));
    const lon = noCoords ? null : round(o.lon + rng.uniform(-spread, spread), rng.pick([4, 5, 7]));
    // AAC reports carry the publication year: the accident's year, sometimes the next one.
    const year = source === "AAC" && rng.chance(0.2) ? y + 1 : y;
    const linkMountain = source === "AAC" ? route !== null || rng.chance(0.6) : source === "Avalanche" ? rng.chance(0.15) : false;

    drafts.push({
      day,
      o,
      row: {
        source,
        source_id: sourceId,
        date,
        year,
        state,
        location,
        mountain: source === "AAC" ? mountainText : null,
        route: source === "AAC" && route ? route.name : null,
        latitude: lat,
        longitude: lon,
        accident_type: accidentType,
        activity,
        injury_severity: severity,
        age_range: age,
        description,
        tags,
        mountain_id: linkMountain ? mountainId : null,
        route_id: source === "AAC" && route ? route.route_id : null,
      },
    });
  }
  drafts.sort((a, b) => a.day - b.day);
  const accidents: AccidentRow[] = drafts.map((d, i) => ({ accident_id: i + 1, ...d.row }));

  // Accident counts.
  const mountainCount = new Map<number, number>();
  const routeCount = new Map<number, number>();
  for (const a of accidents) {
    if (a.mountain_id !== null) mountainCount.set(a.mountain_id, (mountainCount.get(a.mountain_id) ?? 0) + 1);
    if (a.route_id !== null) routeCount.set(a.route_id, (routeCount.get(a.route_id) ?? 0) + 1);
  }
  for (const m of mountains) m.accident_count = mountainCount.get(m.mountain_id) ?? 0;
  for (const r of routes) r.accident_count = routeCount.get(r.route_id) ?? 0;

  // Weather: d-6..d at the accident's place rounded to 0.01 degree.
  const weather: WeatherRow[] = [];
  const unlinkedTaken = new Set<string>();
  drafts.forEach((draft, i) => {
    const a = accidents[i];
    if (a.latitude === null || a.longitude === null || a.date === null) return;
    const plat = placeRound(a.latitude);
    const plon = placeRound(a.longitude);
    const keys = Array.from({ length: 7 }, (_, k) => `${plat},${plon},${draft.day - 6 + k}`);
    const unlinked = rng.chance(0.4) && keys.every((k) => !unlinkedTaken.has(k));
    if (unlinked) for (const k of keys) unlinkedTaken.add(k);
    const o = draft.o;
    const elevM = o.elevation * 0.3048 * (o.type === "peak" ? 0.55 : 1);
    const maritime = o.maritime ?? false;
    let anomaly = rng.normal(0, 3);
    for (let k = 0; k < 7; k++) {
      const day = draft.day - 6 + k;
      const doy = day - dayOf(new Date(day * DAY_MS).getUTCFullYear(), 0, 1);
      anomaly = 0.6 * anomaly + rng.normal(0, 2.4);
      const avg = climateMean(plat, elevM, doy, maritime) + anomaly;
      const winter = Math.max(0, Math.cos((2 * Math.PI * (doy - 20)) / 365.25)); // 1 in late January, 0 from spring to autumn
      const wet = rng.chance((maritime ? 0.38 : 0.22) + 0.1 * winter);
      const windAvg = Math.max(0.4, (6 + 3.5 * (elevM / 1000) + 4 * winter) * Math.exp(rng.normal(0, 0.45)));
      const tAvg = round(avg, 2);
      weather.push({
        weather_id: weather.length + 1,
        accident_id: unlinked ? null : a.accident_id,
        date: isoDay(day),
        latitude: plat,
        longitude: plon,
        temperature_avg: tAvg,
        temperature_min: round(tAvg - rng.uniform(1.5, 7), 1),
        temperature_max: round(tAvg + rng.uniform(1.5, 8), 1),
        wind_speed_avg: round(windAvg, 2),
        wind_speed_max: round(windAvg * rng.uniform(1.25, 2.2), 1),
        precipitation_total: wet ? round(-Math.log(1 - rng.next()) * (maritime ? 7 : 4) + 0.1, 1) : 0,
        visibility_avg: null,
        cloud_cover_avg: wet ? round(rng.uniform(70, 100), 2) : round(rng.uniform(0, 72), 2),
      });
    }
  });

  return { mountains, routes, accidents, weather };
}

// ---------------------------------------------------------------------------------------------
// CSV output in the export's format
// ---------------------------------------------------------------------------------------------

export type Cell = string | number | null;
export type Format = "int" | "float1" | "num" | "text";

/** Integers written as floats, like the export ("12.0"); other numbers in shortest form. */
export function formatCell(v: Cell, f: Format): string {
  if (v === null) return "";
  if (typeof v === "number") {
    if (f === "float1" && Number.isInteger(v)) return v.toFixed(1);
    return String(v);
  }
  return /[",\r\n]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v;
}

/** The header line (with its newline). */
export function csvHeader(columns: readonly (readonly [string, Format])[]): string {
  return `${columns.map(([c]) => c).join(",")}\n`;
}

/** One row's line (with its newline), for writers that stream rows. */
export function csvLine<Row extends Record<string, unknown>>(columns: readonly (readonly [keyof Row & string, Format])[], row: Row): string {
  let s = "";
  for (let i = 0; i < columns.length; i++) {
    const [c, f] = columns[i]!;
    s += (i ? "," : "") + formatCell(row[c] as Cell, f);
  }
  return `${s}\n`;
}

export function toCsv<Row extends Record<string, unknown>>(columns: readonly (readonly [keyof Row & string, Format])[], rows: readonly Row[]): string {
  return csvHeader(columns) + rows.map((row) => csvLine(columns, row)).join("");
}

export const MOUNTAIN_COLUMNS = [
  ["mountain_id", "int"],
  ["name", "text"],
  ["alt_names", "text"],
  ["elevation_ft", "float1"],
  ["prominence_ft", "float1"],
  ["type", "text"],
  ["range", "text"],
  ["state", "text"],
  ["latitude", "num"],
  ["longitude", "num"],
  ["location", "text"],
  ["accident_count", "int"],
] as const satisfies readonly (readonly [keyof MountainRow, Format])[];

export const ROUTE_COLUMNS = [
  ["route_id", "int"],
  ["name", "text"],
  ["mountain_id", "int"],
  ["mountain_name", "text"],
  ["grade", "text"],
  ["grade_yds", "text"],
  ["length_ft", "float1"],
  ["pitches", "float1"],
  ["type", "text"],
  ["first_ascent_year", "float1"],
  ["latitude", "num"],
  ["longitude", "num"],
  ["accident_count", "int"],
  ["mp_route_id", "float1"],
] as const satisfies readonly (readonly [keyof RouteRow, Format])[];

export const ACCIDENT_COLUMNS = [
  ["accident_id", "int"],
  ["source", "text"],
  ["source_id", "text"],
  ["date", "text"],
  ["year", "float1"],
  ["state", "text"],
  ["location", "text"],
  ["mountain", "text"],
  ["route", "text"],
  ["latitude", "num"],
  ["longitude", "num"],
  ["accident_type", "text"],
  ["activity", "text"],
  ["injury_severity", "text"],
  ["age_range", "text"],
  ["description", "text"],
  ["tags", "text"],
  ["mountain_id", "float1"],
  ["route_id", "float1"],
] as const satisfies readonly (readonly [keyof AccidentRow, Format])[];

export const WEATHER_COLUMNS = [
  ["weather_id", "int"],
  ["accident_id", "float1"],
  ["date", "text"],
  ["latitude", "num"],
  ["longitude", "num"],
  ["temperature_avg", "num"],
  ["temperature_min", "float1"],
  ["temperature_max", "float1"],
  ["wind_speed_avg", "num"],
  ["wind_speed_max", "float1"],
  ["precipitation_total", "float1"],
  ["visibility_avg", "num"],
  ["cloud_cover_avg", "num"],
] as const satisfies readonly (readonly [keyof WeatherRow, Format])[];

/** A dataset (generated, or given) as CSV text by file name — accepted by `importDataset(sql, files)`. */
export function demoDatasetFiles(options: DemoOptions | DemoDataset = {}): DemoFiles {
  const d = "mountains" in options ? options : generateDemoDataset(options);
  return {
    "mountains.csv": toCsv(MOUNTAIN_COLUMNS, d.mountains),
    "routes.csv": toCsv(ROUTE_COLUMNS, d.routes),
    "accidents.csv": toCsv(ACCIDENT_COLUMNS, d.accidents),
    "weather.csv": toCsv(WEATHER_COLUMNS, d.weather),
  };
}

/** Writes the four CSV files into `dir` (created if needed). Returns their paths and row counts. */
export function writeDemoDataset(dir: string, options: DemoOptions = {}): { dir: string; files: string[]; rows: Record<keyof DemoFiles, number> } {
  mkdirSync(dir, { recursive: true });
  const data = generateDemoDataset(options);
  const files = demoDatasetFiles(data);
  const paths: string[] = [];
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, name);
    writeFileSync(path, text);
    paths.push(path);
  }
  const rows = {
    "mountains.csv": data.mountains.length,
    "routes.csv": data.routes.length,
    "accidents.csv": data.accidents.length,
    "weather.csv": data.weather.length,
  };
  return { dir, files: paths, rows };
}
