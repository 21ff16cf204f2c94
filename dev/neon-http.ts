/**
 * Neon serverless-driver stand-in: the HTTP `/sql` endpoint (and optionally the WebSocket proxy) in
 * front of any Postgres, so `neon()` from @neondatabase/serverless (1.2) runs unchanged locally — and
 * fails the way Neon's proxy fails (shapes from neondatabase/neon proxy/src/serverless/sql_over_http.rs;
 * see test/fixtures/neon/README.md for each body and its source).
 * Point the driver at it with `neonConfig.fetchEndpoint = () => "<url>/sql"` (env NEON_HTTP_ENDPOINT)
 * and give it `srv.connectionString` (the credentials below) as the connection string.
 *
 * HTTP, `POST /sql` (what the driver sends; all params arrive as text or null, bytea as `\x..` hex):
 *  - `{query, params}` -> `{fields:[{name,dataTypeID,tableID,columnID,dataTypeSize,dataTypeModifier,format}],
 *    rows, command, rowCount, rowAsArray}`; values are Postgres TEXT output (the driver parses by OID).
 *  - `{queries:[{query, params}, ...]}` -> `{results:[...]}`, all in ONE transaction: BEGIN with
 *    `Neon-Batch-Isolation-Level` (ReadUncommitted|ReadCommitted|RepeatableRead|Serializable),
 *    `Neon-Batch-Read-Only`, `Neon-Batch-Deferrable`; COMMIT, or ROLLBACK on the first error.
 *  - `Neon-Array-Mode: false` returns rows as objects. Queries use the extended protocol like Neon,
 *    so one query holds one statement.
 *  - Credentials: `Neon-Connection-String` must name the user, password and database the stand-in was
 *    started for (`credentials`, default: those of `databaseUrl`, with a generated password when it
 *    has none). Like Neon: no header / bad URL / no user / no database / no password -> 400
 *    (`invalid header: neon-connection-string`, `missing username`, `missing authentication
 *    credentials: required password`, ...); wrong user or password -> 400 `password authentication
 *    failed for user '<u>'` (code ""); unknown database -> 500 with the server's FATAL 3D000 fields.
 *    The host is not checked (one endpoint) and local Postgres runs with trust auth, so this check is
 *    the only one.
 *  - Errors always carry Neon's full field set (`message, code, detail, hint, position, internalPosition,
 *    internalQuery, severity, where, table, column, schema, dataType, constraint, file, line, routine`,
 *    null or "" when absent). A Postgres error in a query -> 400 with its fields (driver: `NeonDbError`
 *    with `.code`); the connection lost during a query -> 400 `connection closed`; the backing Postgres
 *    refusing or unreachable at connect -> 500 (its FATAL fields, or `error connecting to server:
 *    Connection refused (os error 111)`), never Node's own ECONNREFUSED text.
 *  - Limits: request body > `maxRequestBytes` -> 413 `request is too large (max is N bytes)`; response
 *    > `maxResponseBytes` -> 507 `response is too large (max is N bytes)` (defaults: 64 MB each, Neon's
 *    documented HTTP limits, read as 64,000,000 bytes so the stand-in is never laxer).
 *  - Session state never leaks: every pooled connection runs `DISCARD ALL` before it is reused (a
 *    connection that cannot is dropped), as each Neon HTTP request starts from a clean session.
 *  - `GET /health` -> `{ok, database}` after `SELECT 1`. OPTIONS (CORS preflight) is answered.
 *
 * Test controls (loopback only, no auth; see dev/README.md):
 *  - `GET /__standin/stats`, `POST /__standin/stats/reset`: requests, queries, transactions, errors,
 *    faults served, session resets, largest request/response body in bytes.
 *  - `PUT /__standin/fault` `{mode, times?, scope?, status?, body?}`, `DELETE /__standin/fault[?scope=s]`:
 *    answer the next `times` (default: all) requests as a suspended / unreachable / restarting compute,
 *    a cancelled query, or hang / reset the connection (see NEON_FAULTS). `scope` limits a fault to
 *    requests whose connection string carries `?standin_scope=<scope>` (so one test can fail its own
 *    requests on a shared stand-in). Also as the `fault` start option or `srv.setFault()`.
 *
 * WebSocket (for `Pool`/`Client`): `GET /v1?address=host:port` upgrades and pipes the Postgres wire
 * protocol to the configured database's host:port (the address is ignored; credentials are whatever
 * the Postgres server checks). Needs on the client `neonConfig.wsProxy = srv.wsProxy`,
 * `useSecureWebSocket = false`, `pipelineConnect = false` (and `webSocketConstructor = ws` in Node).
 * A frame ending in a Terminate message ('X') ends the TCP side (pglite-socket does not close on it).
 *
 * Not emulated: `Neon-Raw-Text-Output: false` (values are always text, which is all the driver asks
 * for), auth tokens / JWT (`Authorization` is ignored), `Neon-Pool-Opt-In`, Neon's 15 s proxy timeout.
 *
 * Standalone: `npx tsx dev/neon-http.ts [--port 4444] [--database-url postgresql://...]`.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import net from "node:net";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { WebSocketServer } from "ws";
import { FaultSwitch, readBody } from "./standin-http.ts";

/** Neon's documented HTTP limits: "a maximum request and response size of 64 MB" (neon.com FAQ, serverless driver). */
export const NEON_MAX_REQUEST_BYTES = 64_000_000;
export const NEON_MAX_RESPONSE_BYTES = 64_000_000;

