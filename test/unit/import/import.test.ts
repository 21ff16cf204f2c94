/**
 * tools/data/importer.ts and tools/cli/import.ts against Postgres through the real neon() driver and the
 * dev/neon-http.ts stand-in. All database-touching import tests live in this one file.
 *
 * The globalSetup's shared test database is seeded with the reference dataset and other test files
 * (workerd API tests) add their own rows to it while they run, so truncating it would break them.
 * These tests therefore use a database of their own on the same server (`postgresAdminUrl`), or, when
 * the run uses the embedded PGlite fallback (one database only), a PGlite instance of their own;
 * migrated with tools/cli/migrate.ts, and truncated (TRUNCATE … CASCADE) before each scenario.
 */
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { neon, neonConfig, type NeonQueryFunction } from "@neondatabase/serverless";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startNeonHttp, type NeonHttpServer } from "../../../dev/neon-http.ts";
import { createDatabase, dropDatabase, startEmbeddedPglite, type ResolvedPostgres } from "../../../dev/postgres.ts";
import { runMigrations } from "../../../tools/cli/migrate.ts";
import { HAS_COORDINATES, ROUTE_FROM } from "../../../src/data/routes.ts";
import { generateCatalogue } from "../../../tools/data/catalogue.ts";
import { demoDatasetFiles, generateDemoDataset } from "../../../tools/data/demo-data.ts";
import { DEFAULT_MAX_REQUEST_BYTES, formatRejection, importDataset, type DatasetFiles, type ImportReport } from "../../../tools/data/importer.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const REAL_DIR = fileURLToPath(new URL("../../../../shared/data/safeascent/", import.meta.url));
/**
 * The hand-made broken exports live in test/fixtures/broken/<case>/<table>.csv.txt (named so they
 * are never mistaken for the shared data tables); each case is materialised once as a folder of
 * real `<table>.csv` files for the importer and the CLI.
 */
const FIXTURES = materialiseFixtures(join(ROOT, "test/fixtures/broken"));

function materialiseFixtures(source: string): string {
  const out = mkdtempSync(join(tmpdir(), "safeascent-broken-"));
  for (const name of readdirSync(source)) {
    mkdirSync(join(out, name));
    for (const file of readdirSync(join(source, name))) {
      copyFileSync(join(source, name, file), join(out, name, file.replace(/\.txt$/, "")));
    }
  }
  return out;
}
const hasRealData = existsSync(join(REAL_DIR, "weather.csv"));

const realServer = inject("postgresKind") !== "embedded-pglite";
const adminUrl = inject("postgresAdminUrl");
const dbName = `safeascent_import_${process.pid}_${Date.now() % 100000}`;

let databaseUrl: string;
let srv: NeonHttpServer;
let ownPglite: ResolvedPostgres | undefined;
let sql: NeonQueryFunction<false, false>;

beforeAll(async () => {
  if (realServer) {
    databaseUrl = await createDatabase(adminUrl, dbName, { recreate: true });
  } else {
    ownPglite = await startEmbeddedPglite();
    databaseUrl = ownPglite.databaseUrl;
  }
  srv = await startNeonHttp({ databaseUrl, webSocket: false });
  await runMigrations({ databaseUrl: srv.connectionString, neonHttpEndpoint: srv.endpoint });
  neonConfig.fetchEndpoint = () => srv.endpoint;
  sql = neon(srv.connectionString);
}, 120_000);

afterAll(async () => {
  await srv?.close();
  if (realServer) await dropDatabase(adminUrl, dbName);
  await ownPglite?.close();
});

async function reset() {
  await sql.query("TRUNCATE mountains, routes, accidents, accident_weather CASCADE");
}
const version = async () => Number(((await sql.query("SELECT version FROM data_version WHERE id = 1")) as { version: string }[])[0].version);
const ids = async (table: string, pk: string) => ((await sql.query(`SELECT ${pk} AS id FROM ${table} ORDER BY 1`)) as { id: number }[]).map((r) => r.id);
const counts = (r: ImportReport) =>
  Object.fromEntries(Object.entries(r.tables).map(([t, c]) => [t, [c.read, c.valid, c.rejected, c.inserted, c.updated, c.unchanged]]));

