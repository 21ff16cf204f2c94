/**
 * Upstash Redis REST API stand-in, for local development and tests.
 *
 * Emulates what `@upstash/redis` (1.39) sends, so production code runs unchanged against it:
 *  - `POST /`            one command as a JSON array `["set","k","v","ex",60]` -> `{"result": ...}`
 *  - `POST /pipeline`    `[[cmd...], ...]` -> `[{"result": ...} | {"error": "..."}]` (HTTP 200, not atomic)
 *  - `POST /multi-exec`  same body, run as one MULTI/EXEC transaction (an aborted transaction is HTTP 400)
 *  - `GET|POST /cmd/arg/arg...` path-style commands (a POST body becomes the last argument)
 *  - `Authorization: Bearer <token>` (or `?_token=`); anything else is HTTP 401 `{"error":"Unauthorized"}`
 *  - `Upstash-Encoding: base64`: every bulk string is base64, arrays element-wise, integers and nulls raw,
 *    and a top-level `OK` stays `OK` (the client special-cases it). Without the header strings are UTF-8.
 *  - a failing single command is HTTP 400 `{"error":"ERR ..."}` (the client throws `UpstashError`).
 *
 * Backends: a real Redis through ioredis `callBuffer` (binary safe; command names are sent upper-case so
 * ioredis applies no reply transformer, e.g. HGETALL stays a flat array), or an in-memory `ioredis-mock`
 * when no Redis exists (`backend: "memory"`, one command at a time; it adds what ioredis-mock lacks:
 * unknown-command, arity, WRONGTYPE and non-integer INCR errors, lower-case SET/ZADD/ZRANGE options).
 *
 * Not emulated: pub/sub and other streaming/blocking or connection-state commands (SUBSCRIBE, MONITOR,
 * MULTI/EXEC/WATCH as single commands, SELECT, BLPOP...) which are refused with an error; the
 * `upstash-sync-token` read-your-writes header (a single Redis is always consistent); rate limits and
 * request-size limits; distinguishing a status reply "OK" from a bulk string "OK" (both come back as `OK`).
 *
 * Standalone: `npx tsx dev/upstash-rest.ts [--port 8079] [--token T] [--redis-url redis://...|--memory]`.
 */
import http from "node:http";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Redis as IORedis } from "ioredis";
import RedisMock from "ioredis-mock";

export type UpstashBackendKind = "redis" | "memory";

export interface UpstashRestOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  host?: string;
  /** The bearer token clients must send. */
  token: string;
  /** Redis to front (`redis://...`). Without it the memory backend is used. */
  redisUrl?: string;
  /** Force a backend; default: "redis" when redisUrl is given, else "memory". */
  backend?: UpstashBackendKind;
}

export interface UpstashRestServer {
  /** Base URL for `new Redis({ url, token })`. */
  url: string;
  token: string;
  port: number;
  backend: UpstashBackendKind;
  /** HTTP requests served and Redis commands executed since start. */
  stats(): { requests: number; commands: number; errors: number };
  close(): Promise<void>;
}

type Arg = string | number;
/** A Redis reply as both backends produce it: Buffers for strings, numbers for integers. */
type Reply = Buffer | number | null | Reply[];
type Entry = { result: unknown } | { error: string };

interface Backend {
  exec(cmd: Arg[]): Promise<Reply>;
  pipeline(cmds: Arg[][]): Promise<(Reply | Error)[]>;
  /** Rejects (EXECABORT) when a command could not be queued; per-command runtime errors are entries. */
  multi(cmds: Arg[][]): Promise<(Reply | Error)[]>;
  close(): Promise<void>;
}

class RedisError extends Error {}

/** Commands that need a dedicated connection or change connection state: not meaningful over REST. */
const REFUSED = new Set([
  "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe", "monitor",
  "multi", "exec", "discard", "watch", "unwatch", "select", "quit", "reset", "sync", "psync", "client",
  "blpop", "brpop", "blmove", "brpoplpush", "bzpopmin", "bzpopmax", "blmpop", "bzmpop", "xread", "xreadgroup",
  "wait", "shutdown", "debug",
]);

