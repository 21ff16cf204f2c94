/** GET /health: the version and whether Postgres, Redis and the weather source answer, with latency. */
import type { AppContext } from "../context";
import { pingForecast } from "../weather/open-meteo";
import { VERSION } from "../version";

interface Check {
  status: "ok" | "error";
  latencyMs: number;
  error?: string;
}

async function timed(fn: () => Promise<unknown>, timeoutMs = 5000): Promise<Check> {
  const started = performance.now();
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs)),
    ]);
    return { status: "ok", latencyMs: Math.round(performance.now() - started) };
  } catch (e) {
    return { status: "error", latencyMs: Math.round(performance.now() - started), error: (e as Error).message.slice(0, 200) };
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

export async function health(ctx: AppContext): Promise<Response> {
  const [postgres, redis, weather] = await Promise.all([
    timed(() => ctx.sql.query("SELECT 1")),
    timed(() => ctx.cache.run("health_ping", (r) => r.ping())),
    weatherCheck(ctx),
  ]);
  // Postgres is essential; without Redis or weather the API still answers (degraded).
  const status = postgres.status !== "ok" ? "down" : redis.status !== "ok" || weather.status !== "ok" ? "degraded" : "ok";
  return Response.json(
    { status, version: VERSION, checks: { postgres, redis, weather } },
    { status: status === "down" ? 503 : 200, headers: { "Cache-Control": "no-store" } },
  );
}