export interface NeonCredentials {
  user: string;
  password: string;
  database: string;
}

/** Named failures (`mode`), each answered with the status and body Neon sends for it. */
export const NEON_FAULTS = [
  "control-plane-unavailable", // 500 "Control plane request failed" (waking a suspended compute failed)
  "compute-unreachable", // 500 "error connecting to server: Connection refused (os error 111)"
  "not-accepting-connections", // 500 FATAL 55000 database "…" is not currently accepting connections
  "cannot-connect-now", // 500 FATAL 57P03 the database system is starting up
  "too-many-connections", // 500 FATAL 53300 sorry, too many clients already
  "admin-shutdown", // 400 FATAL 57P01 terminating connection due to administrator command
  "query-cancelled", // 400 ERROR 57014 canceling statement due to statement timeout
  "hang", // never answers (until the client gives up or the stand-in closes)
  "reset", // closes the connection without an answer (fetch fails)
  "respond", // answers `status` (default 500) with `body` (default a Neon error body)
] as const;
export type NeonFaultMode = (typeof NEON_FAULTS)[number];

export interface NeonFault {
  mode: NeonFaultMode;
  /** How many requests to fail; default: every request until cleared. */
  times?: number;
  /** Only requests whose connection string has `standin_scope=<scope>`. */
  scope?: string;
  /** For mode "respond". */
  status?: number;
  body?: unknown;
}

export interface NeonHttpOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  host?: string;
  /** The Postgres every request runs on. */
  databaseUrl: string;
  /** What clients must present (default: user, password and database of databaseUrl; a generated password if it has none). */
  credentials?: Partial<NeonCredentials>;
  /** pg pool size (default 10). */
  poolSize?: number;
  /** Serve the WebSocket proxy on /v1 (default true). */
  webSocket?: boolean;
  maxRequestBytes?: number;
  maxResponseBytes?: number;
  /** A fault active from the start (tests; also settable at run time). */
  fault?: NeonFault;
}

export interface NeonHttpStats {
  requests: number;
  queries: number;
  transactions: number;
  errors: number;
  faultsServed: number;
  sessionResets: number;
  /** Largest `/sql` request body seen, bytes. */
  maxRequestBytes: number;
  /** Largest `/sql` response body sent, bytes. */
  maxResponseBytes: number;
}