function checkCommand(cmd: unknown): Arg[] {
  if (!Array.isArray(cmd) || cmd.length === 0 || typeof cmd[0] !== "string") {
    throw new RedisError("ERR failed to parse command: expected a non-empty JSON array starting with the command name");
  }
  const name = cmd[0].toLowerCase();
  if (REFUSED.has(name)) throw new RedisError(`ERR command '${name}' is not supported over the REST API`);
  return cmd.map((a) => (typeof a === "string" || typeof a === "number" ? a : a === null ? "" : typeof a === "object" ? JSON.stringify(a) : String(a)));
}

const toBuf = (a: Arg) => Buffer.from(String(a), "utf8");

// ---- real Redis --------------------------------------------------------------------------------

async function redisBackend(redisUrl: string): Promise<Backend> {
  const redis = new IORedis(redisUrl, { maxRetriesPerRequest: 2, connectTimeout: 3000, lazyConnect: true });
  redis.on("error", () => {}); // surfaced per command
  await redis.connect();
  await redis.ping();
  const send = (target: { callBuffer(c: string, ...a: Buffer[]): unknown }, [name, ...args]: Arg[]) =>
    // Upper-case name: ioredis keys its reply transformers (HGETALL -> object) by the exact name.
    target.callBuffer(String(name).toUpperCase(), ...args.map(toBuf));
  const settle = (rows: [Error | null, unknown][] | null) => (rows ?? []).map(([e, r]) => e ?? (r as Reply));
  return {
    exec: (cmd) => send(redis, cmd) as Promise<Reply>,
    async pipeline(cmds) {
      const p = redis.pipeline();
      for (const c of cmds) send(p, c);
      return settle(await p.exec());
    },
    async multi(cmds) {
      const m = redis.multi();
      for (const c of cmds) send(m, c);
      return settle(await m.exec());
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

// ---- in-memory (ioredis-mock) -------------------------------------------------------------------

const SET_OPTS = new Set(["EX", "PX", "EXAT", "PXAT", "NX", "XX", "KEEPTTL", "GET"]);
const ZADD_OPTS = new Set(["NX", "XX", "GT", "LT", "CH", "INCR"]);
const ZRANGE_OPTS = new Set(["WITHSCORES", "LIMIT", "REV", "BYSCORE", "BYLEX"]);
const EXPIRE_OPTS = new Set(["NX", "XX", "GT", "LT"]);

/** ioredis-mock matches some option keywords case-sensitively; @upstash/redis sends them lower-case. */
function normaliseForMock(name: string, args: Arg[]): Arg[] {
  const up = (a: Arg, set: Set<string>) => (typeof a === "string" && set.has(a.toUpperCase()) ? a.toUpperCase() : a);
  if (name === "set") return args.map((a, i) => (i >= 2 ? up(a, SET_OPTS) : a));
  if (name === "zadd") {
    let i = 1;
    while (i < args.length && typeof args[i] === "string" && ZADD_OPTS.has(String(args[i]).toUpperCase())) i++;
    return args.map((a, j) => (j >= 1 && j < i ? up(a, ZADD_OPTS) : a));
  }
  if (/^z(rev)?range(byscore|bylex)?$/.test(name)) return args.map((a, i) => (i >= 3 ? up(a, ZRANGE_OPTS) : a));
  if (/^p?expire(at)?$/.test(name)) return args.map((a, i) => (i >= 2 ? up(a, EXPIRE_OPTS) : a));
  return args;
}

/** ioredis-mock answers with strings and objects (HGETALL); turn them into RESP2-shaped replies. */
function fromMock(v: unknown): Reply {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") return Number.isInteger(v) ? v : Buffer.from(String(v));
  if (typeof v === "string") return Buffer.from(v, "utf8");
  if (Buffer.isBuffer(v)) return v;
  if (Array.isArray(v)) return v.map(fromMock);
  if (typeof v === "object") return Object.entries(v).flatMap(([k, x]) => [Buffer.from(k), fromMock(x)]);
  return Buffer.from(String(v));
}

/** Redis' command table (arity) as shipped with ioredis, to reject bad calls like Redis would. */
const COMMANDS: Record<string, { arity: number }> = (() => {
  try {
    return createRequire(import.meta.url)("@ioredis/commands/built/commands.json");
  } catch {
    return {};
  }
})();

/** Key type each command needs (first argument), for WRONGTYPE errors ioredis-mock does not raise. */
const KEY_TYPE: Record<string, string> = {};
for (const [type, names] of Object.entries({
  string: "get getset getdel getex append strlen getrange setrange incr incrby decr decrby incrbyfloat",
  hash: "hset hsetnx hmset hget hmget hgetall hdel hexists hincrby hincrbyfloat hkeys hvals hlen hscan hstrlen hrandfield",
  list: "lpush rpush lpushx rpushx lpop rpop lrange llen lindex lset lrem ltrim linsert lpos",
  set: "sadd srem smembers sismember smismember scard spop srandmember sscan",
  zset: "zadd zrem zscore zmscore zincrby zrange zrangebyscore zrevrange zrevrangebyscore zcard zcount zrank zrevrank zscan zpopmin zpopmax zremrangebyscore zremrangebyrank",
})) for (const n of names.split(" ")) KEY_TYPE[n] = type;

function memoryBackend(): Backend {
  const mock = new RedisMock();
  const target = mock as unknown as Record<string, (...a: Arg[]) => Promise<unknown>>;
  // One command at a time: pipelines and MULTI/EXEC are then trivially isolated.
  let chain: Promise<unknown> = Promise.resolve();
  const locked = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = chain.then(fn);
    chain = p.catch(() => {});
    return p;
  };
  const split = (cmd: Arg[]) => [String(cmd[0]).toLowerCase(), cmd.slice(1)] as const;
  /** Errors Redis raises before running a command (unknown, arity). */
  const check = (name: string, args: Arg[]) => {
    const fn = target[name];
    if (typeof fn !== "function" || name.startsWith("_") || name.endsWith("Buffer") || (Object.keys(COMMANDS).length && !COMMANDS[name])) {
      const first = args.slice(0, 3).map((a) => `'${a}'`).join(" ");
      throw new RedisError(`ERR unknown command '${name}', with args beginning with: ${first}`);
    }
    const arity = COMMANDS[name]?.arity;
    if (arity !== undefined && (arity > 0 ? args.length + 1 !== arity : args.length + 1 < -arity)) {
      throw new RedisError(`ERR wrong number of arguments for '${name}' command`);
    }
  };
  const run = async (cmd: Arg[]): Promise<Reply> => {
    const [name, args] = split(cmd);
    check(name, args);
    const want = KEY_TYPE[name];
    if (want) {
      const type = await mock.type(String(args[0]));
      if (type !== "none" && type !== want) throw new RedisError("WRONGTYPE Operation against a key holding the wrong kind of value");
      if (/^(incr|decr)(by)?$/.test(name) && type === "string" && !/^-?\d+$/.test((await mock.get(String(args[0]))) ?? "")) {
        throw new RedisError("ERR value is not an integer or out of range");
      }
    }
    try {
      return fromMock(await target[name]!.apply(mock, normaliseForMock(name, args)));
    } catch (e) {
      throw new RedisError(e instanceof Error ? e.message : String(e));
    }
  };
  const runAll = async (cmds: Arg[][]) => {
    const out: (Reply | Error)[] = [];
    for (const cmd of cmds) out.push(await run(cmd).catch((e: Error) => e));
    return out;
  };
  return {
    exec: (cmd) => locked(() => run(cmd)),
    pipeline: (cmds) => locked(() => runAll(cmds)),
    multi: (cmds) =>
      locked(async () => {
        for (const cmd of cmds) {
          try {
            check(...split(cmd));
          } catch {
            throw new RedisError("EXECABORT Transaction discarded because of previous errors.");
          }
        }
        return runAll(cmds);
      }),
    async close() {
      mock.disconnect();
    },
  };
}

// ---- HTTP ---------------------------------------------------------------------------------------

/** Reply -> JSON value the way Upstash encodes it. */
function encode(v: Reply, base64: boolean, top: boolean): unknown {
  if (v === null || typeof v === "number") return v;
  if (Array.isArray(v)) return v.map((x) => encode(x, base64, false));
  if (!base64) return v.toString("utf8");
  if (top && v.length === 2 && v[0] === 0x4f && v[1] === 0x4b) return "OK";
  return v.toString("base64");
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e)).replace(/^ReplyError: /, "");

function readBody(req: http.IncomingMessage, limit = 32 * 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) reject(new RedisError("ERR max request size exceeded"));
      else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export async function startUpstashRest(opts: UpstashRestOptions): Promise<UpstashRestServer> {
  const kind: UpstashBackendKind = opts.backend ?? (opts.redisUrl ? "redis" : "memory");
  if (kind === "redis" && !opts.redisUrl) throw new Error("startUpstashRest: backend 'redis' needs redisUrl");
  const backend = kind === "redis" ? await redisBackend(opts.redisUrl!) : memoryBackend();
  const counters = { requests: 0, commands: 0, errors: 0 };

  const server = http.createServer(async (req, res) => {
    counters.requests++;
    const send = (status: number, body: unknown) => {
      if (status >= 400) counters.errors++;
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    try {
      const url = new URL(req.url ?? "/", "http://localhost");
      const auth = req.headers.authorization ?? "";
      const given = auth.startsWith("Bearer ") ? auth.slice(7).trim() : url.searchParams.get("_token");
      if (given !== opts.token) return send(401, { error: "Unauthorized" });
      const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
      const body = req.method === "POST" || req.method === "PUT" ? await readBody(req) : "";
      const path = url.pathname.replace(/\/+$/, "");

      if (path === "/pipeline" || path === "/multi-exec") {
        let cmds: Arg[][];
        try {
          const parsed: unknown = JSON.parse(body);
          if (!Array.isArray(parsed) || parsed.length === 0) throw new RedisError("ERR empty or invalid pipeline");
          cmds = parsed.map(checkCommand);
        } catch (e) {
          return send(400, { error: e instanceof RedisError ? e.message : `ERR failed to parse pipeline request: ${errorText(e)}` });
        }
        counters.commands += cmds.length;
        let replies: (Reply | Error)[];
        try {
          replies = path === "/pipeline" ? await backend.pipeline(cmds) : await backend.multi(cmds);
        } catch (e) {
          return send(400, { error: errorText(e) });
        }
        const out: Entry[] = replies.map((r) => (r instanceof Error ? { error: errorText(r) } : { result: encode(r, base64, true) }));
        return send(200, out);
      }

      let cmd: Arg[];
      try {
        if (path === "") {
          cmd = checkCommand(JSON.parse(body));
        } else {
          // Path style: /set/key/value, a POST body (if any) is the last argument.
          const parts = path.slice(1).split("/").map(decodeURIComponent);
          if (body.length) parts.push(body);
          cmd = checkCommand(parts);
        }
      } catch (e) {
        return send(400, { error: e instanceof RedisError ? e.message : `ERR failed to parse command: ${errorText(e)}` });
      }
      counters.commands++;
      try {
        return send(200, { result: encode(await backend.exec(cmd), base64, true) });
      } catch (e) {
        return send(400, { error: errorText(e) });
      }
    } catch (e) {
      if (!res.headersSent) send(500, { error: `ERR internal: ${errorText(e)}` });
    }
  });
  // No server-side keep-alive timeout: only the client closes idle sockets, so a request is never sent on
  // a socket the server is closing (a busy event loop makes that race likely with Node's 5 s default).
  server.keepAliveTimeout = 0;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://${opts.host ?? "127.0.0.1"}:${port}`,
    token: opts.token,
    port,
    backend: kind,
    stats: () => ({ ...counters }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await backend.close();
    },
  };
}

// ---- standalone ---------------------------------------------------------------------------------

const argValue = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { resolveRedis } = await import("./redis.ts");
  const redis = process.argv.includes("--memory") ? undefined : await resolveRedis({ redisUrl: argValue("redis-url") });
  const srv = await startUpstashRest({
    port: Number(argValue("port") ?? 8079),
    token: argValue("token") ?? process.env.UPSTASH_REDIS_REST_TOKEN ?? "dev-token",
    redisUrl: redis?.redisUrl,
  });
  console.log(`upstash-rest: ${srv.url} (token ${srv.token}, backend ${srv.backend}${redis?.redisUrl ? ` ${redis.redisUrl}` : ""})`);
  const stop = async () => {
    await srv.close();
    await redis?.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
