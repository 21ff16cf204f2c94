/**
 * Imports a SafeAscent CSV export (mountains.csv, routes.csv, accidents.csv, weather.csv) into
 * Postgres through the Neon HTTP driver — the same `neon()` query function the Worker uses.
 *
 * Pipeline, per file in foreign-key order (mountains -> routes -> accidents -> weather):
 *   read + parse (tools/data/csv-schemas.ts) -> validate each record (zod) -> primary-key duplicates
 *   -> foreign keys -> upsert of the valid rows.
 *
 * Rules (every rejected record is reported as `file:line: reason`, line = physical line the record
 * starts on; nothing is dropped silently and a bad record never stops the import):
 *  - a missing required column rejects the whole file (one entry at line 1); missing optional
 *    columns load as NULL and unknown columns are ignored, both with a warning.
 *  - duplicate primary key inside a file: the first record owns the id, later ones are rejected
 *    ("duplicate route_id 7, first defined at line 9").
 *  - foreign keys must resolve *within the dataset*: a route whose mountain_id is not a valid row
 *    of mountains.csv, an accident whose mountain_id/route_id is not a valid mountain/route, or a
 *    weather row whose accident_id is not a valid accident is rejected (reason names the id and,
 *    when the target row exists but was itself rejected, its line). FKs are never nulled: a
 *    dangling id means a mismatched export, and guessing would attach accidents to the wrong place.
 *    Empty FK columns are fine (NULL) — e.g. weather rows without accident_id stay NULL and are
 *    linked by place/date at read time (src/data/accidents.ts).
 *  - an accident without a date is *valid* (date NULL, the schema allows it) with a warning: the
 *    scorer skips such rows, but the record stays queryable. A malformed date is a rejection.
 *    Accidents without coordinates are valid rows too (the scorer ignores them); `year` is kept as
 *    written (for AAC rows it is the report's publication year, often date's year + 1).
 *  - the importer only inserts and updates; it never deletes rows absent from the files.
 *
 * Loading: rows go as column arrays through `INSERT … SELECT * FROM unnest($1::int[], …)` (one bind
 * parameter per column, sent as a Postgres array literal, so no 65535-parameter limit), chunked into
 * statements of at most `maxRowsPerStatement` rows, with `ON CONFLICT (pk) DO UPDATE … WHERE (cols)
 * IS DISTINCT FROM (excluded cols)`, so unchanged rows are not rewritten; `RETURNING (xmax = 0)` tells
 * inserts from updates, and unchanged = valid − inserted − updated. Statements are grouped into
 * `sql.transaction([...])` requests whose JSON body is at most `maxRequestBytes` (default 4 MiB,
 * under half of Neon's 10 MiB proxy default), measured exactly while the literals are built. The
 * reference export (~10 MB of JSON) takes 3 requests, the 168K-route catalogue (tools/data/catalogue.ts)
 * 8; each is one atomic transaction that ends by bumping data_version (version + 1, updated_at =
 * now()) if and only if one of its statements inserted or updated a row (counted in a
 * transaction-local setting): a re-import leaves the version alone, and no request ever commits
 * changed rows without a bump (a first import moves the version once per request). A single row
 * larger than the cap goes alone in its request (Neon would then refuse it).
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { NeonQueryFunction, NeonQueryPromise } from "@neondatabase/serverless";
import { readDataVersion, type Sql } from "../../src/data/db";
import { TABLE_SPECS, checkHeader, isProblem, parseCsv, validateRecord, type ParsedCsv, type TableName, type TableSpec } from "./csv-schemas";

export type { TableName } from "./csv-schemas";

// Any neon() query function (default array/result modes).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ImportSql = NeonQueryFunction<any, any>;

export interface TableCounts {
  /** Records in the file (data records, readable or not; the header excluded). */
  read: number;
  valid: number;
  rejected: number;
  inserted: number;
  updated: number;
  unchanged: number;
}

export interface Rejection {
  /** File name inside the dataset folder, e.g. `accidents.csv`. */
  file: string;
  /** 1-based physical line the record starts on (1 = header, for file-level rejections). */
  line: number;
  reason: string;
}

