/**
 * dev/neon-http.ts driven by the real `neon()` HTTP client (and Pool over the WebSocket proxy),
 * against the Postgres the global setup provides (a fresh `safeascent_test` on the real server).
 */
import { randomUUID } from "node:crypto";
import { neon, neonConfig, NeonDbError, Pool, type NeonQueryFunction } from "@neondatabase/serverless";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import ws from "ws";
import { NEON_MAX_REQUEST_BYTES, NEON_MAX_RESPONSE_BYTES, startNeonHttp, type NeonHttpServer } from "../../../dev/neon-http.ts";

const databaseUrl = inject("databaseUrl");
const embedded = inject("postgresKind") === "embedded-pglite";
// The stand-in expects these credentials (as Neon would its role's); the host is not checked (one endpoint).
const credentials = { user: "app_owner", password: "pw-0123456789", database: "neondb" };
const clientUrl = "postgresql://app_owner:pw-0123456789@ep-fake-123.us-east-2.aws.neon.tech/neondb?sslmode=require";
const table = `neon_http_test_${randomUUID().slice(0, 8)}`;

let srv: NeonHttpServer;
let sql: NeonQueryFunction<false, false>;

beforeAll(async () => {
  srv = await startNeonHttp({ databaseUrl, credentials });
  neonConfig.fetchEndpoint = () => srv.endpoint;
  sql = neon(clientUrl);
  await sql.query(`CREATE TABLE ${table} (id integer PRIMARY KEY, name text NOT NULL, n integer CHECK (n >= 0))`);
});
afterAll(async () => {
  await sql?.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
  await srv?.close();
});

