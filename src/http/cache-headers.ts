/** Response headers of a cache-first answer, derived from what the cache layer reports. */
import type { ReadThroughResult } from "../cache/read-through";

/** `Cache-Control` from the TTL actually stored (the shortest of the answer's values). */
export const cacheControl = (maxAgeSeconds: number) => `public, max-age=${Math.max(0, Math.floor(maxAgeSeconds))}`;

export function cacheHeaders(r: Pick<ReadThroughResult, "cache" | "maxAgeSeconds" | "degraded">, cacheable = true): Record<string, string> {
  return {
    "X-Cache": r.cache,
    "Cache-Control": cacheable ? cacheControl(r.maxAgeSeconds) : "no-store",
    ...(r.degraded ? { "X-Degraded": "cache-unavailable" } : {}),
  };
}
