/**
 * `npm run bench:import` — importing the full-size synthetic catalogue through the normal path
 * (tools/data/importer.ts -> neon() HTTP driver -> dev/neon-http.ts -> local Postgres).
 *
 * Generates the catalogue (BENCH_ROUTES routes on BENCH_LOCATIONS locations, default 168,000 on
 * 28,000, with ../shared/data/safeascent bundled when present) into a temp dir, or uses
 * BENCH_CATALOGUE_DIR; creates a fresh migrated database `safeascent_bench_import` on the server of
 * DATABASE_URL (default 127.0.0.1:5432); then BENCH_RUNS times (default 3): a fresh import into
 * emptied tables, and a re-import of the same files (which must change nothing). Reports medians,
 * the transactions (HTTP requests) and the largest request body. Timings vary with the machine's load.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os, { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { existsSync } from "node:fs";
import { neon, neonConfig } from "@neondatabase/serverless";
import { startNeonHttp } from "../dev/neon-http";
import { createDatabase, dropDatabase, withDatabase } from "../dev/postgres";
import { runMigrations, DEFAULT_DATABASE_URL } from "../tools/cli/migrate";
import { writeCatalogue } from "../tools/data/catalogue";
import { importDataset, type ImportReport } from "../tools/data/importer";

const routes = Number(process.env.BENCH_ROUTES ?? 168_000);
const locations = Number(process.env.BENCH_LOCATIONS ?? 28_000);
const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const shared = resolve(import.meta.dirname, "../../shared/data/safeascent");
const adminUrl = withDatabase(process.env.DATABASE_URL || DEFAULT_DATABASE_URL, "postgres");
const dbName = "safeascent_bench_import";

let dir = process.env.BENCH_CATALOGUE_DIR;
let tempDir: string | undefined;
if (!dir) {
  tempDir = dir = mkdtempSync(join(tmpdir(), "safeascent-catalogue-"));
  const t0 = performance.now();
  const w = writeCatalogue(dir, { routes, locations, accidentsFrom: existsSync(join(shared, "accidents.csv")) ? shared : null });
  const mb = Object.values(w.files).reduce((n, f) => n + f.bytes, 0) / 1e6;
  console.log(
    `# catalogue: ${w.stats.routes} routes on ${w.stats.locations} locations, ${w.files["accidents.csv"].rows} accidents, ${w.files["weather.csv"].rows} weather rows (${mb.toFixed(1)} MB of CSV) generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}

const databaseUrl = await createDatabase(adminUrl, dbName, { recreate: true });
const srv = await startNeonHttp({ databaseUrl, webSocket: false });
await runMigrations({ databaseUrl, neonHttpEndpoint: srv.endpoint });
neonConfig.fetchEndpoint = () => srv.endpoint;
let largestBody = 0;
neonConfig.fetchFunction = (url: string, init: RequestInit) => {
  largestBody = Math.max(largestBody, Buffer.byteLength(String(init.body ?? "")));
  return fetch(url, init);
};
const sql = neon(databaseUrl);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const changes = (r: ImportReport) => Object.values(r.tables).reduce((n, c) => n + c.inserted + c.updated, 0);
const rows = (r: ImportReport) => Object.values(r.tables).reduce((n, c) => n + c.valid, 0);

/** Seconds from the start of an import to the first progress event of each phase (read, validate, load). */
function phaseClock() {
  const t0 = performance.now();
  const first: Record<string, number> = {};
  return {
    onProgress: (p: { phase: string }) => void (first[p.phase] ??= performance.now() - t0),
    toString: () =>
      Object.entries(first)
        .map(([k, v]) => `${k} from ${(v / 1000).toFixed(1)} s`)
        .join(", "),
  };
}

const fresh: number[] = [];
const again: number[] = [];
let last: ImportReport | undefined;
try {
  for (let i = 0; i < runs; i++) {
    await sql.query("TRUNCATE mountains, routes, accidents, accident_weather CASCADE");
    largestBody = 0;
    const clock = phaseClock();
    const a = await importDataset(sql, dir, { onProgress: clock.onProgress });
    fresh.push(a.elapsedMs);
    console.log(
      `# run ${i + 1}: fresh import ${(a.elapsedMs / 1000).toFixed(1)} s [${clock}] (${rows(a)} rows, ${changes(a)} changes, ${a.requests} transactions, largest request ${(largestBody / 2 ** 20).toFixed(2)} MiB, version ${a.dataVersion.before} -> ${a.dataVersion.after})`,
    );
    const b = await importDataset(sql, dir);
    again.push(b.elapsedMs);
    console.log(
      `# run ${i + 1}: re-import   ${(b.elapsedMs / 1000).toFixed(1)} s (${changes(b)} changes, version ${b.dataVersion.before} -> ${b.dataVersion.after})`,
    );
    if (changes(b) !== 0 || b.changed) throw new Error("the re-import changed rows");
    last = a;
  }
  console.log(
    `import (${rows(last!)} rows, ${last!.requests} transactions): fresh median ${(median(fresh) / 1000).toFixed(1)} s, ` +
      `re-import median ${(median(again) / 1000).toFixed(1)} s over ${runs} runs; largest request ${(largestBody / 2 ** 20).toFixed(2)} MiB; ` +
      `${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(2)}`,
  );
} finally {
  await srv.close();
  await dropDatabase(adminUrl, dbName);
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
}
