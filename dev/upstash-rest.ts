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
 *  - a request body over `maxRequestBytes` (default 10 MB, Upstash's documented limit) is HTTP 400
 *    `{"error":"ERR max request size exceeded"}` (upstash.com/docs/redis/troubleshooting/max_request_size_exceeded).
 *  - every answer carries `upstash-sync-token` (the sequence number of the latest write the answer
 *    reflects), as Upstash does for read-your-writes; with `replica: { lagMs }` reads lag behind writes
 *    unless the request's token is current (dev/upstash-replica.ts).
 *
 * Test controls (loopback only, no auth; see dev/README.md): `GET /__standin/stats` (requests,
 * commands, errors, faults served, replica reads, largest request body), `POST /__standin/stats/reset`,
 * `PUT /__standin/fault` `{mode: "hang"|"refuse"|"respond", times?, scope?, status?, body?}`,
 * `DELETE /__standin/fault[?scope=s]`, `POST /__standin/replica/sync`. A client whose base URL is
 * `<url>/__scope/<s>` meets the faults of scope `s` (and the unscoped ones); the prefix is otherwise ignored.
 *
 * Backends: a real Redis through ioredis `callBuffer` (binary safe; command names are sent upper-case so
 * ioredis applies no reply transformer, e.g. HGETALL stays a flat array), or an in-memory `ioredis-mock`
 * when no Redis exists (`backend: "memory"`, one command at a time; it adds what ioredis-mock lacks:
 * unknown-command, arity, WRONGTYPE and non-integer INCR errors, lower-case SET/ZADD/ZRANGE options).
 *
 * Not emulated: pub/sub and other streaming/blocking or connection-state commands (SUBSCRIBE, MONITOR,
 * MULTI/EXEC/WATCH as single commands, SELECT, BLPOP...) which are refused with an error; rate limits
 * and the per-plan command/bandwidth quotas; distinguishing a status reply "OK" from a bulk string "OK"
 * (both come back as `OK`).
 *
 * Standalone: `npx tsx dev/upstash-rest.ts [--port 8079] [--token T] [--redis-url redis://...|--memory]
 * [--replica-lag-ms N]`.
 */
import http from "node:http";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { FaultSwitch, readBody } from "./standin-http.ts";
import { Redis as IORedis } from "ioredis";
import RedisMock from "ioredis-mock";
import { isWriteCommand, LaggingReplica } from "./upstash-replica.ts";

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
  /** Largest request body accepted (default 10 MB, Upstash's limit); larger -> 400 `ERR max request size exceeded`. */
  maxRequestBytes?: number;
  /** Serve reads like Upstash's global read replicas: visible `lagMs` after the write unless the sync token is current. */
  replica?: { lagMs: number };
  /** A fault active from the start (tests; also settable at run time). */
  fault?: UpstashFault;
}

/** "Your command exceeds the max request size which is 10MB" (upstash.com/docs/redis/troubleshooting/max_request_size_exceeded). */
export const UPSTASH_MAX_REQUEST_BYTES = 10_000_000;

export const UPSTASH_FAULTS = [
  "hang", // never answers (until the client gives up or the stand-in closes)
  "refuse", // closes the connection without an answer (fetch fails)
  "respond", // answers `status` (default 503) with `body` (a string is sent as text/plain; default "503 Service Unavailable")
] as const;
export type UpstashFaultMode = (typeof UPSTASH_FAULTS)[number];

export interface UpstashFault {
  mode: UpstashFaultMode;
  /** How many requests to fail; default: every request until cleared. */
  times?: number;
  /** Only requests under `<url>/__scope/<scope>/` (a client whose base URL has that prefix). */
  scope?: string;
  status?: number;
  body?: unknown;
}

export interface UpstashStats {
  /** REST requests (test controls not counted) and Redis commands in them. */
  requests: number;
  commands: number;
  errors: number;
  faultsServed: number;
  /** Largest request body seen, bytes. */
  maxRequestBytes: number;
  /** Reads answered from a lagging replica snapshot. */
  replicaReads: number;
}