/** Runs `fn` while recording the byte size of every load request (`{"queries": …}`) the driver sends. */
async function recordingRequestBytes<T>(fn: () => Promise<T>): Promise<{ result: T; bodies: number[] }> {
  const bodies: number[] = [];
  neonConfig.fetchFunction = async (url: string, init: RequestInit) => {
    const body = String(init.body);
    if (body.startsWith('{"queries"')) bodies.push(Buffer.byteLength(body));
    return fetch(url, init);
  };
  try {
    return { result: await fn(), bodies };
  } finally {
    neonConfig.fetchFunction = undefined;
  }
}

function readFiles(dir: string): DatasetFiles {
  const f = (name: keyof DatasetFiles) => readFileSync(join(dir, name), "utf8");
  return { "mountains.csv": f("mountains.csv"), "routes.csv": f("routes.csv"), "accidents.csv": f("accidents.csv"), "weather.csv": f("weather.csv") };
}

describe.skipIf(!hasRealData)("the reference dataset (../shared/data/safeascent)", () => {
  it("imports every row; the one accident without a date is kept (date NULL) with a warning", async () => {
    await reset();
    const v0 = await version();
    const { result: r, bodies } = await recordingRequestBytes(() => importDataset(sql, REAL_DIR));
    expect(counts(r)).toEqual({
      // read, valid, rejected, inserted, updated, unchanged
      mountains: [441, 441, 0, 441, 0, 0],
      routes: [622, 622, 0, 622, 0, 0],
      accidents: [4319, 4319, 0, 4319, 0, 0],
      accident_weather: [49674, 49674, 0, 49674, 0, 0],
    });
    expect(r.rejected).toEqual([]);
    expect(r.warnings).toEqual(["accidents.csv:11836: accident_id 4319 has no date; loaded with date NULL (the scorer skips it)"]);
    expect(r.changed).toBe(true);
    // ~10 MB of JSON: several requests, each within the cap (multi-line descriptions, quotes and
    // non-ASCII text measured exactly), each one a transaction that changed rows and bumped the version.
    expect(r.requests).toBeGreaterThan(1);
    expect(bodies).toHaveLength(r.requests);
    expect(Math.max(...bodies)).toBeLessThanOrEqual(DEFAULT_MAX_REQUEST_BYTES);
    expect(r.dataVersion).toEqual({ before: v0, after: v0 + r.requests });
    expect(await version()).toBe(v0 + r.requests);

    const [db] = (await sql.query(`SELECT
        (SELECT count(*)::int FROM mountains) AS mountains, (SELECT count(*)::int FROM routes) AS routes,
        (SELECT count(*)::int FROM accidents) AS accidents, (SELECT count(*)::int FROM accident_weather) AS weather,
        (SELECT count(*)::int FROM accidents WHERE latitude IS NULL) AS no_coords,
        (SELECT count(*)::int FROM accidents WHERE date IS NULL) AS no_date,
        (SELECT count(*)::int FROM accident_weather WHERE accident_id IS NULL) AS unlinked_weather`)) as Record<string, number>[];
    expect(db).toEqual({ mountains: 441, routes: 622, accidents: 4319, weather: 49674, no_coords: 321, no_date: 1, unlinked_weather: 21688 });

    // Float ids, the report year as written, multi-line quoted text with quotes and commas.
    const [a1] = await sql.query("SELECT to_char(date, 'YYYY-MM-DD') AS date, year, description, injury_severity FROM accidents WHERE accident_id = 1");
    expect(a1).toMatchObject({ date: "1983-10-15", year: 1990, injury_severity: "serious" });
    expect(a1.description).toMatch(/^Washington, Mount Thompson\nOn October 15, 1983, Edward Henderson \(47\)/);
    const [r2] = await sql.query("SELECT pitches, mp_route_id, length_ft FROM routes WHERE route_id = 2");
    expect(r2).toEqual({ pitches: 6, mp_route_id: "202008095", length_ft: 600 });
  }, 60_000);

  it("a second import of the same files changes nothing and leaves the data version alone", async () => {
    const v0 = await version();
    const r = await importDataset(sql, REAL_DIR);
    expect(counts(r)).toEqual({
      mountains: [441, 441, 0, 0, 0, 441],
      routes: [622, 622, 0, 0, 0, 622],
      accidents: [4319, 4319, 0, 0, 0, 4319],
      accident_weather: [49674, 49674, 0, 0, 0, 49674],
    });
    expect(r.changed).toBe(false);
    expect(r.dataVersion).toEqual({ before: v0, after: v0 });
    expect(await version()).toBe(v0);
  }, 60_000);
});

