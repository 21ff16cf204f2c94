/** tools/data/catalogue.ts and `npm run demo-data -- --routes …`: a small catalogue, no database. */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseGrade } from "../../../src/scoring/factors/grade.ts";
import { batchRouteType, canonicalRouteType } from "../../../src/scoring/route-type.ts";
import { gridCell } from "../../../src/weather/cells.ts";
import {
  apportion,
  CATALOGUE_ROUTE_TYPES,
  CatalogueOptionsError,
  GRADE_SYSTEMS,
  PARSEABLE_GRADE_SYSTEMS,
  SYNTHETIC_MOUNTAIN_ID_BASE,
  SYNTHETIC_ROUTE_ID_BASE,
  generateCatalogue,
  gradeSystemOf,
  writeCatalogue,
  type Catalogue,
} from "../../../tools/data/catalogue.ts";
import {
  accidentsSpec,
  checkHeader,
  isProblem,
  mountainsSpec,
  parseCsv,
  routesSpec,
  type MountainRow,
  type RouteRow,
  type TableSpec,
} from "../../../tools/data/csv-schemas.ts";
import { validateRecord } from "../../../tools/data/csv-schemas.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const REAL_DIR = fileURLToPath(new URL("../../../../shared/data/safeascent/", import.meta.url));
const hasRealData = existsSync(join(REAL_DIR, "accidents.csv"));

/** Rows of a CSV text as the importer validates them (throws on any rejection or header warning). */
function validRows<Row extends Record<string, unknown>>(spec: TableSpec<Row>, text: string): Row[] {
  const { header, records } = parseCsv(text);
  const h = checkHeader(spec, header!.fields);
  if (!h.ok) throw new Error(h.reason);
  expect(h.warnings).toEqual([]);
  return records.map((rec) => {
    if (isProblem(rec)) throw new Error(`${spec.file}:${rec.line}: ${rec.problem}`);
    const v = validateRecord(spec, rec.fields, h.indexOf);
    if (!v.ok) throw new Error(`${spec.file}:${rec.line}: ${v.reason}`);
    return v.row;
  });
}

function perLocation(c: Catalogue): number[] {
  const n = new Map<number, number>();
  for (const r of c.routes) if (r.mountain_id! >= SYNTHETIC_MOUNTAIN_ID_BASE) n.set(r.mountain_id!, (n.get(r.mountain_id!) ?? 0) + 1);
  return [...n.values()].sort((a, b) => a - b);
}

/** Distinct (lat, lon, elevation) after the route -> mountain fallback, as src/data/routes.ts locates routes. */
function scoringPoints(mountains: readonly MountainRow[], routes: readonly RouteRow[]): number {
  return located(mountains, routes, (lat, lon, elevationFt) => JSON.stringify([lat, lon, elevationFt]));
}

/** Distinct keys over the located routes. */
function located(
  mountains: readonly MountainRow[],
  routes: readonly RouteRow[],
  key: (lat: number, lon: number, elevationFt: number | null) => string,
): number {
  const byId = new Map(mountains.map((m) => [m.mountain_id, m]));
  const keys = new Set<string>();
  for (const r of routes) {
    const m = r.mountain_id === null ? undefined : byId.get(r.mountain_id);
    const lat = r.latitude ?? m?.latitude ?? null;
    const lon = r.longitude ?? m?.longitude ?? null;
    if (lat !== null && lon !== null) keys.add(key(lat, lon, m?.elevation_ft ?? null));
  }
  return keys.size;
}

