/**
 * GET /health: the version and whether Postgres, Redis and the weather source answer.
 *
 * - Each service is `ok` (answered within `TIMEOUT_MS`) or `error`. A slow answer is still ok:
 *   latency belongs to monitoring (admin output), and a busy isolate must not flip the status the
 *   contract's tests read.
 * - `status` is `healthy` when all are ok (what the SafeAscent v1 contract's tests expect), `error`
 *   when Postgres fails (nothing can be answered: 503), `degraded` otherwise (the API still
 *   answers: cache-less, or with the no-forecast fallback).
 * - Public output names only each service's state. Latency and error text (which can describe the
 *   infrastructure) are added for the admin bearer token only.
 */
import type { AppContext } from "../context";
import { pingForecast } from "../weather/open-meteo";
import { VERSION } from "../version";
import { isAdmin } from "./auth";
import type { AppRequest } from "./context";

type ServiceState = "ok" | "error";

interface Check {
  status: ServiceState;
  latencyMs: number;
  error?: string;
}

const TIMEOUT_MS = 5000;

async function timed(fn: () => Promise<unknown>, timeoutMs = TIMEOUT_MS): Promise<Check> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([fn(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs)))]);
    return { status: "ok", latencyMs: Math.round(performance.now() - started) };
  } catch (e) {
    return { status: "error", latencyMs: Math.round(performance.now() - started), error: (e as Error).message.slice(0, 200) };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

// /health is public: probe Open-Meteo at most once a minute per isolate, so polling it cannot
// spend the weather quota.
const WEATHER_CHECK_MS = 60_000;
let lastWeatherCheck: { url: string; at: number; check: Check } | null = null;

async function weatherCheck(ctx: AppContext): Promise<Check> {
  const url = ctx.config.openMeteo.forecastUrl;
  if (lastWeatherCheck?.url === url && Date.now() - lastWeatherCheck.at < WEATHER_CHECK_MS) return lastWeatherCheck.check;
  const check = await timed(() => pingForecast(ctx.config.openMeteo));
  lastWeatherCheck = { url, at: Date.now(), check };
  return check;
}

export async function health(req: AppRequest): Promise<Response> {
  const ctx = req.app;
  const [postgres, redis, weather, admin] = await Promise.all([
    timed(() => ctx.sql.query("SELECT 1")),
    timed(() => ctx.cache.run("health_ping", (r) => r.ping())),
    weatherCheck(ctx),
    req.headers.get("Authorization") ? isAdmin(req, ctx.config.adminToken) : Promise.resolve(false),
  ]);
  const checks = { postgres, redis, weather };
  const all = Object.values(checks);
  const status = postgres.status === "error" ? "error" : all.every((c) => c.status === "ok") ? "healthy" : "degraded";
  const shown = Object.fromEntries(Object.entries(checks).map(([name, c]) => [name, admin ? c : { status: c.status }]));
  return Response.json({ status, version: VERSION, checks: shown }, { status: status === "error" ? 503 : 200, headers: { "Cache-Control": "no-store" } });
}