export interface ImportReport {
  dir: string;
  tables: Record<TableName, TableCounts>;
  /** In file order, files in load order. */
  rejected: Rejection[];
  /** `file:line: message` (or `file: message`) notes that did not reject anything. */
  warnings: string[];
  /** True when any row was inserted or updated. */
  changed: boolean;
  dataVersion: { before: number; after: number };
  /** Number of `sql.transaction` requests sent. */
  requests: number;
  elapsedMs: number;
}

export interface ImportProgress {
  /** read: files read and parsed (done/total count files); validate, load: records over all four files. */
  phase: "read" | "validate" | "load";
  table: TableName;
  done: number;
  total: number;
}

export interface ImportOptions {
  onProgress?: (p: ImportProgress) => void;
  /** Upper bound for one `sql.transaction` request body, in bytes. Default DEFAULT_MAX_REQUEST_BYTES (4 MiB). */
  maxRequestBytes?: number;
  /** Rows per INSERT statement. Default 5000. */
  maxRowsPerStatement?: number;
}

/** A fatal import error (missing file, unreachable or failing database): nothing more to report. */
export class ImportError extends Error {
  override name = "ImportError";
}

export const formatRejection = (r: Rejection): string => `${r.file}:${r.line}: ${r.reason}`;

const CHANGES_SETTING = "safeascent.import_changes";
/**
 * Neon's SQL-over-HTTP proxy caps a request body: 10 MiB by default (neondatabase/neon proxy flag
 * `--sql-over-http-max-request-size-bytes`); Neon's docs have since stated 64 MB. 4 MiB keeps every
 * request under half of the smaller figure.
 */
export const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024;
const DEFAULT_MAX_ROWS = 5000;
const RESET_CHANGES_SQL = `SELECT set_config('${CHANGES_SETTING}', '0', true) AS changes`;
const BUMP_VERSION_SQL = `INSERT INTO data_version AS d (id, version, updated_at)
SELECT 1, 1, now() WHERE current_setting('${CHANGES_SETTING}')::bigint > 0
ON CONFLICT (id) DO UPDATE SET version = d.version + 1, updated_at = now()
RETURNING version`;
/** JSON around the statements of one request: `{"queries":[…]}`, the reset and bump statements, commas. */
const REQUEST_OVERHEAD_BYTES =
  64 + JSON.stringify({ query: RESET_CHANGES_SQL, params: [] }).length + JSON.stringify({ query: BUMP_VERSION_SQL, params: [] }).length;

type Row = Record<string, unknown>;
type Key = string | number;

interface TableLoad {
  spec: TableSpec<Row>;
  rows: Row[];
}

interface Statement {
  table: TableName;
  rows: number;
  /** Exact size of `{"query":…,"params":[…]}` in the request body. */
  bytes: number;
  query: NeonQueryPromise<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function emptyCounts(): TableCounts {
  return { read: 0, valid: 0, rejected: 0, inserted: 0, updated: 0, unchanged: 0 };
}

/**
 * A value as an element of a Postgres array literal (what the driver would send for a JS array, see
 * `arrayString` in pg): NULL, a number as written, anything else double-quoted with `\` and `"`
 * escaped. Columns go as one literal string per column, so the importer knows each request's exact size.
 */
function arrayElement(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "number") return String(v);
  return `"${String(v).replace(/[\\"]/g, "\\$&")}"`;
}

