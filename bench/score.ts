/**
 * Benchmark of the scoring engine on the real SafeAscent data (../shared/data/safeascent).
 *
 *   npm run bench:score
 *
 * 1. Parses accidents.csv (multi-line quoted descriptions), weather.csv, mountains.csv, routes.csv.
 *    Weather rows link to an accident by accident_id, or — when the row has none — by latitude and
 *    longitude equal to the accident's rounded to 2 dp and a date in [d−6, d]. Accident elevation is
 *    its mountain's elevation_ft · 0.3048 when the mountain is known, else null.
 * 2. Builds the corpus from all accidents (median of several builds; size and heap).
 * 3. Scores many route-days: every route with coordinates (all types), dates spread over a year,
 *    synthetic but plausible 7-day forecasts and climate statistics (some stormy, some missing).
 * 4. Prints medians per route-day and per route's 7 days.
 * 5. Locations (the warming path): locations of 1, 3, 6 and 20 routes of mixed types and grades at
 *    real route positions, 7 days each, scored with scoreLocationDaysCompact / scoreLocationDays
 *    against route by route with scoreRouteDays; scores (route-days) per second.
 * 6. The top list's cost (full − compact), and what the removed recomputation of the top entries'
 *    W cost (emulated: one accidentWeather per entry).
 * 7. The snapshot: bytes, gzip/deflate-raw sizes (CompressionStream) and their decompression,
 *    deserialise median, and a cold start in a fresh process (read + deserialise + first score).
 * Then the machine, and finally exactly `score: <median µs> µs per route-day, <n> accidents`.
 *
 * Not a test: it measures. Targets: ≤ 1 ms per route-day, ≤ 5 ms per 7 days, build ≤ 500 ms,
 * ≥ 3,900 scores/s end to end for warming, cold start ≤ 100 ms after the snapshot read.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os, { tmpdir } from "node:os";
import v8 from "node:v8";
import vm from "node:vm";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parse } from "csv-parse/sync";
import {
  buildCorpus,
  corpusByteSize,
  deserializeCorpus,
  scoreLocationDays,
  scoreLocationDaysCompact,
  scoreRouteDay,
  scoreRouteDays,
  serializeCorpus,
  type AccidentInput,
  type DayRequest,
  type LocationRequest,
  type LocationRoute,
  type PreparedCorpus,
  type AccidentWeatherRow,
  type ForecastDay,
  type RouteInput,
  type WeatherStats,
} from "../src/scoring";
import { isoDateFromDayNumber, parseIsoDate } from "../src/scoring/dates";
import { pyRound } from "../src/scoring/numeric";
import { prepareDay } from "../src/scoring/day";
import { accidentWeather } from "../src/scoring/day-weather";
import { rng } from "../test/support/random";

const DATA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../shared/data/safeascent");
const FT_TO_M = 0.3048;

type Row = Record<string, string>;

function readCsv(name: string): Row[] {
  return parse(readFileSync(path.join(DATA_DIR, name)), { columns: true, skip_empty_lines: true, relax_column_count: true }) as Row[];
}

function num(s: string | undefined): number | null {
  if (s === undefined || s.trim() === "") return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}

function str(s: string | undefined): string | null {
  return s === undefined || s === "" ? null : s;
}

/**
 * Coordinates rounded to 0.01° as a map key. Python's `round(x, 2)` on the double (which is how
 * the source data's place-linked rows were keyed: it links more rows than rounding the decimal
 * text half-up, 13,597 vs 13,583).
 */
function placeKey(lat: string, lon: string): string {
  return `${pyRound(Number(lat), 2)},${pyRound(Number(lon), 2)}`;
}

interface WeatherRecord {
  weatherId: number;
  accidentId: number | null;
  day: number;
  row: AccidentWeatherRow;
}

export interface BenchData {
  accidents: AccidentInput[];
  routes: RouteInput[];
  weatherRows: number;
  linkedById: number;
  linkedByPlace: number;
}

