/** Upstash Redis over its REST API: one client per isolate. */
import { Redis } from "@upstash/redis";

const clients = new Map<string, Redis>();

export function createRedis(url: string, token: string): Redis {
  const key = `${url}|${token}`;
  let redis = clients.get(key);
  if (!redis) {
    // Values are JSON we wrote ourselves; automatic deserialisation would also be fine, but explicit
    // parsing keeps one code path for pipelines and single calls.
    redis = new Redis({ url, token, automaticDeserialization: false, enableTelemetry: false });
    clients.set(key, redis);
  }
  return redis;
}

export type { Redis };