describe("neon-http stand-in", () => {
  it("round-trips parameters of many types", async () => {
    const date = new Date("2026-03-04T05:06:07.890Z");
    const [row] = await sql`
      SELECT ${42}::int AS i, ${1.5}::float8 AS f, ${"héllo 'q'"}::text AS t, ${null}::text AS nul, ${true}::bool AS b,
             ${"2026-11-25"}::date AS d, ${date}::timestamptz AS ts, ${{ a: [1, "x"], b: null }}::jsonb AS j,
             ${[1, 2, 3]}::int[] AS arr, ${["a,b", null, 'q"']}::text[] AS tarr, ${9007199254740993n}::int8 AS big,
             ${Buffer.from([0, 1, 255])}::bytea AS bytes, 12.50::numeric AS num`;
    expect(row!.i).toBe(42);
    expect(row!.f).toBe(1.5);
    expect(row!.t).toBe("héllo 'q'");
    expect(row!.nul).toBeNull();
    expect(row!.b).toBe(true);
    const d = row!.d as Date; // the driver parses date as local midnight
    expect([d.getFullYear(), d.getMonth() + 1, d.getDate()]).toEqual([2026, 11, 25]);
    expect((row!.ts as Date).toISOString()).toBe(date.toISOString());
    expect(row!.j).toEqual({ a: [1, "x"], b: null });
    expect(row!.arr).toEqual([1, 2, 3]);
    expect(row!.tarr).toEqual(["a,b", null, 'q"']);
    expect(row!.big).toBe("9007199254740993"); // int8 as text: no precision loss
    expect(Buffer.from(row!.bytes as Uint8Array)).toEqual(Buffer.from([0, 1, 255]));
    expect(row!.num).toBe("12.50");
  });

  it("sql.query(text, params) with $n placeholders", async () => {
    await sql.query(`INSERT INTO ${table} (id, name, n) VALUES ($1, $2, $3), ($4, $5, $6)`, [1, "one", 1, 2, "two", 2]);
    const rows = await sql.query(`SELECT id, name FROM ${table} WHERE id = ANY($1) ORDER BY id`, [[1, 2]]);
    expect(rows).toEqual([
      { id: 1, name: "one" },
      { id: 2, name: "two" },
    ]);
  });

  it("tagged templates escape values", async () => {
    const evil = "x'); DROP TABLE students; --";
    const [r] = await sql`SELECT ${evil} AS v`;
    expect(r!.v).toBe(evil);
  });

  it("fullResults and arrayMode options", async () => {
    const full = await sql.query(`SELECT id, name FROM ${table} WHERE id = $1`, [1], { fullResults: true });
    expect(full.command).toBe("SELECT");
    expect(full.rowCount).toBe(1);
    expect(full.fields.map((f) => f.name)).toEqual(["id", "name"]);
    expect(full.fields[0]).toMatchObject({ dataTypeID: 23, format: "text" });
    expect(full.rows).toEqual([{ id: 1, name: "one" }]);

    const arr = await sql.query(`SELECT id, name FROM ${table} ORDER BY id`, [], { arrayMode: true });
    expect(arr).toEqual([
      [1, "one"],
      [2, "two"],
    ]);
    const both = neon(clientUrl, { arrayMode: true, fullResults: true });
    const r = await both`SELECT 1 AS a, 'x' AS b`;
    expect(r.rows).toEqual([[1, "x"]]);
    expect(r.rowAsArray).toBe(true);

    const upd = await sql.query(`UPDATE ${table} SET n = n + 1`, [], { fullResults: true });
    expect(upd.command).toBe("UPDATE");
    expect(upd.rowCount).toBe(2);
  });

  it("sql.transaction commits all queries atomically", async () => {
    const results = await sql.transaction([
      sql`INSERT INTO ${sql.unsafe(table)} (id, name) VALUES (10, 'ten')`,
      sql`INSERT INTO ${sql.unsafe(table)} (id, name) VALUES (11, 'eleven')`,
      sql`SELECT count(*)::int AS c FROM ${sql.unsafe(table)} WHERE id >= 10`,
    ]);
    expect(results[2]).toEqual([{ c: 2 }]);
  });

  it("sql.transaction rolls back when a query in the middle fails", async () => {
    await expect(
      sql.transaction((tx) => [
        tx`INSERT INTO ${sql.unsafe(table)} (id, name) VALUES (20, 'twenty')`,
        tx`INSERT INTO ${sql.unsafe(table)} (id, name) VALUES (21, NULL)`, // NOT NULL violation
        tx`INSERT INTO ${sql.unsafe(table)} (id, name) VALUES (22, 'twenty-two')`,
      ]),
    ).rejects.toMatchObject({ name: "NeonDbError", code: "23502" });
    const [r] = await sql`SELECT count(*)::int AS c FROM ${sql.unsafe(table)} WHERE id >= 20`;
    expect(r!.c).toBe(0);
  });

  it("transaction options: isolation level, read only, deferrable", async () => {
    const [[iso], [ro]] = (await sql.transaction([sql`SHOW transaction_isolation`, sql`SHOW transaction_read_only`], {
      isolationLevel: "Serializable",
      readOnly: true,
      deferrable: true,
    })) as [Record<string, string>[], Record<string, string>[]];
    expect(iso!.transaction_isolation).toBe("serializable");
    expect(ro!.transaction_read_only).toBe("on");
    await expect(sql.transaction([sql`INSERT INTO ${sql.unsafe(table)} (id, name) VALUES (30, 'ro')`], { readOnly: true })).rejects.toMatchObject({
      code: "25006",
    });
    const [[rc]] = (await sql.transaction([sql`SHOW transaction_isolation`], { isolationLevel: "RepeatableRead" })) as Record<string, string>[][];
    expect(rc!.transaction_isolation).toBe("repeatable read");
  });

  it("a unique violation is a NeonDbError with code 23505 and the pg error fields", async () => {
    const err = await sql.query(`INSERT INTO ${table} (id, name) VALUES (1, 'dup')`).catch((e) => e);
    expect(err).toBeInstanceOf(NeonDbError);
    expect(err.code).toBe("23505");
    expect(err.constraint).toBe(`${table}_pkey`);
    expect(err.table).toBe(table);
    expect(err.detail).toMatch(/Key \(id\)=\(1\) already exists/);
    expect(err.severity).toBe("ERROR");
  });

  it("a syntax error carries its position; a check violation its code", async () => {
    const err = await sql.query("SELEC 1").catch((e) => e);
    expect(err).toMatchObject({ code: "42601", position: "1" });
    await expect(sql.query(`INSERT INTO ${table} (id, name, n) VALUES (40, 'neg', -1)`)).rejects.toMatchObject({ code: "23514" });
  });

  it("one statement per query, like Neon (extended protocol)", async () => {
    await expect(sql.query("SELECT 1; SELECT 2")).rejects.toMatchObject({ code: "42601" });
  });

  it("wire format: fields, rows as text, command, rowCount, rowAsArray", async () => {
    const res = await fetch(srv.endpoint, {
      method: "POST",
      headers: { "Neon-Connection-String": clientUrl, "Neon-Array-Mode": "true", "Neon-Raw-Text-Output": "true" },
      body: JSON.stringify({ query: "SELECT $1::int AS a, NULL::text AS b, true AS c", params: ["7"] }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({ command: "SELECT", rowCount: 1, rowAsArray: true, rows: [["7", null, "t"]] });
    expect(Object.keys(body.fields[0]).sort()).toEqual(["columnID", "dataTypeID", "dataTypeModifier", "dataTypeSize", "format", "name", "tableID"]);
    const headers = { "Neon-Connection-String": clientUrl };
    const objects = await fetch(srv.endpoint, { method: "POST", headers, body: JSON.stringify({ query: "SELECT 1 AS one" }) });
    expect(((await objects.json()) as any).rows).toEqual([{ one: "1" }]);
    const bad = await fetch(srv.endpoint, { method: "POST", headers, body: "not json" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).message).toMatch(/^could not parse the HTTP request body/);
    const iso = await fetch(srv.endpoint, {
      method: "POST",
      headers: { ...headers, "Neon-Batch-Isolation-Level": "Chaos" },
      body: JSON.stringify({ queries: [{ query: "SELECT 1", params: [] }] }),
    });
    expect(iso.status).toBe(400);
    expect(await iso.json()).toMatchObject({ message: "invalid isolation level", code: "" });
  });

  it("GET /health", async () => {
    const res = await fetch(`${srv.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, database: "reachable" });
  });

  it.skipIf(embedded)("WebSocket proxy: Pool queries and transactions, end() does not hang", async () => {
    const saved = { ...neonConfig } as Record<string, unknown>;
    neonConfig.webSocketConstructor = ws;
    neonConfig.wsProxy = (host, port) => srv.wsProxy(host, port);
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineConnect = false;
    neonConfig.forceDisablePgSSL = true;
    const pool = new Pool({ connectionString: databaseUrl });
    pool.on("error", () => {});
    try {
      const client = await pool.connect();
      await client.query("BEGIN");
      await client.query(`INSERT INTO ${table} (id, name) VALUES (50, 'ws')`);
      await client.query("ROLLBACK");
      client.release();
      const { rows } = await pool.query(`SELECT count(*)::int AS c FROM ${table} WHERE id = 50`);
      expect(rows).toEqual([{ c: 0 }]);
    } finally {
      const t = Date.now();
      await pool.end();
      expect(Date.now() - t).toBeLessThan(2000);
      Object.assign(neonConfig, { webSocketConstructor: saved.webSocketConstructor, wsProxy: saved.wsProxy });
    }
  });
});

describe("neon-http fails like Neon", () => {
  const post = (endpoint: string, body: unknown, conn: string | null = clientUrl) =>
    fetch(endpoint, {
      method: "POST",
      headers: conn === null ? {} : { "Neon-Connection-String": conn },
      body: JSON.stringify(body),
    });

  it("checks the connection string: header, user, password and database as Neon's proxy does", async () => {
    const q = { query: "SELECT 1", params: [] };
    const answer = async (conn: string | null) => {
      const res = await post(srv.endpoint, q, conn);
      const body = (await res.json()) as any;
      return [res.status, body.message, body.code];
    };
    expect(await answer(null)).toEqual([400, "invalid header: neon-connection-string", ""]);
    expect(await answer("not a url")).toEqual([400, "invalid connection string: Invalid URL", ""]);
    expect(await answer("mysql://app_owner:pw-0123456789@h/neondb")).toEqual([400, "incorrect scheme", ""]);
    expect(await answer("postgresql://app_owner:pw-0123456789@h/")).toEqual([400, "missing database name", ""]);
    expect(await answer("postgresql://h/neondb")).toEqual([400, "missing username", ""]);
    expect(await answer("postgresql://app_owner@h/neondb")).toEqual([400, "missing authentication credentials: required password", ""]);
    expect(await answer("postgresql://app_owner:nope@h/neondb")).toEqual([400, "password authentication failed for user 'app_owner'", ""]);
    expect(await answer("postgresql://postgres:pw-0123456789@h/neondb")).toEqual([400, "password authentication failed for user 'postgres'", ""]);
    const db = await post(srv.endpoint, q, "postgresql://app_owner:pw-0123456789@h/other");
    expect(db.status).toBe(500);
    expect(await db.json()).toMatchObject({ message: 'database "other" does not exist', code: "3D000", severity: "FATAL" });
    // Through the driver: a NeonDbError, as in production.
    const wrong = neon("postgresql://app_owner:nope@ep-fake-123.us-east-2.aws.neon.tech/neondb");
    await expect(wrong`SELECT 1`).rejects.toMatchObject({ name: "NeonDbError", message: "password authentication failed for user 'app_owner'" });
  });

  it("defaults: the backing URL's user and database, a generated password, Neon's 64 MB limits", async () => {
    const plain = await startNeonHttp({ databaseUrl, webSocket: false });
    try {
      const backing = new URL(databaseUrl);
      expect(plain.credentials.user).toBe(decodeURIComponent(backing.username) || "postgres");
      expect(plain.credentials.database).toBe(backing.pathname.slice(1));
      expect(plain.credentials.password).toMatch(/^standin_[0-9a-f]{24}$/);
      expect(plain.limits).toEqual({ maxRequestBytes: NEON_MAX_REQUEST_BYTES, maxResponseBytes: NEON_MAX_RESPONSE_BYTES });
      expect(NEON_MAX_REQUEST_BYTES).toBe(64_000_000);
      neonConfig.fetchEndpoint = () => plain.endpoint;
      expect(await neon(plain.connectionString)`SELECT 1 AS one`).toEqual([{ one: 1 }]);
      // The backing URL itself has no password: refused like a Neon connection string without one.
      await expect(neon(databaseUrl)`SELECT 1`).rejects.toMatchObject({ message: "missing authentication credentials: required password" });
    } finally {
      neonConfig.fetchEndpoint = () => srv.endpoint;
      await plain.close();
    }
  });

  it("session state never leaks between requests (DISCARD ALL before a connection is reused)", async () => {
    const small = await startNeonHttp({ databaseUrl, credentials, poolSize: 2, webSocket: false });
    try {
      neonConfig.fetchEndpoint = () => small.endpoint;
      const q = neon(clientUrl);
      await q`SET TimeZone TO 'Asia/Tokyo'`;
      await q`SELECT set_config('app.leak', 'yes', false)`;
      await q.query("CREATE TEMP TABLE leak_probe (x int)");
      const seen = await Promise.all(
        Array.from({ length: 30 }, async () => {
          const [r] = await q`SELECT current_setting('TimeZone') AS tz, current_setting('app.leak', true) AS leak, to_regclass('pg_temp.leak_probe') AS temp`;
          return r!;
        }),
      );
      expect(seen.filter((r) => r.tz === "Asia/Tokyo" || r.leak === "yes" || r.temp !== null)).toEqual([]);
      expect(small.stats().sessionResets).toBeGreaterThanOrEqual(33);
    } finally {
      neonConfig.fetchEndpoint = () => srv.endpoint;
      await small.close();
    }
  });

  it("request and response limits: 413 and 507 with Neon's messages; the largest sizes are in the stats", async () => {
    const tight = await startNeonHttp({ databaseUrl, credentials, webSocket: false, maxRequestBytes: 10_000, maxResponseBytes: 10_000 });
    try {
      const under = await post(tight.endpoint, { query: "SELECT $1::text AS v", params: ["a".repeat(9_000)] });
      expect(under.status).toBe(200);
      const over = await post(tight.endpoint, { query: "SELECT $1::text AS v", params: ["a".repeat(10_001)] });
      expect(over.status).toBe(413);
      expect(await over.json()).toMatchObject({ message: "request is too large (max is 10000 bytes)", code: "", severity: "", detail: null });
      const big = await post(tight.endpoint, { query: "SELECT repeat('x', 20000) AS v", params: [] });
      expect(big.status).toBe(507);
      expect(await big.json()).toMatchObject({ message: "response is too large (max is 10000 bytes)", code: "" });
      const batch = await post(tight.endpoint, { queries: Array.from({ length: 3 }, () => ({ query: "SELECT repeat('x', 4000) AS v", params: [] })) });
      expect(batch.status).toBe(507); // the limit is on the whole answer
      const stats = tight.stats();
      expect(stats.maxRequestBytes).toBeGreaterThan(10_001);
      expect(stats.maxResponseBytes).toBeGreaterThan(9_000);
      expect(stats.maxResponseBytes).toBeLessThanOrEqual(10_000);
      // Through the driver: NeonDbError "Server error (HTTP status 413)".
      neonConfig.fetchEndpoint = () => tight.endpoint;
      await expect(neon(clientUrl)`SELECT ${"b".repeat(20_000)}::text`).rejects.toMatchObject({
        name: "NeonDbError",
        message: expect.stringMatching(/^Server error \(HTTP status 413\)/),
      });
    } finally {
      neonConfig.fetchEndpoint = () => srv.endpoint;
      await tight.close();
    }
  });

  it("a backing Postgres that refuses connections is Neon's 500, not Node's ECONNREFUSED text", async () => {
    const down = await startNeonHttp({ databaseUrl: "postgresql://postgres@127.0.0.1:1/x", credentials, webSocket: false });
    try {
      const res = await post(down.endpoint, { query: "SELECT 1", params: [] });
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
      expect(JSON.parse(text)).toMatchObject({ message: "error connecting to server: Connection refused (os error 111)", code: "", severity: "" });
      const health = await fetch(`${down.url}/health`);
      expect(health.status).toBe(503);
    } finally {
      await down.close();
    }
  });

  it("a connection terminated by the server (57P01) is a 400 with the FATAL fields; the next request reconnects", async () => {
    const res = await post(srv.endpoint, { query: "SELECT pg_terminate_backend(pg_backend_pid())", params: [] });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ message: "terminating connection due to administrator command", code: "57P01", severity: "FATAL" });
    expect((await post(srv.endpoint, { query: "SELECT 1", params: [] })).status).toBe(200);
  });

  it("faults: times, scope, hang and reset; set and cleared through the test endpoints", async () => {
    const scoped = `${clientUrl}&standin_scope=mine`;
    const ctl = (method: string, body?: unknown, query = "") =>
      fetch(`${srv.url}/__standin/fault${query}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    const before = srv.stats().faultsServed;

    // Scoped: only requests carrying standin_scope=mine fail.
    expect((await ctl("PUT", { mode: "cannot-connect-now", scope: "mine" })).status).toBe(200);
    expect(Object.keys((await (await ctl("GET")).json()) as object)).toEqual(["mine"]);
    expect((await post(srv.endpoint, { query: "SELECT 1", params: [] }, scoped)).status).toBe(500);
    expect((await post(srv.endpoint, { query: "SELECT 1", params: [] })).status).toBe(200);
    expect((await ctl("DELETE", undefined, "?scope=mine")).status).toBe(200);
    expect((await post(srv.endpoint, { query: "SELECT 1", params: [] }, scoped)).status).toBe(200);

    // times: 2 -> two failures, then normal service.
    await ctl("PUT", { mode: "respond", status: 503, body: { message: "custom" }, times: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(srv.endpoint, { query: "SELECT 1", params: [] })).status);
    expect(statuses).toEqual([503, 503, 200]);

    // hang: no answer (the client gives up); reset: the connection is closed without one.
    srv.setFault({ mode: "hang", times: 1 });
    await expect(
      fetch(srv.endpoint, { method: "POST", headers: { "Neon-Connection-String": clientUrl }, body: "{}", signal: AbortSignal.timeout(300) }),
    ).rejects.toMatchObject({ name: "TimeoutError" });
    srv.setFault({ mode: "reset", times: 1 });
    await expect(post(srv.endpoint, { query: "SELECT 1", params: [] })).rejects.toThrow(TypeError);
    expect((await post(srv.endpoint, { query: "SELECT 1", params: [] })).status).toBe(200);
    expect(srv.stats().faultsServed - before).toBe(5);

    const bad = await ctl("PUT", { mode: "meteor-strike" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).message).toMatch(/^unknown fault mode "meteor-strike"/);
  });

  it("stats: the test endpoints report and reset them", async () => {
    await post(srv.endpoint, { query: "SELECT $1::text AS v", params: ["z".repeat(5_000)] });
    const stats = (await (await fetch(`${srv.url}/__standin/stats`)).json()) as any;
    expect(stats.requests).toBeGreaterThan(0);
    expect(stats.maxRequestBytes).toBeGreaterThan(5_000);
    expect(stats.maxRequestBytes).toBeLessThan(NEON_MAX_REQUEST_BYTES);
    expect(stats.maxResponseBytes).toBeGreaterThan(5_000);
    expect(stats.sessionResets).toBeGreaterThan(0);
    expect(stats.limits).toEqual({ maxRequestBytes: NEON_MAX_REQUEST_BYTES, maxResponseBytes: NEON_MAX_RESPONSE_BYTES });
    const reset = (await (await fetch(`${srv.url}/__standin/stats/reset`, { method: "POST" })).json()) as Record<string, number>;
    expect(reset).toMatchObject({ requests: 0, queries: 0, maxRequestBytes: 0 });
  });
});
