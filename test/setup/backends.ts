/**
 * vitest globalSetup shared by both projects (runs once per run, in the vitest Node process).
 *
 * 1. Redis: REDIS_URL, else 127.0.0.1:6379, else a spawned redis-server, else in-memory (dev/redis.ts).
 * 2. Postgres: DATABASE_URL, else 127.0.0.1:5432, else embedded PGlite (dev/postgres.ts). On a real
 *    server a fresh database `safeascent_test` is created (drop + create; TEST_DATABASE_NAME overrides).
 *    If another run is using it right now (each run holds a session on its database), this run takes
 *    `safeascent_test_<pid>` instead (dropped on teardown) rather than killing the other run's sessions.
 * 3. Migrations (migrations/*.sql) through tools/data/migrate.ts -> neon() -> the Neon HTTP stand-in,
 *    then the shared reference dataset (../shared/data/safeascent, TEST_DATA_DIR overrides, "none"
 *    skips) is imported with tools/data/importer.ts when the database has no routes yet. A failing
 *    import is reported on the backends line and does not stop the run (tests needing data will fail).
 * 4. Stand-ins on ephemeral ports: Upstash REST, Neon HTTP (checking the credentials it hands out as
 *    `workerDatabaseUrl`, with Neon's size limits), Open-Meteo. Their test controls (faults, stats)
 *    are at `<stand-in>/__standin/...` (dev/README.md).
 * 5. One line: `backends: redis=... , postgres=... via neon-http, open-meteo=stand-in`.
 *
 * TEST_BACKENDS=embedded ignores REDIS_URL/DATABASE_URL and local servers and uses the fallbacks
 * (in-memory Redis, embedded PGlite), to check that path.
 *
 * Tests read the results with `inject("<key>")` (typed below). Redis is NOT flushed: tests must use
 * their own key prefixes.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { neon, neonConfig } from "@neondatabase/serverless";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startNeonHttp } from "../../dev/neon-http.ts";
import { startOpenMeteo } from "../../dev/open-meteo.ts";
import { createDatabase, dropDatabase, resolvePostgres, withAdmin, withDatabase } from "../../dev/postgres.ts";
import { resolveRedis } from "../../dev/redis.ts";
import { startUpstashRest } from "../../dev/upstash-rest.ts";
import { runMigrations } from "../../tools/cli/migrate.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Upstash REST stand-in base URL and its token. */
    upstashUrl: string;
    upstashToken: string;
    /** DATABASE_URL for the Worker's neon(): the Neon stand-in's credentials (it checks them) at its address. */
    workerDatabaseUrl: string;
    /** Neon HTTP stand-in `/sql` URL (NEON_HTTP_ENDPOINT). */
    neonHttpEndpoint: string;
    /** Open-Meteo stand-in base URL (forecast and archive). */
    openMeteoUrl: string;
    /** Direct postgres:// URL of the migrated test database, for Node-side tests. */
    databaseUrl: string;
    /** The Postgres server's URL (any database on it) for tests that create their own databases. */
    postgresAdminUrl: string;
    postgresKind: "env" | "local-server" | "embedded-pglite";
    /** Real Redis URL, or "" when the Upstash stand-in runs on its in-memory backend. */
    redisUrl: string;
    redisKind: "env" | "local-server" | "spawned" | "memory";
    /** What the test database holds: "shared dataset (N routes)", "none", or an import error. */
    dataset: string;
    /** Largest request body the Neon stand-in saw while the dataset was imported (0 when nothing was imported). */
    importMaxRequestBytes: number;
    /** Human summary of the backends, as printed. */
    backends: string;
  }
}

const TEST_DB = process.env.TEST_DATABASE_NAME || "safeascent_test";
const DATA_DIR = process.env.TEST_DATA_DIR || resolve(import.meta.dirname, "../../../shared/data/safeascent");
const LOCK_KEY = 7_203_242; // pg_advisory_lock while choosing/creating/migrating the test database

