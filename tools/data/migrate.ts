/**
 * Schema migrations over Neon's HTTP driver (also used locally through dev/neon-http.ts).
 *
 * - Applied migrations are recorded in `schema_migrations (name PRIMARY KEY, checksum, applied_at)`.
 * - Pending migrations run in name order (`0001_schema`, `0002_...`). Each one, its statements plus its
 *   tracking row, runs in ONE `sql.transaction([...])`: it is applied entirely or not at all.
 * - Idempotent: a second run applies nothing. It refuses to run at all if an applied migration's
 *   text changed (checksum mismatch): write a new migration instead of editing an old one.
 * - Concurrent runs are serialised by a transaction-level advisory lock; the loser's tracking insert
 *   hits the primary key and its migration is reported as skipped.
 *
 * Statement splitting: the HTTP driver sends one statement per query, so a migration is split into
 * statements at every line that ENDS with `;` (trailing spaces allowed). Therefore, in migrations:
 * end each statement with `;` at the end of a line, never end a line inside a string or statement
 * with `;`, and do not use dollar-quoting (`$$ ... $$`, `$fn$`; function bodies would contain such
 * lines): migrations containing dollar quotes are rejected. Lines that are only `--` comments are dropped.
 */
import type { NeonQueryFunction } from "@neondatabase/serverless";

export interface Migration {
  /** File name without directory, e.g. `0001_schema.sql`; migrations apply in name order. */
  name: string;
  sql: string;
}

export interface MigrateResult {
  applied: string[];
  skipped: string[];
}

type Sql = NeonQueryFunction<false, false>;

const LOCK_KEY = 7_203_241; // arbitrary constant for pg_advisory_xact_lock

/** Splits a migration into statements (see the module comment for the rules). */
export function splitStatements(text: string): string[] {
  if (/\$[A-Za-z_]*\$/.test(text)) throw new Error("dollar-quoted strings are not supported in migrations");
  const statements: string[] = [];
  let current: string[] = [];
  for (const line of text.replace(/\r\n?/g, "\n").split("\n")) {
    if (/^\s*--/.test(line) || (!line.trim() && current.length === 0)) continue;
    current.push(line);
    if (line.trimEnd().endsWith(";")) {
      const stmt = current.join("\n").trim().replace(/;$/, "").trim();
      if (stmt) statements.push(stmt);
      current = [];
    }
  }
  const rest = current.join("\n").trim();
  if (rest) statements.push(rest);
  return statements;
}

/** SHA-256 (hex) of the migration text with normalised line endings; Web Crypto (Node and Workers). */
export async function checksum(text: string): Promise<string> {
  const bytes = new TextEncoder().encode(text.replace(/\r\n?/g, "\n"));
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function migrate(sql: Sql, migrations: readonly Migration[]): Promise<MigrateResult> {
  const sorted = [...migrations].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.name === sorted[i - 1]!.name) throw new Error(`duplicate migration name: ${sorted[i]!.name}`);
  }
  // Parse everything before touching the database, so a bad file fails early.
  const prepared = await Promise.all(
    sorted.map(async (m) => {
      if (!m.name) throw new Error("migration without a name");
      let statements: string[];
      try {
        statements = splitStatements(m.sql);
      } catch (e) {
        throw new Error(`migration ${m.name}: ${(e as Error).message}`);
      }
      return { ...m, statements, checksum: await checksum(m.sql) };
    }),
  );

  await sql.query(
    "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
  );
  const appliedRows = async () =>
    new Map(((await sql.query("SELECT name, checksum FROM schema_migrations")) as { name: string; checksum: string }[]).map((r) => [r.name, r.checksum]));
  const done = await appliedRows();
  for (const m of prepared) {
    const recorded = done.get(m.name);
    if (recorded !== undefined && recorded !== m.checksum) {
      throw new Error(
        `migration ${m.name} was changed after it was applied (checksum ${recorded.slice(0, 12)}… in the database, ` +
          `${m.checksum.slice(0, 12)}… now); add a new migration instead of editing an applied one`,
      );
    }
  }

  const result: MigrateResult = { applied: [], skipped: [] };
  for (const m of prepared) {
    if (done.has(m.name)) {
      result.skipped.push(m.name);
      continue;
    }
    try {
      await sql.transaction([
        sql.query("SELECT pg_advisory_xact_lock($1)", [LOCK_KEY]),
        // Tracking row first: a concurrent runner that got here first makes this fail before any DDL.
        sql.query("INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)", [m.name, m.checksum]),
        ...m.statements.map((s) => sql.query(s)),
      ]);
      result.applied.push(m.name);
    } catch (e) {
      const err = e as { code?: string; constraint?: string; message?: string };
      if (err.code === "23505" && (err.constraint === "schema_migrations_pkey" || /schema_migrations/.test(err.message ?? ""))) {
        const now = await appliedRows();
        if (now.get(m.name) !== m.checksum) throw new Error(`migration ${m.name} was applied concurrently with a different checksum`);
        result.skipped.push(m.name);
        continue;
      }
      throw Object.assign(new Error(`migration ${m.name} failed: ${err.message ?? e}`), { cause: e, code: err.code });
    }
  }
  return result;
}