export interface UpstashRestServer {
  /** Base URL for `new Redis({ url, token })`. */
  url: string;
  token: string;
  port: number;
  backend: UpstashBackendKind;
  maxRequestBytes: number;
  stats(): UpstashStats;
  resetStats(): void;
  /** Sets (or with null clears) the fault for its scope. */
  setFault(fault: UpstashFault | null, scope?: string): void;
  /** Makes every write visible to replica reads now. */
  syncReplica(): void;
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
  "subscribe",
  "psubscribe",
  "ssubscribe",
  "unsubscribe",
  "punsubscribe",
  "sunsubscribe",
  "monitor",
  "multi",
  "exec",
  "discard",
  "watch",
  "unwatch",
  "select",
  "quit",
  "reset",
  "sync",
  "psync",
  "client",
  "blpop",
  "brpop",
  "blmove",
  "brpoplpush",
  "bzpopmin",
  "bzpopmax",
  "blmpop",
  "bzmpop",
  "xread",
  "xreadgroup",
  "wait",
  "shutdown",
  "debug",
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
}))
  for (const n of names.split(" ")) KEY_TYPE[n] = type;

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
      const first = args
        .slice(0, 3)
        .map((a) => `'${a}'`)
        .join(" ");
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

/** `/__scope/<name>/rest…` -> ["name", "/rest…"]: a client whose base URL carries a scope meets that scope's faults. */
function splitScope(pathname: string): [string | undefined, string] {
  const m = /^\/__scope\/([^/]+)(\/.*)?$/.exec(pathname);
  return m ? [decodeURIComponent(m[1]!), m[2] ?? "/"] : [undefined, pathname];
}