export function loadData(): BenchData {
  const mountains = new Map<number, number>();
  for (const m of readCsv("mountains.csv")) {
    const id = num(m.mountain_id);
    const ft = num(m.elevation_ft);
    if (id !== null && ft !== null) mountains.set(id, ft * FT_TO_M);
  }

  const byAccident = new Map<number, WeatherRecord[]>();
  const byPlace = new Map<string, WeatherRecord[]>();
  const weather = readCsv("weather.csv");
  for (const w of weather) {
    const d = parseIsoDate(w.date);
    if (!d) continue;
    const rec: WeatherRecord = {
      weatherId: num(w.weather_id) ?? 0,
      accidentId: num(w.accident_id),
      day: d.dayNumber,
      row: {
        date: w.date!,
        temperature_avg: num(w.temperature_avg),
        temperature_min: num(w.temperature_min),
        temperature_max: num(w.temperature_max),
        precipitation_total: num(w.precipitation_total),
        wind_speed_avg: num(w.wind_speed_avg),
        wind_speed_max: num(w.wind_speed_max),
        visibility_avg: num(w.visibility_avg),
        cloud_cover_avg: num(w.cloud_cover_avg),
      },
    };
    if (rec.accidentId !== null) {
      const list = byAccident.get(rec.accidentId) ?? [];
      list.push(rec);
      byAccident.set(rec.accidentId, list);
    } else {
      if (num(w.latitude) === null || num(w.longitude) === null) continue;
      const key = placeKey(w.latitude!, w.longitude!);
      const list = byPlace.get(key) ?? [];
      list.push(rec);
      byPlace.set(key, list);
    }
  }

  let linkedById = 0;
  let linkedByPlace = 0;
  const accidents: AccidentInput[] = readCsv("accidents.csv").map((a) => {
    const id = num(a.accident_id) ?? NaN;
    const lat = num(a.latitude);
    const lon = num(a.longitude);
    const date = str(a.date);
    const d = parseIsoDate(date);
    const recs: WeatherRecord[] = [];
    for (const r of byAccident.get(id) ?? []) {
      recs.push(r);
      linkedById++;
    }
    if (d && lat !== null && lon !== null) {
      for (const r of byPlace.get(placeKey(a.latitude!, a.longitude!)) ?? []) {
        if (r.day >= d.dayNumber - 6 && r.day <= d.dayNumber) {
          recs.push(r);
          linkedByPlace++;
        }
      }
    }
    recs.sort((x, y) => x.day - y.day || Number(x.accidentId === null) - Number(y.accidentId === null) || x.weatherId - y.weatherId);
    const mountainId = num(a.mountain_id);
    return {
      accident_id: id,
      date,
      latitude: lat,
      longitude: lon,
      elevation_m: mountainId !== null ? (mountains.get(mountainId) ?? null) : null,
      activity: str(a.activity),
      accident_type: str(a.accident_type),
      tags: str(a.tags),
      injury_severity: str(a.injury_severity),
      weather: recs.map((r) => r.row),
    };
  });

  const routes: RouteInput[] = [];
  for (const r of readCsv("routes.csv")) {
    const lat = num(r.latitude);
    const lon = num(r.longitude);
    if (lat === null || lon === null) continue;
    const mountainId = num(r.mountain_id);
    routes.push({
      name: r.name ?? null,
      latitude: lat,
      longitude: lon,
      route_type: str(r.type),
      elevation_m: mountainId !== null ? (mountains.get(mountainId) ?? null) : null,
      grade: str(r.grade),
    });
  }
  return { accidents, routes, weatherRows: weather.length, linkedById, linkedByPlace };
}

/** Seasonal mean temperature (°C) at a latitude and elevation — rough but plausible. */
function climateTemperature(lat: number, elevationM: number | null, month: number): number {
  const seasonal = Math.cos(((month - 7) / 12) * 2 * Math.PI) * (8 + Math.abs(lat) * 0.25);
  return 27 - Math.abs(lat) * 0.45 - (elevationM ?? 1500) * 0.0065 + seasonal;
}

