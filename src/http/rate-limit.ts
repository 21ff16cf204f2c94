/**
 * Cost bounds on public computation, shared by both surfaces (each maps `RateLimited` to its own
 * 429 shape, with Retry-After).
 *
 * - Per client: every engine run the public API makes (a score miss on either surface, a /predict
 *   miss) first takes a token from Workers' rate-limiting binding `COMPUTE_LIMITER`
 *   (wrangler.toml `[[ratelimits]]`, keyed by the client's address). The binding is local to the
 *   Cloudflare location, so a check costs no Upstash request; and it is only asked on the compute
 *   path (route-scores' `beforeCompute`), so hits cost nothing at all.
 * - Globally, for new points: a /predict miss may need weather for a cell nobody asked before. At
 *   most `PREDICT_NEW_POINTS_PER_MINUTE` (wrangler.toml, default 120) such computations run per minute in total — a small Redis counter
 *   per minute (one INCR + EXPIRE pipeline through the guarded client), asked only on that path.
 *   When Redis is unreachable the counter is skipped (the per-client bound still holds).
 */
import type { AppContext } from "../context";
import { keys } from "../cache/keys";
import { isUpstreamUnavailable } from "../errors";
import { log } from "../log";
import type { AppRequest } from "./context";

/** The binding's period (wrangler.toml `simple.period`): how long a refused client waits at most. */
export const COMPUTE_LIMIT_PERIOD_SECONDS = 60;

export class RateLimited extends Error {
  override readonly name = "RateLimited";
  constructor(
    readonly scope: "client" | "new_points",
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super(message);
  }
}

/** What the binding provides (Workers' `RateLimit`). */
export interface RateLimiter {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

/** The client's address as Cloudflare reports it (absent only in local development: one shared key). */
export function clientKey(request: Request): string {
  return request.headers.get("CF-Connecting-IP") ?? "unknown-client";
}

async function takeClientToken(req: AppRequest): Promise<void> {
  const limiter = (req.app.env as unknown as { COMPUTE_LIMITER?: RateLimiter }).COMPUTE_LIMITER;
  if (!limiter) return; // not bound (a test env without it): no per-client bound
  const { success } = await limiter.limit({ key: clientKey(req) });
  if (!success) {
    log.info("rate_limited", { scope: "client", path: new URL(req.url).pathname });
    throw new RateLimited("client", COMPUTE_LIMIT_PERIOD_SECONDS, "Too many score computations from this client; retry later (cached scores are not limited)");
  }
}

async function takeNewPointToken(app: AppContext, now = Date.now()): Promise<void> {
  const minute = Math.floor(now / 60_000);
  let count: number;
  try {
    const [n] = await app.cache.exec<[number, number]>("new_points_count", (p) => {
      p.incr(keys.newPointsPerMinute(minute));
      p.expire(keys.newPointsPerMinute(minute), 120);
    });
    count = Number(n);
  } catch (e) {
    if (!isUpstreamUnavailable(e, "redis")) throw e;
    return;
  }
  if (count > app.config.predictNewPointsPerMinute) {
    const retryAfter = 60 - Math.floor((now % 60_000) / 1000);
    log.info("rate_limited", { scope: "new_points", count });
    throw new RateLimited("new_points", retryAfter, "Too many new locations are being scored right now; retry shortly");
  }
}

/** The `beforeCompute` guard of a route score miss. */
export const routeComputeGuard = (req: AppRequest) => () => takeClientToken(req);

/** The `beforeCompute` guard of a /predict miss: the client's token, then the global new-point budget. */
export const pointComputeGuard = (req: AppRequest) => async () => {
  await takeClientToken(req);
  await takeNewPointToken(req.app);
};
