/**
 * `npm run migrate`: applies migrations/NNNN_*.sql with tools/data/migrate.ts through Neon's HTTP driver.
 *
 * DATABASE_URL        default postgresql://postgres@127.0.0.1:5432/safeascent
 * NEON_HTTP_ENDPOINT  route the driver to this `/sql` URL (e.g. a running dev/neon-http.ts)
 * MIGRATIONS_DIR      default ./migrations
 *
 * For a non-Neon host (127.0.0.1, localhost, a CI service name: anything but *.neon.tech) without
 * NEON_HTTP_ENDPOINT, the dev/neon-http.ts stand-in is started in-process in front of DATABASE_URL,
 * so the same driver and code path as production are used. A Neon host goes straight to Neon.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { neon, neonConfig } from "@neondatabase/serverless";
import { migrate, type Migration, type MigrateResult } from "../data/migrate.ts";

/** The same database `npm start` uses on a local server, so migrate/import feed the running stack. */
export const DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/safeascent";

/** Reads `NNNN_*.sql` files of a directory, in name order (synchronous). */
export function loadMigrations(dir = "migrations"): Migration[] {
  const files = readdirSync(dir)
    .filter((f) => /^\d{4}_.+\.sql$/.test(f))
    .sort();
  return files.map((name) => ({ name, sql: readFileSync(path.join(dir, name), "utf8") }));
}

/** Neon's own hosts (`*.neon.tech`); anything else (127.0.0.1, localhost, a CI service) is a plain Postgres. */
export const isNeonHost = (databaseUrl: string) => /\.neon\.(tech|build)$/i.test(new URL(databaseUrl).hostname);

/**
 * Runs the migrations of `dir` on `databaseUrl`. `neonHttpEndpoint` (a `/sql` URL) routes the driver
 * to a stand-in; without it, a non-Neon host gets an in-process dev/neon-http.ts for the duration.
 */
export async function runMigrations(opts: { databaseUrl: string; neonHttpEndpoint?: string; dir?: string }): Promise<MigrateResult & { via: string }> {
  const migrations = loadMigrations(opts.dir);
  let endpoint = opts.neonHttpEndpoint;
  let clientUrl = opts.databaseUrl;
  let stop = async () => {};
  if (!endpoint && !isNeonHost(opts.databaseUrl)) {
    // A plain local Postgres: create the database if it does not exist yet (Neon's are made in its console).
    const { createDatabase, withDatabase } = await import("../../dev/postgres.ts");
    const name = decodeURIComponent(new URL(opts.databaseUrl).pathname.slice(1));
    if (name) await createDatabase(withDatabase(opts.databaseUrl, "postgres"), name, { recreate: false });
    const { startNeonHttp } = await import("../../dev/neon-http.ts");
    const srv = await startNeonHttp({ databaseUrl: opts.databaseUrl, webSocket: false });
    endpoint = srv.endpoint;
    clientUrl = srv.connectionString; // the stand-in checks credentials like Neon: use the ones it expects
    stop = srv.close;
  }
  const previous = neonConfig.fetchEndpoint;
  if (endpoint) {
    const url = endpoint;
    neonConfig.fetchEndpoint = () => url;
  }
  try {
    const result = await migrate(neon(clientUrl), migrations);
    return { ...result, via: !endpoint ? "Neon" : opts.neonHttpEndpoint ? endpoint : `in-process neon-http stand-in (${endpoint})` };
  } finally {
    neonConfig.fetchEndpoint = previous;
    await stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const u = new URL(databaseUrl);
  try {
    const r = await runMigrations({
      databaseUrl,
      neonHttpEndpoint: process.env.NEON_HTTP_ENDPOINT || undefined,
      dir: process.env.MIGRATIONS_DIR || "migrations",
    });
    console.log(`migrate: ${u.hostname}:${u.port || 5432}${u.pathname} via ${r.via}`);
    for (const n of r.applied) console.log(`  applied  ${n}`);
    for (const n of r.skipped) console.log(`  skipped  ${n} (already applied)`);
    console.log(`migrate: ${r.applied.length} applied, ${r.skipped.length} already applied`);
  } catch (e) {
    console.error(`migrate failed: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