function syntheticDay(r: () => number, route: RouteInput, targetDay: number, stormy: boolean) {
  const month = Number(isoDateFromDayNumber(targetDay).slice(5, 7));
  const base = climateTemperature(route.latitude, route.elevation_m, month);
  const forecast: ForecastDay[] = [];
  let temp = base + (r() - 0.5) * 8;
  for (let k = 6; k >= 0; k--) {
    temp += (r() - 0.5) * 4;
    const range = 4 + r() * 8;
    const wet = r() < (stormy ? 0.9 : 0.35);
    forecast.push({
      date: isoDateFromDayNumber(targetDay - k),
      temperature_2m_mean: Math.round(temp * 100) / 100,
      temperature_2m_min: Math.round((temp - range / 2) * 10) / 10,
      temperature_2m_max: Math.round((temp + range / 2) * 10) / 10,
      precipitation_sum: wet ? Math.round(-Math.log(1 - r()) * (stormy ? 25 : 4) * 10) / 10 : 0,
      wind_speed_10m_max: Math.round((stormy ? 14 + r() * 14 : 3 + r() * 9) * 100) / 100,
      cloud_cover_mean: Math.round((wet ? 60 + r() * 40 : r() * 70) * 100) / 100,
    });
  }
  const stats: WeatherStats = {
    temperature: [Math.round(base * 1e4) / 1e4, 5 + r() * 3],
    precipitation: [2 + r() * 2, 3 + r() * 2],
    wind_speed: [6 + r() * 3, 2 + r() * 2],
    visibility: [10000.0, 0.0],
    sample_count: 1825,
    source: "open_meteo_archive",
  };
  return { forecast, stats };
}