export interface NeonHttpServer {
  /** Base URL, e.g. http://127.0.0.1:4444 */
  url: string;
  /** The `/sql` URL for `neonConfig.fetchEndpoint` / NEON_HTTP_ENDPOINT. */
  endpoint: string;
  port: number;
  /** The backing Postgres. */
  databaseUrl: string;
  /** The connection string clients must use (DATABASE_URL for the Worker): credentials @ this stand-in. */
  connectionString: string;
  credentials: NeonCredentials;
  limits: { maxRequestBytes: number; maxResponseBytes: number };
  /** For `neonConfig.wsProxy`. */
  wsProxy: (host: string, port: number | string) => string;
  stats(): NeonHttpStats;
  resetStats(): void;
  /** Sets (or with null clears) the fault for its scope. */
  setFault(fault: NeonFault | null, scope?: string): void;
  close(): Promise<void>;
}

interface QueryIn {
  query: string;
  params?: unknown[];
}

const ERROR_FIELDS = [
  "code",
  "detail",
  "hint",
  "position",
  "internalPosition",
  "internalQuery",
  "severity",
  "where",
  "table",
  "column",
  "schema",
  "dataType",
  "constraint",
  "file",
  "line",
  "routine",
] as const;

/** Fields Neon sends as "" rather than null when there is no database error. */
const EMPTY_STRING_FIELDS = new Set(["code", "severity"]);

/** Neon's error body: every field present, "" or null when absent (as in sql_over_http.rs). */
export function neonErrorBody(message: string, fields: Partial<Record<(typeof ERROR_FIELDS)[number], string>> = {}): Record<string, unknown> {
  const body: Record<string, unknown> = { message };
  for (const f of ERROR_FIELDS) body[f] = fields[f] ?? (EMPTY_STRING_FIELDS.has(f) ? "" : null);
  return body;
}

const ISOLATION: Record<string, string> = {
  ReadUncommitted: "READ UNCOMMITTED",
  ReadCommitted: "READ COMMITTED",
  RepeatableRead: "REPEATABLE READ",
  Serializable: "SERIALIZABLE",
};

/** Every type parses to its raw text: the Neon driver parses by OID on its side. */
const rawText = { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig;

/** An answer Neon's proxy gives instead of running the request. */
class NeonAnswer extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(typeof body === "object" && body && "message" in body ? String((body as { message: unknown }).message) : `HTTP ${status}`);
  }
}
const userError = (message: string) => new NeonAnswer(400, neonErrorBody(message));

function toParam(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "string") return v;
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function parseQuery(q: unknown): QueryIn {
  const o = q as QueryIn;
  if (!o || typeof o !== "object" || typeof o.query !== "string")
    throw userError("could not parse the HTTP request body: expected {query, params} or {queries: [...]}");
  if (o.params !== undefined && !Array.isArray(o.params)) throw userError("could not parse the HTTP request body: params must be an array");
  return o;
}

async function runQuery(client: pg.PoolClient, q: QueryIn, arrayMode: boolean) {
  const config = { text: q.query, values: (q.params ?? []).map(toParam), rowMode: "array", queryMode: "extended" };
  const r = (await client.query(config as pg.QueryArrayConfig)) as pg.QueryArrayResult;
  const fields = r.fields.map((f) => ({
    name: f.name,
    dataTypeID: f.dataTypeID,
    tableID: f.tableID,
    columnID: f.columnID,
    dataTypeSize: f.dataTypeSize,
    dataTypeModifier: f.dataTypeModifier,
    format: f.format,
  }));
  const rows = arrayMode ? r.rows : r.rows.map((row) => Object.fromEntries(fields.map((f, i) => [f.name, row[i]])));
  return { fields, rows, command: r.command, rowCount: r.rowCount, rowAsArray: arrayMode };
}

/** A pg error's SQLSTATE, if it is a database-side error (not a socket error like ECONNREFUSED). */
const sqlStateOf = (e: unknown): string | undefined => {
  const code = (e as { code?: unknown })?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
};

function dbErrorBody(e: unknown) {
  const err = e as Error & Record<string, unknown>;
  const fields: Record<string, string> = {};
  for (const f of ERROR_FIELDS) if (err?.[f] !== undefined && err[f] !== null) fields[f] = String(err[f]);
  return neonErrorBody(err?.message ?? String(e), fields);
}

