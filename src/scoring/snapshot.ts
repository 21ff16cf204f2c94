/**
 * Corpus snapshots: a versioned, compact binary image of a corpus' stored columns, so that a cold
 * isolate restores a corpus in a few milliseconds instead of reading and building ~50,000 weather
 * rows (the service keeps it in Redis or the Cache API).
 *
 * Exactness: every column is encoded losslessly and checked value by value when written (bitwise,
 * so ±0 and NaN survive); derived arrays are recomputed by the same code as `buildCorpus`
 * (`corpusFromColumns`). A restored corpus therefore scores bit for bit like the built one.
 *
 * Layout (little-endian), format version 2:
 *   header, 32 bytes: magic "SAC1", version, total bytes, checksum of bytes 16…end (32-bit FNV-1a
 *   over words), count, input count, string-table bytes, column count;
 *   the severity labels as JSON (UTF-8), padded to 8 bytes;
 *   the columns in `COLUMNS` order, each a 16-byte descriptor (codec, element width, payload bytes,
 *   an f64 parameter) and its payload, padded to 8 bytes.
 * Codecs, the smallest exact one chosen per column:
 *   f64 raw · constant (one value) · decimal (integers q of 1/2/4 bytes, value = q / 10^k, for
 *   numbers that are short decimals, like the weather CSV's) · dictionary (distinct values plus a
 *   1/2-byte index) · integers (offset + 1/2/4-byte unsigned, for integer columns).
 */
import { corpusFromColumns, type CorpusColumns, type PreparedCorpus } from "./corpus";
import { SERIES_COUNT } from "./weather-pattern";
import { PACKED_DAYS } from "./weather-similarity";

const MAGIC = 0x31434153; // "SAC1" little-endian
/** Version of the snapshot layout; a snapshot of another version is rejected (rebuild it). */
export const CORPUS_SNAPSHOT_VERSION = 2;
const HEADER_BYTES = 32;
const DESCRIPTOR_BYTES = 16;

const Codec = { RawF64: 0, Constant: 1, Decimal: 2, Dictionary: 3, Integer: 4 } as const;
type Codec = (typeof Codec)[keyof typeof Codec];

type FloatKey = "accidentId" | "latRad" | "lonRad" | "elevationM" | "gradeDifficulty";
type IntKey = "dayNumber" | "typeIndex" | "severityCode" | "weatherDays" | "freezeThaw";

/**
 * Stored columns in order. The weather series are stored as five columns (one per series s,
 * `count × 7` values each), because each series has its own range and precision.
 */
const COLUMNS: readonly ({ kind: "float"; key: FloatKey } | { kind: "int"; key: IntKey } | { kind: "series"; s: number })[] = [
  { kind: "float", key: "accidentId" },
  { kind: "float", key: "latRad" },
  { kind: "float", key: "lonRad" },
  { kind: "float", key: "elevationM" },
  { kind: "float", key: "gradeDifficulty" },
  ...Array.from({ length: SERIES_COUNT }, (_, s) => ({ kind: "series" as const, s })),
  { kind: "int", key: "dayNumber" },
  { kind: "int", key: "typeIndex" },
  { kind: "int", key: "severityCode" },
  { kind: "int", key: "weatherDays" },
  { kind: "int", key: "freezeThaw" },
];

const INT_ARRAY = { dayNumber: Int32Array, typeIndex: Uint8Array, severityCode: Uint16Array, weatherDays: Uint8Array, freezeThaw: Uint8Array } as const;

const POW10: readonly number[] = Array.from({ length: 10 }, (_, k) => 10 ** k); // exact doubles

function align8(n: number): number {
  return (n + 7) & ~7;
}

interface EncodedColumn {
  codec: Codec;
  width: number;
  param: number;
  payload: Uint8Array;
}

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function intArray(width: number, length: number): Int8Array | Int16Array | Int32Array {
  return width === 1 ? new Int8Array(length) : width === 2 ? new Int16Array(length) : new Int32Array(length);
}

function uintArray(width: number, length: number): Uint8Array | Uint16Array | Uint32Array {
  return width === 1 ? new Uint8Array(length) : width === 2 ? new Uint16Array(length) : new Uint32Array(length);
}

function signedWidth(min: number, max: number): number {
  return min >= -128 && max <= 127 ? 1 : min >= -32768 && max <= 32767 ? 2 : 4;
}

function unsignedWidth(max: number): number {
  return max <= 0xff ? 1 : max <= 0xffff ? 2 : 4;
}

