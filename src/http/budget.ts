/**
 * What a public request's computations may cost, for both surfaces: a per-client rate limit (and a
 * global one for new points) before any engine run, and the request path's weather budget — the
 * weather source gets `REQUEST_WEATHER_DEADLINE_MS`, after which the score is computed with the
 * spec's no-forecast fallback (flagged in the answer, cached briefly) while the fetch finishes in
 * the background (waitUntil) to fill the weather cache.
 */
import type { ScoreOptions } from "../service/route-scores";
import { DEFAULT_REQUEST_DEADLINE_MS } from "../weather/weather-service";
import type { AppRequest } from "./context";
import { pointComputeGuard, routeComputeGuard } from "./rate-limit";

export const REQUEST_WEATHER_DEADLINE_MS = DEFAULT_REQUEST_DEADLINE_MS;

export const weatherBudget = (ctx: ExecutionContext) => ({ deadlineMs: REQUEST_WEATHER_DEADLINE_MS, waitUntil: (p: Promise<unknown>) => ctx.waitUntil(p) });

/** A route score on a public request. */
export const routeScoreOptions = (req: AppRequest, ctx: ExecutionContext): ScoreOptions => ({
  beforeCompute: routeComputeGuard(req),
  weather: weatherBudget(ctx),
});

/** A point score (/predict) on a public request. */
export const pointScoreOptions = (req: AppRequest, ctx: ExecutionContext): ScoreOptions => ({
  beforeCompute: pointComputeGuard(req),
  weather: weatherBudget(ctx),
});
