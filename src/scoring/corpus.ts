/**
 * The prepared accident corpus: all accident-side work that depends neither on the route nor on
 * the date, done once (spec 4.2, 5 step 1, 6.2, 6.3, 7.5, 7.6), stored as struct-of-arrays in
 * typed arrays so that the per-route-day loop touches no objects.
 */
import { TEMPORAL_LAMBDA_PER_DAY, typeIndex } from "./constants";
import { temporalAccidentFactor } from "./factors/temporal";
import { monthOfDayNumber, parseIsoDate, seasonOfMonth } from "./dates";
import { parseGrade } from "./factors/grade";
import { severityWeight } from "./factors/severity";
import { toRadians } from "./factors/spatial";
import { inferAccidentType } from "./route-type";
import { buildAccidentPattern, PATTERN_SERIES, SERIES_COUNT } from "./weather-pattern";
import { PACKED_DAYS, seriesMean as seriesMeanOf, seriesStd as seriesStdOf, windowWeights } from "./weather-similarity";
import type { AccidentInput } from "./types";

/**
 * One corpus. Arrays are indexed by corpus position i (input order of the accidents that have a
 * latitude, a longitude and a valid date). Treat as immutable.
 */
export interface PreparedCorpus {
  readonly formatVersion: 1;
  /** Number of accidents kept. */
  readonly count: number;
  /** Number of accidents passed to `buildCorpus` (before dropping those without coordinates/date). */
  readonly inputCount: number;
  readonly accidentId: Float64Array;
  readonly latRad: Float64Array;
  readonly lonRad: Float64Array;
  readonly cosLat: Float64Array;
  /** Accident date as days since 1970-01-01. */
  readonly dayNumber: Int32Array;
  /** Season of the accident month (0 winter, 1 spring, 2 summer, 3 fall). */
  readonly season: Uint8Array;
  /** Inferred type (spec 4.2) as an index into `TYPE_NAMES` (7 = default). */
  readonly typeIndex: Uint8Array;
  /** Sv (spec 7.5). */
  readonly severityWeight: Float64Array;
  /** Index into `severityLabels` (the debug `severity` string). */
  readonly severityCode: Uint16Array;
  readonly severityLabels: readonly string[];
  /** Accident elevation (m); NaN = unknown. */
  readonly elevationM: Float64Array;
  /** Parsed accident grade; NaN = unknown (always, for real accident records). */
  readonly gradeDifficulty: Float64Array;
  /** Days in the accident's weather pattern (5–7), 0 = no pattern. */
  readonly weatherDays: Uint8Array;
  /** Freeze–thaw days of the pattern (spec 6.3). */
  readonly freezeThaw: Uint8Array;
  /** Pattern values: `weatherSeries[(i * 5 + s) * 7 + k]`, s in PATTERN_SERIES order, k oldest first. */
  readonly weatherSeries: Float64Array;
  /** Weighted mean / std of each series for m = the pattern's own length: `[i * 5 + s]`. */
  readonly seriesMean: Float64Array;
  readonly seriesStd: Float64Array;
  /**
   * λ^(−1.5·accident day) per planned type index (arrays shared between types with the same λ),
   * for the fast temporal factor (see factors/temporal.ts). Derived, like `cosLat`, `season`,
   * `severityWeight`, `seriesMean` and `seriesStd` (see `corpusFromColumns`): not in a snapshot.
   */
  readonly temporalFactor: readonly Float64Array[];
}

/** The columns a corpus is made of (and a snapshot stores); everything else is derived from them. */
export interface CorpusColumns {
  readonly count: number;
  readonly inputCount: number;
  readonly accidentId: Float64Array;
  readonly latRad: Float64Array;
  readonly lonRad: Float64Array;
  readonly dayNumber: Int32Array;
  readonly typeIndex: Uint8Array;
  readonly severityCode: Uint16Array;
  readonly severityLabels: readonly string[];
  readonly elevationM: Float64Array;
  readonly gradeDifficulty: Float64Array;
  readonly weatherDays: Uint8Array;
  readonly freezeThaw: Uint8Array;
  readonly weatherSeries: Float64Array;
}

/** The derived temporal factors for every planned type's λ. */
function temporalFactors(dayNumber: Int32Array): readonly Float64Array[] {
  const byLambda = new Map<number, Float64Array>();
  return Object.freeze(
    TEMPORAL_LAMBDA_PER_DAY.map((lambda) => {
      let arr = byLambda.get(lambda);
      if (!arr) {
        arr = new Float64Array(dayNumber.length);
        for (let i = 0; i < dayNumber.length; i++) arr[i] = temporalAccidentFactor(lambda, dayNumber[i]!);
        byLambda.set(lambda, arr);
      }
      return arr;
    }),
  );
}

/**
 * The corpus from its columns: cos φ, the season, Sv, the series moments and the temporal
 * factors are derived here — the one place, for `buildCorpus` and `deserializeCorpus` alike, so a
 * restored corpus is bit-for-bit the built one. A few milliseconds for ~4,000 accidents.
 */
