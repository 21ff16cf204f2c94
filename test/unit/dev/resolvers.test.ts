/** dev/redis.ts and dev/postgres.ts: how backends are found, started and stopped. */
import { neon, neonConfig } from "@neondatabase/serverless";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { startNeonHttp } from "../../../dev/neon-http.ts";
import { canQuery, createDatabase, dropDatabase, portOpen, resolvePostgres, startEmbeddedPglite, withDatabase } from "../../../dev/postgres.ts";
import { pingRedis, resolveRedis, spawnRedisServer, which } from "../../../dev/redis.ts";
import { startUpstashRest } from "../../../dev/upstash-rest.ts";
import { Redis } from "@upstash/redis";
import { loadMigrations } from "../../../tools/cli/migrate.ts";
import { migrate } from "../../../tools/data/migrate.ts";

const localRedis = await pingRedis("127.0.0.1", 6379);
const localPg = inject("postgresKind") === "local-server";

describe("resolveRedis", () => {
  it("an explicit URL wins and is not probed", async () => {
    const r = await resolveRedis({ redisUrl: "redis://example.invalid:6379" });
    expect(r).toMatchObject({ kind: "env", redisUrl: "redis://example.invalid:6379" });
  });

  it.runIf(localRedis)("finds the server on 127.0.0.1:6379", async () => {
    const r = await resolveRedis({ useEnv: false });
    expect(r).toMatchObject({ kind: "local-server", redisUrl: "redis://127.0.0.1:6379" });
  });

  it.runIf(!!which("redis-server"))("spawns redis-server on a free port and stops it on close()", async () => {
    const r = await spawnRedisServer();
    expect(r.kind).toBe("spawned");
    const port = Number(new URL(r.redisUrl!).port);
    expect(await pingRedis("127.0.0.1", port)).toBe(true);
    await r.close();
    expect(await pingRedis("127.0.0.1", port)).toBe(false);
  });
});

describe("resolvePostgres", () => {
  it("an explicit URL wins", async () => {
    const r = await resolvePostgres({ databaseUrl: "postgresql://u@db.example/x" });
    expect(r).toMatchObject({ kind: "env", databaseUrl: "postgresql://u@db.example/x" });
  });

  it("portOpen / canQuery say no quickly for a closed port", async () => {
    const t = Date.now();
    expect(await portOpen("127.0.0.1", 1, 300)).toBe(false);
    expect(await canQuery("postgresql://postgres@127.0.0.1:1/x", 300)).toBe(false);
    expect(Date.now() - t).toBeLessThan(2000);
  });

  it.runIf(localPg)("finds the local server and creates / recreates / drops a database", async () => {
    const r = await resolvePostgres({ useEnv: false, database: "postgres" });
    expect(r.kind).toBe("local-server");
    const name = `safeascent_resolver_${process.pid}`;
    const url = await createDatabase(r.databaseUrl, name, { recreate: true });
    expect(url).toBe(withDatabase(r.databaseUrl, name));
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query("CREATE TABLE t (x int)");
    await c.end();
    // Without recreate an existing database is kept; with recreate it comes back empty.
    await createDatabase(r.databaseUrl, name);
    expect(await canQuery(url)).toBe(true);
    await createDatabase(r.databaseUrl, name, { recreate: true });
    const c2 = new pg.Client({ connectionString: url });
    await c2.connect();
    expect((await c2.query("SELECT to_regclass('t') AS t")).rows[0].t).toBeNull();
    await c2.end();
    await dropDatabase(r.databaseUrl, name);
    expect(await canQuery(url)).toBe(false);
  });

  it("embedded PGlite: migrations through neon() + the Neon stand-in, and the Upstash stand-in in memory", { timeout: 120_000 }, async () => {
    const pglite = await startEmbeddedPglite();
    try {
      expect(pglite.kind).toBe("embedded-pglite");
      const srv = await startNeonHttp({ databaseUrl: pglite.databaseUrl });
      try {
        neonConfig.fetchEndpoint = () => srv.endpoint;
        const sql = neon(pglite.databaseUrl);
        const migrations = loadMigrations("migrations");
        const r = await migrate(sql, migrations);
        expect(r.applied).toEqual(migrations.map((m) => m.name));
        expect(r.applied[0]).toBe("0001_schema.sql");
        expect(await sql`SELECT version FROM data_version`).toEqual([{ version: "0" }]);
        await expect(sql`INSERT INTO data_version (id, version) VALUES (1, 5)`).rejects.toMatchObject({ code: "23505" });
        const [ok] = await sql.transaction([sql`SELECT 1 AS one`, sql`SELECT 2 AS two`]);
        expect(ok).toEqual([{ one: 1 }]);
        // Concurrent transactions over several pooled connections stay whole (pglite-socket queues them).
        await sql`CREATE TABLE tx_probe (id int PRIMARY KEY)`;
        const outcomes = await Promise.allSettled(
          Array.from({ length: 8 }, (_, i) =>
            sql.transaction([sql`INSERT INTO tx_probe VALUES (${i * 2})`, i % 2 ? sql`SELECT 1/0` : sql`INSERT INTO tx_probe VALUES (${i * 2 + 1})`]),
          ),
        );
        expect(outcomes.map((o) => o.status)).toEqual(Array.from({ length: 8 }, (_, i) => (i % 2 ? "rejected" : "fulfilled")));
        const ids = (await sql`SELECT id FROM tx_probe ORDER BY id`).map((r) => r.id);
        expect(ids).toEqual([0, 1, 4, 5, 8, 9, 12, 13]);
      } finally {
        await srv.close();
      }
    } finally {
      await pglite.close();
    }
    const up = await startUpstashRest({ token: "t", backend: "memory" });
    try {
      const redis = new Redis({ url: up.url, token: "t", enableTelemetry: false });
      await redis.set("k", { a: 1 });
      expect(await redis.get("k")).toEqual({ a: 1 });
    } finally {
      await up.close();
    }
  });
});