/** Rust's io::Error text for the socket errors Node reports, as Neon's proxy prints them. */
const IO_TEXT: Record<string, string> = {
  ECONNREFUSED: "Connection refused (os error 111)",
  ECONNRESET: "Connection reset by peer (os error 104)",
  EHOSTUNREACH: "No route to host (os error 113)",
  ENETUNREACH: "Network is unreachable (os error 101)",
  ETIMEDOUT: "connection timed out",
};

/** The backing Postgres failed while we connected: Neon's 500 with its FATAL fields, or its connect error. */
function connectFailure(e: unknown): NeonAnswer {
  if (sqlStateOf(e)) return new NeonAnswer(500, dbErrorBody(e));
  const code = String((e as { code?: unknown })?.code ?? "");
  return new NeonAnswer(500, neonErrorBody(`error connecting to server: ${IO_TEXT[code] ?? "Connection reset by peer (os error 104)"}`));
}

/** A query failed: a database error keeps its fields (400); a lost connection is Neon's 400 "connection closed". */
function queryFailure(e: unknown): NeonAnswer {
  if (e instanceof NeonAnswer) return e;
  if (sqlStateOf(e)) return new NeonAnswer(400, dbErrorBody(e));
  return new NeonAnswer(400, neonErrorBody("connection closed"));
}

/** Status and body of a named fault (database name for the messages that carry it). */
export function neonFaultAnswer(fault: NeonFault, database: string): { status: number; body: unknown } {
  const fatal = (code: string, message: string, file: string, routine: string) => neonErrorBody(message, { code, severity: "FATAL", file, routine });
  switch (fault.mode) {
    case "control-plane-unavailable":
      return { status: 500, body: neonErrorBody("Control plane request failed") };
    case "compute-unreachable":
      return { status: 500, body: neonErrorBody("error connecting to server: Connection refused (os error 111)") };
    case "not-accepting-connections":
      return { status: 500, body: fatal("55000", `database "${database}" is not currently accepting connections`, "postinit.c", "CheckMyDatabase") };
    case "cannot-connect-now":
      return { status: 500, body: fatal("57P03", "the database system is starting up", "postmaster.c", "ProcessStartupPacket") };
    case "too-many-connections":
      return { status: 500, body: fatal("53300", "sorry, too many clients already", "proc.c", "InitProcess") };
    case "admin-shutdown":
      return { status: 400, body: fatal("57P01", "terminating connection due to administrator command", "postgres.c", "ProcessInterrupts") };
    case "query-cancelled":
      return {
        status: 400,
        body: neonErrorBody("canceling statement due to statement timeout", {
          code: "57014",
          severity: "ERROR",
          file: "postgres.c",
          routine: "ProcessInterrupts",
        }),
      };
    case "respond":
      return { status: fault.status ?? 500, body: fault.body ?? neonErrorBody("Control plane request failed") };
    default:
      throw new Error(`fault ${fault.mode} has no answer`);
  }
}