export function corpusFromColumns(c: CorpusColumns): PreparedCorpus {
  const n = c.count;
  const cosLat = new Float64Array(n);
  const season = new Uint8Array(n);
  const severityW = new Float64Array(n);
  const meanOut = new Float64Array(n * SERIES_COUNT);
  const stdOut = new Float64Array(n * SERIES_COUNT);
  const labelWeight = c.severityLabels.map((label) => severityWeight(label));
  for (let i = 0; i < n; i++) {
    cosLat[i] = Math.cos(c.latRad[i]!);
    season[i] = seasonOfMonth(monthOfDayNumber(c.dayNumber[i]!));
    severityW[i] = labelWeight[c.severityCode[i]!]!;
    const m = c.weatherDays[i]!;
    if (m === 0) continue;
    const u = windowWeights(m);
    for (let s = 0; s < SERIES_COUNT; s++) {
      const offset = (i * SERIES_COUNT + s) * PACKED_DAYS;
      const mean = seriesMeanOf(c.weatherSeries, offset, m, u);
      meanOut[i * SERIES_COUNT + s] = mean;
      stdOut[i * SERIES_COUNT + s] = seriesStdOf(c.weatherSeries, offset, m, u, mean);
    }
  }
  return Object.freeze({
    formatVersion: 1 as const,
    count: n,
    inputCount: c.inputCount,
    accidentId: c.accidentId,
    latRad: c.latRad,
    lonRad: c.lonRad,
    cosLat,
    dayNumber: c.dayNumber,
    season,
    typeIndex: c.typeIndex,
    severityWeight: severityW,
    severityCode: c.severityCode,
    severityLabels: Object.freeze([...c.severityLabels]),
    elevationM: c.elevationM,
    gradeDifficulty: c.gradeDifficulty,
    weatherDays: c.weatherDays,
    freezeThaw: c.freezeThaw,
    weatherSeries: c.weatherSeries,
    seriesMean: meanOut,
    seriesStd: stdOut,
    temporalFactor: temporalFactors(c.dayNumber),
  });
}

/**
 * Severity label shown in `debug.scored_accidents[].severity`: the raw `injury_severity` string,
 * or "unknown" when it is null or empty. Sv of the label equals Sv of the raw value.
 */
function severityLabel(raw: string | null | undefined): string {
  return raw ? raw : "unknown";
}

function finiteOrNaN(v: number | null | undefined): number {
  return typeof v === "number" && Number.isFinite(v) ? v : NaN;
}

/**
 * Builds the corpus. Accidents lacking a finite latitude, longitude or a valid "YYYY-MM-DD" date
 * are dropped (spec 5 step 1); the others keep their input order. Deterministic.
 */
export function buildCorpus(accidents: readonly AccidentInput[]): PreparedCorpus {
  const keep: AccidentInput[] = [];
  const dates: number[] = [];
  for (const a of accidents) {
    if (!a) continue;
    if (typeof a.latitude !== "number" || !Number.isFinite(a.latitude)) continue;
    if (typeof a.longitude !== "number" || !Number.isFinite(a.longitude)) continue;
    const d = parseIsoDate(a.date);
    if (!d) continue;
    keep.push(a);
    dates.push(d.dayNumber);
  }
  const n = keep.length;
  const labels: string[] = [];
  const labelIndex = new Map<string, number>();
  const c = {
    count: n,
    inputCount: accidents.length,
    accidentId: new Float64Array(n),
    latRad: new Float64Array(n),
    lonRad: new Float64Array(n),
    dayNumber: new Int32Array(n),
    typeIndex: new Uint8Array(n),
    severityCode: new Uint16Array(n),
    severityLabels: labels,
    elevationM: new Float64Array(n),
    gradeDifficulty: new Float64Array(n),
    weatherDays: new Uint8Array(n),
    freezeThaw: new Uint8Array(n),
    weatherSeries: new Float64Array(n * SERIES_COUNT * PACKED_DAYS),
  };
  for (let i = 0; i < n; i++) {
    const a = keep[i]!;
    c.accidentId[i] = a.accident_id;
    c.latRad[i] = toRadians(a.latitude!);
    c.lonRad[i] = toRadians(a.longitude!);
    c.dayNumber[i] = dates[i]!;
    c.typeIndex[i] = typeIndex(inferAccidentType(a.activity, a.accident_type, a.tags));
    const label = severityLabel(a.injury_severity);
    let code = labelIndex.get(label);
    if (code === undefined) {
      code = labels.length;
      labels.push(label);
      labelIndex.set(label, code);
    }
    c.severityCode[i] = code;
    c.elevationM[i] = finiteOrNaN(a.elevation_m);
    c.gradeDifficulty[i] = parseGrade(a.grade ?? null) ?? NaN;
    const p = buildAccidentPattern(a.weather, dates[i]!);
    if (p) {
      c.weatherDays[i] = p.num_days;
      c.freezeThaw[i] = p.freeze_thaw_days;
      for (let s = 0; s < SERIES_COUNT; s++) {
        const base = (i * SERIES_COUNT + s) * PACKED_DAYS;
        const values = p[PATTERN_SERIES[s]!];
        for (let k = 0; k < p.num_days; k++) c.weatherSeries[base + k] = values[k]!;
      }
    }
  }
  return corpusFromColumns(c);
}

/** The typed arrays of a corpus (for `corpusByteSize`). */
const TYPED_ARRAY_KEYS = [
  "accidentId",
  "latRad",
  "lonRad",
  "cosLat",
  "dayNumber",
  "season",
  "typeIndex",
  "severityWeight",
  "severityCode",
  "elevationM",
  "gradeDifficulty",
  "weatherDays",
  "freezeThaw",
  "weatherSeries",
  "seriesMean",
  "seriesStd",
] as const satisfies readonly (keyof PreparedCorpus)[];

/** Bytes held by a corpus' typed arrays (stored and derived, the temporal factors included). */
export function corpusByteSize(corpus: PreparedCorpus): number {
  let size = 0;
  for (const key of TYPED_ARRAY_KEYS) size += corpus[key].byteLength;
  for (const arr of new Set(corpus.temporalFactor)) size += arr.byteLength;
  return size;
}
