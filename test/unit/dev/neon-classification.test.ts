/**
 * Neon's documented error answers (test/fixtures/neon/*.json) against the Worker's Postgres adapter
 * (createSql in src/data/db.ts, the code the Worker runs) and against the stand-in:
 *  1. each fixture served as-is by a tiny HTTP server -> createSql(...).query -> the classification the
 *     fixture names (UpstreamUnavailable("postgres") or the driver's NeonDbError with its code);
 *  2. each fixture the stand-in can produce (fault mode or natural trigger) -> dev/neon-http.ts answers
 *     with exactly that status and body.
 */
import { readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { join } from "node:path";
import { NeonDbError } from "@neondatabase/serverless";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startNeonHttp, type NeonFaultMode, type NeonHttpServer } from "../../../dev/neon-http.ts";
import { createSql } from "../../../src/data/db.ts";
import { UpstreamUnavailable } from "../../../src/errors.ts";

interface Fixture {
  name: string;
  status: number;
  body: unknown;
  expect: "UpstreamUnavailable" | "NeonDbError";
  code?: string;
  standin: ({ fault?: NeonFaultMode; trigger?: string } & Record<string, unknown>) | null;
  sources: string[];
}

const DIR = join(import.meta.dirname, "../../fixtures/neon");
const fixtures: Fixture[] = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .map((f) => ({ name: f.replace(/\.json$/, ""), ...JSON.parse(readFileSync(join(DIR, f), "utf8")) }));
const byName = (name: string) => fixtures.find((f) => f.name === name)!;

const credentials = { user: "app_owner", password: "pw-fixture-0123", database: "neondb" };
const connectionString = (c: Partial<typeof credentials> & { host?: string } = {}) => {
  const v = { ...credentials, host: "ep-fixture-123.us-east-2.aws.neon.tech", ...c };
  return `postgresql://${v.user}${v.password ? `:${v.password}` : ""}@${v.host}/${v.database}`;
};