describe("generateCatalogue (2,000 routes on 300 locations)", () => {
  const c = generateCatalogue({ routes: 2000, locations: 300, seed: 7 });

  it("is deterministic: the same seed gives identical files, another seed another catalogue", () => {
    expect(generateCatalogue({ routes: 2000, locations: 300, seed: 7 }).files).toEqual(c.files);
    expect(generateCatalogue({ routes: 2000, locations: 300, seed: 8 }).files["routes.csv"]).not.toBe(c.files["routes.csv"]);
  });

  it("has the exact totals, unique ids from the synthetic bases, and every route on one of its locations", () => {
    expect(c.mountains).toHaveLength(300);
    expect(c.routes).toHaveLength(2000);
    expect(c.real).toEqual({ mountains: 0, routes: 0, accidents: 0, weather: 0 });
    expect(c.mountains.map((m) => m.mountain_id)).toEqual(Array.from({ length: 300 }, (_, i) => SYNTHETIC_MOUNTAIN_ID_BASE + i));
    expect(c.routes.map((r) => r.route_id)).toEqual(Array.from({ length: 2000 }, (_, i) => SYNTHETIC_ROUTE_ID_BASE + i));
    const names = new Map(c.mountains.map((m) => [m.mountain_id, m.name]));
    for (const r of c.routes) expect(r.mountain_name).toBe(names.get(r.mountain_id!));
    expect(new Set(c.routes.map((r) => r.mp_route_id).filter((x) => x !== null)).size).toBe(c.routes.filter((r) => r.mp_route_id !== null).length);
  });

  it("its CSV files read back under the importer's schemas as exactly the generated rows", () => {
    expect(validRows(mountainsSpec, c.files["mountains.csv"])).toEqual(c.mountains);
    expect(validRows(routesSpec, c.files["routes.csv"])).toEqual(c.routes);
    // Nothing bundled: header-only accidents and weather, still valid files for the importer.
    expect(validRows(accidentsSpec, c.files["accidents.csv"])).toEqual([]);
    expect(c.files["weather.csv"].trimEnd().split("\n")).toHaveLength(1);
  });

  it("is clustered like climbing areas: one big area, a handful typical, many single-route locations", () => {
    const counts = perLocation(c);
    expect(counts).toHaveLength(300);
    expect(counts[0]).toBe(1);
    const single = counts.filter((n) => n === 1).length / counts.length;
    expect(single).toBeGreaterThan(0.2);
    expect(single).toBeLessThan(0.5);
    expect(counts[149]).toBeLessThanOrEqual(4); // median
    expect(counts[counts.length - 1]).toBeGreaterThanOrEqual(40); // ≥ 6× the mean
    expect(c.stats.routesPerLocation).toMatchObject({ max: counts[counts.length - 1], singleShare: Math.round(single * 10000) / 10000 });
  });

  it("locates most routes by their location (a minority own coordinates near the crag); scoring points counted after the fallback", () => {
    const byId = new Map(c.mountains.map((m) => [m.mountain_id, m]));
    const own = c.routes.filter((r) => r.latitude !== null);
    expect(own.length / c.routes.length).toBeGreaterThan(0.03);
    expect(own.length / c.routes.length).toBeLessThan(0.12);
    for (const r of own) {
      const m = byId.get(r.mountain_id!)!;
      expect(Math.abs(r.latitude! - m.latitude!)).toBeLessThan(0.05);
      expect(Math.abs(r.longitude! - m.longitude!)).toBeLessThan(0.1);
    }
    const points = scoringPoints(c.mountains, c.routes);
    expect(c.stats.scoringPoints).toBe(points);
    expect(points).toBeLessThan(c.mountains.length + own.length + 1); // routes share their location's point
    expect(points).toBeGreaterThan(c.mountains.length / 2);
    const cells = located(c.mountains, c.routes, (lat, lon) => gridCell(lat, lon).key);
    expect(c.stats.weatherCells).toBe(cells);
    expect(cells).toBeLessThanOrEqual(points);
  });

  it("has North American coordinates and elevations that fit the kind of place", () => {
    for (const m of c.mountains) {
      expect(m.latitude!).toBeGreaterThan(25);
      expect(m.latitude!).toBeLessThan(64);
      expect(m.longitude!).toBeGreaterThan(-153);
      expect(m.longitude!).toBeLessThan(-67);
      expect(m.elevation_ft!).toBeGreaterThanOrEqual(0);
      expect(m.elevation_ft!).toBeLessThanOrEqual(20310);
      expect(["crag", "boulder_field", "wall", "peak", "ice"]).toContain(m.type);
    }
    const mean = (kind: string) => {
      const e = c.mountains.filter((m) => m.type === kind).map((m) => m.elevation_ft!);
      return e.reduce((s, x) => s + x, 0) / e.length;
    };
    expect(mean("peak")).toBeGreaterThan(mean("crag"));
  });

  it("covers every route type (aliases and NULL included) and every grade system; parseGrade reads exactly the parseable ones", () => {
    expect(new Set(c.routes.map((r) => r.type ?? ""))).toEqual(new Set(CATALOGUE_ROUTE_TYPES));
    const bySystem = new Map<string, string[]>();
    for (const r of c.routes) {
      const g = r.grade ?? r.grade_yds;
      const s = gradeSystemOf(g);
      bySystem.set(s, [...(bySystem.get(s) ?? []), g ?? ""]);
      expect(parseGrade(g) !== null, `${JSON.stringify(g)} (${s})`).toBe(PARSEABLE_GRADE_SYSTEMS.has(s));
    }
    expect(new Set(bySystem.keys())).toEqual(new Set(GRADE_SYSTEMS));
    // Both engine mappings reach every canonical type the scorer knows.
    expect(new Set(c.routes.map((r) => canonicalRouteType(r.type)))).toEqual(new Set(["alpine", "ice", "mixed", "trad", "sport", "aid", "boulder"]));
    expect(new Set(c.routes.map((r) => batchRouteType(r.type)))).toEqual(new Set(["alpine", "ice", "mixed", "trad", "sport", "aid", "boulder", null]));
    // Plausible proportions: rock climbing dominates, boulders are V-graded, ice is WI/AI.
    const share = (t: string) => c.routes.filter((r) => r.type === t).length / c.routes.length;
    expect(share("sport") + share("trad")).toBeGreaterThan(0.3);
    for (const r of c.routes.filter((x) => x.type === "boulder" && x.grade !== null)) expect(gradeSystemOf(r.grade)).toBe("v_scale");
  });

  it("every type and grade system is there for other seeds too", () => {
    for (const seed of [1, 2, 3]) {
      const other = generateCatalogue({ routes: 2000, locations: 300, seed });
      expect(new Set(other.routes.map((r) => r.type ?? ""))).toEqual(new Set(CATALOGUE_ROUTE_TYPES));
      expect(new Set(other.routes.map((r) => gradeSystemOf(r.grade ?? r.grade_yds)))).toEqual(new Set(GRADE_SYSTEMS));
    }
  });

  it("meets the totals exactly for small and lopsided sizes too, every location with at least one route", () => {
    const sizes = [
      [1, 1],
      [1, 50],
      [2, 3],
      [3, 20],
      [5, 5],
      [7, 100],
      [20, 21],
      [40, 1000],
      [100, 101],
    ] as const;
    for (const [locations, routes] of sizes) {
      for (const seed of [1, 2, 3, 4, 5]) {
        const small = generateCatalogue({ routes, locations, seed });
        expect([small.mountains.length, small.routes.length], `${routes} on ${locations}, seed ${seed}`).toEqual([locations, routes]);
        expect(perLocation(small)).toHaveLength(locations);
      }
    }
  });

  it("apportion: parts sum to the total, follow the weights, and split all-zero weights evenly", () => {
    expect(apportion(17, [0, 0, 0])).toEqual([6, 6, 5]);
    expect(apportion(10, [1, 1, 2])).toEqual([3, 2, 5]);
    expect(apportion(0, [3, 1])).toEqual([0, 0]);
    const cases: [number, number[]][] = [
      [1000, [0.3, 7, 0, 2.5, 1e-9]],
      [3, [1, 1, 1, 1, 1]],
      [97, [5, 0, 0, 0]],
    ];
    for (const [total, weights] of cases) {
      const parts = apportion(total, weights);
      expect(parts.reduce((s, p) => s + p, 0)).toBe(total);
      const sum = weights.reduce((s, w) => s + w, 0);
      parts.forEach((p, i) => expect(Math.abs(p - (total * weights[i]) / sum)).toBeLessThan(1));
    }
  });

  it("refuses totals it cannot meet, naming the option", () => {
    expect(() => generateCatalogue({ routes: 100, locations: 300 })).toThrow(CatalogueOptionsError);
    expect(() => generateCatalogue({ routes: 100, locations: 300 })).toThrow(/100 synthetic routes cannot fill 300 synthetic locations/);
    expect(() => generateCatalogue({ routes: 0, locations: 1 })).toThrow(/routes must be a positive integer/);
    expect(() => generateCatalogue({ routes: 10, locations: 5, accidentsFrom: join(ROOT, "test") })).toThrow(/accidentsFrom .*mountains\.csv is missing/);
  });
});