const header = (req: http.IncomingMessage, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

function beginStatement(req: http.IncomingMessage): string {
  const iso = header(req, "neon-batch-isolation-level");
  const ro = header(req, "neon-batch-read-only");
  const def = header(req, "neon-batch-deferrable");
  let sql = "BEGIN";
  if (iso) {
    if (!ISOLATION[iso]) throw userError("invalid isolation level");
    sql += ` ISOLATION LEVEL ${ISOLATION[iso]}`;
  }
  if (ro === "true") sql += " READ ONLY";
  if (def === "true") sql += " DEFERRABLE";
  return sql;
}

/** The connection string's user/password/database, checked like Neon's proxy does (get_conn_info, auth). */
function checkConnectionString(raw: string | undefined, expected: NeonCredentials): { scope?: string } {
  if (!raw) throw userError("invalid header: neon-connection-string");
  let u: URL;
  try {
    u = new URL(raw);
  } catch (e) {
    throw userError(`invalid connection string: ${(e as Error).message}`);
  }
  if (u.protocol !== "postgres:" && u.protocol !== "postgresql:") throw userError("incorrect scheme");
  const database = decodeURIComponent(u.pathname.replace(/^\//, ""));
  if (!database) throw userError("missing database name");
  const user = decodeURIComponent(u.username);
  if (!user) throw userError("missing username");
  const password = decodeURIComponent(u.password);
  if (!password) throw userError("missing authentication credentials: required password");
  if (user !== expected.user || password !== expected.password) throw userError(`password authentication failed for user '${user}'`);
  if (database !== expected.database) {
    // The role authenticates, then the compute refuses the database at connect: Neon's 500 with the FATAL.
    throw new NeonAnswer(
      500,
      neonErrorBody(`database "${database}" does not exist`, { code: "3D000", severity: "FATAL", file: "postinit.c", routine: "InitPostgres" }),
    );
  }
  return { scope: scopeOf(raw) };
}

/** The `standin_scope` parameter of a connection string, if it parses. */
function scopeOf(raw: string | undefined): string | undefined {
  if (!raw || !URL.canParse(raw)) return undefined;
  return new URL(raw).searchParams.get("standin_scope") ?? undefined;
}

export async function startNeonHttp(opts: NeonHttpOptions): Promise<NeonHttpServer> {
  const backing = new URL(opts.databaseUrl);
  const credentials: NeonCredentials = {
    user: opts.credentials?.user ?? (decodeURIComponent(backing.username) || "postgres"),
    password: opts.credentials?.password ?? (decodeURIComponent(backing.password) || `standin_${randomBytes(12).toString("hex")}`),
    database: opts.credentials?.database ?? (decodeURIComponent(backing.pathname.replace(/^\//, "")) || "postgres"),
  };
  const limits = {
    maxRequestBytes: opts.maxRequestBytes ?? NEON_MAX_REQUEST_BYTES,
    maxResponseBytes: opts.maxResponseBytes ?? NEON_MAX_RESPONSE_BYTES,
  };
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10, types: rawText, idleTimeoutMillis: 10_000 });
  pool.on("error", () => {}); // an idle client dropping is not fatal; the next request reconnects
  const zero = (): NeonHttpStats => ({
    requests: 0,
    queries: 0,
    transactions: 0,
    errors: 0,
    faultsServed: 0,
    sessionResets: 0,
    maxRequestBytes: 0,
    maxResponseBytes: 0,
  });
  let counters = zero();
  const faults = new FaultSwitch<NeonFault>(NEON_FAULTS, userError, () => counters.faultsServed++);
  const sockets = new Set<net.Socket>();
  const quiet = new WeakSet<pg.PoolClient>();
  const hung = new Set<http.ServerResponse>();

  if (opts.fault) faults.set(opts.fault);

  /** A pooled connection with a clean session (Neon never hands one request's session state to the next). */
  const withClient = async <T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (e) {
      throw connectFailure(e);
    }
    // A checked-out client reports a dropped connection as an 'error' event too; the failing query answers it.
    if (!quiet.has(client)) {
      client.on("error", () => {});
      quiet.add(client);
    }
    let broken = false;
    try {
      return await fn(client);
    } catch (e) {
      broken = !sqlStateOf(e);
      throw e;
    } finally {
      if (!broken) {
        try {
          await client.query("DISCARD ALL");
          counters.sessionResets++;
        } catch {
          broken = true; // a session we cannot reset is not reused
        }
      }
      client.release(broken);
    }
  };

  const handleSql = async (req: http.IncomingMessage): Promise<{ status: number; body: unknown }> => {
    const { scope } = checkConnectionString(header(req, "neon-connection-string"), credentials);
    const { text, bytes, tooLarge } = await readBody(req, limits.maxRequestBytes);
    counters.maxRequestBytes = Math.max(counters.maxRequestBytes, bytes);
    if (tooLarge) return { status: 413, body: neonErrorBody(`request is too large (max is ${limits.maxRequestBytes} bytes)`) };
    const fault = faults.take(scope);
    if (fault) return neonFaultAnswer(fault, credentials.database);
    let body: { queries?: unknown[] } & Partial<QueryIn>;
    try {
      body = JSON.parse(text);
    } catch (e) {
      throw userError(`could not parse the HTTP request body: ${(e as Error).message}`);
    }
    const arrayMode = header(req, "neon-array-mode") === "true";

    let result: unknown;
    if (Array.isArray(body?.queries)) {
      const queries = body.queries.map(parseQuery);
      const begin = beginStatement(req);
      counters.transactions++;
      counters.queries += queries.length;
      result = await withClient(async (client) => {
        try {
          await client.query(begin);
        } catch (e) {
          throw queryFailure(e);
        }
        const results = [];
        try {
          for (const q of queries) results.push(await runQuery(client, q, arrayMode));
          await client.query("COMMIT");
        } catch (e) {
          await client.query("ROLLBACK").catch(() => {});
          throw e;
        }
        return { results };
      }).catch((e) => {
        throw queryFailure(e);
      });
    } else {
      const q = parseQuery(body);
      counters.queries++;
      result = await withClient((client) => runQuery(client, q, arrayMode)).catch((e) => {
        throw queryFailure(e);
      });
    }
    return { status: 200, body: result };
  };

  const server = http.createServer(async (req, res) => {
    counters.requests++;
    const send = (status: number, body: unknown) => {
      if (status >= 400) counters.errors++;
      const text = typeof body === "string" ? body : JSON.stringify(body);
      res.writeHead(status, { "content-type": "application/json", "access-control-allow-origin": "*" });
      res.end(text);
      return Buffer.byteLength(text);
    };
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname;
    try {
      if (req.method === "OPTIONS") {
        res.writeHead(200, {
          allow: "OPTIONS, POST",
          "access-control-allow-origin": "*",
          "access-control-allow-headers":
            "Authorization, Neon-Connection-String, Neon-Raw-Text-Output, Neon-Array-Mode, Neon-Pool-Opt-In, Neon-Batch-Read-Only, Neon-Batch-Isolation-Level",
          "access-control-max-age": "86400",
        });
        return res.end();
      }
      if (path.startsWith("/__standin/")) return await admin(req, path, url, send);
      if (path === "/health" && req.method === "GET") {
        try {
          await pool.query("SELECT 1");
          return send(200, { ok: true, database: "reachable" });
        } catch (e) {
          return send(503, { ok: false, database: connectFailure(e).message });
        }
      }
      if (path !== "/sql" || req.method !== "POST") return send(400, JSON.stringify("query is not supported"));

      // hang / reset happen before anything is read, like a compute that never answers or a dropped TCP connection.
      const scope = scopeOf(header(req, "neon-connection-string"));
      const pending = faults.peek(scope);
      if (pending?.mode === "hang" || pending?.mode === "reset") {
        faults.take(scope);
        if (pending.mode === "reset") return req.socket.destroy();
        hung.add(res);
        res.on("close", () => hung.delete(res));
        return;
      }
      const { status, body } = await handleSql(req);
      const text = JSON.stringify(body);
      const bytes = Buffer.byteLength(text);
      if (status === 200 && bytes > limits.maxResponseBytes) {
        return send(507, neonErrorBody(`response is too large (max is ${limits.maxResponseBytes} bytes)`));
      }
      counters.maxResponseBytes = Math.max(counters.maxResponseBytes, bytes);
      send(status, text);
    } catch (e) {
      if (res.headersSent) return;
      if (e instanceof NeonAnswer) return send(e.status, e.body);
      send(500, neonErrorBody(`neon-http stand-in: ${(e as Error)?.message ?? e}`));
    }
  });

  const admin = async (req: http.IncomingMessage, path: string, url: URL, send: (s: number, b: unknown) => number) => {
    counters.requests--; // test controls are not traffic
    if (path === "/__standin/stats" && req.method === "GET") return send(200, { ...counters, limits });
    if (path === "/__standin/stats/reset" && req.method === "POST") {
      counters = zero();
      return send(200, counters);
    }
    if (path === "/__standin/fault") {
      if (req.method === "GET") return send(200, faults);
      if (req.method === "DELETE") {
        faults.set(null, url.searchParams.get("scope") ?? "");
        return send(200, { cleared: true });
      }
      if (req.method === "PUT" || req.method === "POST") {
        const { text } = await readBody(req, 1_000_000);
        try {
          faults.set(JSON.parse(text) as NeonFault);
        } catch (e) {
          if (e instanceof NeonAnswer) throw e;
          throw userError(`fault must be JSON {mode, times?, scope?, status?, body?}: ${(e as Error).message}`);
        }
        return send(200, faults);
      }
    }
    return send(404, { message: `unknown test control ${req.method} ${path}` });
  };

  // No server-side keep-alive timeout: only the client closes idle sockets, so a request is never sent on
  // a socket the server is closing (seen as "fetch failed" after a CPU-busy pause with Node's 5 s default).
  server.keepAliveTimeout = 0;
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });

  let wss: WebSocketServer | undefined;
  if (opts.webSocket !== false) {
    wss = new WebSocketServer({ noServer: true });
    server.on("upgrade", (req, socket, head) => {
      if (new URL(req.url ?? "/", "http://localhost").pathname !== "/v1") return socket.destroy();
      wss!.handleUpgrade(req, socket, head, (ws) => {
        const tcp = net.connect({ host: backing.hostname, port: Number(backing.port || 5432) });
        const pending: Buffer[] = [];
        tcp.on("connect", () => pending.splice(0).forEach((b) => tcp.write(b)));
        tcp.on("data", (d) => ws.readyState === ws.OPEN && ws.send(d));
        tcp.on("close", () => ws.close());
        tcp.on("error", () => ws.close());
        ws.on("message", (data: Buffer | ArrayBuffer | Buffer[]) => {
          const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
          if (tcp.connecting) pending.push(buf);
          else tcp.write(buf);
          // Terminate ('X', length 4) at the end of a frame: close the TCP side ourselves.
          const n = buf.length;
          if (n >= 5 && buf[n - 5] === 0x58 && buf.readInt32BE(n - 4) === 4) tcp.end();
        });
        ws.on("close", () => tcp.end());
        ws.on("error", () => tcp.destroy());
      });
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const hostName = opts.host ?? "127.0.0.1";
  const url = `http://${hostName}:${port}`;
  const enc = encodeURIComponent;
  return {
    url,
    endpoint: `${url}/sql`,
    port,
    databaseUrl: opts.databaseUrl,
    connectionString: `postgresql://${enc(credentials.user)}:${enc(credentials.password)}@${hostName}:${port}/${enc(credentials.database)}`,
    credentials,
    limits,
    wsProxy: (h, p) => `${hostName}:${port}/v1?address=${h}:${p}`,
    stats: () => ({ ...counters }),
    resetStats: () => void (counters = zero()),
    setFault: (f, scope) => faults.set(f, scope),
    async close() {
      for (const r of hung) r.destroy();
      for (const c of wss?.clients ?? []) c.terminate();
      wss?.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      await pool.end().catch(() => {});
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf("--port");
  const j = process.argv.indexOf("--database-url");
  let databaseUrl = j >= 0 ? process.argv[j + 1] : undefined;
  let closePg = async () => {};
  if (!databaseUrl) {
    const { resolvePostgres } = await import("./postgres.ts");
    const r = await resolvePostgres();
    databaseUrl = r.databaseUrl;
    closePg = r.close;
  }
  const srv = await startNeonHttp({ port: i >= 0 ? Number(process.argv[i + 1]) : 4444, databaseUrl });
  console.log(`neon-http: ${srv.endpoint} in front of ${databaseUrl.replace(/\/\/([^:@/]+):[^@/]+@/, "//$1:***@")}`);
  console.log(`  NEON_HTTP_ENDPOINT=${srv.endpoint}`);
  console.log(`  DATABASE_URL=${srv.connectionString}`);
  const stop = async () => {
    await srv.close();
    await closePg();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
