/** Bad configuration fails fast, with a message naming the setting (inside workerd). */
import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { createExecutionContext, createScheduledController } from "cloudflare:test";
import worker from "../../src/index";

describe("configuration", () => {
  it("a missing secret makes every request answer 500 config_invalid naming it", async () => {
    const broken = { ...env, DATABASE_URL: undefined } as unknown as typeof env;
    const res = await worker.fetch(new Request("http://edge.test/health") as never, broken, createExecutionContext());
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("config_invalid");
    expect(body.error.message).toContain("DATABASE_URL is missing");
  });

  it("a malformed URL stops the cron tick with an error naming the setting", async () => {
    const broken = { ...env, UPSTASH_REDIS_REST_URL: "redis://not-http" } as unknown as typeof env;
    await expect(
      worker.scheduled(createScheduledController({ scheduledTime: Date.UTC(2031, 0, 1), cron: "0 */6 * * *" }), broken, createExecutionContext()),
    ).rejects.toThrow(/UPSTASH_REDIS_REST_URL must be an http\(s\) URL/);
  });

  it("the configured Worker reports its dependencies healthy: states only in public, latency with the admin token", async () => {
    type Health = { status: string; version: string; checks: Record<string, { status: string; latencyMs?: number; error?: string }> };
    const res = await worker.fetch(new Request("http://edge.test/health") as never, env, createExecutionContext());
    expect(res.status).toBe(200);
    const body = (await res.json()) as Health;
    expect(body.status).toBe("healthy");
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(body.checks).toEqual({ postgres: { status: "ok" }, redis: { status: "ok" }, weather: { status: "ok" } });
    const admin = await worker.fetch(
      new Request("http://edge.test/health", { headers: { Authorization: `Bearer ${env.ADMIN_TOKEN}` } }) as never,
      env,
      createExecutionContext(),
    );
    const detailed = (await admin.json()) as Health;
    for (const name of ["postgres", "redis", "weather"]) {
      expect(detailed.checks[name]!.status).toBe("ok");
      expect(detailed.checks[name]!.latencyMs).toBeGreaterThanOrEqual(0);
    }
    // A wrong token is the public view.
    const wrong = await worker.fetch(
      new Request("http://edge.test/health", { headers: { Authorization: "Bearer nope" } }) as never,
      env,
      createExecutionContext(),
    );
    expect(((await wrong.json()) as Health).checks.postgres).toEqual({ status: "ok" });
  });
});
