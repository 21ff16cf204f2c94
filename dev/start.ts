/**
 * `npm start`: the whole stack on loopback with one command, on a machine that has only Node.
 *
 *   Postgres    DATABASE_URL, else the local server on 127.0.0.1:5432 (database `safeascent`),
 *               else an embedded PGlite (data in .dev-data/pglite); migrated, seeded with demo data
 *   Neon        dev/neon-http.ts: Neon's HTTP /sql protocol in front of that Postgres
 *   Redis       REDIS_URL, else 127.0.0.1:6379, else a redis-server found on PATH, else in-memory
 *   Upstash     dev/upstash-rest.ts: the Upstash REST protocol in front of that Redis
 *   Open-Meteo  dev/open-meteo.ts: deterministic forecast and archive responses
 *   Worker      wrangler dev --local --test-scheduled (local queues, cron via /__scheduled)
 *
 * Ctrl-C stops everything it started.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { neon, neonConfig } from "@neondatabase/serverless";
import { resolvePostgres, createDatabase } from "./postgres";
import { resolveRedis } from "./redis";
import { startNeonHttp } from "./neon-http";
import { startUpstashRest } from "./upstash-rest";
import { startOpenMeteo } from "./open-meteo";
import { loadMigrations } from "../scripts/migrate";
import { migrate } from "../src/data/migrate";
import { importDataset } from "../src/data/importer";
import { writeDemoDataset } from "../src/data/demo-data";

const root = resolve(import.meta.dirname, "..");
const port = Number(process.env.PORT ?? 8787);
const adminToken = process.env.ADMIN_TOKEN ?? "dev-admin-token-change-me";
const upstashToken = "dev-upstash-token";
const closers: (() => Promise<void>)[] = [];
let wrangler: ChildProcess | null = null;
let stopping = false;

const log = (msg: string) => console.log(`[start] ${msg}`);

async function stopAll(code: number) {
  if (stopping) return;
  stopping = true;
  log("stopping…");
  if (wrangler && wrangler.exitCode === null) {
    wrangler.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 1500));
    if (wrangler.exitCode === null) wrangler.kill("SIGKILL");
  }
  for (const close of closers.reverse()) await close().catch(() => {});
  process.exit(code);
}
process.on("SIGINT", () => void stopAll(0));
process.on("SIGTERM", () => void stopAll(0));

async function main() {
  // 1. Postgres (+ its Neon HTTP face), migrated and seeded.
  const pg = await resolvePostgres({ databaseUrl: process.env.DATABASE_URL, dataDir: join(root, ".dev-data/pglite") });
  closers.push(pg.close);
  let databaseUrl = pg.databaseUrl;
  if (pg.kind === "local-server") {
    databaseUrl = await createDatabase(pg.databaseUrl, "safeascent", { recreate: false });
  }
  const neonHttp = await startNeonHttp({ port: Number(process.env.NEON_HTTP_PORT ?? 8791), databaseUrl });
  closers.push(neonHttp.close);
  const neonEndpoint = `${neonHttp.url}/sql`;
  neonConfig.fetchEndpoint = () => neonEndpoint;
  const sql = neon(databaseUrl);
  const migrated = await migrate(sql, loadMigrations(join(root, "migrations")));
  log(`postgres: ${pg.kind} ${redact(databaseUrl)} (migrations applied: ${migrated.applied.length ? migrated.applied.join(", ") : "none needed"})`);

  const [{ n }] = (await sql`SELECT count(*)::int AS n FROM routes`) as [{ n: number }];
  if (n === 0) {
    const dir = mkdtempSync(join(tmpdir(), "safeascent-demo-"));
    try {
      writeDemoDataset(dir);
      const report = await importDataset(sql, dir);
      log(`seeded demo data: ${summarise(report)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    log(`database already has ${n} routes: not seeding`);
  }

  // 2. Redis behind the Upstash REST protocol.
  const redis = await resolveRedis({ redisUrl: process.env.REDIS_URL });
  closers.push(redis.close);
  const upstash = await startUpstashRest({
    port: Number(process.env.UPSTASH_PORT ?? 8789),
    token: upstashToken,
    redisUrl: redis.redisUrl,
    backend: redis.kind === "memory" ? "memory" : "redis",
  });
  closers.push(upstash.close);
  log(`redis: ${redis.kind}${redis.redisUrl ? ` ${redis.redisUrl}` : ""} behind Upstash REST ${upstash.url}`);

  // 3. Open-Meteo stand-in.
  const meteo = await startOpenMeteo({ port: Number(process.env.OPEN_METEO_PORT ?? 8790) });
  closers.push(meteo.close);
  log(`open-meteo stand-in: ${meteo.url}`);

  // 4. The Worker.
  const vars: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    NEON_HTTP_ENDPOINT: neonEndpoint,
    UPSTASH_REDIS_REST_URL: upstash.url,
    UPSTASH_REDIS_REST_TOKEN: upstashToken,
    ADMIN_TOKEN: adminToken,
    OPEN_METEO_FORECAST_URL: meteo.url,
    OPEN_METEO_ARCHIVE_URL: meteo.url,
    ...(process.env.TOP_ROUTES ? { TOP_ROUTES: process.env.TOP_ROUTES } : {}),
  };
  const args = ["dev", "--local", "--test-scheduled", "--port", String(port), "--ip", "127.0.0.1", "--show-interactive-dev-session=false"];
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  wrangler = spawn(join(root, "node_modules/.bin/wrangler"), args, {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_UPDATE_NOTIFIER: "1", FORCE_COLOR: "0" },
  });
  const ready = new Promise<void>((resolveReady) => {
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      process.stdout.write(text.replace(/--var \S+/g, ""));
      if (/Ready on/i.test(text)) resolveReady();
    };
    wrangler!.stdout!.on("data", onData);
    wrangler!.stderr!.on("data", (c: Buffer) => process.stderr.write(c));
  });
  wrangler.on("exit", (code) => {
    if (!stopping) {
      log(`wrangler dev exited (${code})`);
      void stopAll(code ?? 1);
    }
  });
  await ready;

  const base = `http://127.0.0.1:${port}`;
  console.log(`
SafeAscent Edge is running.
  API        ${base}/api/v1/routes            health: ${base}/health
  Admin      curl -H 'Authorization: Bearer ${adminToken}' -X POST '${base}/admin/warm?wait=60'
  Cron tick  curl '${base}/__scheduled?cron=0+*/6+*+*+*'
  Runs       curl -H 'Authorization: Bearer ${adminToken}' ${base}/admin/runs
Ctrl-C stops everything.
`);
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]+@/, "//$1:***@");
}

function summarise(report: { tables: Record<string, { valid: number; rejected: number }> }): string {
  return Object.entries(report.tables)
    .map(([t, c]) => `${t} ${c.valid}${c.rejected ? ` (+${c.rejected} rejected)` : ""}`)
    .join(", ");
}

main().catch((e) => {
  console.error(`[start] failed: ${e instanceof Error ? e.stack : e}`);
  void stopAll(1);
});