/** value = q / 10^k for the smallest k that reproduces every value bitwise; null if none does. */
function tryDecimal(values: Float64Array): EncodedColumn | null {
  for (let k = 0; k < POW10.length; k++) {
    const p = POW10[k]!;
    let ok = true;
    let min = 0;
    let max = 0;
    for (let i = 0; i < values.length && ok; i++) {
      const v = values[i]!;
      const q = Math.round(v * p);
      if (!(Math.abs(q) <= 0x7fffffff) || !Object.is(q / p, v) || Object.is(q, -0)) ok = false;
      else if (q < min) min = q;
      else if (q > max) max = q;
    }
    if (!ok) continue;
    const width = signedWidth(min, max);
    const out = intArray(width, values.length);
    for (let i = 0; i < values.length; i++) out[i] = Math.round(values[i]! * p);
    return { codec: Codec.Decimal, width, param: k, payload: bytesOf(out) };
  }
  return null;
}

/** Distinct values (by bits) plus an index, when there are at most 65,536 of them. */
function tryDictionary(values: Float64Array): EncodedColumn | null {
  const bits = new BigInt64Array(values.buffer, values.byteOffset, values.length);
  const index = new Map<bigint, number>();
  for (let i = 0; i < bits.length; i++) {
    if (!index.has(bits[i]!)) {
      index.set(bits[i]!, index.size);
      if (index.size > 0x10000) return null;
    }
  }
  const width = unsignedWidth(index.size - 1);
  const dict = new BigInt64Array([...index.keys()]);
  const idx = uintArray(width, values.length);
  for (let i = 0; i < bits.length; i++) idx[i] = index.get(bits[i]!)!;
  const payload = new Uint8Array(8 + dict.byteLength + idx.byteLength);
  new DataView(payload.buffer).setUint32(0, index.size, true);
  payload.set(bytesOf(dict), 8);
  payload.set(bytesOf(idx), 8 + dict.byteLength);
  return { codec: Codec.Dictionary, width, param: 0, payload };
}

function encodeFloats(values: Float64Array): EncodedColumn {
  const candidates: EncodedColumn[] = [{ codec: Codec.RawF64, width: 8, param: 0, payload: bytesOf(values) }];
  if (values.length > 0) {
    const bits = new BigInt64Array(values.buffer, values.byteOffset, values.length);
    if (bits.every((b) => b === bits[0])) {
      candidates.push({ codec: Codec.Constant, width: 8, param: 0, payload: bytesOf(values.subarray(0, 1)) });
    }
  }
  for (const c of [tryDecimal(values), tryDictionary(values)]) if (c) candidates.push(c);
  return candidates.reduce((best, c) => (c.payload.byteLength < best.payload.byteLength ? c : best));
}

function encodeInts(values: Int32Array | Uint8Array | Uint16Array): EncodedColumn {
  let min = 0;
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (i === 0 || v < min) min = v;
    if (i === 0 || v > max) max = v;
  }
  const width = unsignedWidth(max - min);
  const out = uintArray(width, values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]! - min;
  return { codec: Codec.Integer, width, param: min, payload: bytesOf(out) };
}

/** Series s of every accident: `count × 7` values. */
function seriesColumn(series: Float64Array, count: number, s: number): Float64Array {
  const out = new Float64Array(count * PACKED_DAYS);
  for (let i = 0; i < count; i++) {
    const from = (i * SERIES_COUNT + s) * PACKED_DAYS;
    for (let k = 0; k < PACKED_DAYS; k++) out[i * PACKED_DAYS + k] = series[from + k]!;
  }
  return out;
}

/** 32-bit FNV-1a over the little-endian words of `bytes` (length a multiple of 4). */
function checksum(bytes: Uint8Array): number {
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  let h = 0x811c9dc5;
  for (let k = 0; k < words.length; k++) h = Math.imul(h ^ words[k]!, 0x01000193);
  return h >>> 0;
}

