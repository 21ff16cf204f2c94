/**
 * Neon serverless-driver stand-in: the HTTP `/sql` endpoint (and optionally the WebSocket proxy) in
 * front of any Postgres, so `neon()` from @neondatabase/serverless (1.2) runs unchanged locally.
 * Point the driver at it with `neonConfig.fetchEndpoint = () => "<url>/sql"` (env NEON_HTTP_ENDPOINT).
 *
 * HTTP, `POST /sql` (what the driver sends; all params arrive as text or null, bytea as `\x..` hex):
 *  - `{query, params}` -> `{fields:[{name,tableID,columnID,dataTypeID,dataTypeSize,dataTypeModifier,format}],
 *    rows, command, rowCount, rowAsArray}`; values are Postgres TEXT output (the driver parses by OID).
 *  - `{queries:[{query, params}, ...]}` -> `{results:[...]}`, all in ONE transaction: BEGIN with
 *    `Neon-Batch-Isolation-Level` (ReadUncommitted|ReadCommitted|RepeatableRead|Serializable),
 *    `Neon-Batch-Read-Only`, `Neon-Batch-Deferrable`; COMMIT, or ROLLBACK on the first error.
 *  - `Neon-Array-Mode: false` returns rows as objects. Queries use the extended protocol like Neon,
 *    so one query holds one statement.
 *  - a Postgres error is HTTP 400 `{message, severity, code, detail, hint, position, ..., constraint,
 *    file, line, routine}` -> the driver throws `NeonDbError` with those fields (e.g. `.code` "23505").
 *  - `Neon-Connection-String` is ignored: every request runs on the configured `databaseUrl`.
 *  - `GET /health` -> `{ok, database}` after `SELECT 1`. Plain POSTs need no CORS; OPTIONS is answered anyway.
 *
 * WebSocket (for `Pool`/`Client`): `GET /v1?address=host:port` upgrades and pipes the Postgres wire
 * protocol to the configured database's host:port (the address is ignored). Needs on the client
 * `neonConfig.wsProxy = (h, p) => "127.0.0.1:<port>/v1?address=" + h + ":" + p`,
 * `useSecureWebSocket = false`, `pipelineConnect = false` (and `webSocketConstructor = ws` in Node).
 * A frame ending in a Terminate message ('X') ends the TCP side (pglite-socket does not close on it).
 *
 * Not emulated: `Neon-Raw-Text-Output: false` (values are always text, which is all the driver asks
 * for), auth tokens / JWT (`Authorization` is ignored), `Neon-Pool-Opt-In`, per-request sessions (SET
 * commands may leak between requests through the pool), row/response size limits, query timeouts.
 *
 * Standalone: `npx tsx dev/neon-http.ts [--port 4444] [--database-url postgresql://...]`.
 */
import http from "node:http";
import net from "node:net";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { WebSocketServer } from "ws";

export interface NeonHttpOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  host?: string;
  /** The Postgres every request runs on. */
  databaseUrl: string;
  /** pg pool size (default 10). */
  poolSize?: number;
  /** Serve the WebSocket proxy on /v1 (default true). */
  webSocket?: boolean;
}

export interface NeonHttpServer {
  /** Base URL, e.g. http://127.0.0.1:4444 */
  url: string;
  /** The `/sql` URL for `neonConfig.fetchEndpoint` / NEON_HTTP_ENDPOINT. */
  endpoint: string;
  port: number;
  databaseUrl: string;
  /** For `neonConfig.wsProxy`. */
  wsProxy: (host: string, port: number | string) => string;
  stats(): { requests: number; queries: number; transactions: number; errors: number };
  close(): Promise<void>;
}

interface QueryIn {
  query: string;
  params?: unknown[];
}

const ERROR_FIELDS = [
  "severity", "code", "detail", "hint", "position", "internalPosition", "internalQuery", "where", "schema",
  "table", "column", "dataType", "constraint", "file", "line", "routine",
] as const;

const ISOLATION: Record<string, string> = {
  ReadUncommitted: "READ UNCOMMITTED",
  ReadCommitted: "READ COMMITTED",
  RepeatableRead: "REPEATABLE READ",
  Serializable: "SERIALIZABLE",
};

