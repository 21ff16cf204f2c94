/**
 * `npm run demo-data -- --out <dir> [--seed <n>] [--accidents <n>]`: writes the small generated demo
 * dataset (tools/data/demo-data.ts).
 * `npm run demo-data -- --out <dir> --routes <n> [--locations <n>] [--seed <n>] [--accidents-from <dir> | --no-accidents]`:
 * writes the full-size synthetic catalogue (tools/data/catalogue.ts) with the real mountains, routes,
 * accidents and weather bundled from --accidents-from (default ../shared/data/safeascent when it exists).
 * Either way the folder gets mountains.csv, routes.csv, accidents.csv and weather.csv, ready for
 * `npm run import -- --dir <dir>`. The same arguments always write the same bytes.
 * Exit status: 0 written, 1 write error, 2 bad arguments.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CATALOGUE_SEED, CatalogueOptionsError, writeCatalogue } from "../data/catalogue.ts";
import { DEMO_SEED, writeDemoDataset } from "../data/demo-data.ts";

const DEFAULT_ACCIDENTS_FROM = fileURLToPath(new URL("../../../shared/data/safeascent", import.meta.url));

const USAGE = `usage: npm run demo-data -- --out <dir> [--seed <n>] [--accidents <n>]
       npm run demo-data -- --out <dir> --routes <n> [--locations <n>] [--seed <n>]
                            [--accidents-from <dir> | --no-accidents]

The small demo dataset (30 mountains, ~100 routes, generated accidents and weather):
  --accidents <n>         number of accidents (default 300)

The full-size synthetic catalogue (e.g. --routes 168000 --locations 28000):
  --routes <n>            total routes, the real ones included
  --locations <n>         total locations (mountains rows), the real ones included (default routes / 6)
  --accidents-from <dir>  a SafeAscent export whose mountains and routes are included with their ids and
                          whose accidents.csv and weather.csv are copied
                          (default ${DEFAULT_ACCIDENTS_FROM} when it exists)
  --no-accidents          purely synthetic: header-only accidents.csv and weather.csv

  --out <dir>             folder for the four CSV files (created if missing; files are overwritten)
  --seed <n>              PRNG seed, an integer (default ${DEMO_SEED}; catalogue ${CATALOGUE_SEED})
  -h, --help              this help`;

function badArgs(message: string): never {
  console.error(`demo-data: ${message}\n\n${USAGE}`);
  process.exit(2);
}

const CLI_OPTIONS = {
  args: process.argv.slice(2),
  options: {
    out: { type: "string" },
    seed: { type: "string" },
    accidents: { type: "string" },
    routes: { type: "string" },
    locations: { type: "string" },
    "accidents-from": { type: "string" },
    "no-accidents": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  strict: true,
  allowPositionals: false,
} as const;

function parseCli() {
  try {
    return parseArgs(CLI_OPTIONS).values;
  } catch (e) {
    return badArgs((e as Error).message);
  }
}
const values = parseCli();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (!values.out) badArgs("--out <dir> is required");
const int = (name: string, raw: string | undefined, min: number): number | undefined => {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min || !Number.isSafeInteger(Number(raw)))
    badArgs(`--${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  return Number(raw);
};
const seed = int("seed", values.seed, 0);
const accidents = int("accidents", values.accidents, 1);
const routes = int("routes", values.routes, 1);
const locations = int("locations", values.locations, 1);
const out = resolve(values.out);

const catalogueMode = routes !== undefined || locations !== undefined || values["accidents-from"] !== undefined || values["no-accidents"];
if (!catalogueMode) {
  try {
    const r = writeDemoDataset(out, { seed, accidents });
    console.log(`demo-data: wrote ${r.dir} (seed ${seed ?? DEMO_SEED})`);
    for (const [file, n] of Object.entries(r.rows)) console.log(`  ${file.padEnd(14)} ${n} rows`);
  } catch (e) {
    console.error(`demo-data failed: ${(e as Error).message}`);
    process.exit(1);
  }
  process.exit(0);
}

if (routes === undefined) badArgs("--routes <n> is required for the catalogue (--locations, --accidents-from, --no-accidents)");
if (accidents !== undefined) badArgs("--accidents is for the small demo dataset; the catalogue bundles real accidents (--accidents-from)");
if (values["accidents-from"] !== undefined && values["no-accidents"]) badArgs("--accidents-from and --no-accidents exclude each other");
let accidentsFrom: string | null = null;
if (values["accidents-from"] !== undefined) {
  accidentsFrom = resolve(values["accidents-from"]);
  if (!existsSync(resolve(accidentsFrom, "accidents.csv"))) badArgs(`--accidents-from ${accidentsFrom}: no accidents.csv there`);
} else if (!values["no-accidents"] && existsSync(resolve(DEFAULT_ACCIDENTS_FROM, "accidents.csv"))) {
  accidentsFrom = DEFAULT_ACCIDENTS_FROM;
}

try {
  const t0 = performance.now();
  const r = writeCatalogue(out, { routes, locations: locations ?? Math.max(1, Math.round(routes / 6)), seed, accidentsFrom });
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  const s = r.stats;
  const p = s.routesPerLocation;
  console.log(`demo-data: wrote the catalogue to ${r.dir} in ${seconds} s (seed ${seed ?? CATALOGUE_SEED})`);
  console.log(`  real data: ${r.accidentsFrom ?? "none (header-only accidents.csv and weather.csv)"}`);
  for (const [file, f] of Object.entries(r.files))
    console.log(`  ${file.padEnd(14)} ${String(f.rows).padStart(7)} rows  ${(f.bytes / 1e6).toFixed(1).padStart(5)} MB`);
  console.log(`  locations ${s.locations} (${s.real.locations} real), routes ${s.routes} (${s.real.routes} real)`);
  console.log(
    `  routes per synthetic location: max ${p.max}, median ${p.median}, mean ${p.mean}, single-route ${(p.singleShare * 100).toFixed(1)} %, ` +
      `>= 100: ${p.atLeast100}, >= 1000: ${p.atLeast1000}`,
  );
  console.log(
    `  scoring points (distinct lat/lon/elevation after the mountain fallback): ${s.scoringPoints} in ${s.weatherCells} weather cells (0.01°); unlocatable routes: ${s.unlocatableRoutes}`,
  );
} catch (e) {
  if (e instanceof CatalogueOptionsError) badArgs(e.message);
  console.error(`demo-data failed: ${(e as Error).message}`);
  process.exit(1);
}
