/**
 * The guarded Redis client, with the real @upstash/redis SDK against small HTTP servers that
 * behave like a hung, a broken and a healthy Upstash: typed errors, the time budget, the breaker,
 * and that the weather service's Redis calls go through the same breaker.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errors as upstashErrors } from "@upstash/redis";
import { CacheClient, createRedis } from "../../../src/cache/client";
import { UpstreamUnavailable } from "../../../src/errors";
import { gridCell } from "../../../src/weather/cells";
import { WeatherService } from "../../../src/weather/weather-service";

type Mode = "hang" | "html502" | "wrongtype" | "ok" | "slow";

let server: Server;
let base = "";
let mode: Mode = "ok";
let requests = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (mode === "hang") return; // never answers
      if (mode === "html502") {
        res.writeHead(502, { "Content-Type": "text/html" }).end("<html>Bad Gateway</html>");
        return;
      }
      if (mode === "wrongtype") {
        res
          .writeHead(400, { "Content-Type": "application/json" })
          .end(JSON.stringify({ error: "WRONGTYPE Operation against a key holding the wrong kind of value" }));
        return;
      }
      if (mode === "slow") {
        setTimeout(() => res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify([{ result: btoa("PONG") }])), 50);
        return;
      }
      const commands = JSON.parse(body) as unknown[];
      const reply = Array.isArray(commands[0]) ? (commands as unknown[]).map(() => ({ result: btoa("PONG") })) : { result: btoa("PONG") };
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const client = (breakerMs = 60_000) => new CacheClient(createRedis(base, `token-${Math.random()}`), { timeoutMs: 150, breakerMs });

describe("CacheClient", () => {
  it("a hung Redis costs one time budget, then the breaker answers at once without a request", async () => {
    mode = "hang";
    const cache = client();
    const started = Date.now();
    const err = (await cache.run("get", (r) => r.get("k")).catch((e) => e)) as UpstreamUnavailable;
    expect(err).toBeInstanceOf(UpstreamUnavailable);
    expect(err.service).toBe("redis");
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(cache.available).toBe(false);

    const before = requests;
    const fast = await cache.run("get", (r) => r.get("k")).catch((e) => e);
    expect(fast).toBeInstanceOf(UpstreamUnavailable);
    expect(requests).toBe(before); // failed fast: nothing sent
  });

  it("the breaker closes after breakerMs and the next call probes again", async () => {
    mode = "hang";
    const cache = client(50);
    await cache.run("get", (r) => r.get("k")).catch(() => undefined);
    expect(cache.available).toBe(false);
    await new Promise((r) => setTimeout(r, 60));
    expect(cache.available).toBe(true);
    mode = "ok";
    expect(await cache.run("ping", (r) => r.ping())).toBe("PONG");
  });

  it("a proxy's non-JSON 502 is an outage; a command error (WRONGTYPE) is not, and leaves the breaker closed", async () => {
    mode = "html502";
    const cache = client();
    expect(await cache.run("get", (r) => r.get("k")).catch((e) => e)).toBeInstanceOf(UpstreamUnavailable);

    mode = "wrongtype";
    const other = client();
    const err = await other.run("get", (r) => r.get("k")).catch((e) => e);
    expect(err).toBeInstanceOf(upstashErrors.UpstashError);
    expect(err).not.toBeInstanceOf(UpstreamUnavailable);
    expect(other.available).toBe(true);
  });

  it("a bug while building a pipeline is thrown as itself, never reported as an outage", async () => {
    mode = "ok";
    const cache = client();
    const err = await cache
      .exec("build", () => {
        throw new TypeError("upstream timed out: not really");
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(cache.available).toBe(true);
  });

  it("the weather service's Redis reads use the same breaker: a hung Redis costs one budget, not one per call", async () => {
    mode = "hang";
    const cache = client();
    // The weather source itself is unreachable too (port 9 discards): only the Redis side is under test.
    const weather = new WeatherService({ forecastUrl: "http://127.0.0.1:9", archiveUrl: "http://127.0.0.1:9" }, cache);
    const cell = gridCell(46.85, -121.76);
    const started = Date.now();
    await weather.forCells([cell], "2026-12-01", "2026-12-07");
    const afterFirst = Date.now() - started;
    expect(afterFirst).toBeGreaterThanOrEqual(140);
    expect(cache.available).toBe(false);
    const before = requests;
    await weather.forCells([gridCell(40.25, -105.61)], "2026-12-01", "2026-12-07");
    expect(requests).toBe(before); // no Redis request while the breaker is open
  });
});

describe("CacheClient under a busy isolate", () => {
  it("an answer that arrived while the event loop was blocked past the budget wins over the late timer", async () => {
    mode = "slow"; // answers after 50 ms: while the loop below is blocked
    const cache = client();
    const pending = cache.run("ping", (r) => r.ping());
    // Let the request go out, then hold the loop past the 150 ms budget while the answer arrives.
    await new Promise((r) => setTimeout(r, 20));
    const until = Date.now() + 400;
    while (Date.now() < until) {
      // CPU-bound work elsewhere in the isolate (e.g. a consumer scoring a batch)
    }
    expect(await pending).toBe("PONG");
    expect(cache.available).toBe(true);
  });
});