/** A callable `gc()` without a command-line flag (for the retained-memory figure). */
function exposeGc(): () => void {
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

function fmt(x: number, digits = 1): string {
  return x.toFixed(digits);
}

async function main(): Promise<void> {
  console.log(
    `load average at start: ${os
      .loadavg()
      .map((x) => fmt(x, 2))
      .join(" ")} (${os.cpus().length} cpus; other processes inflate wall-clock figures)`,
  );
  const t0 = performance.now();
  const data = loadData();
  const parseMs = performance.now() - t0;
  console.log(
    `data: ${data.accidents.length} accidents, ${data.weatherRows} weather rows (${data.linkedById} linked by id, ${data.linkedByPlace} by place/date), ${data.routes.length} routes with coordinates; parsed in ${fmt(parseMs, 0)} ms`,
  );

  // ---- corpus build ----
  const buildTimes: number[] = [];
  let corpus = buildCorpus(data.accidents);
  for (let k = 0; k < 7; k++) {
    const s = performance.now();
    corpus = buildCorpus(data.accidents);
    buildTimes.push(performance.now() - s);
  }
  const gc = exposeGc();
  gc();
  const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const extra = buildCorpus(data.accidents);
  gc();
  const heapAfter = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const bytes = serializeCorpus(extra);
  const deserTimes: number[] = [];
  for (let k = 0; k < 7; k++) {
    const s = performance.now();
    deserializeCorpus(bytes);
    deserTimes.push(performance.now() - s);
  }
  const withPattern = Array.from(corpus.weatherDays).filter((d) => d > 0).length;
  console.log(
    `corpus: ${corpus.count} of ${corpus.inputCount} accidents kept (${withPattern} with a weather pattern); build median ${fmt(median(buildTimes))} ms over ${buildTimes.length} runs (min ${fmt(Math.min(...buildTimes))} ms)`,
  );
  console.log(
    `corpus size: typed arrays ${fmt(corpusByteSize(corpus) / 1024, 0)} KiB, serialised ${fmt(bytes.byteLength / 1024, 0)} KiB, deserialise median ${fmt(median(deserTimes), 2)} ms` +
      `, retained heap+buffers ${fmt((heapAfter - heapBefore) / 1024, 0)} KiB per corpus`,
  );

  // ---- route-days ----
  const r = rng(20250101);
  const year0 = parseIsoDate("2025-01-01")!.dayNumber;
  const routes = data.routes;
  const typeCounts = new Map<string, number>();
  for (const route of routes) typeCounts.set(route.route_type ?? "(empty)", (typeCounts.get(route.route_type ?? "(empty)") ?? 0) + 1);
  const jobs: Job[] = routes.map((route, k) => {
    const start = year0 + Math.floor(((k * 37) % 365) + r() * 7);
    const stormy = r() < 0.1;
    return {
      route,
      days: Array.from({ length: 7 }, (_, d) => {
        const target = start + d;
        const w = syntheticDay(r, route, target, stormy);
        const missing = r() < 0.03;
        return { targetDate: isoDateFromDayNumber(target), forecast: missing ? null : w.forecast, weatherStats: r() < 0.05 ? null : w.stats };
      }),
    };
  });

  // Warm-up (JIT), then measure each route-day call and each route's 7 days.
  for (const job of jobs.slice(0, 60)) for (const d of job.days) scoreRouteDay(corpus, { route: job.route, ...d });
  const perDay: number[] = [];
  const perRoute7Single: number[] = [];
  const perRoute7Multi: number[] = [];
  let kept = 0;
  let riskSum = 0;
  for (const job of jobs) {
    const s7 = performance.now();
    for (const d of job.days) {
      const s = performance.now();
      const res = scoreRouteDay(corpus, { route: job.route, ...d });
      perDay.push(performance.now() - s);
      kept += res.num_contributing_accidents;
      riskSum += res.risk_score;
    }
    perRoute7Single.push(performance.now() - s7);
  }
  for (const job of jobs) {
    const s = performance.now();
    scoreRouteDays(corpus, { route: job.route, days: job.days });
    perRoute7Multi.push(performance.now() - s);
  }
  const debugTimes: number[] = [];
  for (const job of jobs.slice(0, 50)) {
    const s = performance.now();
    scoreRouteDay(corpus, { route: job.route, ...job.days[0]! }, { debug: true });
    debugTimes.push(performance.now() - s);
  }

  console.log(
    `route-days: ${perDay.length} (${routes.length} routes × 7 days, types ${[...typeCounts].map(([t, n]) => `${t}:${n}`).join(" ")}), mean ${fmt(kept / perDay.length, 0)} accidents kept per route-day, mean risk ${fmt(riskSum / perDay.length, 2)}`,
  );
  console.log(
    `per route-day: median ${fmt(median(perDay) * 1000)} µs, p90 ${fmt(percentile(perDay, 90) * 1000)} µs, p99 ${fmt(percentile(perDay, 99) * 1000)} µs (debug on: median ${fmt(median(debugTimes) * 1000)} µs)`,
  );
  // Every canonical planned type on the same routes and days (the data has few non-alpine/trad types).
  const perType: string[] = [];
  for (const type of ["alpine", "ice", "mixed", "trad", "sport", "aid", "boulder"]) {
    const times: number[] = [];
    let keptType = 0;
    for (const job of jobs.slice(0, 120)) {
      const route = { ...job.route, route_type: type };
      const s = performance.now();
      const res = scoreRouteDay(corpus, { route, ...job.days[3]! });
      times.push(performance.now() - s);
      keptType += res.num_contributing_accidents;
    }
    perType.push(`${type} ${fmt(median(times) * 1000, 0)} µs (${fmt(keptType / times.length, 0)} kept)`);
  }
  console.log(`per planned type, median per route-day: ${perType.join(", ")}`);
  console.log(
    `per route's 7 days: median ${fmt(median(perRoute7Multi), 3)} ms with scoreRouteDays (route work shared), ${fmt(median(perRoute7Single), 3)} ms as 7 × scoreRouteDay`,
  );

  await benchLocations(corpus, data, r);
  benchTopList(corpus, jobs);
  await benchSnapshot(corpus);
  console.log(
    `machine: ${os.cpus()[0]?.model ?? "unknown cpu"}, ${os.cpus().length} cpus, node ${process.version}, ${os.platform()} ${os.arch()}; load average at end ${os
      .loadavg()
      .map((x) => fmt(x, 2))
      .join(" ")}`,
  );
  console.log(`score: ${fmt(median(perDay) * 1000)} µs per route-day, ${data.accidents.length} accidents`);
}

// ---------------------------------------------------------------------------------------------
// Locations (the warming path)
// ---------------------------------------------------------------------------------------------

/** A Mountain-Project-like type mix (raw strings, canonicalised by the engine) and grades per type. */
const TYPE_MIX: readonly (readonly [string | null, number])[] = [
  ["sport", 34],
  ["trad", 28],
  ["boulder", 15],
  ["alpine", 8],
  ["ice", 4],
  ["mixed", 3],
  ["aid", 3],
  ["Sport", 1],
  [null, 1],
  ["Big Wall", 1],
  ["unknown", 1],
  ["toprope", 1],
];
const GRADES_BY_TYPE: Readonly<Record<string, readonly (string | null)[]>> = {
  sport: ["5.8", "5.9", "5.10a", "5.10c", "5.11a", "5.11d", "5.12b", "5.13a", "5.10-", "5.11+"],
  trad: ["5.4", "5.6", "5.7", "5.8", "5.9+", "5.10a", "5.10b/c", "5.11", null],
  boulder: ["VB", "V0", "V2", "V4", "V6", "V8", "V10"],
  alpine: ["5.4", "5.6", "Grade III 5.7", null, "Class 4"],
  ice: ["WI2", "WI3", "WI4", "WI5", "AI3"],
  mixed: ["M4", "M5", "M6", "M8"],
  aid: ["A1", "A2", "C2", "A3"],
};

function pickWeighted<T>(r: () => number, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((a, [, w]) => a + w, 0);
  let u = r() * total;
  for (const [item, w] of items) if ((u -= w) < 0) return item;
  return items[items.length - 1]![0];
}

function randomLocationRoute(r: () => number): LocationRoute {
  const route_type = pickWeighted(r, TYPE_MIX);
  const key = (route_type ?? "trad").toLowerCase();
  const grades = GRADES_BY_TYPE[key] ?? GRADES_BY_TYPE.trad!;
  return { route_type, grade: grades[Math.floor(r() * grades.length)]! };
}

/** `count` locations of `size` routes each, at real route positions, with 7 synthetic days. */
function benchLocationSet(r: () => number, anchors: readonly RouteInput[], size: number, count: number): LocationRequest[] {
  const year0 = parseIsoDate("2025-01-01")!.dayNumber;
  return Array.from({ length: count }, (_, k) => {
    const anchor = anchors[Math.floor(r() * anchors.length)]!;
    const place = { ...anchor, latitude: anchor.latitude + (r() - 0.5) * 0.2, longitude: anchor.longitude + (r() - 0.5) * 0.2 };
    const start = year0 + ((k * 53) % 365);
    const stormy = r() < 0.1;
    const days: DayRequest[] = Array.from({ length: 7 }, (_, d) => {
      const w = syntheticDay(r, place, start + d, stormy);
      return { targetDate: isoDateFromDayNumber(start + d), forecast: r() < 0.03 ? null : w.forecast, weatherStats: r() < 0.05 ? null : w.stats };
    });
    return {
      location: { latitude: place.latitude, longitude: place.longitude, elevation_m: place.elevation_m },
      routes: Array.from({ length: size }, () => randomLocationRoute(r)),
      days,
    };
  });
}

function routeByRoute(corpus: PreparedCorpus, request: LocationRequest): void {
  for (const route of request.routes) {
    scoreRouteDays(corpus, { route: { ...request.location, ...route }, days: request.days });
  }
}

async function benchLocations(corpus: PreparedCorpus, data: BenchData, r: () => number): Promise<void> {
  const sizes = [
    { size: 1, count: 120, share: 0.4 },
    { size: 3, count: 80, share: 0.25 },
    { size: 6, count: 60, share: 0.2 },
    { size: 20, count: 30, share: 0.15 },
  ];
  // Warm-up (JIT) on locations not measured.
  for (const req of benchLocationSet(r, data.routes, 6, 20)) {
    scoreLocationDaysCompact(corpus, req);
    scoreLocationDays(corpus, req);
    routeByRoute(corpus, req);
  }
  const line: string[] = [];
  const mix = { compact: 0, full: 0, route: 0, compactCpu: 0, routeCpu: 0, routes: 0 };
  const methods = {
    compact: (req: LocationRequest) => void scoreLocationDaysCompact(corpus, req),
    full: (req: LocationRequest) => void scoreLocationDays(corpus, req),
    route: (req: LocationRequest) => routeByRoute(corpus, req),
  };
  for (const { size, count, share } of sizes) {
    const set = benchLocationSet(r, data.routes, size, count);
    // Per method: wall-clock time of each location, and the process CPU time of the whole set.
    const measured = Object.fromEntries(
      Object.entries(methods).map(([name, score]) => {
        const times: number[] = [];
        const cpu0 = process.cpuUsage();
        for (const req of set) {
          const s = performance.now();
          score(req);
          times.push(performance.now() - s);
        }
        const cpu = process.cpuUsage(cpu0);
        return [name, { median: median(times), cpuPerLocation: (cpu.user + cpu.system) / 1000 / set.length }];
      }),
    ) as Record<keyof typeof methods, { median: number; cpuPerLocation: number }>;
    const perSecond = (ms: number) => (size * 7 * 1000) / ms;
    const { compact, full, route } = measured;
    line.push(
      `  ${String(size).padStart(2)} routes × 7 days, median per location: compact ${fmt(compact.median, 2)} ms (${fmt(perSecond(compact.median), 0)} scores/s), ` +
        `full ${fmt(full.median, 2)} ms (${fmt(perSecond(full.median), 0)}/s), route by route ${fmt(route.median, 2)} ms (${fmt(perSecond(route.median), 0)}/s); ` +
        `compact ${fmt(route.median / compact.median, 1)}× route by route; CPU per location ${fmt(compact.cpuPerLocation, 2)} / ${fmt(full.cpuPerLocation, 2)} / ${fmt(route.cpuPerLocation, 2)} ms`,
    );
    // The mix: per-location figures weighted by the share of locations of each size.
    mix.compact += share * compact.median;
    mix.full += share * full.median;
    mix.route += share * route.median;
    mix.compactCpu += share * compact.cpuPerLocation;
    mix.routeCpu += share * route.cpuPerLocation;
    mix.routes += share * size;
  }
  console.log(`locations (compact = scoreLocationDaysCompact, full = scoreLocationDays, route by route = scoreRouteDays per route; one core, engine only):`);
  for (const l of line) console.log(l);
  const mixPerSecond = (ms: number) => (mix.routes * 7 * 1000) / ms;
  console.log(
    `  mix (40 % of locations with 1 route, 25 % 3, 20 % 6, 15 % 20; ${fmt(mix.routes, 2)} routes per location), from the medians: ` +
      `${fmt(mixPerSecond(mix.compact), 0)} scores/s compact, ${fmt(mixPerSecond(mix.full), 0)}/s full, ${fmt(mixPerSecond(mix.route), 0)}/s route by route; ` +
      `from CPU time: ${fmt(mixPerSecond(mix.compactCpu), 0)}/s compact, ${fmt(mixPerSecond(mix.routeCpu), 0)}/s route by route`,
  );
  const tick = 168_000 * 7;
  console.log(
    `  a warming tick (168,000 routes × 7 days) at the mix's CPU rate: ${fmt(tick / mixPerSecond(mix.compactCpu), 0)} s of one core compact, ` +
      `${fmt(tick / mixPerSecond(mix.routeCpu), 0)} s route by route; a 10 s CPU invocation scores ≈ ${fmt((10 * mixPerSecond(mix.compactCpu)) / 1000, 0)}k route-days compact`,
  );
}

// ---------------------------------------------------------------------------------------------
// Top list
// ---------------------------------------------------------------------------------------------

interface Job {
  route: RouteInput;
  days: { targetDate: string; forecast: ForecastDay[] | null; weatherStats: WeatherStats | null }[];
}

function benchTopList(corpus: PreparedCorpus, jobs: readonly Job[]): void {
  const indexOf = new Map<number, number>();
  corpus.accidentId.forEach((id, i) => indexOf.set(id, i));
  const full: number[] = [];
  const compact: number[] = [];
  const recompute: number[] = [];
  for (const job of jobs.slice(0, 300)) {
    const request: LocationRequest = {
      location: job.route,
      routes: [{ route_type: job.route.route_type, grade: job.route.grade }],
      days: job.days,
    };
    let s = performance.now();
    const results = scoreLocationDays(corpus, request)[0]!;
    full.push((performance.now() - s) / 7);
    s = performance.now();
    scoreLocationDaysCompact(corpus, request);
    compact.push((performance.now() - s) / 7);
    // What the old output did on top: W of every top entry again (one similarity each).
    const days = job.days.map((d) => prepareDay(d));
    s = performance.now();
    let sink = 0;
    results.forEach((res, d) => {
      for (const t of res.top_contributing_accidents) sink += accidentWeather(corpus, days[d]!, indexOf.get(t.accident_id)!, null);
    });
    recompute.push((performance.now() - s) / 7);
    if (Number.isNaN(sink)) console.log("");
  }
  const topCost = median(full) - median(compact);
  console.log(
    `top list: full ${fmt(median(full) * 1000)} µs vs compact ${fmt(median(compact) * 1000)} µs per route-day (one-route locations, 7 days): ` +
      `the top list and metadata now cost ≈ ${fmt(topCost * 1000)} µs (${fmt((100 * topCost) / median(full), 0)} % of a full score); ` +
      `the recomputation of the top entries' W that the output no longer does cost ${fmt(median(recompute) * 1000)} µs per route-day`,
  );
}

// ---------------------------------------------------------------------------------------------
// Snapshot
// ---------------------------------------------------------------------------------------------

async function transform(bytes: Uint8Array, stream: TransformStream<Uint8Array, Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(stream)).arrayBuffer());
}