export default async function setup(project: TestProject) {
  const closers: (() => Promise<void>)[] = [];
  const teardown = async () => {
    for (const close of closers.reverse()) await close().catch((e) => console.error(`backends teardown: ${e}`));
  };
  try {
    const embedded = process.env.TEST_BACKENDS === "embedded";
    const [redis, pgSrv] = await Promise.all([
      embedded ? resolveRedis({ useEnv: false, local: false, spawn: false }) : resolveRedis(),
      embedded ? resolvePostgres({ useEnv: false, local: false }) : resolvePostgres({ database: "postgres" }),
    ]);
    closers.push(redis.close, pgSrv.close);

    // Choose the database, start the Neon stand-in on it and migrate through it.
    const prepare = async (databaseUrl: string) => {
      const neonHttp = await startNeonHttp({ databaseUrl });
      closers.push(neonHttp.close);
      const migrated = await runMigrations({ databaseUrl: neonHttp.connectionString, neonHttpEndpoint: neonHttp.endpoint });
      neonHttp.resetStats();
      const dataset = await seed(neonHttp.connectionString, neonHttp.endpoint);
      return { databaseUrl, neonHttp, migrated, dataset, importMaxRequestBytes: neonHttp.stats().maxRequestBytes };
    };
    const { databaseUrl, neonHttp, migrated, dataset, importMaxRequestBytes } =
      pgSrv.kind === "embedded-pglite"
        ? await prepare(pgSrv.databaseUrl)
        : // Serialise concurrent test runs on this server while the database is chosen and migrated.
          await withAdmin(pgSrv.databaseUrl, async (admin) => {
            await admin.query("SELECT pg_advisory_lock($1)", [LOCK_KEY]);
            try {
              const busy = await admin.query("SELECT 1 FROM pg_stat_activity WHERE datname = $1 LIMIT 1", [TEST_DB]);
              let name = TEST_DB;
              if (busy.rowCount) {
                name = `${TEST_DB}_${process.pid}`;
                closers.push(() => dropDatabase(pgSrv.databaseUrl, name));
              }
              const url = await createDatabase(pgSrv.databaseUrl, name, { recreate: true });
              // Hold a session on it for the whole run: it marks the database busy for other runs.
              const holder = new pg.Client({ connectionString: url });
              holder.on("error", () => {});
              await holder.connect();
              closers.push(() => holder.end());
              return await prepare(url);
            } finally {
              await admin.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY]).catch(() => {});
            }
          });

    // The machine's Redis is shared with `npm start` (database 0): tests use database 15, so neither
    // sees the other's safety_score:* keys or warming locks.
    const redisUrl = redis.kind === "local-server" && redis.redisUrl ? `${redis.redisUrl}/15` : redis.redisUrl;
    const token = `test-${randomBytes(12).toString("hex")}`;
    const [upstash, meteo] = await Promise.all([startUpstashRest({ token, redisUrl }), startOpenMeteo()]);
    closers.push(upstash.close, meteo.close);

    const db = new URL(databaseUrl);
    const real = (kind: string) => (kind === "env" ? "env" : kind === "local-server" ? "real" : kind);
    const backends =
      `redis=${redisUrl ?? "in-memory"} (${real(redis.kind)}) via upstash-rest, ` +
      `postgres=${db.hostname}:${db.port || 5432}${db.pathname} (${real(pgSrv.kind)}) via neon-http ` +
      `[migrations: ${migrated.applied.length} applied, ${migrated.skipped.length} already; data: ${dataset}], open-meteo=stand-in`;

    project.provide("upstashUrl", upstash.url);
    project.provide("upstashToken", token);
    project.provide("workerDatabaseUrl", neonHttp.connectionString);
    project.provide("neonHttpEndpoint", neonHttp.endpoint);
    project.provide("openMeteoUrl", meteo.url);
    project.provide("databaseUrl", databaseUrl);
    project.provide("postgresAdminUrl", pgSrv.kind === "embedded-pglite" ? pgSrv.databaseUrl : withDatabase(pgSrv.databaseUrl, "postgres"));
    project.provide("postgresKind", pgSrv.kind);
    project.provide("redisUrl", redisUrl ?? "");
    project.provide("redisKind", redis.kind);
    project.provide("dataset", dataset);
    project.provide("importMaxRequestBytes", importMaxRequestBytes);
    project.provide("backends", backends);
    console.log(`backends: ${backends}`);
  } catch (e) {
    await teardown();
    throw e;
  }
  return teardown;
}

/** Imports the reference dataset into an empty database (through the Neon stand-in); returns what it holds. */
async function seed(connectionString: string, endpoint: string): Promise<string> {
  const previous = neonConfig.fetchEndpoint;
  neonConfig.fetchEndpoint = () => endpoint;
  try {
    const sql = neon(connectionString);
    const count = async () => ((await sql`SELECT count(*)::int AS n FROM routes`) as [{ n: number }])[0].n;
    const before = await count();
    if (before > 0) return `${before} routes already`;
    if (DATA_DIR === "none" || !existsSync(DATA_DIR)) return "none";
    try {
      const { importDataset } = await import("../../tools/data/importer.ts");
      await importDataset(sql, DATA_DIR);
      return `shared dataset (${await count()} routes)`;
    } catch (e) {
      return `IMPORT FAILED (${(e as Error).message.split("\n")[0]})`;
    }
  } finally {
    neonConfig.fetchEndpoint = previous;
  }
}