describe("upserts", () => {
  it("a changed value is one update and one version step; the rest stays unchanged", async () => {
    await reset();
    const base = readFiles(join(FIXTURES, "base"));
    await importDataset(sql, base);
    const v0 = await version();
    const changed = { ...base, "mountains.csv": base["mountains.csv"].replace("3,Unnamed Tower,", "3,Nameless Tower,") };
    const r = await importDataset(sql, changed);
    expect(counts(r)).toEqual({
      mountains: [3, 3, 0, 0, 1, 2],
      routes: [2, 2, 0, 0, 0, 2],
      accidents: [3, 3, 0, 0, 0, 3],
      accident_weather: [4, 4, 0, 0, 0, 4],
    });
    expect(r.dataVersion).toEqual({ before: v0, after: v0 + 1 });
    expect(await sql.query("SELECT name FROM mountains WHERE mountain_id = 3")).toEqual([{ name: "Nameless Tower" }]);
    // Null-to-value and value-to-null are changes too (IS DISTINCT FROM).
    const nulled = { ...changed, "routes.csv": changed["routes.csv"].replace(",105802955.0\n", ",\n") };
    const r2 = await importDataset(sql, nulled);
    expect(r2.tables.routes).toMatchObject({ updated: 1, unchanged: 1 });
    expect(await sql.query("SELECT mp_route_id FROM routes WHERE route_id = 1")).toEqual([{ mp_route_id: null }]);
  });

  it("many small statements and transactions load the same rows; each changing transaction bumps the version", async () => {
    await reset();
    const files = demoDatasetFiles();
    const v0 = await version();
    const { result: r, bodies } = await recordingRequestBytes(() => importDataset(sql, files, { maxRowsPerStatement: 97, maxRequestBytes: 64 * 1024 }));
    expect(r.requests).toBeGreaterThan(5);
    expect(bodies).toHaveLength(r.requests);
    expect(Math.max(...bodies)).toBeLessThanOrEqual(64 * 1024);
    expect(Math.max(...bodies)).toBeGreaterThan(32 * 1024); // requests are filled, not one statement each
    expect(r.rejected).toEqual([]);
    expect(r.dataVersion).toEqual({ before: v0, after: v0 + r.requests });
    const again = await importDataset(sql, files, { maxRowsPerStatement: 97, maxRequestBytes: 64 * 1024 });
    expect(again.changed).toBe(false);
    expect(again.dataVersion.after).toBe(v0 + r.requests);
    const whole = await importDataset(sql, files);
    expect(whole.requests).toBe(1);
    expect(whole.changed).toBe(false);
  });
});

describe("connection errors", () => {
  it("a load request whose connection fails is sent again (upserts are idempotent), with a warning", async () => {
    await reset();
    let failures = 0;
    neonConfig.fetchFunction = async (url: string, init: RequestInit) => {
      if (failures === 0 && String(init.body).startsWith('{"queries"')) {
        failures++;
        throw new TypeError("fetch failed");
      }
      return fetch(url, init);
    };
    try {
      const r = await importDataset(sql, join(FIXTURES, "base"));
      expect(failures).toBe(1);
      expect(r.rejected).toEqual([]);
      expect(r.warnings).toEqual([
        "request 1 of 1 was sent again after a connection error (Error connecting to database: TypeError: fetch failed); " +
          "if the first attempt had committed, its changes are counted as unchanged",
      ]);
      expect(r.tables.accident_weather).toMatchObject({ valid: 4, inserted: 4 });
      expect(await ids("accident_weather", "weather_id")).toEqual([1, 2, 3, 4]);
    } finally {
      neonConfig.fetchFunction = undefined;
    }
  });

  it("an unreachable database is a fatal ImportError", async () => {
    neonConfig.fetchEndpoint = () => "http://127.0.0.1:9/sql";
    try {
      await expect(importDataset(sql, join(FIXTURES, "base"))).rejects.toThrow(/^cannot query the database: Error connecting to database/);
    } finally {
      neonConfig.fetchEndpoint = () => srv.endpoint;
    }
  });
});

