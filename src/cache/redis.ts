/** Upstash Redis over its REST API: one client per isolate. */
import { Redis } from "@upstash/redis";

const clients = new Map<string, Redis>();

export function createRedis(url: string, token: string): Redis {
  const key = `${url}|${token}`;
  let redis = clients.get(key);
  if (!redis) {
    // Values are JSON we wrote ourselves; automatic deserialisation would also be fine, but explicit
    // parsing keeps one code path for pipelines and single calls.
    // Two quick retries (50, 100 ms) instead of the SDK's five exponential ones (~4 s): an API
    // request should fall back to computing fast, and warming has its own message-level retries.
    redis = new Redis({
      url,
      token,
      automaticDeserialization: false,
      enableTelemetry: false,
      retry: { retries: 2, backoff: (attempt) => 50 * 2 ** attempt },
    });
    clients.set(key, redis);
  }
  return redis;
}

export type { Redis };

/**
 * HGETALL without automatic deserialisation is the flat `[field, value, …]` reply (null or [] when
 * the hash is absent); this turns it into an object of strings.
 */
export function hashFromReply(reply: unknown): Record<string, string> {
  if (!reply) return {};
  if (Array.isArray(reply)) {
    const out: Record<string, string> = {};
    for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1]);
    return out;
  }
  return Object.fromEntries(Object.entries(reply as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}
