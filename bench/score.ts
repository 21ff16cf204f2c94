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
 * 4. Prints medians per route-day and per route's 7 days, the machine, and finally exactly
 *    `score: <median µs> µs per route-day, <n> accidents`.
 *
 * Not a test: it measures. Targets: ≤ 1 ms per route-day, ≤ 5 ms per 7 days, build ≤ 500 ms.
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import v8 from "node:v8";
import vm from "node:vm";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parse } from "csv-parse/sync";
import {
  buildCorpus,
  corpusByteSize,
  deserializeCorpus,
  scoreRouteDay,
  scoreRouteDays,
  serializeCorpus,
  type AccidentInput,
  type AccidentWeatherRow,
  type ForecastDay,
  type RouteInput,
  type WeatherStats,
} from "../src/scoring";
import { isoDateFromDayNumber, parseIsoDate } from "../src/scoring/dates";
import { pyRound } from "../src/scoring/numeric";
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

function main(): void {
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
  interface Job {
    route: RouteInput;
    days: { targetDate: string; forecast: ForecastDay[] | null; weatherStats: WeatherStats | null }[];
  }
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
  console.log(`machine: ${os.cpus()[0]?.model ?? "unknown cpu"}, ${os.cpus().length} cpus, node ${process.version}, ${os.platform()} ${os.arch()}`);
  console.log(`score: ${fmt(median(perDay) * 1000)} µs per route-day, ${data.accidents.length} accidents`);
}

// Run only when executed (tsx bench/score.ts), not when imported for its loader.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) main();
