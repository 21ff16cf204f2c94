/**
 * `npm run import -- --dir <folder>`: validates and upserts a SafeAscent CSV export
 * (mountains.csv, routes.csv, accidents.csv, weather.csv) with tools/data/importer.ts, through Neon's
 * HTTP driver.
 *
 * DATABASE_URL        default postgresql://postgres@127.0.0.1:5432/safeascent
 * NEON_HTTP_ENDPOINT  route the driver to this `/sql` URL (e.g. a running dev/neon-http.ts)
 *
 * A local host (127.0.0.1, localhost, ::1) without NEON_HTTP_ENDPOINT gets dev/neon-http.ts started
 * in-process in front of DATABASE_URL; a Neon host goes straight to Neon.
 *
 * Output: progress on stderr (a cli-progress bar on a TTY, otherwise a plain line per phase step,
 * at most one a second); on stdout the counts per table, the data version, any warnings, then every
 * rejected row as `file:line: reason` (file relative to --dir, line where the record starts).
 * Exit status: 0 when the import ran (even with rejected rows), 1 on a fatal error (missing file,
 * database unreachable or failing), 2 on bad arguments.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { neon, neonConfig } from "@neondatabase/serverless";
import { formatRejection, importDataset, type ImportProgress, type ImportReport, type TableName } from "../data/importer.ts";
import { DEFAULT_DATABASE_URL, isNeonHost } from "./migrate.ts";

const USAGE = `usage: npm run import -- --dir <folder>

Imports mountains.csv, routes.csv, accidents.csv and weather.csv from <folder>.
  --dir <folder>   the CSV folder (required)
  -h, --help       this help
env: DATABASE_URL (default ${DEFAULT_DATABASE_URL}), NEON_HTTP_ENDPOINT`;

function redact(url: URL): string {
  return `${url.hostname}:${url.port || 5432}${url.pathname}`;
}

function badArgs(message: string): never {
  console.error(`import: ${message}\n\n${USAGE}`);
  process.exit(2);
}

const CLI_OPTIONS = {
  args: process.argv.slice(2),
  options: { dir: { type: "string" }, help: { type: "boolean", short: "h" } },
  allowPositionals: false,
  strict: true,
} as const;

function parseCli() {
  const values = (() => {
    try {
      return parseArgs(CLI_OPTIONS).values;
    } catch (e) {
      return badArgs((e as Error).message);
    }
  })();
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (!values.dir) badArgs("--dir <folder> is required");
  return { dir: resolve(values.dir) };
}

function progressReporter() {
  const tty = Boolean(process.stderr.isTTY);
  const bar = tty
    ? new cliProgress.SingleBar(
        { format: "{phase} {bar} {percentage}% | {value}/{total} {unit} | {table}", hideCursor: true, stream: process.stderr },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let phase = "";
  let lastLine = 0;
  return {
    update(p: ImportProgress) {
      const unit = p.phase === "read" ? "files" : "records";
      if (bar) {
        if (p.phase !== phase) {
          if (phase) bar.stop();
          bar.start(Math.max(1, p.total), p.done, { phase: p.phase.padEnd(8), unit, table: p.table });
        } else {
          bar.setTotal(Math.max(1, p.total));
          bar.update(p.done, { table: p.table });
        }
      } else {
        const now = Date.now();
        const finished = p.done >= p.total;
        if (p.phase !== phase || finished || now - lastLine >= 1000) {
          console.error(`import: ${p.phase} ${p.done}/${p.total} ${unit} (${p.table})`);
          lastLine = now;
        }
      }
      phase = p.phase;
    },
    stop() {
      if (bar && phase) bar.stop();
    },
  };
}

function printReport(r: ImportReport) {
  const head = ["table", "read", "valid", "rejected", "inserted", "updated", "unchanged"] as const;
  const rows = (Object.entries(r.tables) as [TableName, ImportReport["tables"][TableName]][]).map(([t, c]) => [
    t,
    c.read,
    c.valid,
    c.rejected,
    c.inserted,
    c.updated,
    c.unchanged,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const fmt = (cells: readonly (string | number)[]) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join("  ");
  console.log(fmt(head));
  for (const row of rows) console.log(fmt(row));
  const changes = Object.values(r.tables).reduce((n, c) => n + c.inserted + c.updated, 0);
  console.log(
    `changes: ${changes} (data version ${r.dataVersion.before}${r.changed ? ` -> ${r.dataVersion.after}` : ", unchanged"}); ` +
      `${r.requests} transaction${r.requests === 1 ? "" : "s"}; ${(r.elapsedMs / 1000).toFixed(1)} s`,
  );
  if (r.warnings.length) {
    console.log(`warnings (${r.warnings.length}):`);
    for (const w of r.warnings) console.log(`  ${w}`);
  }
  console.log(`rejected rows: ${r.rejected.length}`);
  for (const x of r.rejected) console.log(formatRejection(x));
}

async function main(): Promise<number> {
  const { dir } = parseCli();
  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    badArgs(`DATABASE_URL is not a URL: ${JSON.stringify(databaseUrl)}`);
  }

  let endpoint = process.env.NEON_HTTP_ENDPOINT || undefined;
  let clientUrl = databaseUrl;
  let stop = async () => {};
  // Like `npm run migrate`: any Postgres that is not Neon is reached through the local stand-in.
  if (!endpoint && !isNeonHost(databaseUrl)) {
    const { startNeonHttp } = await import("../../dev/neon-http.ts");
    const srv = await startNeonHttp({ databaseUrl, webSocket: false });
    endpoint = srv.endpoint;
    clientUrl = srv.connectionString; // the stand-in checks credentials like Neon: use the ones it expects
    stop = srv.close;
  }
  if (endpoint) {
    const e = endpoint;
    neonConfig.fetchEndpoint = () => e;
  }
  console.error(`import: ${dir} -> ${redact(url)} via ${endpoint ?? "neon"}`);

  const progress = progressReporter();
  try {
    const report = await importDataset(neon(clientUrl), dir, { onProgress: (p) => progress.update(p) });
    progress.stop();
    printReport(report);
    return 0;
  } catch (e) {
    progress.stop();
    console.error(`import failed: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    await stop();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`import failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
