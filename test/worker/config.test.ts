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

  it("the configured Worker reports its dependencies healthy", async () => {
    const res = await worker.fetch(new Request("http://edge.test/health") as never, env, createExecutionContext());
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; version: string; checks: Record<string, { status: string; latencyMs: number }> };
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(body.checks.postgres!.status).toBe("ok");
    expect(body.checks.redis!.status).toBe("ok");
    expect(body.checks.weather!.status).toBe("ok");
    expect(body.checks.postgres!.latencyMs).toBeGreaterThanOrEqual(0);
  });
});
