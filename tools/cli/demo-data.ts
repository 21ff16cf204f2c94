/**
 * `npm run demo-data -- --out <dir> [--seed <n>] [--accidents <n>]`: writes the generated demo
 * dataset (tools/data/demo-data.ts) as mountains.csv, routes.csv, accidents.csv, weather.csv into
 * <dir>, ready for `npm run import -- --dir <dir>`. The same seed always writes the same bytes.
 * Exit status: 0 written, 1 write error, 2 bad arguments.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEMO_SEED, writeDemoDataset } from "../data/demo-data.ts";

const USAGE = `usage: npm run demo-data -- --out <dir> [--seed <n>] [--accidents <n>]

  --out <dir>        folder for the four CSV files (created if missing; files are overwritten)
  --seed <n>         PRNG seed, an integer (default ${DEMO_SEED})
  --accidents <n>    number of accidents (default 300)
  -h, --help         this help`;

function badArgs(message: string): never {
  console.error(`demo-data: ${message}\n\n${USAGE}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      out: { type: "string" },
      seed: { type: "string" },
      accidents: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (e) {
  badArgs((e as Error).message);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (!values.out) badArgs("--out <dir> is required");
const int = (name: string, raw: string | undefined, min: number): number | undefined => {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min || !Number.isSafeInteger(Number(raw))) badArgs(`--${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  return Number(raw);
};
const seed = int("seed", values.seed, 0);
const accidents = int("accidents", values.accidents, 1);

try {
  const r = writeDemoDataset(resolve(values.out), { seed, accidents });
  console.log(`demo-data: wrote ${r.dir} (seed ${seed ?? DEMO_SEED})`);
  for (const [file, n] of Object.entries(r.rows)) console.log(`  ${file.padEnd(14)} ${n} rows`);
} catch (e) {
  console.error(`demo-data failed: ${(e as Error).message}`);
  process.exit(1);
}