/** Hand-made broken datasets: precise `file:line: reason`, and the good rows still loaded. */
const CASES: {
  dir: string;
  rejected: string[];
  warnings?: string[];
  loaded: { mountains: number[]; routes: number[]; accidents: number[]; weather: number[] };
}[] = [
  {
    dir: "missing-column",
    rejected: [
      'routes.csv:1: missing required column "mountain_id" in the header; file rejected (2 records not imported)',
      "accidents.csv:2: route_id 1 cannot be checked: routes.csv was rejected as a whole",
      "accidents.csv:4: route_id 2 cannot be checked: routes.csv was rejected as a whole",
      "weather.csv:2: accident_id 1 does not match any row of accidents.csv (accidents.csv:2 was rejected)",
      "weather.csv:3: accident_id 1 does not match any row of accidents.csv (accidents.csv:2 was rejected)",
    ],
    warnings: ['mountains.csv:1: optional column "alt_names" is missing; loaded as NULL', 'mountains.csv:1: unknown column "notes" ignored'],
    loaded: { mountains: [1, 2, 3], routes: [], accidents: [3], weather: [3, 4] },
  },
  {
    dir: "bad-dates",
    rejected: [
      'accidents.csv:8: date "2019-02-30" is not a valid calendar date',
      'accidents.csv:9: date "13/01/2020" is not an ISO date (YYYY-MM-DD)',
      'accidents.csv:11: date "2021-06-31" is not a valid calendar date',
      'weather.csv:6: date "2015-02-29" is not a valid calendar date',
      'weather.csv:7: date "2015-7-11" is not an ISO date (YYYY-MM-DD)',
      "weather.csv:8: date is empty (required)",
    ],
    warnings: ["accidents.csv:10: accident_id 6 has no date; loaded with date NULL (the scorer skips it)"],
    loaded: { mountains: [1, 2, 3], routes: [1, 2], accidents: [1, 2, 3, 6], weather: [1, 2, 3, 4] },
  },
  {
    dir: "bad-coordinates",
    rejected: [
      'mountains.csv:5: latitude "95.0" is out of range [-90, 90]',
      'mountains.csv:6: longitude is empty but latitude is "43.5" (give both coordinates or neither)',
      'mountains.csv:7: longitude "-190.5" is out of range [-180, 180]',
      'mountains.csv:8: latitude "north" is not a number; longitude "west" is not a number',
      "routes.csv:4: mountain_id 4 does not match any row of mountains.csv (mountains.csv:5 was rejected)",
      'accidents.csv:8: latitude is empty but longitude is "-105.2928" (give both coordinates or neither)',
      "weather.csv:6: latitude is empty (required)",
      'weather.csv:7: latitude "-91.0" is out of range [-90, 90]',
    ],
    loaded: { mountains: [1, 2, 3], routes: [1, 2], accidents: [1, 2, 3], weather: [1, 2, 3, 4] },
  },
  {
    dir: "duplicate-ids",
    rejected: [
      "mountains.csv:5: duplicate mountain_id 2: first defined at line 3",
      'mountains.csv:6: mountain_id "1.5" is not an integer',
      'mountains.csv:7: mountain_id "abc" is not an integer',
      "routes.csv:4: duplicate route_id 1: first defined at line 2",
      "accidents.csv:8: duplicate accident_id 2: first defined at line 4",
      "weather.csv:6: duplicate weather_id 3: first defined at line 4",
    ],
    loaded: { mountains: [1, 2, 3], routes: [1, 2], accidents: [1, 2, 3], weather: [1, 2, 3, 4] },
  },
  {
    dir: "unterminated-quote",
    rejected: [
      "routes.csv:4: expected 14 fields as in the header, found 3",
      'accidents.csv:4: unbalanced quotes: the quoted field in column "description" pairs with a quote on line 5 that is followed by "Loveland Pas"; reading resumes at line 5',
      'weather.csv:4: unterminated quoted field in column "temperature_avg": the quote is never closed, so lines 4–5 would be one field; reading resumes at line 5',
    ],
    loaded: { mountains: [1, 2, 3], routes: [1, 2], accidents: [1, 3, 4], weather: [1, 2, 4] },
  },
  {
    dir: "wrong-fk",
    rejected: [
      "routes.csv:4: mountain_id 99 does not match any row of mountains.csv",
      "accidents.csv:8: mountain_id 55 does not match any row of mountains.csv; route_id 77 does not match any row of routes.csv",
      "accidents.csv:9: route_id 3 does not match any row of routes.csv (routes.csv:4 was rejected)",
      "weather.csv:6: accident_id 42 does not match any row of accidents.csv",
      "weather.csv:7: accident_id 4 does not match any row of accidents.csv (accidents.csv:8 was rejected)",
    ],
    loaded: { mountains: [1, 2, 3], routes: [1, 2], accidents: [1, 2, 3], weather: [1, 2, 3, 4] },
  },
];