async function benchSnapshot(corpus: PreparedCorpus): Promise<void> {
  const bytes = serializeCorpus(corpus);
  const deser: number[] = [];
  for (let k = 0; k < 21; k++) {
    const s = performance.now();
    deserializeCorpus(bytes);
    deser.push(performance.now() - s);
  }
  const compressed: string[] = [];
  for (const format of ["gzip", "deflate-raw"] as const) {
    const packed = await transform(bytes, new CompressionStream(format));
    const times: number[] = [];
    for (let k = 0; k < 9; k++) {
      const s = performance.now();
      await transform(packed, new DecompressionStream(format));
      times.push(performance.now() - s);
    }
    compressed.push(`${format} ${fmt(packed.byteLength / 1024, 0)} KiB (decompress median ${fmt(median(times), 2)} ms)`);
  }
  console.log(
    `snapshot: ${bytes.byteLength} bytes (${fmt(bytes.byteLength / 1024, 0)} KiB, ${bytes.byteLength < 1_000_000 ? "under" : "over"} 1 MB), ` +
      `${compressed.join(", ")}; deserialise median ${fmt(median(deser), 2)} ms (warm, ${deser.length} runs)`,
  );
  // Cold start: a fresh process reads the snapshot file, deserialises it and scores one location.
  const dir = mkdtempSync(path.join(tmpdir(), "bench-snapshot-"));
  try {
    const file = path.join(dir, "corpus.bin");
    writeFileSync(file, bytes);
    const runs: { deserializeMs: number; deserializeCpuMs: number; firstScoreMs: number }[] = [];
    for (let k = 0; k < 5; k++) {
      const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--cold", file], { encoding: "utf8" });
      if (child.status !== 0) throw new Error(`cold start run failed: ${child.stderr}`);
      runs.push(JSON.parse(child.stdout.trim().split("\n").at(-1)!));
    }
    console.log(
      `cold start (fresh process, ${runs.length} runs): deserialise median ${fmt(median(runs.map((x) => x.deserializeMs)), 1)} ms ` +
        `(CPU ${fmt(median(runs.map((x) => x.deserializeCpuMs)), 1)} ms, JIT threads included), ` +
        `first score (6 routes × 7 days, compact) median ${fmt(median(runs.map((x) => x.firstScoreMs)), 1)} ms after it`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `--cold <file>`: deserialise a snapshot and score one location in this fresh process. */
function coldStart(file: string): void {
  const bytes = new Uint8Array(readFileSync(file));
  const cpu0 = process.cpuUsage();
  let s = performance.now();
  const corpus = deserializeCorpus(bytes);
  const deserializeMs = performance.now() - s;
  const cpu = process.cpuUsage(cpu0);
  const deserializeCpuMs = (cpu.user + cpu.system) / 1000;
  const [request] = benchLocationSet(rng(1), [{ latitude: 40.25, longitude: -105.62, route_type: "trad", elevation_m: 3000, grade: null }], 6, 1);
  s = performance.now();
  scoreLocationDaysCompact(corpus, request!);
  console.log(JSON.stringify({ deserializeMs, deserializeCpuMs, firstScoreMs: performance.now() - s }));
}

// Run only when executed (tsx bench/score.ts), not when imported for its loader.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const cold = process.argv.indexOf("--cold");
  if (cold > 0) coldStart(process.argv[cold + 1]!);
  else await main();
}
