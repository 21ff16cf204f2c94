/**
 * `npm run warm [-- --top N | --routes 1,2,3 | --scope all] [--force] [--url URL] [--timeout S]`
 *
 * A synchronous warming run against a running Worker (`npm start`, or a deployed one with
 * WARM_URL and ADMIN_TOKEN): triggers POST /admin/warm, follows /admin/runs/:id with a progress
 * bar, prints the final record. Exit code 0 when the run succeeded, 1 otherwise.
 */
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";

const { values } = parseArgs({
  options: {
    url: { type: "string", default: process.env.WARM_URL ?? "http://127.0.0.1:8787" },
    top: { type: "string" },
    routes: { type: "string" },
    scope: { type: "string" },
    force: { type: "boolean", default: false },
    timeout: { type: "string", default: "600" },
  },
});
const token = process.env.ADMIN_TOKEN ?? "dev-admin-token-change-me";
const headers = { Authorization: `Bearer ${token}` };

interface Run {
  id: string;
  status: string;
  finishedAt: string | null;
  routes: { total: number; done: number; failed: number; pending: number };
  scores: { total: number; done: number; failed: number; fallback?: number; withoutClimate?: number };
  missingRoutes?: { count: number; sample: number[] } | null;
  failedRoutes: { routeId: number; reason: string }[];
  durationMs: number | null;
}

const query = new URLSearchParams();
if (values.top) query.set("top", values.top);
if (values.routes) query.set("routes", values.routes);
if (values.scope) query.set("scope", values.scope);
if (values.force) query.set("force", "true");

const res = await fetch(`${values.url}/admin/warm?${query}`, { method: "POST", headers }).catch((e: Error) => {
  console.error(`cannot reach ${values.url}: ${e.message} (is \`npm start\` running?)`);
  process.exit(1);
});
const body = (await res.json()) as { runId?: string; error?: { message: string } };
if (!res.ok || !body.runId) {
  console.error(`warm trigger failed: HTTP ${res.status} ${body.error?.message ?? ""}`);
  process.exit(1);
}

const bar = new cliProgress.SingleBar(
  { format: "warming {bar} {percentage}% | {value}/{total} routes | failed {failed} | {status}", hideCursor: true },
  cliProgress.Presets.shades_classic,
);
let run: Run | null = null;
const deadline = Date.now() + Number(values.timeout) * 1000;
bar.start(1, 0, { failed: 0, status: "queued" });
while (Date.now() < deadline) {
  run = (await (await fetch(`${values.url}/admin/runs/${body.runId}`, { headers })).json()) as Run;
  bar.setTotal(Math.max(1, run.routes.total));
  bar.update(run.routes.done + run.routes.failed, { failed: run.routes.failed, status: run.status });
  if (run.finishedAt) break;
  await new Promise((r) => setTimeout(r, 250));
}
bar.stop();
if (!run?.finishedAt) {
  console.error(`run ${body.runId} did not finish within ${values.timeout} s; follow it at ${values.url}/admin/runs/${body.runId}`);
  process.exit(1);
}
console.log(
  `run ${run.id}: ${run.status}, ${run.scores.done}/${run.scores.total} scores (${run.scores.fallback ?? 0} fallback, ${run.scores.withoutClimate ?? 0} without climate), ${run.routes.failed} routes failed, ${run.durationMs} ms`,
);
for (const f of run.failedRoutes) console.log(`  route ${f.routeId}: ${f.reason}`);
if (run.missingRoutes) console.log(`  ${run.missingRoutes.count} routes never reported (abandoned), e.g. ${run.missingRoutes.sample.slice(0, 10).join(",")}`);
process.exit(run.status === "succeeded" ? 0 : 1);