/** Bytes of `s` once inside a JSON string (escapes, UTF-8), without the enclosing quotes. */
function jsonBytes(s: string): number {
  // ASCII with nothing to escape is the common case; the rest is measured exactly.
  return /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/.test(s) ? s.length : Buffer.byteLength(JSON.stringify(s)) - 2;
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

function upsertSql(spec: TableSpec<Row>): string {
  const cols = spec.columns.map((c) => ident(c.name));
  const rest = spec.columns.filter((c) => c.name !== spec.pk).map((c) => ident(c.name));
  const arrays = spec.columns.map((c, i) => `$${i + 1}::${c.sql}[]`);
  return `WITH up AS (
  INSERT INTO ${ident(spec.table)} AS t (${cols.join(", ")})
  SELECT * FROM unnest(${arrays.join(", ")})
  ON CONFLICT (${ident(spec.pk)}) DO UPDATE SET ${rest.map((c) => `${c} = EXCLUDED.${c}`).join(", ")}
  WHERE (${rest.map((c) => `t.${c}`).join(", ")}) IS DISTINCT FROM (${rest.map((c) => `EXCLUDED.${c}`).join(", ")})
  RETURNING (t.xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted)::int AS inserted,
       count(*) FILTER (WHERE NOT inserted)::int AS updated,
       set_config('${CHANGES_SETTING}', (current_setting('${CHANGES_SETTING}')::bigint + count(*))::text, true) AS changes
FROM up`;
}

/** Validation of one file: valid rows plus every rejection. Pure (no database). */
interface FileResult {
  rows: Row[];
  counts: TableCounts;
  rejected: Rejection[];
  warnings: string[];
  /** Valid primary keys (the FK targets for later files). */
  ids: Set<Key>;
  /** Primary keys of rejected records -> first line, to explain dangling references. */
  rejectedIds: Map<Key, number>;
  wholeFileRejected: boolean;
}

async function validateFile(
  spec: TableSpec<Row>,
  { header, records }: ParsedCsv,
  targets: Map<TableName, FileResult>,
  progress: (done: number) => void,
): Promise<FileResult> {
  const file = spec.file;
  const out: FileResult = {
    rows: [],
    counts: emptyCounts(),
    rejected: [],
    warnings: [],
    ids: new Set(),
    rejectedIds: new Map(),
    wholeFileRejected: false,
  };
  const reject = (line: number, reason: string) => out.rejected.push({ file, line, reason });
  if (!header) {
    // Empty file, or a header that cannot be read (then nothing after it can be trusted either).
    out.wholeFileRejected = true;
    const why = records[0] && isProblem(records[0]) ? records[0].problem : "the file is empty (no header line)";
    reject(records[0]?.line ?? 1, `${why}; file rejected`);
    return out;
  }
  const h = checkHeader(spec, header.fields);
  if (!h.ok) {
    out.wholeFileRejected = true;
    out.counts.read = out.counts.rejected = records.length;
    reject(header.line, `${h.reason} (${records.length} record${records.length === 1 ? "" : "s"} not imported)`);
    return out;
  }
  out.counts.read = records.length;
  for (const w of h.warnings) out.warnings.push(`${file}:${header.line}: ${w}`);

  const pkIndex = h.indexOf.get(spec.pk)!;
  const firstLine = new Map<Key, number>();
  let done = 0;
  for (const rec of records) {
    if (++done % 2000 === 0) {
      progress(done);
      await yieldToEventLoop();
    }
    if (isProblem(rec)) {
      reject(rec.line, rec.problem);
      continue;
    }
    // Duplicate check on the raw id (normalised like the schema does: "7", "7.0" are the same id).
    const rawPk = rec.fields[pkIndex]?.trim() ?? "";
    const pkNum = /^[+-]?\d+(?:\.0*)?$/.test(rawPk) ? Number(rawPk) : null;
    if (pkNum !== null) {
      const first = firstLine.get(pkNum);
      if (first !== undefined) {
        const also = out.rejectedIds.get(pkNum) === first ? " (that record was rejected too)" : "";
        reject(rec.line, `duplicate ${spec.pk} ${pkNum}: first defined at line ${first}${also}`);
        continue;
      }
      firstLine.set(pkNum, rec.line);
    }
    const v = validateRecord(spec, rec.fields, h.indexOf);
    if (!v.ok) {
      reject(rec.line, v.reason);
      if (pkNum !== null) out.rejectedIds.set(pkNum, rec.line);
      continue;
    }
    const row = v.row;
    const dangling: string[] = [];
    for (const fk of spec.foreignKeys) {
      const ref = row[fk.column] as Key | null;
      if (ref === null || ref === undefined) continue;
      const target = targets.get(fk.table)!;
      if (target.ids.has(ref)) continue;
      const targetFile = TABLE_SPECS.find((s) => s.table === fk.table)!.file;
      let why = `${fk.column} ${ref} does not match any row of ${targetFile}`;
      if (target.wholeFileRejected) why = `${fk.column} ${ref} cannot be checked: ${targetFile} was rejected as a whole`;
      else if (target.rejectedIds.has(ref)) why += ` (${targetFile}:${target.rejectedIds.get(ref)} was rejected)`;
      dangling.push(why);
    }
    if (dangling.length) {
      reject(rec.line, dangling.join("; "));
      out.rejectedIds.set(row[spec.pk] as Key, rec.line);
      continue;
    }
    if (spec.table === "accidents" && row.date === null) {
      out.warnings.push(`${file}:${rec.line}: accident_id ${row.accident_id} has no date; loaded with date NULL (the scorer skips it)`);
    }
    out.ids.add(row[spec.pk] as Key);
    out.rows.push(row);
  }
  out.counts.valid = out.rows.length;
  out.counts.rejected = out.rejected.length;
  return out;
}

/**
 * Upsert statements of at most `maxRows` rows and `maxBytes` bytes each (a statement of one huge row
 * may exceed it; the server then says so). Parameters are array literals, one per column.
 */
function buildStatements(sql: ImportSql, loads: TableLoad[], maxRows: number, maxBytes: number): Statement[] {
  const statements: Statement[] = [];
  for (const { spec, rows } of loads) {
    if (!rows.length) continue;
    const text = upsertSql(spec);
    const ncol = spec.columns.length;
    // {"query":"…","params":["{…}",…]}: the text, then per column two quotes, braces and a comma.
    const fixed = jsonBytes(text) + 24 + ncol * 5;
    let i = 0;
    while (i < rows.length) {
      const columns: string[][] = spec.columns.map(() => []);
      let bytes = fixed;
      const start = i;
      while (i < rows.length && i - start < maxRows) {
        const row = rows[i];
        const cells = spec.columns.map((c) => arrayElement(row[c.name]));
        const rowBytes = cells.reduce((n, e) => n + jsonBytes(e) + 1, 0);
        if (i > start && bytes + rowBytes > maxBytes) break;
        cells.forEach((e, k) => columns[k].push(e));
        bytes += rowBytes;
        i++;
      }
      const params = columns.map((col) => `{${col.join(",")}}`);
      statements.push({ table: spec.table, rows: i - start, bytes, query: sql.query(text, params) });
    }
  }
  return statements;
}

function groupIntoRequests(statements: Statement[], maxBytes: number): Statement[][] {
  const groups: Statement[][] = [];
  let cur: Statement[] = [];
  let size = 0;
  for (const s of statements) {
    if (cur.length && size + s.bytes + 1 > maxBytes) {
      groups.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(s);
    size += s.bytes + 1;
  }
  if (cur.length) groups.push(cur);
  return groups;
}

const errMessage = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Lets timers and sockets run during long synchronous work (keep-alive expiry, progress redraws). */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The request never reached Postgres or its answer was lost (the driver's `fetch` failed) — e.g. a
 * keep-alive connection the server closed just as it was reused. Not SQL errors, not HTTP errors.
 */
const isConnectionError = (e: unknown) => /^Error connecting to database\b/.test(errMessage(e));

/**
 * Runs `fn`, again (up to 3 attempts) after a connection error. Safe for the import because every
 * statement is an idempotent upsert; `onRetry` records that it happened.
 */
async function withRetry<T>(fn: () => Promise<T>, onRetry: (e: unknown) => void, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= attempts || !isConnectionError(e)) throw e;
      onRetry(e);
      await new Promise((r) => setTimeout(r, 150 * attempt));
    }
  }
}

