/**
 * Finds a Redis for local development and tests, in this order:
 *  1. `redisUrl` option or `REDIS_URL`                      kind "env" (used as given, not probed)
 *  2. a Redis answering PING on 127.0.0.1:6379              kind "local-server"
 *  3. a `redis-server` binary on PATH, started on a free port with `--save "" --appendonly no`
 *                                                          kind "spawned" (stopped by close())
 *  4. nothing: `{ kind: "memory" }`, no URL; dev/upstash-rest.ts then uses its ioredis-mock backend.
 *
 * Standalone: `npx tsx dev/redis.ts` prints what it found (and keeps a spawned server running).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants } from "node:fs";
import net from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";

export type RedisKind = "env" | "local-server" | "spawned" | "memory";

export interface ResolvedRedis {
  /** `redis://host:port`; absent for kind "memory". */
  redisUrl?: string;
  kind: RedisKind;
  close(): Promise<void>;
}

export interface ResolveRedisOptions {
  redisUrl?: string;
  /** Read REDIS_URL when no redisUrl is given (default true). */
  useEnv?: boolean;
  /** Probe 127.0.0.1:6379 (default true). */
  local?: boolean;
  /** Allow starting a redis-server binary (default true). */
  spawn?: boolean;
  probeTimeoutMs?: number;
}

const noop = async () => {};

/** True when host:port answers `PING` with `+PONG` (no AUTH: for local servers only). */
export function pingRedis(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    let buf = "";
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.on("error", () => done(false));
    sock.on("connect", () => sock.write("PING\r\n"));
    sock.on("data", (d) => {
      buf += d.toString();
      if (buf.includes("\r\n")) done(buf.startsWith("+PONG"));
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Path of an executable on PATH, or undefined. */
export function which(bin: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, bin);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Starts `redis-server` on a free port; resolves once it answers PING. */
export async function spawnRedisServer(binary = which("redis-server")): Promise<ResolvedRedis> {
  if (!binary) throw new Error("redis-server not found on PATH");
  const port = await freePort();
  const child: ChildProcess = spawn(binary, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"], {
    stdio: "ignore",
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const deadline = Date.now() + 5_000;
  while (!(await pingRedis("127.0.0.1", port, 300))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`redis-server did not come up on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    redisUrl: `redis://127.0.0.1:${port}`,
    kind: "spawned",
    async close() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

export async function resolveRedis(opts: ResolveRedisOptions = {}): Promise<ResolvedRedis> {
  const given = opts.redisUrl ?? (opts.useEnv === false ? undefined : process.env.REDIS_URL);
  if (given) return { redisUrl: given, kind: "env", close: noop };
  if (opts.local !== false && (await pingRedis("127.0.0.1", 6379, opts.probeTimeoutMs ?? 500))) {
    return { redisUrl: "redis://127.0.0.1:6379", kind: "local-server", close: noop };
  }
  if (opts.spawn !== false && which("redis-server")) {
    try {
      return await spawnRedisServer();
    } catch {
      // fall through to memory
    }
  }
  return { kind: "memory", close: noop };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await resolveRedis();
  console.log(`redis: ${r.redisUrl ?? "(none: in-memory)"} (${r.kind})`);
  if (r.kind === "spawned") {
    const stop = () => r.close().then(() => process.exit(0));
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  }
}
