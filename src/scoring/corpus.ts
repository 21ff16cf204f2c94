/**
 * The prepared accident corpus: all accident-side work that depends neither on the route nor on
 * the date, done once (spec 4.2, 5 step 1, 6.2, 6.3, 7.5, 7.6), stored as struct-of-arrays in
 * typed arrays so that the per-route-day loop touches no objects.
 */
import { TEMPORAL_LAMBDA_PER_DAY, typeIndex } from "./constants";
import { temporalAccidentFactor } from "./factors/temporal";
import { parseIsoDate, seasonOfMonth } from "./dates";
import { parseGrade } from "./factors/grade";
import { severityWeight } from "./factors/severity";
import { toRadians } from "./factors/spatial";
import { inferAccidentType } from "./route-type";
import { buildAccidentPattern, PATTERN_SERIES, SERIES_COUNT } from "./weather-pattern";
import { PACKED_DAYS, seriesMoments, windowWeights } from "./weather-similarity";
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
   * for the fast temporal factor (see factors/temporal.ts). Derived data: not serialised,
   * recomputed by `deserializeCorpus`.
   */
  readonly temporalFactor: readonly Float64Array[];
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
 * Severity label shown in `debug.scored_accidents[].severity`: the raw `injury_severity` string,
 * or "unknown" when it is null or empty.
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
  const months: number[] = [];
  for (const a of accidents) {
    if (!a) continue;
    if (typeof a.latitude !== "number" || !Number.isFinite(a.latitude)) continue;
    if (typeof a.longitude !== "number" || !Number.isFinite(a.longitude)) continue;
    const d = parseIsoDate(a.date);
    if (!d) continue;
    keep.push(a);
    dates.push(d.dayNumber);
    months.push(d.month);
  }
  const n = keep.length;
  const labels: string[] = [];
  const labelIndex = new Map<string, number>();
  const c = {
    formatVersion: 1 as const,
    count: n,
    inputCount: accidents.length,
    accidentId: new Float64Array(n),
    latRad: new Float64Array(n),
    lonRad: new Float64Array(n),
    cosLat: new Float64Array(n),
    dayNumber: new Int32Array(n),
    season: new Uint8Array(n),
    typeIndex: new Uint8Array(n),
    severityWeight: new Float64Array(n),
    severityCode: new Uint16Array(n),
    severityLabels: labels,
    elevationM: new Float64Array(n),
    gradeDifficulty: new Float64Array(n),
    weatherDays: new Uint8Array(n),
    freezeThaw: new Uint8Array(n),
    weatherSeries: new Float64Array(n * SERIES_COUNT * PACKED_DAYS),
    seriesMean: new Float64Array(n * SERIES_COUNT),
    seriesStd: new Float64Array(n * SERIES_COUNT),
  };
  for (let i = 0; i < n; i++) {
    const a = keep[i]!;
    c.accidentId[i] = a.accident_id;
    const lat = toRadians(a.latitude!);
    c.latRad[i] = lat;
    c.lonRad[i] = toRadians(a.longitude!);
    c.cosLat[i] = Math.cos(lat);
    c.dayNumber[i] = dates[i]!;
    c.season[i] = seasonOfMonth(months[i]!);
    c.typeIndex[i] = typeIndex(inferAccidentType(a.activity, a.accident_type, a.tags));
    c.severityWeight[i] = severityWeight(a.injury_severity);
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
      const m = p.num_days;
      c.weatherDays[i] = m;
      c.freezeThaw[i] = p.freeze_thaw_days;
      const u = windowWeights(m);
      for (let s = 0; s < SERIES_COUNT; s++) {
        const base = (i * SERIES_COUNT + s) * PACKED_DAYS;
        const values = p[PATTERN_SERIES[s]!];
        for (let k = 0; k < m; k++) c.weatherSeries[base + k] = values[k]!;
        const mo = seriesMoments(c.weatherSeries, base, m, u);
        c.seriesMean[i * SERIES_COUNT + s] = mo.mean;
        c.seriesStd[i * SERIES_COUNT + s] = mo.std;
      }
    }
  }
  Object.freeze(labels);
  return Object.freeze({ ...c, temporalFactor: temporalFactors(c.dayNumber) });
}

// ---------------------------------------------------------------------------------------------
// Serialisation
// ---------------------------------------------------------------------------------------------

const MAGIC = 0x31434153; // "SAC1" little-endian
const FORMAT_VERSION = 1;
const HEADER_BYTES = 24;

type ArrayKey = Exclude<keyof PreparedCorpus, "formatVersion" | "count" | "inputCount" | "severityLabels" | "temporalFactor">;