/** One `/sql` request as the driver sends it; status and parsed body. */
async function post(endpoint: string, body: unknown, conn = connectionString()) {
  const res = await fetch(endpoint, {
    method: "POST",
    headers: { "Neon-Connection-String": conn, "Neon-Raw-Text-Output": "true", "Neon-Array-Mode": "true" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

function listen(server: http.Server | net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
}

it("the fixture folder holds the documented cases, each with a source", () => {
  expect(fixtures.map((f) => f.name).sort()).toEqual(
    [
      "admin-shutdown",
      "cannot-connect-now",
      "compute-unreachable",
      "connection-closed",
      "control-plane-unavailable",
      "database-does-not-exist",
      "missing-password",
      "not-accepting-connections",
      "password-authentication-failed",
      "query-cancelled",
      "query-cancelled-connection-terminated",
      "request-too-large",
      "response-too-large",
      "too-many-connections",
      "unique-violation",
    ].sort(),
  );
  for (const f of fixtures) {
    expect(f.sources.length, f.name).toBeGreaterThan(0);
    expect(
      f.sources.every((s) => s.startsWith("https://")),
      f.name,
    ).toBe(true);
  }
});

describe("the Worker's adapter classifies each of Neon's answers", () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    // Answers POST /<fixture>/sql with that fixture's status and body, whatever the query.
    server = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        const f = byName(decodeURIComponent((req.url ?? "").split("/")[1] ?? ""));
        if (!f) return res.writeHead(404).end();
        res.writeHead(f.status, { "content-type": "application/json" }).end(JSON.stringify(f.body));
      });
    });
    base = `http://127.0.0.1:${await listen(server)}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  for (const f of fixtures) {
    it(`${f.name} (HTTP ${f.status}) -> ${f.expect}${f.code ? ` ${f.code}` : ""}`, async () => {
      const sql = createSql(connectionString(), `${base}/${f.name}/sql`);
      const err = await sql.query("SELECT 1").then(
        () => undefined,
        (e: unknown) => e,
      );
      if (f.expect === "UpstreamUnavailable") {
        expect(err).toBeInstanceOf(UpstreamUnavailable);
        expect((err as UpstreamUnavailable).service).toBe("postgres");
      } else {
        expect(err).toBeInstanceOf(NeonDbError);
        expect(err).not.toBeInstanceOf(UpstreamUnavailable);
        if (f.code) expect((err as NeonDbError).code).toBe(f.code);
      }
    });
  }
});

describe("the stand-in answers each case it can produce exactly as Neon does", () => {
  const databaseUrl = inject("databaseUrl");
  let srv: NeonHttpServer;
  beforeAll(async () => {
    srv = await startNeonHttp({ databaseUrl, credentials, webSocket: false, maxRequestBytes: 10_485_760, maxResponseBytes: 10_485_760 });
  });
  afterAll(() => srv?.close());

  const faulted = fixtures.filter((f) => f.standin?.fault);
  it("every fault mode with a fixture is covered", () => {
    expect(faulted.map((f) => f.standin!.fault).sort()).toEqual([
      "admin-shutdown",
      "cannot-connect-now",
      "compute-unreachable",
      "control-plane-unavailable",
      "not-accepting-connections",
      "query-cancelled",
      "too-many-connections",
    ]);
  });
  for (const f of faulted) {
    it(`fault ${f.standin!.fault} = ${f.name}`, async () => {
      srv.setFault({ mode: f.standin!.fault!, times: 1 });
      expect(await post(srv.endpoint, { query: "SELECT 1", params: [] })).toEqual({ status: f.status, body: f.body });
      // One request only: the next one runs.
      expect((await post(srv.endpoint, { query: "SELECT 1", params: [] })).status).toBe(200);
    });
  }

  it("wrong password = password-authentication-failed; no password = missing-password; unknown database = database-does-not-exist", async () => {
    for (const [name, conn] of [
      ["password-authentication-failed", connectionString({ password: "wrong" })],
      ["missing-password", connectionString({ password: "" })],
      ["database-does-not-exist", connectionString({ database: "nope" })],
    ] as const) {
      const f = byName(name);
      expect(await post(srv.endpoint, { query: "SELECT 1", params: [] }, conn), name).toEqual({ status: f.status, body: f.body });
    }
  });

  it("a result over the limit = response-too-large; a body over the limit = request-too-large", async () => {
    const big = byName("response-too-large");
    expect(await post(srv.endpoint, { query: "SELECT repeat('x', 10485760) AS x", params: [] })).toEqual({ status: big.status, body: big.body });
    const req = byName("request-too-large");
    expect(await post(srv.endpoint, { query: "SELECT $1::text", params: ["y".repeat(10_485_760)] })).toEqual({ status: req.status, body: req.body });
  });

  it("the backing connection lost mid-query = connection-closed", async () => {
    // A TCP relay to the test Postgres that drops both sides once it has forwarded the query.
    const target = new URL(databaseUrl);
    const relay = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      client.on("data", (d) => {
        upstream.write(d);
        if (d.includes("drop_me_here")) setImmediate(() => (client.destroy(), upstream.destroy()));
      });
      upstream.on("data", (d) => client.write(d));
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    const port = await listen(relay);
    const viaRelay = new URL(databaseUrl);
    viaRelay.host = `127.0.0.1:${port}`;
    const lossy = await startNeonHttp({ databaseUrl: viaRelay.toString(), credentials, webSocket: false });
    try {
      const f = byName("connection-closed");
      expect(await post(lossy.endpoint, { query: "SELECT pg_sleep(5), 'drop_me_here'", params: [] })).toEqual({ status: f.status, body: f.body });
      // The broken connection is not reused: the next request gets a fresh one.
      expect((await post(lossy.endpoint, { query: "SELECT 1", params: [] })).status).toBe(200);
    } finally {
      await lossy.close();
      await new Promise<void>((r) => relay.close(() => r()));
    }
  });

  it("the adapter reaches the same verdict through the stand-in's fault switch", async () => {
    const sql = createSql(srv.connectionString, srv.endpoint);
    srv.setFault({ mode: "control-plane-unavailable", times: 1 });
    await expect(sql.query("SELECT 1")).rejects.toBeInstanceOf(UpstreamUnavailable);
    srv.setFault({ mode: "query-cancelled", times: 1 });
    await expect(sql.query("SELECT 1")).rejects.toMatchObject({ name: "UpstreamUnavailable", service: "postgres", detail: "SQLSTATE 57014" });
    srv.setFault({ mode: "reset", times: 1 });
    await expect(sql.query("SELECT 1")).rejects.toBeInstanceOf(UpstreamUnavailable);
    expect(await sql.query("SELECT 1 AS one")).toEqual([{ one: 1 }]);
  });
});
