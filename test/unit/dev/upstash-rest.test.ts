/**
 * dev/upstash-rest.ts driven by the real @upstash/redis client, once in front of the real Redis the
 * global setup found (skipped when there is none) and once over the in-memory backend.
 */
import { randomUUID } from "node:crypto";
import { errors as upstashErrors, Redis } from "@upstash/redis";
import { Redis as IORedis } from "ioredis";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { startUpstashRest, UPSTASH_MAX_REQUEST_BYTES, type UpstashRestServer } from "../../../dev/upstash-rest.ts";

const realRedisUrl = inject("redisUrl");
const FIXTURES = join(import.meta.dirname, "../../fixtures/upstash");

function suite(kind: "redis" | "memory") {
  const token = `tok-${randomUUID()}`;
  const prefix = `test:upstash-rest:${randomUUID().slice(0, 8)}:`;
  const k = (s: string) => prefix + s;
  let srv: UpstashRestServer;
  let redis: Redis; // raw strings (as src/cache/redis.ts configures it)
  let auto: Redis; // SDK defaults: automatic (de)serialisation, auto-pipelining

  beforeAll(async () => {
    srv = await startUpstashRest({ token, backend: kind, redisUrl: kind === "redis" ? realRedisUrl : undefined });
    redis = new Redis({ url: srv.url, token, automaticDeserialization: false, enableTelemetry: false });
    auto = new Redis({ url: srv.url, token, enableTelemetry: false });
  });
  afterAll(async () => {
    if (!srv) return;
    const keys: string[] = [];
    let cursor = "0";
    do {
      const [next, batch] = await redis.scan(cursor, { match: `${prefix}*`, count: 1000 });
      keys.push(...batch);
      cursor = String(next);
    } while (cursor !== "0");
    if (keys.length) await redis.del(...keys);
    await srv.close();
  });

  it("reports its backend", () => {
    expect(srv.backend).toBe(kind);
    expect(srv.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("set/get JSON values with automatic (de)serialisation", async () => {
    const value = { a: 1, b: [2, "three"], nested: { ok: true } };
    expect(await auto.set(k("json"), value)).toBe("OK");
    expect(await auto.get(k("json"))).toEqual(value);
    expect(await redis.get(k("json"))).toBe(JSON.stringify(value));
    expect(await auto.get(k("missing"))).toBeNull();
  });

  it("set with ex / nx, expire and ttl", async () => {
    expect(await redis.set(k("ex"), "v", { ex: 100 })).toBe("OK");
    const ttl = await redis.ttl(k("ex"));
    expect(ttl).toBeGreaterThan(90);
    expect(ttl).toBeLessThanOrEqual(100);
    expect(await redis.set(k("ex"), "other", { nx: true })).toBeNull();
    expect(await redis.get(k("ex"))).toBe("v");
    expect(await redis.set(k("nx"), "first", { nx: true })).toBe("OK");
    expect(await redis.expire(k("nx"), 500)).toBe(1);
    expect(await redis.ttl(k("nx"))).toBeGreaterThan(400);
    expect(await redis.ttl(k("never-set"))).toBe(-2);
  });

  it("the value 'OK' and strings that look like base64 survive", async () => {
    await redis.set(k("ok"), "OK");
    await redis.set(k("b64"), "aGk=");
    expect(await redis.mget(k("ok"), k("b64"))).toEqual(["OK", "aGk="]);
    expect(await redis.get(k("ok"))).toBe("OK");
    expect(await redis.get(k("b64"))).toBe("aGk=");
  });

  it("mget mixes values and nulls", async () => {
    await redis.set(k("m1"), "one");
    await redis.set(k("m2"), "two");
    expect(await redis.mget(k("m1"), k("nope"), k("m2"))).toEqual(["one", null, "two"]);
  });

  it("utf-8 values and keys", async () => {
    const v = "héllo wörld ✓ 雪 🧗‍♀️";
    await redis.set(k("ключ"), v);
    expect(await redis.get(k("ключ"))).toBe(v);
    expect(await auto.get(k("ключ"))).toBe(v);
  });

  it("incr, hset/hgetall, del, exists", async () => {
    expect(await redis.incr(k("ctr"))).toBe(1);
    expect(await redis.incrby(k("ctr"), 41)).toBe(42);
    expect(await redis.hset(k("h"), { f1: "a", f2: 2 })).toBe(2);
    expect(await redis.hincrby(k("h"), "n", 5)).toBe(5);
    expect(await auto.hgetall(k("h"))).toEqual({ f1: "a", f2: 2, n: 5 });
    expect(await redis.hget(k("h"), "f1")).toBe("a");
    expect(await redis.exists(k("ctr"), k("h"), k("none"))).toBe(2);
    expect(await redis.del(k("ctr"), k("none"))).toBe(1);
    expect(await redis.exists(k("ctr"))).toBe(0);
  });

  it("pipeline with mixed results including an error", async () => {
    await redis.hset(k("hash"), { f: "v" });
    const p = redis.pipeline();
    p.set(k("p1"), "v1", { ex: 60 });
    p.incr(k("pc"));
    p.get(k("p1"));
    p.get(k("hash")); // WRONGTYPE
    p.get(k("absent"));
    p.incr(k("p1")); // not an integer
    const res = await p.exec({ keepErrors: true });
    expect(res.map((r) => r.result)).toEqual(["OK", 1, "v1", undefined, null, undefined]);
    expect(res[3]!.error).toMatch(/^WRONGTYPE/);
    expect(res[5]!.error).toMatch(/^ERR value is not an integer/);
    const p2 = redis.pipeline();
    p2.set(k("p2"), "x");
    p2.get(k("hash"));
    await expect(p2.exec()).rejects.toThrow(/Command 2 \[ get \] failed: WRONGTYPE/);
  });

  it("multi/exec runs as a transaction", async () => {
    const tx = redis.multi();
    tx.set(k("t1"), "a");
    tx.incr(k("tc"));
    tx.incr(k("tc"));
    tx.get(k("t1"));
    expect(await tx.exec()).toEqual(["OK", 1, 2, "a"]);
  });

  it("multi-exec reports a runtime error per command and still runs the others", async () => {
    await redis.hset(k("mh"), { f: "v" });
    const tx = redis.multi();
    tx.set(k("m-a"), "1");
    tx.get(k("mh")); // WRONGTYPE at run time
    tx.incr(k("m-a"));
    const res = await tx.exec({ keepErrors: true });
    expect(res.map((r) => r.result)).toEqual(["OK", undefined, 2]);
    expect(res[1]!.error).toMatch(/^WRONGTYPE/);
  });

  it("multi-exec with a command that cannot be queued is aborted (HTTP 400) and nothing runs", async () => {
    const res = await fetch(`${srv.url}/multi-exec`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify([["set", k("abort"), "x"], ["nosuchcommand"]]),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error).toMatch(/^EXECABORT/);
    expect(await redis.get(k("abort"))).toBeNull();
  });

  it("automatic pipelining batches concurrent commands into one request", async () => {
    await redis.set(k("ap1"), "1");
    await redis.set(k("ap2"), "2");
    const before = srv.stats().requests;
    const got = await Promise.all([auto.get(k("ap1")), auto.get(k("ap2")), auto.get(k("ap3")), auto.exists(k("ap1"))]);
    expect(got).toEqual([1, 2, null, 1]);
    expect(srv.stats().requests - before).toBe(1);
  });

  it("scan with match and count", async () => {
    for (let i = 0; i < 25; i++) await redis.set(k(`scan:${i}`), String(i));
    const seen = new Set<string>();
    let cursor: string | number = "0";
    do {
      const [next, keys]: [string | number, string[]] = await redis.scan(cursor, { match: `${prefix}scan:*`, count: 10 });
      keys.forEach((x) => seen.add(x));
      cursor = next;
    } while (String(cursor) !== "0");
    expect(seen.size).toBe(25);
  });

  it("eval runs Lua", async () => {
    await redis.set(k("lua"), "x");
    const r = await redis.eval("return {redis.call('get', KEYS[1]), ARGV[1], 7}", [k("lua")], ["arg"]);
    expect(r).toEqual(["x", "arg", 7]);
  });

  it("an unknown command is an UpstashError (HTTP 400)", async () => {
    const res = await fetch(srv.url, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify(["nosuchcommand", "x"]),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error).toMatch(/^ERR unknown command/);
    await expect(redis.eval("return redis.call('nosuchcommand')", [], [])).rejects.toThrow();
  });

  it("a bad token is rejected with 401 Unauthorized", async () => {
    const bad = new Redis({ url: srv.url, token: "wrong", enableTelemetry: false, retry: false, enableAutoPipelining: false });
    await expect(bad.get(k("x"))).rejects.toThrow(/Unauthorized/);
    const res = await fetch(`${srv.url}/get/x`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "Unauthorized" });
  });

  it("wire format: base64 bulk strings, raw integers and nulls, top-level OK, path-style commands", async () => {
    const call = async (path: string, body: unknown, base64: boolean) => {
      const res = await fetch(srv.url + path, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, ...(base64 ? { "upstash-encoding": "base64" } : {}) },
        body: JSON.stringify(body),
      });
      return [res.status, await res.json()] as const;
    };
    expect(await call("/", ["set", k("w"), "hi"], true)).toEqual([200, { result: "OK" }]);
    expect(await call("/", ["get", k("w")], true)).toEqual([200, { result: "aGk=" }]);
    expect(await call("/", ["get", k("w")], false)).toEqual([200, { result: "hi" }]);
    expect(
      await call(
        "/pipeline",
        [
          ["mget", k("w"), k("none")],
          ["incr", k("wi")],
          ["set", k("w"), "hi"],
        ],
        true,
      ),
    ).toEqual([200, [{ result: ["aGk=", null] }, { result: 1 }, { result: "OK" }]]);
    expect(await call("/", ["get"], false)).toEqual([400, { error: "ERR wrong number of arguments for 'get' command" }]);
    // GET-style path command (token as query parameter)
    const res = await fetch(`${srv.url}/get/${encodeURIComponent(k("w"))}?_token=${token}`);
    expect(await res.json()).toEqual({ result: "hi" });
  });

  it("every answer carries an upstash-sync-token; each write advances it", async () => {
    const call = (body: unknown) => fetch(srv.url, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    const a = Number((await call(["set", k("tok"), "1"])).headers.get("upstash-sync-token"));
    const b = Number((await call(["get", k("tok")])).headers.get("upstash-sync-token"));
    const c = Number((await call(["incr", k("tok")])).headers.get("upstash-sync-token"));
    expect(a).toBeGreaterThan(0);
    expect(b).toBe(a); // a read reflects the same state
    expect(c).toBeGreaterThan(a);
  });

  it("answers the documented errors exactly (test/fixtures/upstash)", async () => {
    const fx = (name: string) => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), "utf8")) as { path: string; status: number; body: unknown };
    const call = async (path: string, body: unknown, auth = `Bearer ${token}`) => {
      const res = await fetch(srv.url + path, {
        method: "POST",
        headers: { authorization: auth },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    };
    await redis.hset(k("fx-hash"), { f: "v" });
    const cases: [string, unknown, string?][] = [
      ["unauthorized", [["get", k("x")]], "Bearer wrong"],
      ["wrongtype", ["get", k("fx-hash")]],
      [
        "pipeline-wrongtype",
        [
          ["set", k("fx-a"), "1"],
          ["get", k("fx-hash")],
        ],
      ],
      ["max-request-size-exceeded", `[["set","${k("fx-big")}","${"x".repeat(UPSTASH_MAX_REQUEST_BYTES)}"]]`],
    ];
    for (const [name, body, auth] of cases) {
      const f = fx(name);
      expect(await call(f.path, body, auth), name).toEqual({ status: f.status, body: f.body });
    }
    expect(await redis.get(k("fx-big"))).toBeNull();
  });

  it("max request size: 10 MB by default; the client sees UpstashError; the largest body is in the stats", async () => {
    expect(srv.maxRequestBytes).toBe(10_000_000);
    const tight = await startUpstashRest({ token, backend: kind, redisUrl: kind === "redis" ? realRedisUrl : undefined, maxRequestBytes: 1_000 });
    try {
      const c = new Redis({ url: tight.url, token, automaticDeserialization: false, enableTelemetry: false, retry: false, enableAutoPipelining: false });
      expect(await c.set(k("lim-ok"), "a".repeat(900))).toBe("OK");
      await expect(c.set(k("lim-big"), "a".repeat(1_001))).rejects.toThrow(/^ERR max request size exceeded/);
      expect(await c.get(k("lim-big"))).toBeNull();
      const stats = tight.stats();
      expect(stats.maxRequestBytes).toBeGreaterThan(1_001);
      expect(stats.errors).toBe(1);
      const viaHttp = (await (await fetch(`${tight.url}/__standin/stats`)).json()) as Record<string, number>;
      expect(viaHttp).toMatchObject({ maxRequestBytes: stats.maxRequestBytes, maxRequestBytesLimit: 1_000 });
      await fetch(`${tight.url}/__standin/stats/reset`, { method: "POST" });
      expect(tight.stats()).toMatchObject({ requests: 0, commands: 0, maxRequestBytes: 0 });
    } finally {
      await tight.close();
    }
  });

  it("faults: respond (5xx), refuse, hang, times and scope, through the test endpoints", async () => {
    const ctl = (method: string, body?: unknown, query = "") =>
      fetch(`${srv.url}/__standin/fault${query}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    const opts = { token, automaticDeserialization: false, enableTelemetry: false, retry: { retries: 0 }, enableAutoPipelining: false };
    const plain = new Redis({ url: srv.url, ...opts });
    const scoped = new Redis({ url: `${srv.url}/__scope/t1`, ...opts });
    await plain.set(k("f"), "v");
    expect(await scoped.get(k("f"))).toBe("v"); // the scope prefix is otherwise transparent

    expect((await ctl("PUT", { mode: "respond", scope: "t1" })).status).toBe(200);
    await expect(scoped.get(k("f"))).rejects.toBeInstanceOf(upstashErrors.UpstashJSONParseError);
    expect(await plain.get(k("f"))).toBe("v");
    const raw = await fetch(`${srv.url}/__scope/t1/get/x`, { headers: { authorization: `Bearer ${token}` } });
    expect([raw.status, raw.headers.get("content-type"), await raw.text()]).toEqual([503, "text/plain", "503 Service Unavailable"]);
    await ctl("DELETE", undefined, "?scope=t1");
    expect(await scoped.get(k("f"))).toBe("v");

    await ctl("PUT", { mode: "respond", status: 502, body: { error: "Bad Gateway" }, times: 2 });
    const got = [];
    for (let i = 0; i < 3; i++) got.push(await plain.get(k("f")).catch((e: Error) => e.message.split(",")[0]));
    expect(got).toEqual(["Bad Gateway", "Bad Gateway", "v"]);

    srv.setFault({ mode: "refuse", times: 1 });
    await expect(plain.get(k("f"))).rejects.toThrow(TypeError);
    srv.setFault({ mode: "hang", times: 1 });
    await expect(fetch(`${srv.url}/get/x`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(300) })).rejects.toMatchObject({
      name: "TimeoutError",
    });
    expect(await plain.get(k("f"))).toBe("v");
    expect(srv.stats().faultsServed).toBeGreaterThanOrEqual(6);
    expect((await ctl("PUT", { mode: "flood" })).status).toBe(400);
  });

  describe("replica mode: reads lag behind writes unless the sync token is current", () => {
    let lagging: UpstashRestServer;
    const client = (readYourWrites = true) =>
      new Redis({ url: lagging.url, token, automaticDeserialization: false, enableTelemetry: false, enableAutoPipelining: false, readYourWrites });
    beforeAll(async () => {
      lagging = await startUpstashRest({ token, backend: kind, redisUrl: kind === "redis" ? realRedisUrl : undefined, replica: { lagMs: 600_000 } });
    });
    afterAll(() => lagging?.close());

    it("the writer reads its writes; another client reads the state before them until the replica syncs", async () => {
      const writer = client();
      const reader = client();
      await writer.set(k("r1"), "old");
      await writer.hset(k("rh"), { a: "1" });
      await fetch(`${lagging.url}/__standin/replica/sync`, { method: "POST" });
      await writer.set(k("r1"), "new");
      await writer.hset(k("rh"), { a: "2", b: "3" });
      await writer.set(k("r2"), "fresh");
      await writer.del(k("r-gone"));

      expect(await writer.get(k("r1"))).toBe("new");
      expect(await writer.mget(k("r1"), k("r2"))).toEqual(["new", "fresh"]);
      expect(await reader.get(k("r1"))).toBe("old");
      expect(await reader.mget(k("r1"), k("r2"))).toEqual(["old", null]);
      expect(await reader.exists(k("r2"))).toBe(0);
      expect(await reader.hgetall(k("rh"))).toEqual(["a", "1"]);
      expect(await reader.hget(k("rh"), "b")).toBeNull();
      expect(await reader.hlen(k("rh"))).toBe(1);
      // The reader's token only reflects what the replica has applied: it keeps lagging.
      expect(await reader.get(k("r2"))).toBeNull();
      // Without read-your-writes the writer itself reads from the replica.
      expect(await client(false).get(k("r1"))).toBe("old");
      expect(lagging.stats().replicaReads).toBeGreaterThanOrEqual(8);

      await fetch(`${lagging.url}/__standin/replica/sync`, { method: "POST" });
      expect(await reader.get(k("r1"))).toBe("new");
      expect(await reader.hgetall(k("rh"))).toEqual(["a", "2", "b", "3"]);
    });

    it("a raw request with the writer's token sees the write", async () => {
      const set = await fetch(lagging.url, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(["set", k("raw"), "w"]) });
      const written = set.headers.get("upstash-sync-token")!;
      const read = (tok?: string) =>
        fetch(lagging.url, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, ...(tok ? { "upstash-sync-token": tok } : {}) },
          body: JSON.stringify(["get", k("raw")]),
        }).then((r) => r.json());
      expect(await read()).toEqual({ result: null });
      expect(await read(String(Number(written) - 1))).toEqual({ result: null });
      expect(await read(written)).toEqual({ result: "w" });
    });

    it("with a short lag the write becomes visible by itself", async () => {
      const quick = await startUpstashRest({ token, backend: kind, redisUrl: kind === "redis" ? realRedisUrl : undefined, replica: { lagMs: 50 } });
      try {
        const w = new Redis({ url: quick.url, token, automaticDeserialization: false, enableTelemetry: false });
        const r = new Redis({ url: quick.url, token, automaticDeserialization: false, enableTelemetry: false, readYourWrites: false });
        await w.set(k("quick"), "soon");
        await vi.waitFor(async () => expect(await r.get(k("quick"))).toBe("soon"), { timeout: 5_000, interval: 20 });
      } finally {
        await quick.close();
      }
    });
  });

  if (kind === "redis") {
    it("is binary safe: bytes written by another client come back exactly (base64)", async () => {
      const io = new IORedis(realRedisUrl);
      const bytes = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x41]);
      await io.set(k("bin"), bytes);
      io.disconnect();
      const res = await fetch(srv.url, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "upstash-encoding": "base64" },
        body: JSON.stringify(["get", k("bin")]),
      });
      expect(Buffer.from(((await res.json()) as any).result, "base64")).toEqual(bytes);
    });
  }
}

describe.skipIf(!realRedisUrl)("upstash-rest over real Redis", () => suite("redis"));
describe("upstash-rest over the memory backend", () => suite("memory"));