describe.skipIf(!hasRealData)("generateCatalogue with the real data bundled", () => {
  const c = generateCatalogue({ routes: 3000, locations: 800, seed: 7, accidentsFrom: REAL_DIR });
  const realMountains = validRows(mountainsSpec, readFileSync(join(REAL_DIR, "mountains.csv"), "utf8"));
  const realRoutes = validRows(routesSpec, readFileSync(join(REAL_DIR, "routes.csv"), "utf8"));

  it("keeps the real mountains and routes as they are, with their ids, and adds synthetic ones up to the totals", () => {
    expect(c.real).toEqual({ mountains: 441, routes: 622, accidents: 4319, weather: 49674 });
    expect(c.mountains).toHaveLength(800);
    expect(c.routes).toHaveLength(3000);
    expect(c.mountains.slice(0, 441)).toEqual(realMountains);
    expect(c.routes.slice(0, 622)).toEqual(realRoutes);
    expect(validRows(mountainsSpec, c.files["mountains.csv"])).toEqual(c.mountains);
    expect(validRows(routesSpec, c.files["routes.csv"])).toEqual(c.routes);
    for (const m of c.mountains.slice(441)) expect(m.mountain_id).toBeGreaterThanOrEqual(SYNTHETIC_MOUNTAIN_ID_BASE);
    for (const r of c.routes.slice(622)) {
      expect(r.route_id).toBeGreaterThanOrEqual(SYNTHETIC_ROUTE_ID_BASE);
      expect(r.mountain_id).toBeGreaterThanOrEqual(SYNTHETIC_MOUNTAIN_ID_BASE); // real mountains keep exactly their real routes
    }
  });

  it("bundles accidents.csv and weather.csv byte for byte; every accident's references resolve in the catalogue", () => {
    expect(c.files["accidents.csv"]).toBe(readFileSync(join(REAL_DIR, "accidents.csv"), "utf8"));
    expect(c.files["weather.csv"]).toBe(readFileSync(join(REAL_DIR, "weather.csv"), "utf8"));
    const mountainIds = new Set(c.mountains.map((m) => m.mountain_id));
    const routeIds = new Set(c.routes.map((r) => r.route_id));
    const accidents = validRows(accidentsSpec, c.files["accidents.csv"]);
    expect(accidents).toHaveLength(4319);
    for (const a of accidents) {
      if (a.mountain_id !== null) expect(mountainIds.has(a.mountain_id)).toBe(true);
      if (a.route_id !== null) expect(routeIds.has(a.route_id)).toBe(true);
    }
    expect(c.stats.scoringPoints).toBe(scoringPoints(c.mountains, c.routes));
  });
});

