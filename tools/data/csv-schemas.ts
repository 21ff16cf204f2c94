/**
 * Reading and validating the SafeAscent CSV export (mountains, routes, accidents, weather).
 *
 *  - `parseCsv`: an RFC 4180 reader that knows the 1-based physical line each record starts on and
 *    recovers from malformed records (see below).
 *  - `checkHeader`: maps header names to columns; a missing required column rejects the file.
 *  - one zod schema per table turning the raw strings of a record into a typed row (`validateRecord`).
 *
 * Every rejection reason names the column and the offending value, e.g.
 * `date "2019-02-30" is not a valid calendar date`; callers prefix it with `file:line: `.
 *
 * Why not csv-parse: with `info: true` it reports the line a record *ends* on, double-counts CRLF
 * line breaks inside quoted fields (7.0.3), and on a malformed quote it either drops the rest of the
 * file (`skip_records_with_error`) or silently merges the following records into one field
 * (`relax_quotes`). An import must never lose rows silently, so this reader does it itself:
 *
 *  - fields are separated by `,`, records by LF or CRLF; a field that starts with `"` is quoted,
 *    `""` inside it is a literal quote, and it may span lines. A UTF-8 BOM is ignored, and so are
 *    completely empty lines between records.
 *  - a malformed record (a closing quote followed by something other than `,` or a line end, or a
 *    quote still open at the end of the file) is reported at the line it starts on and reading
 *    resumes at the next physical line, so the records after an unterminated quote are still read.
 *  - a record with the wrong number of fields is reported; when it spans several lines (typically
 *    a stray quote that swallowed the following lines) reading also resumes at its second line.
 *  Problems name the column (from the header) and the lines involved.
 */
import { z } from "zod";

// ---------------------------------------------------------------------------------------------
// CSV reading
// ---------------------------------------------------------------------------------------------

export interface CsvRecord {
  /** 1-based physical line the record starts on. */
  line: number;
  /** Physical line the record ends on (> line when a quoted field holds line breaks). */
  endLine: number;
  fields: string[];
}

export interface CsvProblem {
  line: number;
  endLine: number;
  /** Why the record could not be read, e.g. `unterminated quoted field in column 3`. */
  problem: string;
}

export interface ParsedCsv {
  /** The first record, or null for an empty file. */
  header: CsvRecord | null;
  /** Data records and unreadable records, in file order. */
  records: (CsvRecord | CsvProblem)[];
}

export function isProblem(r: CsvRecord | CsvProblem): r is CsvProblem {
  return (r as CsvProblem).problem !== undefined;
}

type Scan =
  | { ok: true; fields: string[]; end: number; endLine: number }
  | {
      ok: false;
      kind: "unterminated" | "malformed";
      /** 0-based index of the quoted field at fault, and the line its opening quote is on. */
      column: number;
      fieldLine: number;
      /** Line of the closing quote (malformed) or the file's last line (unterminated). */
      endLine: number;
      /** What follows the closing quote (malformed). */
      after: string;
    };

const QUOTE = 34; // "
const COMMA = 44; // ,
const LF = 10;
const CR = 13;

