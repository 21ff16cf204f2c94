/**
 * tools/data/migrate.ts through neon() -> dev/neon-http.ts -> a fresh database on the real Postgres
 * (the embedded PGlite fallback has one database only: a fresh schema-less run is skipped there).
 */
import { neon, neonConfig, type NeonQueryFunction } from "@neondatabase/serverless";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startNeonHttp, type NeonHttpServer } from "../../dev/neon-http.ts";
import { createDatabase, dropDatabase } from "../../dev/postgres.ts";
import { loadMigrations, runMigrations } from "../../tools/cli/migrate.ts";
import { checksum, migrate, splitStatements, type Migration } from "../../tools/data/migrate.ts";

const adminUrl = inject("postgresAdminUrl");
const realServer = inject("postgresKind") !== "embedded-pglite";
const dbName = `safeascent_migrate_${process.pid}_${Date.now() % 100000}`;

describe("splitStatements", () => {
  it("splits on ; at the end of a line and drops comment-only lines", () => {
    const text = "-- header\nCREATE TABLE a (\n  x text DEFAULT 'a;b' -- inline; comment\n);\n\nINSERT INTO a VALUES ('1');  \n-- trailing\nSELECT 1";
    expect(splitStatements(text)).toEqual(["CREATE TABLE a (\n  x text DEFAULT 'a;b' -- inline; comment\n)", "INSERT INTO a VALUES ('1')", "SELECT 1"]);
  });
  it("refuses dollar-quoting", () => {
    expect(() => splitStatements("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;")).toThrow(/dollar/);
    expect(() => splitStatements("DO $body$ BEGIN END $body$;")).toThrow(/dollar/);
    expect(splitStatements("SELECT $1::int;")).toEqual(["SELECT $1::int"]);
  });
  it("checksums ignore CRLF vs LF", async () => {
    expect(await checksum("a;\r\nb;\r\n")).toBe(await checksum("a;\nb;\n"));
    expect(await checksum("a;\n")).not.toBe(await checksum("b;\n"));
  });
  it("the project's migrations split cleanly", async () => {
    const migrations = loadMigrations("migrations");
    expect(migrations.map((m) => m.name)[0]).toBe("0001_schema.sql");
    for (const m of migrations) expect(splitStatements(m.sql).length).toBeGreaterThan(0);
  });
});

describe.skipIf(!realServer)("migrate on a fresh database", () => {
  let databaseUrl: string;
  let srv: NeonHttpServer;
  let sql: NeonQueryFunction<false, false>;

  beforeAll(async () => {
    databaseUrl = await createDatabase(adminUrl, dbName, { recreate: true });
    srv = await startNeonHttp({ databaseUrl, webSocket: false });
    neonConfig.fetchEndpoint = () => srv.endpoint;
    sql = neon(srv.connectionString);
  });
  afterAll(async () => {
    await srv?.close();
    await dropDatabase(adminUrl, dbName);
  });

  it("applies migrations/*.sql, then a second run applies nothing", async () => {
    const migrations = loadMigrations("migrations");
    const first = await migrate(sql, migrations);
    expect(first.applied).toEqual(migrations.map((m) => m.name));
    expect(first.skipped).toEqual([]);
    const second = await migrate(sql, migrations);
    expect(second).toEqual({ applied: [], skipped: migrations.map((m) => m.name) });

    const tables = (await sql`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`).map((r) => r.table_name);
    expect(tables).toEqual(expect.arrayContaining(["accident_weather", "accidents", "data_version", "mountains", "routes", "schema_migrations"]));
    expect(await sql`SELECT id, version FROM data_version`).toEqual([{ id: 1, version: "0" }]);
    const tracked = await sql`SELECT name, checksum, applied_at FROM schema_migrations ORDER BY name`;
    expect(tracked.map((r) => r.name)).toEqual(migrations.map((m) => m.name));
    expect(tracked[0]!.checksum).toBe(await checksum(migrations[0]!.sql));
    expect(tracked[0]!.applied_at).toBeInstanceOf(Date);
  });

  it("applies a new migration in name order; a failing one rolls back entirely", async () => {
    const base = loadMigrations("migrations");
    const extra: Migration[] = [
      { name: "9001_extra.sql", sql: "CREATE TABLE extra_a (id int PRIMARY KEY);\nINSERT INTO extra_a VALUES (1);\n" },
      { name: "9000_first.sql", sql: "CREATE TABLE extra_first (id int);\n" },
    ];
    const r = await migrate(sql, [...base, ...extra]);
    expect(r.applied).toEqual(["9000_first.sql", "9001_extra.sql"]);

    const broken: Migration = { name: "9002_broken.sql", sql: "CREATE TABLE extra_b (id int);\nINSERT INTO extra_b VALUES ('not a number');\n" };
    await expect(migrate(sql, [...base, ...extra, broken])).rejects.toThrow(/9002_broken\.sql failed/);
    const [{ n }] = (await sql`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'extra_b'`) as [{ n: number }];
    expect(n).toBe(0);
    expect((await sql`SELECT name FROM schema_migrations WHERE name = '9002_broken.sql'`).length).toBe(0);
  });

  it("refuses to run when an applied migration was edited", async () => {
    const base = loadMigrations("migrations");
    const edited = base.map((m, i) => (i === 0 ? { ...m, sql: `${m.sql}\n-- edited\n` } : m));
    await expect(migrate(sql, [...edited, { name: "9999_never.sql", sql: "CREATE TABLE never_applied (id int);" }])).rejects.toThrow(
      /0001_schema\.sql was changed after it was applied/,
    );
    expect((await sql`SELECT 1 FROM information_schema.tables WHERE table_name = 'never_applied'`).length).toBe(0);
  });

  it("concurrent runs apply each migration once", async () => {
    const m: Migration[] = [{ name: "9500_concurrent.sql", sql: "CREATE TABLE concurrent_t (id int);\n" }];
    const [a, b] = await Promise.all([migrate(sql, m), migrate(sql, m)]);
    expect([...a.applied, ...b.applied]).toEqual(["9500_concurrent.sql"]);
    expect([...a.skipped, ...b.skipped]).toEqual(["9500_concurrent.sql"]);
  });

  it("runMigrations (npm run migrate) starts its own stand-in for a local URL", async () => {
    const r = await runMigrations({ databaseUrl });
    expect(r.applied).toEqual([]);
    expect(r.skipped).toContain("0001_schema.sql");
    expect(r.via).toMatch(/^in-process neon-http stand-in \(http:\/\/127\.0\.0\.1:\d+\/sql\)$/);
  });
});