describe("writeCatalogue and npm run demo-data -- --routes", () => {
  it("streams the same bytes as the in-process generator; the CLI writes them too; bad totals exit 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "catalogue-test-"));
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile("npx", ["tsx", "tools/cli/demo-data.ts", ...args], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
      );
    try {
      const options = { routes: 2000, locations: 300, seed: 11 };
      const expected = generateCatalogue(options);
      const w = writeCatalogue(join(dir, "api"), options);
      expect(w.stats).toEqual(expected.stats);
      expect(w.files["routes.csv"].rows).toBe(2000);
      const [ok, tooFew, both] = await Promise.all([
        run(["--out", join(dir, "cli"), "--routes", "2000", "--locations", "300", "--seed", "11", "--no-accidents"]),
        run(["--out", join(dir, "bad"), "--routes", "10", "--locations", "300", "--no-accidents"]),
        run(["--out", join(dir, "bad"), "--routes", "10", "--no-accidents", "--accidents-from", dir]),
      ]);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/routes\.csv\s+2000 rows/);
      expect(ok.stdout).toMatch(
        new RegExp(
          `scoring points \\(distinct lat/lon/elevation after the mountain fallback\\): ${expected.stats.scoringPoints} in ${expected.stats.weatherCells} weather cells`,
        ),
      );
      for (const [name, text] of Object.entries(expected.files)) {
        expect(readFileSync(join(dir, "api", name), "utf8")).toBe(text);
        expect(readFileSync(join(dir, "cli", name), "utf8")).toBe(text);
      }
      expect(tooFew.code).toBe(2);
      expect(tooFew.stderr).toMatch(/10 synthetic routes cannot fill 300 synthetic locations/);
      expect(both.code).toBe(2);
      expect(both.stderr).toMatch(/--accidents-from and --no-accidents exclude each other/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
