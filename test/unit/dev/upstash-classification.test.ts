/**
 * Upstash's documented error answers (test/fixtures/upstash/*.json) and the stand-in's fault switches
 * against the Worker's guarded Redis client (CacheClient + createRedis in src/cache/client.ts, with
 * the real @upstash/redis SDK): each fixture served as-is by a tiny HTTP server must come out as the
 * classification it names, and the stand-in's outages (refuse, hang, a 5xx page) as UpstreamUnavailable.
 */
import { readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { errors as upstashErrors } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startUpstashRest, UPSTASH_MAX_REQUEST_BYTES, type UpstashRestServer } from "../../../dev/upstash-rest.ts";
import { CacheClient, createRedis } from "../../../src/cache/client.ts";
import { UpstreamUnavailable } from "../../../src/errors.ts";

interface Fixture {
  name: string;
  path: string;
  status: number;
  body: unknown;
  expect: "UpstashError" | "UpstreamUnavailable";
}

const DIR = join(import.meta.dirname, "../../fixtures/upstash");
const fixtures: Fixture[] = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .map((f) => ({ name: f.replace(/\.json$/, ""), ...JSON.parse(readFileSync(join(DIR, f), "utf8")) }));

const guarded = (url: string, token: string) => new CacheClient(createRedis(url, token), { timeoutMs: 300, breakerMs: 60_000 });

/** What the guarded client threw, and whether its breaker opened. */
async function outcome(cache: CacheClient, call: (c: CacheClient) => Promise<unknown>) {
  const err = await call(cache).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { err, breakerOpen: !cache.available };
}

describe("the Worker's Redis client classifies each of Upstash's answers", () => {
  let server: http.Server;
  let base = "";
  beforeAll(async () => {
    // Answers every request under /<fixture>/ with that fixture's status and body.
    server = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        const f = fixtures.find((x) => x.name === decodeURIComponent((req.url ?? "").split("/")[1] ?? ""));
        if (!f) return res.writeHead(404).end();
        res.writeHead(f.status, { "content-type": "application/json" }).end(JSON.stringify(f.body));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("the fixture folder holds the documented cases", () => {
    expect(fixtures.map((f) => f.name).sort()).toEqual(["max-request-size-exceeded", "pipeline-wrongtype", "unauthorized", "wrongtype"]);
  });

  for (const f of fixtures) {
    it(`${f.name} (HTTP ${f.status}) -> ${f.expect}`, async () => {
      const cache = guarded(`${base}/${f.name}`, `token-${f.name}`);
      const { err, breakerOpen } = await outcome(cache, (c) =>
        f.path === "/pipeline" && Array.isArray(f.body)
          ? c.exec("fixture", (p) => (f.body as unknown[]).forEach((_, i) => p.get(`k${i}`)))
          : c.run("fixture", (r) => r.get("k")),
      );
      if (f.expect === "UpstreamUnavailable") {
        expect(err).toBeInstanceOf(UpstreamUnavailable);
        expect(breakerOpen).toBe(true);
      } else {
        expect(err).toBeInstanceOf(upstashErrors.UpstashError);
        expect(err).not.toBeInstanceOf(UpstreamUnavailable);
        expect(breakerOpen).toBe(false); // a command error is not an outage
      }
    });
  }
});

describe("the stand-in's answers through the Worker's Redis client", () => {
  const token = "classification-token";
  let srv: UpstashRestServer;
  beforeAll(async () => {
    const redisUrl = inject("redisUrl");
    srv = await startUpstashRest({ token, redisUrl: redisUrl || undefined });
  });
  afterAll(() => srv?.close());

  it("outages (refuse, hang, a 5xx page) are UpstreamUnavailable and open the breaker", async () => {
    for (const mode of ["refuse", "hang", "respond"] as const) {
      srv.setFault({ mode, scope: mode });
      const { err, breakerOpen } = await outcome(guarded(`${srv.url}/__scope/${mode}`, token), (c) => c.run("get", (r) => r.get("classification:k")));
      expect(err, mode).toBeInstanceOf(UpstreamUnavailable);
      expect((err as UpstreamUnavailable).service).toBe("redis");
      expect(breakerOpen, mode).toBe(true);
      srv.setFault(null, mode);
    }
  });

  it("a request over 10 MB and a wrong token are UpstashErrors, not outages", async () => {
    // A roomy budget: sending 10 MB may take a while on a busy machine, and a timeout is not what this checks.
    const big = await outcome(guarded(srv.url, token), (c) =>
      c.run("set", (r) => r.set("classification:big", "x".repeat(UPSTASH_MAX_REQUEST_BYTES)), { timeoutMs: 30_000 }),
    );
    expect(big.err).toBeInstanceOf(upstashErrors.UpstashError);
    expect((big.err as Error).message).toMatch(/^ERR max request size exceeded/);
    expect(big.breakerOpen).toBe(false);
    const wrong = await outcome(guarded(srv.url, "not-the-token"), (c) => c.run("get", (r) => r.get("classification:k")));
    expect(wrong.err).toBeInstanceOf(upstashErrors.UpstashError);
    expect(wrong.breakerOpen).toBe(false);
  });
});