/** Writes a snapshot of `corpus` (see the module comment). Deterministic. */
export function serializeCorpus(corpus: PreparedCorpus): Uint8Array {
  const labels = new TextEncoder().encode(JSON.stringify(corpus.severityLabels));
  const columns = COLUMNS.map((c) =>
    c.kind === "float"
      ? encodeFloats(corpus[c.key])
      : c.kind === "int"
        ? encodeInts(corpus[c.key])
        : encodeFloats(seriesColumn(corpus.weatherSeries, corpus.count, c.s)),
  );
  let size = align8(HEADER_BYTES + labels.length);
  for (const c of columns) size += DESCRIPTOR_BYTES + align8(c.payload.byteLength);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, CORPUS_SNAPSHOT_VERSION, true);
  view.setUint32(8, size, true);
  view.setUint32(16, corpus.count, true);
  view.setUint32(20, corpus.inputCount, true);
  view.setUint32(24, labels.length, true);
  view.setUint32(28, columns.length, true);
  out.set(labels, HEADER_BYTES);
  let offset = align8(HEADER_BYTES + labels.length);
  for (const c of columns) {
    view.setUint8(offset, c.codec);
    view.setUint8(offset + 1, c.width);
    view.setUint32(offset + 4, c.payload.byteLength, true);
    view.setFloat64(offset + 8, c.param, true);
    out.set(c.payload, offset + DESCRIPTOR_BYTES);
    offset += DESCRIPTOR_BYTES + align8(c.payload.byteLength);
  }
  view.setUint32(12, checksum(out.subarray(16)), true);
  return out;
}

function snapshotError(what: string): Error {
  return new Error(`corpus snapshot: ${what}`);
}

/**
 * Where a column's values go: value v = run·`runLength` + k is written to
 * `out[runOffset + run·runStride + k]` (a plain column is one run; a weather series is one run
 * of 7 per accident, interleaved with the other series).
 */
interface Placement {
  out: Float64Array;
  runLength: number;
  runStride: number;
  runOffset: number;
}

/** Reads one float column (`count` values) straight into its place, in one pass. */
function decodeFloats(
  bytes: Uint8Array,
  offset: number,
  codec: number,
  width: number,
  param: number,
  payloadBytes: number,
  count: number,
  to: Placement,
): void {
  const at = bytes.byteOffset + offset;
  const need = (b: number) => {
    if (b !== payloadBytes) throw snapshotError(`column payload of ${payloadBytes} bytes, expected ${b}`);
  };
  const { out, runLength, runStride, runOffset } = to;
  const runs = runLength === 0 ? 0 : count / runLength;
  switch (codec) {
    case Codec.RawF64: {
      need(count * 8);
      const src = new Float64Array(bytes.buffer, at, count);
      for (let run = 0, v = 0; run < runs; run++) {
        for (let k = 0, o = runOffset + run * runStride; k < runLength; k++) out[o + k] = src[v++]!;
      }
      return;
    }
    case Codec.Constant: {
      need(count === 0 ? 0 : 8);
      if (count === 0) return;
      const value = new Float64Array(bytes.buffer, at, 1)[0]!;
      for (let run = 0; run < runs; run++) out.fill(value, runOffset + run * runStride, runOffset + run * runStride + runLength);
      return;
    }
    case Codec.Decimal: {
      need(count * width);
      const p = POW10[param];
      if (p === undefined || (width !== 1 && width !== 2 && width !== 4)) throw snapshotError("bad decimal column");
      const q =
        width === 1 ? new Int8Array(bytes.buffer, at, count) : width === 2 ? new Int16Array(bytes.buffer, at, count) : new Int32Array(bytes.buffer, at, count);
      for (let run = 0, v = 0; run < runs; run++) {
        for (let k = 0, o = runOffset + run * runStride; k < runLength; k++) out[o + k] = q[v++]! / p;
      }
      return;
    }
    case Codec.Dictionary: {
      const size = new DataView(bytes.buffer, at, 8).getUint32(0, true);
      need(8 + size * 8 + count * width);
      if (width !== 1 && width !== 2) throw snapshotError("bad dictionary column");
      const dict = new Float64Array(bytes.buffer, at + 8, size);
      const idx = width === 1 ? new Uint8Array(bytes.buffer, at + 8 + size * 8, count) : new Uint16Array(bytes.buffer, at + 8 + size * 8, count);
      for (let run = 0, v = 0; run < runs; run++) {
        for (let k = 0, o = runOffset + run * runStride; k < runLength; k++) {
          const d = idx[v++]!;
          if (d >= size) throw snapshotError("dictionary index out of range");
          out[o + k] = dict[d]!;
        }
      }
      return;
    }
    default:
      throw snapshotError(`unknown codec ${codec}`);
  }
}

function decodeInts(
  bytes: Uint8Array,
  offset: number,
  codec: number,
  width: number,
  param: number,
  payloadBytes: number,
  out: Int32Array | Uint8Array | Uint16Array,
): void {
  const n = out.length;
  if (codec !== Codec.Integer || (width !== 1 && width !== 2 && width !== 4) || payloadBytes !== n * width) throw snapshotError("bad integer column");
  const at = bytes.byteOffset + offset;
  const u = width === 1 ? new Uint8Array(bytes.buffer, at, n) : width === 2 ? new Uint16Array(bytes.buffer, at, n) : new Uint32Array(bytes.buffer, at, n);
  for (let i = 0; i < n; i++) out[i] = param + u[i]!;
}

