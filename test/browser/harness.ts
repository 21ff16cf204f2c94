/**
 * Browser-test harness: the whole local stack (dev/stack.ts: wrangler dev + the stand-ins, on the
 * real Postgres and Redis) and the system Chromium driven by playwright-core.
 *
 * Isolation: the stack gets a Postgres database of its own (`<TEST_DATABASE_NAME>_browser`, created
 * fresh and dropped at the end, seeded with the shared data) and the Redis database the other tests
 * use (REDIS_URL, else 127.0.0.1:6379/15): the browser project runs after them (vitest groupOrder),
 * and the stack's keys (runs, locks, scores, the map index) are cleared before it starts.
 *
 * No browser, no test: when Chromium is missing the tests fail with the command that installs it.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import Redis from "ioredis";
import pg from "pg";
import { chromium, type Browser, type BrowserContext, type Page, type Request } from "playwright-core";
import { createDatabase, dropDatabase } from "../../dev/postgres.ts";
import { freePort } from "../../dev/redis.ts";
import { startStack, type Stack } from "../../dev/stack.ts";
import { keyPrefixes, keys } from "../../src/cache/keys";

export const ROOT = resolve(import.meta.dirname, "../..");
export const ARTIFACTS = join(ROOT, "test/browser/artifacts");
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
/** As node-svc machines run it: no sandbox as root, no GPU, and no background traffic to Google. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const SHARED_DATA = resolve(ROOT, "../shared/data/safeascent");

export interface ConsoleStack {
  stack: Stack;
  baseUrl: string;
  token: string;
  databaseUrl: string;
  /** A client on the stack's Redis database (null on the in-memory fallback). */
  redis: Redis | null;
  close(): Promise<void>;
}

/** The keys the stack's Worker writes: cleared first, so earlier tests' runs and scores are not shown. */
const STACK_KEY_PATTERNS = [
  `${keyPrefixes.warm}*`,
  `${keyPrefixes.score}*`,
  `${keyPrefixes.scoreDetail}*`,
  `${keyPrefixes.mapIndex}*`,
  keys.cacheCounters,
  `${keyPrefixes.lock}*`,
  `${keyPrefixes.predict}*`,
];

async function clearStackKeys(redis: Redis): Promise<void> {
  for (const match of STACK_KEY_PATTERNS) {
    let cursor = "0";
    do {
      const [next, found] = await redis.scan(cursor, "MATCH", match, "COUNT", 1000);
      if (found.length) await redis.del(...found);
      cursor = next;
    } while (cursor !== "0");
  }
}

export async function startConsoleStack(vars: Record<string, string>): Promise<ConsoleStack> {
  if (!existsSync(SHARED_DATA)) throw new Error(`browser tests: the shared dataset is missing at ${SHARED_DATA}`);
  if (inject("postgresKind") === "embedded-pglite") {
    throw new Error("browser tests need a Postgres server (127.0.0.1:5432 or DATABASE_URL) for a database of their own; the embedded PGlite has only one");
  }
  const adminUrl = inject("postgresAdminUrl");
  const name = `${process.env.TEST_DATABASE_NAME || "safeascent_test"}_browser`;
  const databaseUrl = await createDatabase(adminUrl, name, { recreate: true });

  const redisUrl = inject("redisUrl");
  const redis = redisUrl ? new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 }) : null;
  if (redis) {
    await redis.connect();
    await clearStackKeys(redis);
  }

  // dev/stack.ts takes Postgres and Redis from DATABASE_URL / REDIS_URL (this test process only).
  const saved = { DATABASE_URL: process.env.DATABASE_URL, REDIS_URL: process.env.REDIS_URL };
  process.env.DATABASE_URL = databaseUrl;
  if (redisUrl) process.env.REDIS_URL = redisUrl;
  else delete process.env.REDIS_URL;
  const restoreEnv = () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };

  const token = `console-test-${randomBytes(12).toString("hex")}`;
  let stack: Stack;
  try {
    stack = await startStack({
      port: await freePort(),
      seedDir: SHARED_DATA,
      adminToken: token,
      vars,
      workerOutput: "quiet",
      log: () => {},
    });
  } catch (e) {
    restoreEnv();
    await redis?.quit().catch(() => {});
    await dropDatabase(adminUrl, name).catch(() => {});
    throw e;
  }
  return {
    stack,
    baseUrl: stack.baseUrl,
    token,
    databaseUrl,
    redis,
    close: async () => {
      await stack.close();
      restoreEnv();
      if (redis) {
        await clearStackKeys(redis).catch(() => {});
        await redis.quit().catch(() => {});
      }
      await dropDatabase(adminUrl, name);
    },
  };
}

/** Runs SQL on the stack's database (a client of its own, closed after). */
export async function withSql<T>(databaseUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: databaseUrl });
  c.on("error", () => {});
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => {});
  }
}

export function isLoopback(url: string): boolean {
  if (url.startsWith("data:") || url.startsWith("blob:") || url === "about:blank") return true;
  const host = new URL(url).hostname;
  return host === "127.0.0.1" || host === "localhost" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export interface Browsing {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Every request the page made (URL, method, headers), in order. */
  requests: { url: string; method: string; authorization: string | undefined }[];
  pageErrors: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** Debian's Chromium, headless, a fresh profile; every request recorded, anything off loopback refused. */
export async function openBrowser(opts: { timezoneId: string }): Promise<Browsing> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `browser tests: no Chromium at ${CHROMIUM_PATH}. Install it (apt-get update && apt-get install -y --no-install-recommends chromium; ` +
        "bash .ci/run does) or set CHROMIUM_PATH.",
    );
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  // playwright-core starts it with a new temporary --user-data-dir and --headless.
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, chromiumSandbox: false, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: opts.timezoneId, locale: "en-US" });
  const requests: Browsing["requests"] = [];
  const pageErrors: string[] = [];
  context.on("request", (r: Request) => requests.push({ url: r.url(), method: r.method(), authorization: r.headers().authorization }));
  await context.route("**/*", (route) => (isLoopback(route.request().url()) ? route.continue() : route.abort("blockedbyclient")));
  const page = await context.newPage();
  page.on("pageerror", (e) => pageErrors.push(e.message));
  return {
    browser,
    context,
    page,
    requests,
    pageErrors,
    async screenshot(name) {
      const path = join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await context.close().catch(() => {});
      await browser.close();
    },
  };
}