/** Every type parses to its raw text: the Neon driver parses by OID on its side. */
const rawText = { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig;

class BadRequest extends Error {}

function toParam(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "string") return v;
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function parseQuery(q: unknown): QueryIn {
  const o = q as QueryIn;
  if (!o || typeof o !== "object" || typeof o.query !== "string") throw new BadRequest("request body must be {query, params} or {queries: [...]}");
  if (o.params !== undefined && !Array.isArray(o.params)) throw new BadRequest("params must be an array");
  return o;
}

async function runQuery(client: pg.PoolClient | pg.Pool, q: QueryIn, arrayMode: boolean) {
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

function pgErrorBody(e: unknown) {
  const err = e as Error & Record<string, unknown>;
  const body: Record<string, unknown> = { message: err?.message ?? String(e) };
  for (const f of ERROR_FIELDS) if (err?.[f] !== undefined) body[f] = err[f];
  return body;
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
    if (!ISOLATION[iso]) throw new BadRequest(`invalid Neon-Batch-Isolation-Level: ${iso}`);
    sql += ` ISOLATION LEVEL ${ISOLATION[iso]}`;
  }
  if (ro === "true") sql += " READ ONLY";
  else if (ro === "false") sql += " READ WRITE";
  if (def === "true") sql += " DEFERRABLE";
  else if (def === "false") sql += " NOT DEFERRABLE";
  return sql;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Is a pg error a database-side (SQL) error rather than a connection problem? */
const isSqlError = (e: unknown) => typeof (e as { code?: unknown })?.code === "string" && /^[0-9A-Z]{5}$/.test((e as { code: string }).code);

export async function startNeonHttp(opts: NeonHttpOptions): Promise<NeonHttpServer> {
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10, types: rawText, idleTimeoutMillis: 10_000 });
  pool.on("error", () => {}); // an idle client dropping is not fatal; the next query reconnects
  const counters = { requests: 0, queries: 0, transactions: 0, errors: 0 };
  const dbUrl = new URL(opts.databaseUrl);
  const sockets = new Set<net.Socket>();

  const server = http.createServer(async (req, res) => {
    counters.requests++;
    const send = (status: number, body: unknown) => {
      if (status >= 400) counters.errors++;
      res.writeHead(status, { "content-type": "application/json", "access-control-allow-origin": "*" });
      res.end(JSON.stringify(body));
    };
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    try {
      if (req.method === "OPTIONS") {
        res.writeHead(204, {
          "access-control-allow-origin": "*",
          "access-control-allow-methods": "POST, GET, OPTIONS",
          "access-control-allow-headers": "*",
          "access-control-max-age": "86400",
        });
        return res.end();
      }
      if (path === "/health" && req.method === "GET") {
        try {
          await pool.query("SELECT 1");
          return send(200, { ok: true, database: "reachable" });
        } catch (e) {
          return send(503, { ok: false, database: (e as Error).message });
        }
      }
      if (path !== "/sql" || req.method !== "POST") return send(404, { message: `not found: ${req.method} ${path} (use POST /sql)` });

      let body: { queries?: unknown[] } & Partial<QueryIn>;
      try {
        body = JSON.parse(await readBody(req));
      } catch {
        throw new BadRequest("request body is not valid JSON");
      }
      const arrayMode = header(req, "neon-array-mode") === "true";

      if (Array.isArray(body?.queries)) {
        const queries = body.queries.map(parseQuery);
        const begin = beginStatement(req);
        counters.transactions++;
        counters.queries += queries.length;
        const client = await pool.connect();
        let broken = false;
        try {
          await client.query(begin);
          const results = [];
          try {
            for (const q of queries) results.push(await runQuery(client, q, arrayMode));
            await client.query("COMMIT");
          } catch (e) {
            await client.query("ROLLBACK").catch(() => (broken = true));
            throw e;
          }
          return send(200, { results });
        } catch (e) {
          broken ||= !isSqlError(e);
          throw e;
        } finally {
          client.release(broken);
        }
      }

      const q = parseQuery(body);
      counters.queries++;
      return send(200, await runQuery(pool, q, arrayMode));
    } catch (e) {
      if (res.headersSent) return;
      if (e instanceof BadRequest) return send(400, { message: e.message });
      if (isSqlError(e)) return send(400, pgErrorBody(e));
      return send(500, { message: `neon-http stand-in: ${(e as Error)?.message ?? e}` });
    }
  });
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
        const tcp = net.connect({ host: dbUrl.hostname, port: Number(dbUrl.port || 5432) });
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
  return {
    url,
    endpoint: `${url}/sql`,
    port,
    databaseUrl: opts.databaseUrl,
    wsProxy: (h, p) => `${hostName}:${port}/v1?address=${h}:${p}`,
    stats: () => ({ ...counters }),
    async close() {
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
  console.log(`neon-http: ${srv.endpoint} -> ${databaseUrl} (NEON_HTTP_ENDPOINT=${srv.endpoint})`);
  const stop = async () => {
    await srv.close();
    await closePg();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
