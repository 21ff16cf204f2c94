/** tools/data/demo-data.ts and tools/cli/demo-data.ts: deterministic, valid, consistent. No database. */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { TABLE_SPECS, ROUTE_TYPES, checkHeader, isProblem, parseCsv, validateRecord, type TableSpec } from "../../../tools/data/csv-schemas.ts";
import { DEMO_SEED, demoDatasetFiles, generateDemoDataset, writeDemoDataset } from "../../../tools/data/demo-data.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

describe("generateDemoDataset", () => {
  const d = generateDemoDataset();

  it("is deterministic: the same seed gives identical bytes, another seed other data", () => {
    expect(demoDatasetFiles()).toEqual(demoDatasetFiles({ seed: DEMO_SEED }));
    expect(demoDatasetFiles({ seed: 7 })).toEqual(demoDatasetFiles({ seed: 7 }));
    expect(demoDatasetFiles({ seed: 7 })["accidents.csv"]).not.toBe(demoDatasetFiles()["accidents.csv"]);
  });

  it("has tens of mountains, ~100 routes of every type, ~300 accidents over decades", () => {
    expect(d.mountains.length).toBe(30);
    expect(d.routes.length).toBeGreaterThanOrEqual(80);
    expect(d.routes.length).toBeLessThanOrEqual(120);
    expect(new Set(d.routes.map((r) => r.type))).toEqual(new Set(ROUTE_TYPES));
    expect(d.accidents.length).toBe(300);
    const years = d.accidents.map((a) => Number(a.date!.slice(0, 4)));
    expect(Math.min(...years)).toBeLessThan(1990);
    expect(Math.max(...years)).toBeGreaterThan(2018);
    expect(new Set(d.accidents.map((a) => a.source))).toEqual(new Set(["AAC", "Avalanche", "NPS"]));
    expect(new Set(d.accidents.map((a) => a.injury_severity))).toEqual(new Set(["fatal", "serious", "minor", "unknown"]));
    expect(new Set(d.accidents.map((a) => a.accident_type)).size).toBeGreaterThanOrEqual(8);
    expect(new Set(d.mountains.map((m) => m.state)).size).toBeGreaterThanOrEqual(9);
  });

  it("every route type is covered for other seeds too", () => {
    for (const seed of [1, 2, 3, 42]) expect(new Set(generateDemoDataset({ seed }).routes.map((r) => r.type))).toEqual(new Set(ROUTE_TYPES));
  });

  it("accident counts match the accidents; references resolve", () => {
    const mountains = new Set(d.mountains.map((m) => m.mountain_id));
    const routes = new Map(d.routes.map((r) => [r.route_id, r]));
    for (const m of d.mountains) expect(m.accident_count).toBe(d.accidents.filter((a) => a.mountain_id === m.mountain_id).length);
    for (const r of d.routes) expect(r.accident_count).toBe(d.accidents.filter((a) => a.route_id === r.route_id).length);
    for (const a of d.accidents) {
      if (a.mountain_id !== null) expect(mountains.has(a.mountain_id)).toBe(true);
      if (a.route_id !== null) expect(routes.get(a.route_id)!.mountain_id).toBe(a.mountain_id);
    }
    expect(d.mountains.reduce((n, m) => n + m.accident_count, 0)).toBeGreaterThan(100);
  });

  it("weather: 7 days d-6..d per located accident, some rows without accident_id, plausible values", () => {
    const located = d.accidents.filter((a) => a.latitude !== null);
    expect(located.length).toBeLessThan(d.accidents.length); // a few accidents without coordinates
    expect(d.weather.length).toBe(7 * located.length);
    const unlinked = d.weather.filter((w) => w.accident_id === null).length;
    expect(unlinked / d.weather.length).toBeGreaterThan(0.25);
    expect(unlinked / d.weather.length).toBeLessThan(0.6);
    const byAccident = new Map(d.accidents.map((a) => [a.accident_id, a]));
    for (const w of d.weather) {
      expect(w.temperature_min!).toBeLessThanOrEqual(w.temperature_avg!);
      expect(w.temperature_avg!).toBeLessThanOrEqual(w.temperature_max!);
      expect(w.temperature_avg!).toBeGreaterThan(-50);
      expect(w.temperature_avg!).toBeLessThan(40);
      expect(w.wind_speed_avg!).toBeLessThanOrEqual(w.wind_speed_max!);
      expect(w.cloud_cover_avg!).toBeGreaterThanOrEqual(0);
      expect(w.cloud_cover_avg!).toBeLessThanOrEqual(100);
      if (w.accident_id !== null) {
        const a = byAccident.get(w.accident_id)!;
        const days = (Date.parse(a.date!) - Date.parse(w.date)) / 86_400_000;
        expect(days).toBeGreaterThanOrEqual(0);
        expect(days).toBeLessThanOrEqual(6);
      }
    }
    // Seasons by latitude: Alaska in winter is colder than Kentucky in summer.
    const tempAt = (state: string, months: string[]) => {
      const ids = new Set(d.accidents.filter((a) => a.state === state && months.includes(a.date!.slice(5, 7))).map((a) => a.accident_id));
      const t = d.weather.filter((w) => w.accident_id !== null && ids.has(w.accident_id)).map((w) => w.temperature_avg!);
      return t.reduce((s, x) => s + x, 0) / Math.max(1, t.length);
    };
    expect(tempAt("Alaska", ["12", "01", "02", "03"])).toBeLessThan(tempAt("Kentucky", ["05", "06", "07", "08", "09"]));
  });

  it("the CSV files use the export's columns and read back with no rejections", () => {
    const files = demoDatasetFiles();
    expect(files["accidents.csv"].split("\n")[0]).toBe(
      "accident_id,source,source_id,date,year,state,location,mountain,route,latitude,longitude,accident_type,activity,injury_severity,age_range,description,tags,mountain_id,route_id",
    );
    expect(files["weather.csv"]).toMatch(/^\d+,\d+\.0,\d{4}-\d\d-\d\d,/m); // float-style accident ids, as in the export
    expect(files["weather.csv"]).toMatch(/^\d+,,\d{4}-\d\d-\d\d,/m); // and empty ones
    for (const spec of TABLE_SPECS as readonly TableSpec<any>[]) {
      const { header, records } = parseCsv(files[spec.file as keyof typeof files]);
      const h = checkHeader(spec, header!.fields);
      expect(h.ok && h.warnings).toEqual([]);
      if (!h.ok) continue;
      for (const rec of records) {
        expect(isProblem(rec)).toBe(false);
        if (!isProblem(rec)) expect(validateRecord(spec, rec.fields, h.indexOf)).toMatchObject({ ok: true });
      }
    }
    expect(files["accidents.csv"]).toMatch(/"[^"]*\n[^"]*"/); // multi-line quoted descriptions
    expect(files["accidents.csv"]).toContain('""'); // and escaped quotes
  });
});

describe("npm run demo-data (tools/cli/demo-data.ts)", () => {
  it("--out writes the same bytes as the in-process generator; bad arguments exit 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "demo-data-test-"));
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile("npx", ["tsx", "tools/cli/demo-data.ts", ...args], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
      );
    try {
      const [ok, bad, noOut] = await Promise.all([run(["--out", dir, "--seed", "11"]), run(["--out", dir, "--seed", "x"]), run([])]);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/weather\.csv\s+\d+ rows/);
      const expected = demoDatasetFiles({ seed: 11 });
      for (const [name, text] of Object.entries(expected)) expect(readFileSync(join(dir, name), "utf8")).toBe(text);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--seed must be an integer/);
      expect(noOut.code).toBe(2);

      const w = writeDemoDataset(join(dir, "again"), { seed: 11 });
      expect(w.rows["accidents.csv"]).toBe(300);
      expect(readFileSync(join(dir, "again", "weather.csv"), "utf8")).toBe(expected["weather.csv"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