/** The four files' contents by file name, for importing without a folder (e.g. generated demo data). */
export type DatasetFiles = Record<"mountains.csv" | "routes.csv" | "accidents.csv" | "weather.csv", string>;

/**
 * Imports the dataset in `source` — a folder holding the four CSV files, or their contents — through
 * `sql` (a `neon()` query function). Throws ImportError for fatal problems (missing file, database
 * unreachable or failing); rejected records are not fatal and come back in the report.
 */
export async function importDataset(sql: ImportSql, source: string | DatasetFiles, options: ImportOptions = {}): Promise<ImportReport> {
  const t0 = performance.now();
  const onProgress = options.onProgress ?? (() => {});
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const maxRows = Math.max(1, options.maxRowsPerStatement ?? DEFAULT_MAX_ROWS);
  const specs = TABLE_SPECS as unknown as TableSpec<Row>[];
  const dir = typeof source === "string" ? source : "(in memory)";

  // 1. Files must all be there (a missing file is fatal, not a rejection).
  if (typeof source === "string") {
    for (const spec of specs) {
      const path = join(source, spec.file);
      const s = await stat(path).catch(() => null);
      if (!s?.isFile()) throw new ImportError(`missing file: ${path}`);
    }
  } else {
    for (const spec of specs) {
      if (typeof source[spec.file as keyof DatasetFiles] !== "string") throw new ImportError(`missing file: ${spec.file}`);
    }
  }

  // 2. The database must answer before we spend time validating.
  let before: number;
  try {
    before = await withRetry(
      () => readDataVersion(sql as Sql),
      () => {},
    );
  } catch (e) {
    throw new ImportError(`cannot query the database: ${errMessage(e)}`);
  }

  // 3. Read and parse every file.
  const parsed = new Map<TableName, ParsedCsv>();
  for (const [i, spec] of specs.entries()) {
    const text =
      typeof source === "string"
        ? await readFile(join(source, spec.file), "utf8").catch((e) => {
            throw new ImportError(`cannot read ${join(source, spec.file)}: ${errMessage(e)}`);
          })
        : source[spec.file as keyof DatasetFiles];
    parsed.set(spec.table, parseCsv(text));
    onProgress({ phase: "read", table: spec.table, done: i + 1, total: specs.length });
  }

  // 4. Validate in FK order.
  const results = new Map<TableName, FileResult>();
  const total = [...parsed.values()].reduce((n, p) => n + p.records.length, 0);
  let validated = 0;
  for (const spec of specs) {
    const r = await validateFile(spec, parsed.get(spec.table)!, results, (done) =>
      onProgress({ phase: "validate", table: spec.table, done: validated + done, total }),
    );
    results.set(spec.table, r);
    parsed.delete(spec.table);
    validated += r.counts.read;
    onProgress({ phase: "validate", table: spec.table, done: validated, total });
  }

  // 5. Load.
  const tables = {} as Record<TableName, TableCounts>;
  const rejected: Rejection[] = [];
  const warnings: string[] = [];
  for (const spec of specs) {
    const r = results.get(spec.table)!;
    tables[spec.table] = r.counts;
    rejected.push(...r.rejected);
    warnings.push(...r.warnings);
  }
  const loads = specs.map((spec) => ({ spec, rows: results.get(spec.table)!.rows }));
  const budget = Math.max(1024, maxRequestBytes - REQUEST_OVERHEAD_BYTES);
  const statements = buildStatements(sql, loads, maxRows, budget);
  const requests = groupIntoRequests(statements, budget);
  const loadTotal = statements.reduce((n, s) => n + s.rows, 0);
  let loaded = 0;
  let after = before;
  if (requests.length) onProgress({ phase: "load", table: requests[0][0].table, done: 0, total: loadTotal });
  for (const [i, group] of requests.entries()) {
    let res: unknown[][];
    try {
      const send = () => sql.transaction([sql.query(RESET_CHANGES_SQL), ...group.map((s) => s.query), sql.query(BUMP_VERSION_SQL)]) as Promise<unknown[][]>;
      res = await withRetry(send, (e) =>
        warnings.push(
          `request ${i + 1} of ${requests.length} was sent again after a connection error (${errMessage(e)}); ` +
            `if the first attempt had committed, its changes are counted as unchanged`,
        ),
      );
    } catch (e) {
      const what = [...new Set(group.map((s) => s.table))].join(", ");
      const committed = i > 0 ? `; requests 1–${i} were committed` : "; nothing was committed";
      throw new ImportError(`loading ${what} failed (request ${i + 1} of ${requests.length}${committed}): ${errMessage(e)}`);
    }
    group.forEach((s, k) => {
      const [c] = res[k + 1] as { inserted: number; updated: number }[];
      tables[s.table].inserted += Number(c.inserted);
      tables[s.table].updated += Number(c.updated);
    });
    const bumped = res[res.length - 1] as { version: string | number }[];
    if (bumped.length) after = Number(bumped[0].version);
    loaded += group.reduce((n, s) => n + s.rows, 0);
    onProgress({ phase: "load", table: group[group.length - 1].table, done: loaded, total: loadTotal });
  }
  let changed = false;
  for (const c of Object.values(tables)) {
    c.unchanged = c.valid - c.inserted - c.updated;
    if (c.inserted || c.updated) changed = true;
  }
  return {
    dir,
    tables,
    rejected,
    warnings,
    changed,
    dataVersion: { before, after },
    requests: requests.length,
    elapsedMs: Math.round(performance.now() - t0),
  };
}