/**
 * Restores a corpus from `serializeCorpus` bytes. Throws on a foreign, truncated, corrupted or
 * other-version snapshot. The caller's bytes are neither kept nor modified.
 */
export function deserializeCorpus(data: Uint8Array | ArrayBuffer): PreparedCorpus {
  // One private copy at offset 0, so that the typed-array views below are aligned.
  const bytes = data instanceof Uint8Array ? data.slice() : new Uint8Array(data.slice(0));
  if (bytes.byteLength < HEADER_BYTES) throw snapshotError("buffer too short");
  const view = new DataView(bytes.buffer);
  if (view.getUint32(0, true) !== MAGIC) throw snapshotError("bad magic");
  const version = view.getUint32(4, true);
  if (version !== CORPUS_SNAPSHOT_VERSION) throw snapshotError(`unsupported format version ${version} (expected ${CORPUS_SNAPSHOT_VERSION})`);
  const total = view.getUint32(8, true);
  if (total !== bytes.byteLength) throw snapshotError(`truncated or padded: ${bytes.byteLength} bytes, header says ${total}`);
  if (checksum(bytes.subarray(16)) !== view.getUint32(12, true)) throw snapshotError("checksum mismatch");
  const count = view.getUint32(16, true);
  const inputCount = view.getUint32(20, true);
  const labelBytes = view.getUint32(24, true);
  if (view.getUint32(28, true) !== COLUMNS.length) throw snapshotError("unexpected column count");
  if (HEADER_BYTES + labelBytes > total) throw snapshotError("truncated string table");
  const labels = JSON.parse(new TextDecoder().decode(bytes.subarray(HEADER_BYTES, HEADER_BYTES + labelBytes))) as unknown;
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === "string")) throw snapshotError("bad string table");

  const floats: Partial<Record<FloatKey, Float64Array>> = {};
  const ints: Partial<Record<IntKey, Int32Array | Uint8Array | Uint16Array>> = {};
  const weatherSeries = new Float64Array(count * SERIES_COUNT * PACKED_DAYS);
  let offset = align8(HEADER_BYTES + labelBytes);
  for (const column of COLUMNS) {
    if (offset + DESCRIPTOR_BYTES > total) throw snapshotError("truncated column");
    const codec = view.getUint8(offset);
    const width = view.getUint8(offset + 1);
    const payloadBytes = view.getUint32(offset + 4, true);
    const param = view.getFloat64(offset + 8, true);
    const at = offset + DESCRIPTOR_BYTES;
    if (at + payloadBytes > total) throw snapshotError("truncated column");
    if (column.kind === "float" && codec === Codec.RawF64) {
      if (payloadBytes !== count * 8) throw snapshotError("bad raw column");
      floats[column.key] = new Float64Array(bytes.buffer, at, count); // a view, no copy
    } else if (column.kind === "float") {
      const out = new Float64Array(count);
      decodeFloats(bytes, at, codec, width, param, payloadBytes, count, { out, runLength: count, runStride: 0, runOffset: 0 });
      floats[column.key] = out;
    } else if (column.kind === "int") {
      const out = new INT_ARRAY[column.key](count);
      decodeInts(bytes, at, codec, width, param, payloadBytes, out);
      ints[column.key] = out;
    } else {
      const placement = { out: weatherSeries, runLength: PACKED_DAYS, runStride: SERIES_COUNT * PACKED_DAYS, runOffset: column.s * PACKED_DAYS };
      decodeFloats(bytes, at, codec, width, param, payloadBytes, count * PACKED_DAYS, placement);
    }
    offset = at + align8(payloadBytes);
  }
  const codes = ints.severityCode!;
  for (let i = 0; i < count; i++) if (codes[i]! >= labels.length) throw snapshotError("severity code out of range");
  const columns: CorpusColumns = {
    count,
    inputCount,
    ...(floats as Record<FloatKey, Float64Array>),
    dayNumber: ints.dayNumber as Int32Array,
    typeIndex: ints.typeIndex as Uint8Array,
    severityCode: ints.severityCode as Uint16Array,
    weatherDays: ints.weatherDays as Uint8Array,
    freezeThaw: ints.freezeThaw as Uint8Array,
    severityLabels: labels as string[],
    weatherSeries,
  };
  return corpusFromColumns(columns);
}