/** Typed arrays in serialisation order, with their element count per accident. */
const ARRAY_LAYOUT: readonly (readonly [ArrayKey, "f64" | "i32" | "u16" | "u8", number])[] = [
  ["accidentId", "f64", 1],
  ["latRad", "f64", 1],
  ["lonRad", "f64", 1],
  ["cosLat", "f64", 1],
  ["severityWeight", "f64", 1],
  ["elevationM", "f64", 1],
  ["gradeDifficulty", "f64", 1],
  ["weatherSeries", "f64", SERIES_COUNT * PACKED_DAYS],
  ["seriesMean", "f64", SERIES_COUNT],
  ["seriesStd", "f64", SERIES_COUNT],
  ["dayNumber", "i32", 1],
  ["severityCode", "u16", 1],
  ["season", "u8", 1],
  ["typeIndex", "u8", 1],
  ["weatherDays", "u8", 1],
  ["freezeThaw", "u8", 1],
];

const ELEMENT_BYTES = { f64: 8, i32: 4, u16: 2, u8: 1 } as const;

function align8(n: number): number {
  return (n + 7) & ~7;
}

/**
 * Serialises a corpus to bytes (little-endian typed-array images plus a small JSON string table):
 * a Worker can cache it (KV, Cache API, memory) and `deserializeCorpus` restores an identical
 * corpus, so scores are bit-for-bit the same.
 */
export function serializeCorpus(corpus: PreparedCorpus): Uint8Array {
  const labels = new TextEncoder().encode(JSON.stringify(corpus.severityLabels));
  let size = align8(HEADER_BYTES + labels.length);
  for (const [key] of ARRAY_LAYOUT) size += align8(corpus[key].byteLength);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, FORMAT_VERSION, true);
  view.setUint32(8, corpus.count, true);
  view.setUint32(12, corpus.inputCount, true);
  view.setUint32(16, labels.length, true);
  view.setUint32(20, 0, true);
  out.set(labels, HEADER_BYTES);
  let offset = align8(HEADER_BYTES + labels.length);
  for (const [key] of ARRAY_LAYOUT) {
    const arr = corpus[key];
    out.set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength), offset);
    offset += align8(arr.byteLength);
  }
  return out;
}

/** Restores a corpus written by `serializeCorpus`. Throws on a malformed or foreign buffer. */
export function deserializeCorpus(data: Uint8Array | ArrayBuffer): PreparedCorpus {
  // One aligned private copy: typed-array views need aligned offsets, and the caller keeps its bytes.
  const bytes = data instanceof Uint8Array ? data.slice() : new Uint8Array(data.slice(0));
  if (bytes.byteLength < HEADER_BYTES) throw new Error("corpus: buffer too short");
  const view = new DataView(bytes.buffer);
  if (view.getUint32(0, true) !== MAGIC) throw new Error("corpus: bad magic");
  const version = view.getUint32(4, true);
  if (version !== FORMAT_VERSION) throw new Error(`corpus: unsupported format version ${version}`);
  const count = view.getUint32(8, true);
  const inputCount = view.getUint32(12, true);
  const labelBytes = view.getUint32(16, true);
  if (HEADER_BYTES + labelBytes > bytes.byteLength) throw new Error("corpus: truncated string table");
  const labels = JSON.parse(new TextDecoder().decode(bytes.subarray(HEADER_BYTES, HEADER_BYTES + labelBytes))) as unknown;
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === "string")) throw new Error("corpus: bad string table");
  let offset = align8(HEADER_BYTES + labelBytes);
  const arrays: Partial<Record<ArrayKey, ArrayBufferView>> = {};
  for (const [key, kind, perAccident] of ARRAY_LAYOUT) {
    const length = count * perAccident;
    const byteLength = length * ELEMENT_BYTES[kind];
    if (offset + byteLength > bytes.byteLength) throw new Error(`corpus: truncated at ${key}`);
    const buf = bytes.buffer;
    arrays[key] =
      kind === "f64"
        ? new Float64Array(buf, offset, length)
        : kind === "i32"
          ? new Int32Array(buf, offset, length)
          : kind === "u16"
            ? new Uint16Array(buf, offset, length)
            : new Uint8Array(buf, offset, length);
    offset += align8(byteLength);
  }
  const restored = arrays as Record<ArrayKey, never> & { dayNumber: Int32Array };
  return Object.freeze({
    formatVersion: 1,
    count,
    inputCount,
    severityLabels: Object.freeze(labels as string[]),
    ...restored,
    temporalFactor: temporalFactors(restored.dayNumber),
  }) as PreparedCorpus;
}

/** Bytes held by a corpus' typed arrays (serialised ones plus the derived temporal factors). */
export function corpusByteSize(corpus: PreparedCorpus): number {
  let size = 0;
  for (const [key] of ARRAY_LAYOUT) size += corpus[key].byteLength;
  for (const arr of new Set(corpus.temporalFactor)) size += arr.byteLength;
  return size;
}
