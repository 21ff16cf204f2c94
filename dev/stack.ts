/**
 * The local stack, as a function: used by `npm start` (dev/start.ts) and the benchmarks.
 *
 *   Postgres    DATABASE_URL, else the local server on 127.0.0.1:5432 (its own database),
 *               else an embedded PGlite; migrated, seeded (demo data, or a CSV folder)
 *   Neon        dev/neon-http.ts: Neon's HTTP /sql protocol in front of that Postgres
 *   Redis       REDIS_URL, else 127.0.0.1:6379, else a redis-server found on PATH, else in-memory
 *   Upstash     dev/upstash-rest.ts: the Upstash REST protocol in front of that Redis
 *   Open-Meteo  dev/open-meteo.ts: deterministic forecast and archive responses
 *   Worker      wrangler dev --local --test-scheduled (local queues, cron via /__scheduled)
 *
 * Secrets never go on a command line (where `ps` shows them to every local user): DATABASE_URL
 * (with the Neon stand-in's password), UPSTASH_REDIS_REST_TOKEN, ADMIN_TOKEN (and OPEN_METEO_API_KEY
 * when set) are written to a
 * `.dev.vars`-format file, mode 0600, in a private directory (mkdtemp, 0700) that wrangler reads
 * with `--env-file`; the directory is removed on close. Other vars stay `--var`. The Upstash token
 * and the database password are generated per run; the admin token is the local dev token (printed).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { neon, neonConfig } from "@neondatabase/serverless";
import { createDatabase, resolvePostgres } from "./postgres";
import { resolveRedis } from "./redis";
import { startNeonHttp } from "./neon-http";
import { startUpstashRest } from "./upstash-rest";
import { startOpenMeteo } from "./open-meteo";
import { loadMigrations } from "../tools/cli/migrate";
import { migrate } from "../tools/data/migrate";
import { importDataset } from "../tools/data/importer";
import { demoDatasetFiles } from "../tools/data/demo-data";

/** The stand-in's API Professional key (dev/open-meteo.ts DEV_API_KEYS), used unless OPEN_METEO_API_KEY is set. */
export const DEFAULT_DEV_OPEN_METEO_KEY = "dev-professional-key";

export const ROOT = resolve(import.meta.dirname, "..");

export interface StackOptions {
  /** Worker port (8787). */
  port?: number;
  /** Database name on a local server (ignored for DATABASE_URL / embedded). */
  databaseName?: string;
  /** Drop and recreate that database first. */
  recreateDatabase?: boolean;
  /** Seed with the generated demo data (default) or import a CSV folder, when the database has no routes. */
  seedDir?: string;
  adminToken?: string;
  /** Extra Worker vars (e.g. TOP_ROUTES). */
  vars?: Record<string, string>;
  /** Start wrangler dev (default true). */
  worker?: boolean;
  log?: (line: string) => void;
  /** Skip the machine's Postgres/Redis servers: embedded PGlite + in-memory Redis, as on a bare machine. */
  embedded?: boolean;
  /** Where wrangler's output goes (default: this process's stdout/stderr). */
  workerOutput?: "inherit" | "quiet";
}

