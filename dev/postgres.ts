/**
 * Finds a Postgres for local development and tests, in this order:
 *  1. `databaseUrl` option or `DATABASE_URL`                    kind "env" (used as given)
 *  2. a server on 127.0.0.1:5432 that answers `SELECT 1`         kind "local-server"
 *     -> `postgresql://postgres@127.0.0.1:5432/<database>` (trust auth, as on dev machines and CI)
 *  3. an embedded PGlite served over the Postgres wire protocol by @electric-sql/pglite-socket
 *     (in-process, ~5 s to start, optional persistent `dataDir` such as `.dev-data/pglite`)
 *                                                              kind "embedded-pglite"
 *
 * PGlite is ONE single-user session behind the socket. pglite-socket queues the connections' queries
 * and, while a transaction is open, runs only that connection's, so transactions stay whole; but
 * session state (SET, temp tables, advisory locks) is shared by all connections. It has a single
 * database, so `createDatabase` is for real servers only.
 *
 * Standalone: `npx tsx dev/postgres.ts [--data-dir .dev-data/pglite]` prints the URL it found/started.
 */
import { mkdirSync } from "node:fs";
import net from "node:net";
import { pathToFileURL } from "node:url";
import pg from "pg";

export type PostgresKind = "env" | "local-server" | "embedded-pglite";

export interface ResolvedPostgres {
  databaseUrl: string;
  kind: PostgresKind;
  close(): Promise<void>;
}

export interface ResolvePostgresOptions {
  databaseUrl?: string;
  /** Read DATABASE_URL when no databaseUrl is given (default true). */
  useEnv?: boolean;
  /** Database name on the local server (default "test"). */
  database?: string;
  /** PGlite data directory (default: in memory). */
  dataDir?: string;
  /** Probe 127.0.0.1:5432 (default true). */
  local?: boolean;
  /** Allow the embedded fallback (default true). */
  embedded?: boolean;
  probeTimeoutMs?: number;
}

const noop = async () => {};

/** True when a TCP connection to host:port opens within timeoutMs. */
export function portOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once("error", () => done(false));
    sock.once("connect", () => done(true));
  });
}

/** True when `SELECT 1` succeeds on the URL within timeoutMs. */
export async function canQuery(databaseUrl: string, timeoutMs = 2000): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: timeoutMs });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** The same URL pointing at another database on the same server. */
export function withDatabase(databaseUrl: string, name: string): string {
  const u = new URL(databaseUrl);
  u.pathname = `/${encodeURIComponent(name)}`;
  return u.toString();
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Creates database `name` on the server of `adminUrl` (connecting to its `postgres` maintenance
 * database, or to adminUrl itself if that fails) and returns its URL. `recreate` drops it first,
 * terminating other sessions on it. Without `recreate` an existing database is kept.
 */
export async function createDatabase(adminUrl: string, name: string, opts: { recreate?: boolean } = {}): Promise<string> {
  return withAdmin(adminUrl, async (admin) => {
    if (opts.recreate) await dropDatabaseWith(admin, name);
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!exists.rowCount) {
      try {
        await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
      } catch (e) {
        if ((e as { code?: string }).code !== "42P04") throw e; // created concurrently: fine
      }
    }
    return withDatabase(adminUrl, name);
  });
}

/** Drops database `name` (if it exists), terminating its sessions. */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withAdmin(adminUrl, (admin) => dropDatabaseWith(admin, name));
}

async function dropDatabaseWith(admin: pg.Client, name: string) {
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  } catch (e) {
    if ((e as { code?: string }).code !== "42601") throw e; // before PG 13: no WITH (FORCE)
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [name]);
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
  }
}

/** Runs fn with a client on the server's maintenance database. */
export async function withAdmin<T>(adminUrl: string, fn: (admin: pg.Client) => Promise<T>): Promise<T> {
  let admin: pg.Client | undefined;
  for (const url of [withDatabase(adminUrl, "postgres"), adminUrl]) {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    c.on("error", () => {});
    try {
      await c.connect();
      admin = c;
      break;
    } catch (e) {
      await c.end().catch(() => {});
      if (url === adminUrl) throw e;
    }
  }
  try {
    return await fn(admin!);
  } finally {
    await admin!.end().catch(() => {});
  }
}

/** Starts PGlite behind a Postgres socket server on 127.0.0.1 (ephemeral port unless given). */
export async function startEmbeddedPglite(opts: { port?: number; dataDir?: string } = {}): Promise<ResolvedPostgres> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  const db = opts.dataDir ? new PGlite(opts.dataDir) : new PGlite();
  await db.waitReady;
  let port = opts.port ?? 0;
  if (!port)
    port = await new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      s.once("error", reject);
      s.listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
  const server = new PGLiteSocketServer({ db, port, host: "127.0.0.1", maxConnections: 64 });
  await server.start();
  const deadline = Date.now() + 15_000;
  while (!(await portOpen("127.0.0.1", port, 300))) {
    if (Date.now() > deadline) throw new Error(`pglite-socket did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    databaseUrl: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    kind: "embedded-pglite",
    async close() {
      await server.stop().catch(() => {});
      await db.close().catch(() => {});
    },
  };
}

export async function resolvePostgres(opts: ResolvePostgresOptions = {}): Promise<ResolvedPostgres> {
  const given = opts.databaseUrl ?? (opts.useEnv === false ? undefined : process.env.DATABASE_URL);
  if (given) return { databaseUrl: given, kind: "env", close: noop };
  const local = `postgresql://postgres@127.0.0.1:5432/${opts.database ?? "test"}`;
  if (opts.local !== false && (await portOpen("127.0.0.1", 5432, opts.probeTimeoutMs ?? 500)) && (await canQuery(withDatabase(local, "postgres")))) {
    return { databaseUrl: local, kind: "local-server", close: noop };
  }
  if (opts.embedded === false) throw new Error("no Postgres: DATABASE_URL unset and nothing usable on 127.0.0.1:5432");
  return startEmbeddedPglite({ dataDir: opts.dataDir });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf("--data-dir");
  const r = await resolvePostgres({ dataDir: i >= 0 ? process.argv[i + 1] : undefined });
  console.log(`postgres: ${r.databaseUrl} (${r.kind})`);
  if (r.kind === "embedded-pglite") {
    const stop = () => r.close().then(() => process.exit(0));
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  }
}
