/**
 * `npm start` / `npm run dev`: the whole stack on loopback with one command, on a machine that has
 * only Node and `npm install` behind it (see dev/stack.ts for what runs where). Ctrl-C stops
 * everything it started.
 *
 * Environment: PORT (8787), DATABASE_URL, REDIS_URL, ADMIN_TOKEN, TOP_ROUTES, SEED_DIR (a CSV
 * folder in the ../shared/data/safeascent format to import instead of the demo data),
 * STACK_BACKENDS=embedded (ignore local servers: PGlite + in-memory Redis, as on a bare machine).
 * Secrets reach wrangler through a private env file (dev/stack.ts), never its command line; the
 * admin token is printed below on purpose (the local dev token), the others never are.
 */
import { startStack, type Stack } from "./stack";

let stack: Stack | null = null;
let stopping = false;

async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  console.log("[start] stopping…");
  await stack?.close();
  process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));

try {
  stack = await startStack({
    port: Number(process.env.PORT ?? 8787),
    adminToken: process.env.ADMIN_TOKEN,
    seedDir: process.env.SEED_DIR,
    embedded: process.env.STACK_BACKENDS === "embedded",
    vars: process.env.TOP_ROUTES ? { TOP_ROUTES: process.env.TOP_ROUTES } : {},
    log: (l) => console.log(`[start] ${l}`),
  });
  const base = stack.baseUrl;
  const auth = `-H 'Authorization: Bearer ${stack.adminToken}'`;
  console.log(`
SafeAscent Edge is running on ${base}
  Console      open ${base}/admin/ and sign in with the admin token ${stack.adminToken}
  Health       curl ${base}/health
  Routes (v2)  curl '${base}/api/v2/routes?limit=5'
  Routes (v1)  curl '${base}/api/v1/mp-routes?limit=5'
  Cron tick    curl '${base}/__scheduled?cron=0+*/6+*+*+*'
  Warm + wait  curl -X POST ${auth} '${base}/admin/warm?wait=60'
  Runs         curl ${auth} ${base}/admin/runs
  Progress bar npm run warm
Ctrl-C stops everything.
`);
} catch (e) {
  console.error(`[start] failed: ${e instanceof Error ? e.stack : e}`);
  await stop(1);
}
