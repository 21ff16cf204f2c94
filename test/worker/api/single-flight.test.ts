/**
 * Concurrent misses for one key compute once: within the isolate (shared promise) and across
 * isolates (the Redis lock `lock:{key}`, simulated with separate SingleFlight instances and with a
 * lock held by "another isolate").
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { addDays, todayUtc } from "../../../src/dates";
import { ScoreService } from "../../../src/service/score-service";
import { CacheClient } from "../../../src/cache/client";
import { keys } from "../../../src/cache/keys";
import { SingleFlight, lockKey, redisLockStore } from "../../../src/cache/single-flight";
import { SafetyResponse } from "../../../src/http/v2/schemas";
import { call, clearScores, redis, seed } from "./helpers";

const ROUTE = 900004;
const today = todayUtc();
/** The safety endpoint serves the explanation: its own key (keys.scoreDetail). */
const key = (date: string) => keys.scoreDetail(ROUTE, date);
const tag = `sf-test-${crypto.randomUUID()}`;

beforeAll(async () => {
  await seed();
  await clearScores([ROUTE]);
});
afterEach(() => vi.restoreAllMocks());
afterAll(async () => {
  await clearScores([ROUTE]);
  await redis.del(`${tag}:a`, `${tag}:b`, `${tag}:c`, lockKey(`${tag}:a`), lockKey(`${tag}:b`), lockKey(`${tag}:c`));
});

describe("through the API", () => {
  it("20 concurrent requests for one cold key: the engine runs once, all get the same score", async () => {
    const spy = vi.spyOn(ScoreService.prototype, "computeRouteForecasts");
    const responses = await Promise.all(Array.from({ length: 20 }, () => call(`/routes/${ROUTE}/safety?date=${today}`)));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(spy).toHaveBeenCalledTimes(1);
    const bodies = await Promise.all(responses.map((r) => r.text()));
    expect(new Set(bodies).size).toBe(1);
    expect(SafetyResponse.parse(JSON.parse(bodies[0]!)).route_id).toBe(ROUTE);
    expect(responses.every((r) => r.headers.get("X-Cache") === "MISS")).toBe(true);
    expect(await redis.exists(lockKey(key(today)))).toBe(0); // released after the write
  });

  it("10 concurrent cold forecasts: one computation for the 6 missing days", async () => {
    const spy = vi.spyOn(ScoreService.prototype, "computeRouteForecasts");
    const responses = await Promise.all(Array.from({ length: 10 }, () => call(`/routes/${ROUTE}/forecast`)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]![1]).toHaveLength(6); // today was cached by the test above
  });

  it("while another isolate holds the lock, a request waits for its value instead of computing", async () => {
    const date = addDays(today, 6);
    await redis.del(key(date));
    const [cached] = (await redis.mget<string[]>(key(today))) as string[];
    await redis.set(lockKey(key(date)), "other-isolate", { nx: true, ex: 30 });
    const spy = vi.spyOn(ScoreService.prototype, "computeRouteForecasts");
    const pending = call(`/routes/${ROUTE}/safety?date=${date}`);
    // Give the request ample time to see the miss and start waiting (its own wait is 8 s).
    await new Promise((r) => setTimeout(r, 1000));
    // "The other isolate" finishes: writes its value and releases the lock.
    const value = JSON.stringify({ ...JSON.parse(cached!), date, computed_at: "2000-01-01T00:00:00.000Z" });
    await redis.set(key(date), value, { ex: 600 });
    await redis.del(lockKey(key(date)));
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.headers.get("X-Cache")).toBe("MISS");
    expect(spy).not.toHaveBeenCalled();
    expect(await res.text()).toBe(value);
    await redis.del(key(date));
  });
});

describe("SingleFlight across isolates (separate instances, real Redis lock)", () => {
  const locks = redisLockStore(new CacheClient(redis));
  const options = { lockTtlSeconds: 30, waitMs: 3000, pollMs: 25 };

  it("two isolates, one key: one computes, the other waits and reads the value", async () => {
    const k = `${tag}:a`;
    let computations = 0;
    const read = async () => (await redis.get<string>(k)) ?? null;
    const compute = async () => {
      computations++;
      await new Promise((r) => setTimeout(r, 200));
      await redis.set(k, "value-a", { ex: 60 });
      return "value-a";
    };
    const isolates = Array.from({ length: 5 }, () => new SingleFlight(options));
    const results = await Promise.all(isolates.map((f) => f.run(k, locks, read, compute)));
    expect(computations).toBe(1);
    expect(results.map((r) => r.value)).toEqual(Array(5).fill("value-a"));
    expect(results.map((r) => r.role).sort()).toEqual(["leader", "waited", "waited", "waited", "waited"]);
    expect(await redis.exists(lockKey(k))).toBe(0);
  });

  it("a leader that fails releases the lock; a waiter takes over and computes", async () => {
    const k = `${tag}:b`;
    const read = async () => (await redis.get<string>(k)) ?? null;
    const failing = new SingleFlight(options).run(k, locks, read, async () => {
      await new Promise((r) => setTimeout(r, 150));
      throw new Error("engine failed");
    });
    // Start the follower only once the failing flight holds the lock, so the roles are certain.
    await vi.waitFor(async () => expect(await redis.exists(lockKey(k))).toBe(1), { timeout: 2000, interval: 5 });
    const follower = new SingleFlight(options).run(k, locks, read, async () => {
      await redis.set(k, "value-b", { ex: 60 });
      return "value-b";
    });
    await expect(failing).rejects.toThrow("engine failed");
    expect(await follower).toEqual({ value: "value-b", role: "leader" });
  });

  it("a lock that is never released costs a bounded wait, then the waiter computes itself", async () => {
    const k = `${tag}:c`;
    await redis.set(lockKey(k), "dead-isolate", { ex: 30 });
    const started = Date.now();
    const r = await new SingleFlight({ ...options, waitMs: 400 }).run(
      k,
      locks,
      async () => null,
      async () => "value-c",
    );
    expect(r).toEqual({ value: "value-c", role: "fallback" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(Date.now() - started).toBeLessThan(5000); // bounded: far below the lock's 30 s
    expect(await redis.get(lockKey(k))).toBe("dead-isolate"); // not ours: left alone
  });

  it("the lock is released only by its owner: a slow leader never deletes the lock another isolate took since", async () => {
    const k = `${tag}:d`;
    await new SingleFlight(options).run(
      k,
      locks,
      async () => null,
      async () => {
        // The leader's lock expired meanwhile and another isolate took it.
        await redis.set(lockKey(k), "next-leader", { ex: 30 });
        return "value-d";
      },
    );
    expect(await redis.get(lockKey(k))).toBe("next-leader");
    await redis.del(lockKey(k));
  });
});