/** Reads one record starting at `pos` (which is at a line start, on line `line`). */
function scanRecord(text: string, pos: number, line: number): Scan {
  const fields: string[] = [];
  const n = text.length;
  let i = pos;
  let ln = line;
  for (;;) {
    // One field starts at i.
    if (i < n && text.charCodeAt(i) === QUOTE) {
      const fieldLine = ln;
      let value = "";
      let from = i + 1;
      let j = from;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q === -1) {
          // Runs to the end of the file; a final line break does not start another line.
          const stop = text.charCodeAt(n - 1) === LF ? n - 1 : n;
          for (let k = j; k < stop; k++) if (text.charCodeAt(k) === LF) ln++;
          return { ok: false, kind: "unterminated", column: fields.length, fieldLine, endLine: ln, after: "" };
        }
        for (let k = j; k < q; k++) if (text.charCodeAt(k) === LF) ln++;
        if (text.charCodeAt(q + 1) === QUOTE) {
          value += text.slice(from, q + 1);
          from = j = q + 2;
          continue;
        }
        value += text.slice(from, q);
        i = q + 1;
        break;
      }
      fields.push(value);
      const c = i < n ? text.charCodeAt(i) : -1;
      if (c === COMMA) {
        i++;
        continue;
      }
      if (c === -1) return { ok: true, fields, end: n, endLine: ln };
      if (c === LF) return { ok: true, fields, end: i + 1, endLine: ln };
      if (c === CR && text.charCodeAt(i + 1) === LF) return { ok: true, fields, end: i + 2, endLine: ln };
      const after = text.slice(i, i + 12).split(/\r?\n/)[0];
      return { ok: false, kind: "malformed", column: fields.length - 1, fieldLine, endLine: ln, after };
    }
    // Unquoted field: up to the next comma or line end. A quote inside it is kept literally.
    let j = i;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === COMMA || c === LF) break;
      if (c === CR && text.charCodeAt(j + 1) === LF) break;
      j++;
    }
    fields.push(text.slice(i, j));
    if (j >= n) return { ok: true, fields, end: n, endLine: ln };
    const c = text.charCodeAt(j);
    if (c === COMMA) {
      i = j + 1;
      continue;
    }
    return { ok: true, fields, end: c === LF ? j + 1 : j + 2, endLine: ln };
  }
}

/** Position just after the line that starts at `pos`. */
function nextLine(text: string, pos: number): number {
  const nl = text.indexOf("\n", pos);
  return nl === -1 ? text.length : nl + 1;
}

function describeScanProblem(scan: Extract<Scan, { ok: false }>, line: number, names: readonly string[] | null): string {
  const column = names?.[scan.column] !== undefined ? `column "${names[scan.column]}"` : `column ${scan.column + 1}`;
  const opened = scan.fieldLine === line ? "" : ` (opened on line ${scan.fieldLine})`;
  if (scan.kind === "unterminated") {
    return scan.endLine > scan.fieldLine
      ? `unterminated quoted field in ${column}${opened}: the quote is never closed, so lines ${scan.fieldLine}–${scan.endLine} would be one field`
      : `unterminated quoted field in ${column}${opened}: the quote is never closed`;
  }
  if (scan.endLine > scan.fieldLine) {
    return `unbalanced quotes: the quoted field in ${column}${opened} pairs with a quote on line ${scan.endLine} that is followed by ${JSON.stringify(scan.after)}`;
  }
  return `malformed quoted field in ${column}: ${JSON.stringify(scan.after)} follows the closing quote`;
}

export function parseCsv(text: string): ParsedCsv {
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let header: CsvRecord | null = null;
  const records: (CsvRecord | CsvProblem)[] = [];
  const n = text.length;
  while (pos < n) {
    // Completely empty lines are not records.
    const c = text.charCodeAt(pos);
    if (c === LF) {
      pos++;
      line++;
      continue;
    }
    if (c === CR && text.charCodeAt(pos + 1) === LF) {
      pos += 2;
      line++;
      continue;
    }

    const scan = scanRecord(text, pos, line);
    if (!header) {
      if (!scan.ok) {
        records.push({ line, endLine: scan.endLine, problem: `header: ${describeScanProblem(scan, line, null)}` });
        return { header: null, records };
      }
      header = { line, endLine: scan.endLine, fields: scan.fields };
      pos = scan.end;
      line = scan.endLine + 1;
      continue;
    }
    const width = header.fields.length;
    if (scan.ok && scan.fields.length === width) {
      records.push({ line, endLine: scan.endLine, fields: scan.fields });
      pos = scan.end;
      line = scan.endLine + 1;
      continue;
    }
    // Unreadable record. If it took in several lines, they may be records swallowed by a stray
    // quote: re-read them (reading resumes on the next physical line).
    let problem = scan.ok
      ? `expected ${width} fields as in the header, found ${scan.fields.length}` +
        (scan.endLine > line ? ` (in one record spanning lines ${line}–${scan.endLine})` : "")
      : describeScanProblem(scan, line, header.fields);
    if (scan.endLine > line) problem += `; reading resumes at line ${line + 1}`;
    records.push({ line, endLine: scan.endLine, problem });
    if (scan.ok && scan.endLine === line) {
      pos = scan.end;
    } else {
      pos = nextLine(text, pos);
    }
    line++;
  }
  return { header, records };
}