describe("broken fixtures (test/fixtures/broken)", () => {
  for (const c of CASES) {
    it(`${c.dir}: every bad record as file:line: reason, the good rows loaded`, async () => {
      await reset();
      const r = await importDataset(sql, join(FIXTURES, c.dir));
      expect(r.rejected.map(formatRejection)).toEqual(c.rejected);
      expect(r.warnings).toEqual(c.warnings ?? []);
      for (const t of Object.values(r.tables)) {
        expect(t.read).toBe(t.valid + t.rejected);
        expect(t.inserted).toBe(t.valid);
      }
      expect(await ids("mountains", "mountain_id")).toEqual(c.loaded.mountains);
      expect(await ids("routes", "route_id")).toEqual(c.loaded.routes);
      expect(await ids("accidents", "accident_id")).toEqual(c.loaded.accidents);
      expect(await ids("accident_weather", "weather_id")).toEqual(c.loaded.weather);
    });
  }

  it("multi-line descriptions survive intact next to a broken record", async () => {
    await reset();
    await importDataset(sql, join(FIXTURES, "unterminated-quote"));
    const rows = await sql.query("SELECT accident_id, description, tags FROM accidents ORDER BY 1");
    expect(rows[0]).toEqual({
      accident_id: 1,
      description: 'Wyoming, Grand Teton\nThe leader fell on the "Friction Pitch", 40 feet above a piece.',
      tags: "Serious",
    });
    expect(rows[1]).toEqual({ accident_id: 3, description: "SUMMARY\nTwo skiers were caught.\nOne was buried.", tags: "buried:1, killed:1" });
  });
});