export async function startUpstashRest(opts: UpstashRestOptions): Promise<UpstashRestServer> {
  const kind: UpstashBackendKind = opts.backend ?? (opts.redisUrl ? "redis" : "memory");
  if (kind === "redis" && !opts.redisUrl) throw new Error("startUpstashRest: backend 'redis' needs redisUrl");
  const backend = kind === "redis" ? await redisBackend(opts.redisUrl!) : memoryBackend();
  const maxRequestBytes = opts.maxRequestBytes ?? UPSTASH_MAX_REQUEST_BYTES;
  const replica = new LaggingReplica(backend, opts.replica?.lagMs ?? 0);
  const zero = (): UpstashStats => ({ requests: 0, commands: 0, errors: 0, faultsServed: 0, maxRequestBytes: 0, replicaReads: 0 });
  let counters = zero();
  const faults = new FaultSwitch<UpstashFault>(
    UPSTASH_FAULTS,
    (message) => new RedisError(`ERR ${message}`),
    () => counters.faultsServed++,
  );
  const hung = new Set<http.ServerResponse>();

  if (opts.fault) faults.set(opts.fault);

  /** One command: a replica read when it lags for this reader, else the primary. */
  const readOrExec = async (cmd: Arg[], token: number): Promise<Reply> => {
    const lagging = await replica.read(cmd, token);
    if (lagging !== undefined) {
      counters.replicaReads++;
      return lagging;
    }
    return backend.exec(cmd);
  };

  const server = http.createServer(async (req, res) => {
    let syncToken: number | undefined;
    const send = (status: number, body: unknown) => {
      if (status >= 400) counters.errors++;
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (syncToken !== undefined) headers["upstash-sync-token"] = String(syncToken);
      res.writeHead(status, headers);
      res.end(JSON.stringify(body));
    };
    try {
      const url = new URL(req.url ?? "/", "http://localhost");
      if (url.pathname.startsWith("/__standin/")) return await admin(req, url, send);
      counters.requests++;
      const [scope, pathname] = splitScope(url.pathname);
      const fault = faults.take(scope);
      if (fault?.mode === "refuse") return req.socket.destroy();
      if (fault?.mode === "hang") {
        hung.add(res);
        res.on("close", () => hung.delete(res));
        return;
      }
      const auth = req.headers.authorization ?? "";
      const given = auth.startsWith("Bearer ") ? auth.slice(7).trim() : url.searchParams.get("_token");
      if (given !== opts.token) return send(401, { error: "Unauthorized" });
      const {
        text: body,
        bytes,
        tooLarge,
      } = req.method === "POST" || req.method === "PUT" ? await readBody(req, maxRequestBytes) : { text: "", bytes: 0, tooLarge: false };
      counters.maxRequestBytes = Math.max(counters.maxRequestBytes, bytes);
      if (tooLarge) return send(400, { error: "ERR max request size exceeded" });
      if (fault?.mode === "respond") {
        const payload = fault.body ?? "503 Service Unavailable"; // default: a load balancer's plain-text page
        if (typeof payload !== "string") return send(fault.status ?? 503, payload);
        counters.errors++;
        res.writeHead(fault.status ?? 503, { "content-type": "text/plain" });
        return res.end(payload);
      }
      const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
      const tokenIn = Number.parseInt(String(req.headers["upstash-sync-token"] ?? ""), 10);
      const token = Number.isFinite(tokenIn) ? tokenIn : 0;
      const path = pathname.replace(/\/+$/, "");

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
          if (path === "/multi-exec" || cmds.some(isWriteCommand)) {
            // Transactions and requests that write run on the primary.
            const w = await replica.write(cmds, () => (path === "/pipeline" ? backend.pipeline(cmds) : backend.multi(cmds)));
            replies = w.result;
            syncToken = w.token;
          } else {
            replies = replica.lagMs > 0 ? await Promise.all(cmds.map((c) => readOrExec(c, token).catch((e: Error) => e))) : await backend.pipeline(cmds);
            syncToken = replica.observed(token);
          }
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
        let reply: Reply;
        if (isWriteCommand(cmd)) {
          const w = await replica.write([cmd], () => backend.exec(cmd));
          reply = w.result;
          syncToken = w.token;
        } else {
          reply = await readOrExec(cmd, token);
          syncToken = replica.observed(token);
        }
        return send(200, { result: encode(reply, base64, true) });
      } catch (e) {
        return send(400, { error: errorText(e) });
      }
    } catch (e) {
      if (!res.headersSent) send(500, { error: `ERR internal: ${errorText(e)}` });
    }
  });

  const admin = async (req: http.IncomingMessage, url: URL, send: (s: number, b: unknown) => void) => {
    const path = url.pathname;
    if (path === "/__standin/stats" && req.method === "GET")
      return send(200, { ...counters, maxRequestBytesLimit: maxRequestBytes, replicaLagMs: replica.lagMs });
    if (path === "/__standin/stats/reset" && req.method === "POST") {
      counters = zero();
      return send(200, counters);
    }
    if (path === "/__standin/replica/sync" && req.method === "POST") {
      replica.sync();
      return send(200, { synced: replica.seq });
    }
    if (path === "/__standin/fault") {
      if (req.method === "GET") return send(200, faults);
      if (req.method === "DELETE") {
        faults.set(null, url.searchParams.get("scope") ?? "");
        return send(200, { cleared: true });
      }
      if (req.method === "PUT" || req.method === "POST") {
        const { text } = await readBody(req, 1_000_000);
        try {
          faults.set(JSON.parse(text) as UpstashFault);
        } catch (e) {
          return send(400, { error: e instanceof RedisError ? e.message : `ERR fault must be JSON {mode, times?, scope?, status?, body?}: ${errorText(e)}` });
        }
        return send(200, faults);
      }
    }
    return send(404, { error: `ERR unknown test control ${req.method} ${path}` });
  };

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
    maxRequestBytes,
    stats: () => ({ ...counters }),
    resetStats: () => void (counters = zero()),
    setFault: (f, scope) => faults.set(f, scope),
    syncReplica: () => replica.sync(),
    async close() {
      for (const r of hung) r.destroy();
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
  const lag = argValue("replica-lag-ms");
  const srv = await startUpstashRest({
    port: Number(argValue("port") ?? 8079),
    token: argValue("token") ?? process.env.UPSTASH_REDIS_REST_TOKEN ?? "dev-token",
    redisUrl: redis?.redisUrl,
    replica: lag ? { lagMs: Number(lag) } : undefined,
  });
  console.log(`upstash-rest: ${srv.url} (backend ${srv.backend}${redis?.redisUrl ? ` ${redis.redisUrl}` : ""}${lag ? `, replica lag ${lag} ms` : ""})`);
  const stop = async () => {
    await srv.close();
    await redis?.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