// ---------------------------------------------------------------------------------------------
// Cell parsers (raw string -> value) used by the zod schemas
// ---------------------------------------------------------------------------------------------

const INT4_MAX = 2_147_483_647;

/** `"1.5"`, truncated for messages. */
export function show(value: string): string {
  const v = value.length > 60 ? `${value.slice(0, 57)}…` : value;
  return JSON.stringify(v);
}

class Fail {
  constructor(readonly message: string) {}
}

type CellParser<T> = (raw: string) => T | Fail;

function cell<T>(parse: CellParser<T>) {
  return z.string().transform((raw, ctx): T => {
    const r = parse(raw);
    if (r instanceof Fail) {
      ctx.addIssue({ code: "custom", message: r.message });
      return z.NEVER;
    }
    return r;
  });
}

const INT_RE = /^[+-]?\d+(?:\.0*)?$/;
const NUM_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseInteger(raw: string, { min = -INT4_MAX - 1, max = INT4_MAX } = {}): number | Fail {
  const s = raw.trim();
  if (!INT_RE.test(s)) return new Fail(`${show(raw)} is not an integer`);
  const v = Number(s);
  if (!Number.isSafeInteger(v) || v < min || v > max) return new Fail(`${show(raw)} is out of range [${min}, ${max}]`);
  return v;
}

const isEmpty = (raw: string) => raw.trim() === "";

const requiredInt = (opts?: { min?: number; max?: number }) => cell((raw) => (isEmpty(raw) ? new Fail("is empty (required)") : parseInteger(raw, opts)));

const optionalInt = (opts?: { min?: number; max?: number }) => cell((raw) => (isEmpty(raw) ? null : parseInteger(raw, opts)));

function parseNumber(raw: string, min?: number, max?: number): number | Fail {
  const s = raw.trim();
  if (!NUM_RE.test(s)) return new Fail(`${show(raw)} is not a number`);
  const v = Number(s);
  if (!Number.isFinite(v)) return new Fail(`${show(raw)} is not a finite number`);
  if ((min !== undefined && v < min) || (max !== undefined && v > max)) {
    return new Fail(`${show(raw)} is out of range [${min ?? "-∞"}, ${max ?? "∞"}]`);
  }
  return v;
}

const optionalNumber = (min?: number, max?: number) => cell((raw) => (isEmpty(raw) ? null : parseNumber(raw, min, max)));

const requiredNumber = (min?: number, max?: number) => cell((raw) => (isEmpty(raw) ? new Fail("is empty (required)") : parseNumber(raw, min, max)));