describe("demo dataset", () => {
  it("imports with no rejections or warnings; counts and weather links are consistent", async () => {
    await reset();
    const data = generateDemoDataset();
    const r = await importDataset(sql, demoDatasetFiles());
    expect(r.rejected).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(counts(r)).toEqual({
      mountains: [data.mountains.length, data.mountains.length, 0, data.mountains.length, 0, 0],
      routes: [data.routes.length, data.routes.length, 0, data.routes.length, 0, 0],
      accidents: [data.accidents.length, data.accidents.length, 0, data.accidents.length, 0, 0],
      accident_weather: [data.weather.length, data.weather.length, 0, data.weather.length, 0, 0],
    });
    // accident_count = accidents referencing the mountain / route.
    const badCounts = await sql.query(`
      SELECT 'mountain' AS kind, m.mountain_id AS id FROM mountains m
       WHERE m.accident_count <> (SELECT count(*) FROM accidents a WHERE a.mountain_id = m.mountain_id)
      UNION ALL
      SELECT 'route', r.route_id FROM routes r
       WHERE r.accident_count <> (SELECT count(*) FROM accidents a WHERE a.route_id = r.route_id)`);
    expect(badCounts).toEqual([]);
    // Every located, dated accident gets exactly its 7 days d-6..d, by accident_id or (unlinked rows)
    // by the 0.01-degree place and date rule of src/data/accidents.ts.
    const windows = await sql.query(`
      WITH a AS (SELECT * FROM accidents WHERE latitude IS NOT NULL AND date IS NOT NULL),
      linked AS (
        SELECT a.accident_id, w.date FROM a JOIN accident_weather w ON w.accident_id = a.accident_id
        UNION ALL
        SELECT a.accident_id, w.date FROM a JOIN accident_weather w ON w.accident_id IS NULL
           AND w.latitude = round(a.latitude::numeric, 2)::float8 AND w.longitude = round(a.longitude::numeric, 2)::float8
           AND w.date BETWEEN a.date - 6 AND a.date)
      SELECT count(*)::int AS n, count(DISTINCT l.date)::int AS days, min(a.date - l.date)::int AS lo, max(a.date - l.date)::int AS hi
      FROM a LEFT JOIN linked l USING (accident_id) GROUP BY a.accident_id
      HAVING count(*) <> 7 OR count(DISTINCT l.date) <> 7 OR min(a.date - l.date) <> 0 OR max(a.date - l.date) <> 6`);
    expect(windows).toEqual([]);
    const [{ unlinked, orphans }] = await sql.query(`
      SELECT count(*)::int AS unlinked,
             count(*) FILTER (WHERE NOT EXISTS (
               SELECT 1 FROM accidents a WHERE w.latitude = round(a.latitude::numeric, 2)::float8
                 AND w.longitude = round(a.longitude::numeric, 2)::float8 AND w.date BETWEEN a.date - 6 AND a.date))::int AS orphans
      FROM accident_weather w WHERE w.accident_id IS NULL`);
    expect(unlinked).toBeGreaterThan(data.weather.length / 5);
    expect(orphans).toBe(0);
  });
});

describe("synthetic catalogue (tools/data/catalogue.ts)", () => {
  /** Distinct scoring points as the Worker locates routes (src/data/routes.ts: own coordinates, else the mountain's). */
  const scoringPoints = async () =>
    (
      (await sql.query(`SELECT count(*)::int AS n FROM (SELECT DISTINCT COALESCE(r.latitude, m.latitude), COALESCE(r.longitude, m.longitude), m.elevation_ft
       ${ROUTE_FROM} WHERE ${HAS_COORDINATES}) p`)) as { n: number }[]
    )[0].n;

  it("2,000 routes on 300 locations load in bulk requests; a re-import changes nothing and keeps the version", async () => {
    await reset();
    const c = generateCatalogue({ routes: 2000, locations: 300, seed: 7 });
    const v0 = await version();
    const opts = { maxRequestBytes: 64 * 1024 };
    const { result: r, bodies } = await recordingRequestBytes(() => importDataset(sql, c.files, opts));
    expect(r.rejected).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(counts(r)).toEqual({
      mountains: [300, 300, 0, 300, 0, 0],
      routes: [2000, 2000, 0, 2000, 0, 0],
      accidents: [0, 0, 0, 0, 0, 0],
      accident_weather: [0, 0, 0, 0, 0, 0],
    });
    // ~230 KB of rows: a handful of full requests, never a request per row or per statement.
    expect(r.requests).toBeGreaterThan(1);
    expect(r.requests).toBeLessThan(10);
    expect(Math.max(...bodies)).toBeLessThanOrEqual(64 * 1024);
    expect(r.dataVersion).toEqual({ before: v0, after: v0 + r.requests });
    expect(await scoringPoints()).toBe(c.stats.scoringPoints);

    const again = await importDataset(sql, c.files, opts);
    expect(counts(again)).toEqual({
      mountains: [300, 300, 0, 0, 0, 300],
      routes: [2000, 2000, 0, 0, 0, 2000],
      accidents: [0, 0, 0, 0, 0, 0],
      accident_weather: [0, 0, 0, 0, 0, 0],
    });
    expect(again.changed).toBe(false);
    expect(again.dataVersion).toEqual({ before: v0 + r.requests, after: v0 + r.requests });
    expect(await version()).toBe(v0 + r.requests);
  });

  it.skipIf(!hasRealData)(
    "with the real data bundled, every accident and weather row loads and their references resolve",
    async () => {
      await reset();
      const c = generateCatalogue({ routes: 3000, locations: 800, seed: 7, accidentsFrom: REAL_DIR });
      const r = await importDataset(sql, c.files);
      expect(r.rejected).toEqual([]);
      expect(counts(r)).toEqual({
        mountains: [800, 800, 0, 800, 0, 0],
        routes: [3000, 3000, 0, 3000, 0, 0],
        accidents: [4319, 4319, 0, 4319, 0, 0],
        accident_weather: [49674, 49674, 0, 49674, 0, 0],
      });
      const [refs] = (await sql.query(`SELECT
        count(*) FILTER (WHERE a.mountain_id IS NOT NULL)::int AS with_mountain,
        count(*) FILTER (WHERE a.mountain_id IS NOT NULL AND m.mountain_id IS NULL)::int AS dangling_mountain,
        count(*) FILTER (WHERE a.route_id IS NOT NULL)::int AS with_route,
        count(*) FILTER (WHERE a.route_id IS NOT NULL AND rt.route_id IS NULL)::int AS dangling_route
      FROM accidents a LEFT JOIN mountains m ON m.mountain_id = a.mountain_id LEFT JOIN routes rt ON rt.route_id = a.route_id`)) as Record<string, number>[];
      expect(refs.with_mountain).toBeGreaterThan(0);
      expect(refs.with_route).toBeGreaterThan(0);
      expect(refs).toMatchObject({ dangling_mountain: 0, dangling_route: 0 });
      expect(await scoringPoints()).toBe(c.stats.scoringPoints);
    },
    60_000,
  );
});