export interface Stack {
  baseUrl: string;
  adminToken: string;
  /** The Worker's DATABASE_URL: the Neon stand-in's credentials at its address (a secret). */
  databaseUrl: string;
  neonEndpoint: string;
  upstash: { url: string; token: string };
  openMeteoUrl: string;
  describe: string[];
  /** The private `--env-file` wrangler reads the secrets from (removed on close). */
  secretsFile: string;
  /** wrangler's process id while the Worker runs. */
  workerPid(): number | undefined;
  /** Requests the stand-ins have served so far (benchmarks diff two readings). */
  counters(): { neonQueries: number; upstashRequests: number; upstashCommands: number; openMeteoFetches: number };
  /** Restart only the Worker (a fresh isolate), keeping the backends. */
  restartWorker(): Promise<void>;
  close(): Promise<void>;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const log = opts.log ?? ((l: string) => console.log(`[stack] ${l}`));
  const port = opts.port ?? 8787;
  const adminToken = opts.adminToken ?? "dev-admin-token-change-me";
  const upstashToken = `dev-upstash-${randomBytes(16).toString("hex")}`;
  const closers: (() => Promise<void>)[] = [];
  const describe: string[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => {});
    closers.length = 0;
  };

  try {
    // 1. Postgres (+ its Neon HTTP face), migrated and seeded.
    const pg = await resolvePostgres({ dataDir: join(ROOT, ".dev-data/pglite"), local: !opts.embedded });
    closers.push(pg.close);
    let backingUrl = pg.databaseUrl;
    if (pg.kind === "local-server") {
      backingUrl = await createDatabase(pg.databaseUrl, opts.databaseName ?? "safeascent", { recreate: opts.recreateDatabase ?? false });
    }
    // The stand-in checks the connection string like Neon: the Worker gets its credentials (a generated
    // password when the local server has none), never the backing URL.
    const neonHttp = await startNeonHttp({ port: Number(process.env.NEON_HTTP_PORT ?? 0), databaseUrl: backingUrl });
    closers.push(neonHttp.close);
    const neonEndpoint = neonHttp.endpoint;
    const databaseUrl = neonHttp.connectionString;
    neonConfig.fetchEndpoint = () => neonEndpoint;
    const sql = neon(databaseUrl);
    const migrated = await migrate(sql, loadMigrations(join(ROOT, "migrations")));
    describe.push(
      `postgres: ${pg.kind} ${redact(backingUrl)} via Neon stand-in ${neonEndpoint}, migrations applied: ${migrated.applied.join(", ") || "none needed"}`,
    );

    const [{ n }] = (await sql`SELECT count(*)::int AS n FROM routes`) as [{ n: number }];
    if (n === 0) {
      const report = await importDataset(sql, opts.seedDir ?? demoDatasetFiles());
      describe.push(`seeded from ${opts.seedDir ?? "generated demo data"}: ${summarise(report)}`);
    } else {
      describe.push(`database has ${n} routes: not seeding`);
    }

    // 2. Redis behind the Upstash REST protocol.
    const redis = await resolveRedis(opts.embedded ? { local: false, spawn: false } : {});
    closers.push(redis.close);
    const upstash = await startUpstashRest({
      port: Number(process.env.UPSTASH_PORT ?? 0),
      token: upstashToken,
      redisUrl: redis.redisUrl,
      backend: redis.kind === "memory" ? "memory" : "redis",
    });
    closers.push(upstash.close);
    describe.push(`redis: ${redis.kind}${redis.redisUrl ? ` ${redis.redisUrl}` : ""}, Upstash REST at ${upstash.url}`);

    // 3. Open-Meteo stand-in.
    const meteo = await startOpenMeteo({ port: Number(process.env.OPEN_METEO_PORT ?? 0) });
    closers.push(meteo.close);
    // Production needs a commercial Open-Meteo plan (a full tick is ~28K weighted calls; see README),
    // so the stack models one by default: the stand-in's API Professional key. OPEN_METEO_API_KEY=
    // (empty) models the free plan, whose limits pace a cold warming run over minutes.
    const openMeteoKey = process.env.OPEN_METEO_API_KEY ?? DEFAULT_DEV_OPEN_METEO_KEY;
    describe.push(`open-meteo: stand-in at ${meteo.url}, ${openMeteoKey ? `plan of key ${openMeteoKey}` : "free plan (no key)"}`);

    // 4. The Worker: secrets through a private env file, the rest as --var.
    const secrets: Record<string, string> = {
      DATABASE_URL: databaseUrl,
      UPSTASH_REDIS_REST_TOKEN: upstashToken,
      ADMIN_TOKEN: adminToken,
      ...(openMeteoKey ? { OPEN_METEO_API_KEY: openMeteoKey } : {}),
    };
    const vars: Record<string, string> = {
      NEON_HTTP_ENDPOINT: neonEndpoint,
      UPSTASH_REDIS_REST_URL: upstash.url,
      OPEN_METEO_FORECAST_URL: meteo.url,
      OPEN_METEO_ARCHIVE_URL: meteo.url,
      ...opts.vars,
    };
    for (const k of Object.keys(secrets)) delete vars[k];
    const secretsFile = writeSecretsFile(secrets);
    closers.push(async () => rmSync(resolve(secretsFile, ".."), { recursive: true, force: true }));
    let wrangler: ChildProcess | null = null;
    const startWorker = async () => {
      wrangler = await startWrangler(port, vars, secretsFile, opts.workerOutput ?? "inherit");
    };
    const stopWorker = async () => {
      if (wrangler) await stopProcess(wrangler);
      wrangler = null;
    };
    if (opts.worker !== false) {
      await startWorker();
      closers.push(stopWorker);
    }
    for (const line of describe) log(line);

    return {
      baseUrl: `http://127.0.0.1:${port}`,
      adminToken,
      databaseUrl,
      neonEndpoint,
      upstash: { url: upstash.url, token: upstashToken },
      openMeteoUrl: meteo.url,
      describe,
      secretsFile,
      workerPid: () => (wrangler as ChildProcess | null)?.pid,
      counters: () => ({
        neonQueries: neonHttp.stats().queries,
        upstashRequests: upstash.stats().requests,
        upstashCommands: upstash.stats().commands,
        openMeteoFetches: meteo.stats().forecast + meteo.stats().archive,
      }),
      restartWorker: async () => {
        await stopWorker();
        await startWorker();
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * Writes `secrets` as a `.dev.vars`/dotenv file, mode 0600, in a fresh 0700 directory; returns its path.
 * Values are single-quoted (no escapes apply) with `$` escaped as `\$` (wrangler expands `$VAR`).
 */
export function writeSecretsFile(secrets: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "safeascent-secrets-"));
  chmodSync(dir, 0o700);
  const lines = Object.entries(secrets).map(([k, v]) => {
    if (/['\r\n]/.test(v)) throw new Error(`${k} must not contain a single quote or a line break (it goes into wrangler's env file)`);
    return `${k}='${v.replace(/\$/g, "\\$")}'`;
  });
  const file = join(dir, "secrets.dev.vars");
  writeFileSync(file, `${lines.join("\n")}\n`, { mode: 0o600 });
  return file;
}

async function startWrangler(port: number, vars: Record<string, string>, secretsFile: string, output: "inherit" | "quiet"): Promise<ChildProcess> {
  const args = ["dev", "--local", "--test-scheduled", "--port", String(port), "--ip", "127.0.0.1", "--show-interactive-dev-session=false"];
  args.push("--env-file", secretsFile);
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  const child = spawn(join(ROOT, "node_modules/.bin/wrangler"), args, {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_UPDATE_NOTIFIER: "1", FORCE_COLOR: "0" },
  });
  await new Promise<void>((resolveReady, reject) => {
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      if (output === "inherit") process.stdout.write(text);
      if (/Ready on/i.test(text)) resolveReady();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (c: Buffer) => output === "inherit" && process.stderr.write(c));
    child.once("exit", (code) => reject(new Error(`wrangler dev exited (${code}) before it was ready`)));
  });
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGINT");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]+@/, "//$1:***@");
}

function summarise(report: { tables: Record<string, { valid: number; rejected: number }> }): string {
  return Object.entries(report.tables)
    .map(([t, c]) => `${t} ${c.valid}${c.rejected ? ` (+${c.rejected} rejected)` : ""}`)
    .join(", ");
}