function parseDate(raw: string): string | Fail {
  const s = raw.trim();
  const m = DATE_RE.exec(s);
  if (!m) return new Fail(`${show(raw)} is not an ISO date (YYYY-MM-DD)`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  if (y < 1 || t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) {
    return new Fail(`${show(raw)} is not a valid calendar date`);
  }
  return s;
}

const optionalDate = () => cell((raw) => (isEmpty(raw) ? null : parseDate(raw)));
const requiredDate = () => cell((raw) => (isEmpty(raw) ? new Fail("is empty (required)") : parseDate(raw)));

function checkText(raw: string): string | Fail {
  if (raw.includes("\u0000")) return new Fail(`${show(raw)} contains a NUL character`);
  return raw;
}

/** Trimmed text; empty -> null. */
const text = () => cell((raw) => (isEmpty(raw) ? null : checkText(raw.trim())));
/** Text kept as written (line breaks, inner spacing), trailing whitespace dropped; empty -> null. */
const longText = () => cell((raw) => (isEmpty(raw) ? null : checkText(raw.replace(/\s+$/, ""))));
const requiredText = () => cell((raw) => (isEmpty(raw) ? new Fail("is empty (required)") : checkText(raw.trim())));

/** Lower-cased, spaces/hyphens to `_`; values outside `known` are kept as they are (not rejected). */
const enumText = (_known: readonly string[]) =>
  cell((raw) =>
    isEmpty(raw)
      ? null
      : checkText(
          raw
            .trim()
            .toLowerCase()
            .replace(/[\s-]+/g, "_"),
        ),
  );

/**
 * A route type as the source wrote it, lower-cased with its whitespace collapsed — but spaces kept:
 * the engine's raw-type table (ALGORITHM.md 4.1) tells `big wall` (→ aid) from `big_wall` (→ trad)
 * and maps `ice climbing`, `sport climb` …, so the importer must not rewrite them.
 */
const routeTypeText = cell((raw) => (isEmpty(raw) ? null : checkText(raw.trim().toLowerCase().replace(/\s+/g, " "))));

export const ROUTE_TYPES = ["alpine", "trad", "sport", "ice", "mixed", "aid", "boulder", "big_wall", "unknown"] as const;
export const INJURY_SEVERITIES = ["fatal", "serious", "minor", "unknown"] as const;

/** Latitude/longitude come as a pair: both or neither. */
function coordinatePair(v: { latitude: number | null; longitude: number | null }, ctx: z.RefinementCtx) {
  // Runs even when other columns failed (see PAIR_CHECK); a coordinate that failed itself is skipped.
  const parsed = (x: unknown) => x === null || typeof x === "number";
  if (!parsed(v.latitude) || !parsed(v.longitude)) return;
  if ((v.latitude === null) !== (v.longitude === null)) {
    const [given, missing] = v.latitude === null ? ["longitude", "latitude"] : ["latitude", "longitude"];
    const value = v.latitude ?? v.longitude;
    ctx.addIssue({
      code: "custom",
      path: [missing],
      message: `is empty but ${given} is ${show(String(value))} (give both coordinates or neither)`,
    });
  }
}

/** Check the coordinate pair even when other columns of the record failed, to report every problem at once. */
const PAIR_CHECK = { when: () => true };

const latitude = () => optionalNumber(-90, 90);
const longitude = () => optionalNumber(-180, 180);
const count = () => cell((raw) => (isEmpty(raw) ? 0 : parseInteger(raw, { min: 0 })));

// ---------------------------------------------------------------------------------------------
// Table schemas
// ---------------------------------------------------------------------------------------------

export const mountainSchema = z
  .object({
    mountain_id: requiredInt({ min: 0 }),
    name: requiredText(),
    alt_names: text(),
    elevation_ft: optionalNumber(-1500, 30000),
    prominence_ft: optionalNumber(),
    type: text(),
    range: text(),
    state: text(),
    latitude: latitude(),
    longitude: longitude(),
    location: text(),
    accident_count: count(),
  })
  .superRefine(coordinatePair, PAIR_CHECK);

export const routeSchema = z
  .object({
    route_id: requiredInt({ min: 0 }),
    name: requiredText(),
    mountain_id: optionalInt({ min: 0 }),
    mountain_name: text(),
    grade: text(),
    grade_yds: text(),
    length_ft: optionalNumber(0),
    pitches: optionalInt({ min: 0 }),
    type: routeTypeText,
    first_ascent_year: optionalInt({ min: 1000, max: 9999 }),
    latitude: latitude(),
    longitude: longitude(),
    accident_count: count(),
    mp_route_id: cell((raw) => (isEmpty(raw) ? null : parseInteger(raw, { min: 0, max: Number.MAX_SAFE_INTEGER }))),
  })
  .superRefine(coordinatePair, PAIR_CHECK);

export const accidentSchema = z
  .object({
    accident_id: requiredInt({ min: 0 }),
    source: text(),
    source_id: text(),
    date: optionalDate(),
    year: optionalInt({ min: 1000, max: 9999 }),
    state: text(),
    location: text(),
    mountain: text(),
    route: text(),
    latitude: latitude(),
    longitude: longitude(),
    accident_type: text(),
    activity: text(),
    injury_severity: enumText(INJURY_SEVERITIES),
    age_range: text(),
    description: longText(),
    tags: text(),
    mountain_id: optionalInt({ min: 0 }),
    route_id: optionalInt({ min: 0 }),
  })
  .superRefine(coordinatePair, PAIR_CHECK);

export const weatherSchema = z.object({
  weather_id: requiredInt({ min: 0 }),
  accident_id: optionalInt({ min: 0 }),
  date: requiredDate(),
  latitude: requiredNumber(-90, 90),
  longitude: requiredNumber(-180, 180),
  temperature_avg: optionalNumber(-100, 70),
  temperature_min: optionalNumber(-100, 70),
  temperature_max: optionalNumber(-100, 70),
  wind_speed_avg: optionalNumber(0),
  wind_speed_max: optionalNumber(0),
  precipitation_total: optionalNumber(0),
  visibility_avg: optionalNumber(0),
  cloud_cover_avg: optionalNumber(0, 100),
});

export type MountainRow = z.output<typeof mountainSchema>;
export type RouteRow = z.output<typeof routeSchema>;
export type AccidentRow = z.output<typeof accidentSchema>;
export type WeatherRow = z.output<typeof weatherSchema>;

// ---------------------------------------------------------------------------------------------
// Table specs: file, columns (CSV header = DB columns), keys
// ---------------------------------------------------------------------------------------------

export type SqlType = "integer" | "bigint" | "double precision" | "text" | "date";

export interface ColumnSpec {
  name: string;
  sql: SqlType;
  /** Must be present in the header; optional columns that are missing load as NULL (with a warning). */
  required: boolean;
}

export interface ForeignKey {
  column: string;
  table: TableName;
}

export interface TableSpec<Row extends Record<string, unknown> = Record<string, unknown>> {
  table: TableName;
  file: string;
  pk: string;
  columns: readonly ColumnSpec[];
  foreignKeys: readonly ForeignKey[];
  schema: z.ZodType<Row, Record<string, string>>;
}

export type TableName = "mountains" | "routes" | "accidents" | "accident_weather";

const col = (name: string, sql: SqlType, required = false): ColumnSpec => ({ name, sql, required });
const REQ = true;

export const mountainsSpec: TableSpec<MountainRow> = {
  table: "mountains",
  file: "mountains.csv",
  pk: "mountain_id",
  foreignKeys: [],
  schema: mountainSchema,
  columns: [
    col("mountain_id", "integer", REQ),
    col("name", "text", REQ),
    col("alt_names", "text"),
    col("elevation_ft", "double precision"),
    col("prominence_ft", "double precision"),
    col("type", "text"),
    col("range", "text"),
    col("state", "text"),
    col("latitude", "double precision", REQ),
    col("longitude", "double precision", REQ),
    col("location", "text"),
    col("accident_count", "integer"),
  ],
};

export const routesSpec: TableSpec<RouteRow> = {
  table: "routes",
  file: "routes.csv",
  pk: "route_id",
  foreignKeys: [{ column: "mountain_id", table: "mountains" }],
  schema: routeSchema,
  columns: [
    col("route_id", "integer", REQ),
    col("name", "text", REQ),
    col("mountain_id", "integer", REQ),
    col("mountain_name", "text"),
    col("grade", "text"),
    col("grade_yds", "text"),
    col("length_ft", "double precision"),
    col("pitches", "integer"),
    col("type", "text", REQ),
    col("first_ascent_year", "integer"),
    col("latitude", "double precision", REQ),
    col("longitude", "double precision", REQ),
    col("accident_count", "integer"),
    col("mp_route_id", "bigint"),
  ],
};

export const accidentsSpec: TableSpec<AccidentRow> = {
  table: "accidents",
  file: "accidents.csv",
  pk: "accident_id",
  foreignKeys: [
    { column: "mountain_id", table: "mountains" },
    { column: "route_id", table: "routes" },
  ],
  schema: accidentSchema,
  columns: [
    col("accident_id", "integer", REQ),
    col("source", "text"),
    col("source_id", "text"),
    col("date", "date", REQ),
    col("year", "integer"),
    col("state", "text"),
    col("location", "text"),
    col("mountain", "text"),
    col("route", "text"),
    col("latitude", "double precision", REQ),
    col("longitude", "double precision", REQ),
    col("accident_type", "text", REQ),
    col("activity", "text", REQ),
    col("injury_severity", "text", REQ),
    col("age_range", "text"),
    col("description", "text"),
    col("tags", "text"),
    col("mountain_id", "integer", REQ),
    col("route_id", "integer", REQ),
  ],
};

export const weatherSpec: TableSpec<WeatherRow> = {
  table: "accident_weather",
  file: "weather.csv",
  pk: "weather_id",
  foreignKeys: [{ column: "accident_id", table: "accidents" }],
  schema: weatherSchema,
  columns: [
    col("weather_id", "integer", REQ),
    col("accident_id", "integer", REQ),
    col("date", "date", REQ),
    col("latitude", "double precision", REQ),
    col("longitude", "double precision", REQ),
    col("temperature_avg", "double precision", REQ),
    col("temperature_min", "double precision", REQ),
    col("temperature_max", "double precision", REQ),
    col("wind_speed_avg", "double precision", REQ),
    col("wind_speed_max", "double precision"),
    col("precipitation_total", "double precision", REQ),
    col("visibility_avg", "double precision"),
    col("cloud_cover_avg", "double precision"),
  ],
};

/** In load order (foreign keys point backwards). */
export const TABLE_SPECS = [mountainsSpec, routesSpec, accidentsSpec, weatherSpec] as const satisfies readonly TableSpec<any>[];

// ---------------------------------------------------------------------------------------------
// Header and record validation
// ---------------------------------------------------------------------------------------------

export type HeaderCheck = { ok: true; indexOf: Map<string, number>; warnings: string[] } | { ok: false; reason: string };

export function checkHeader(spec: TableSpec<any>, header: readonly string[]): HeaderCheck {
  const indexOf = new Map<string, number>();
  const dupes: string[] = [];
  header.forEach((h, i) => {
    const name = h.trim();
    if (indexOf.has(name)) dupes.push(name);
    else indexOf.set(name, i);
  });
  if (dupes.length) return { ok: false, reason: `header repeats column ${dupes.map((d) => JSON.stringify(d)).join(", ")}; file rejected` };
  const missing = spec.columns.filter((c) => c.required && !indexOf.has(c.name)).map((c) => c.name);
  if (missing.length) {
    const s = missing.length > 1 ? "s" : "";
    return {
      ok: false,
      reason: `missing required column${s} ${missing.map((m) => JSON.stringify(m)).join(", ")} in the header; file rejected`,
    };
  }
  const warnings: string[] = [];
  const known = new Set(spec.columns.map((c) => c.name));
  for (const c of spec.columns) if (!indexOf.has(c.name)) warnings.push(`optional column "${c.name}" is missing; loaded as NULL`);
  for (const name of indexOf.keys()) if (!known.has(name)) warnings.push(`unknown column ${JSON.stringify(name)} ignored`);
  return { ok: true, indexOf, warnings };
}

export type RecordCheck<Row> = { ok: true; row: Row } | { ok: false; reason: string };

/** Turns one CSV record into a typed row, or a reason naming each bad column and its value. */
export function validateRecord<Row extends Record<string, unknown>>(
  spec: TableSpec<Row>,
  fields: readonly string[],
  indexOf: Map<string, number>,
): RecordCheck<Row> {
  const input: Record<string, string> = {};
  for (const c of spec.columns) {
    const i = indexOf.get(c.name);
    input[c.name] = i === undefined ? "" : (fields[i] ?? "");
  }
  const r = spec.schema.safeParse(input);
  if (r.success) return { ok: true, row: r.data };
  const reasons = r.error.issues.map((issue) => {
    const path = issue.path.join(".");
    return path ? `${path} ${issue.message}` : issue.message;
  });
  return { ok: false, reason: reasons.join("; ") };
}