// ---------------------------------------------------------------------------------------------
// CLI: npx tsx tools/cli/import.ts
// ---------------------------------------------------------------------------------------------

function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "npx",
      ["tsx", "tools/cli/import.ts", ...args],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: srv.connectionString, NEON_HTTP_ENDPOINT: srv.endpoint, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("npm run import (tools/cli/import.ts)", () => {
  it("prints counts and every rejected row; exit 0 with rejected rows", async () => {
    await reset();
    const { code, stdout, stderr } = await runCli(["--dir", join(FIXTURES, "wrong-fk")]);
    expect(code, stderr).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^table\s+read\s+valid\s+rejected\s+inserted\s+updated\s+unchanged$/);
    expect(lines[1]).toMatch(/^mountains\s+3\s+3\s+0\s+3\s+0\s+0$/);
    expect(lines[2]).toMatch(/^routes\s+3\s+2\s+1\s+2\s+0\s+0$/);
    expect(lines[3]).toMatch(/^accidents\s+5\s+3\s+2\s+3\s+0\s+0$/);
    expect(lines[4]).toMatch(/^accident_weather\s+6\s+4\s+2\s+4\s+0\s+0$/);
    expect(lines[5]).toMatch(/^changes: 12 \(data version \d+ -> \d+\); 1 transaction; \d+\.\d s$/);
    expect(lines.slice(6)).toEqual(["rejected rows: 5", ...CASES.find((c) => c.dir === "wrong-fk")!.rejected]);
    // Not a TTY here: progress comes as plain lines on stderr.
    expect(stderr).toMatch(/import: validate \d+\/\d+ records/);
    expect(stderr).toMatch(/import: load 12\/12 records/);

    const again = await runCli(["--dir", join(FIXTURES, "wrong-fk")]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^changes: 0 \(data version \d+, unchanged\)/m);
  }, 60_000);

  it("exit 2 on bad arguments, exit 1 on a missing file or an unreachable database", async () => {
    const [noDir, unknown, missing, down] = await Promise.all([
      runCli([]),
      runCli(["--dir", "x", "--frobnicate"]),
      runCli(["--dir", "test/fixtures"]),
      runCli(["--dir", join(FIXTURES, "base")], { NEON_HTTP_ENDPOINT: "http://127.0.0.1:9/sql" }),
    ]);
    expect(noDir.code).toBe(2);
    expect(noDir.stderr).toMatch(/--dir <folder> is required/);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/frobnicate/);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/import failed: missing file: .*test\/fixtures\/mountains\.csv/);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/import failed: cannot query the database/);
  }, 60_000);
});
