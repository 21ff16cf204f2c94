/** SingleFlight with an in-memory lock store: roles, takeover, bounded waits, release rules. */
import { describe, expect, it } from "vitest";
import { SingleFlight, lockKey, type LockStore } from "../../../src/cache/single-flight";

/** SET NX EX semantics in memory (TTL ignored unless expired by hand). */
function memoryLocks() {
  const held = new Map<string, string>();
  const store: LockStore & { held: Map<string, string>; acquires: number } = {
    held,
    acquires: 0,
    async acquire(key, token) {
      store.acquires++;
      if (held.has(key)) return false;
      held.set(key, token);
      return true;
    },
    async release(key, token) {
      if (held.get(key) === token) held.delete(key); // compare-and-delete, as the Redis store does
    },
  };
  return store;
}

const fast = { lockTtlSeconds: 30, waitMs: 500, pollMs: 5 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("SingleFlight", () => {
  it("shares one computation among concurrent callers of a key in one isolate", async () => {
    const flight = new SingleFlight(fast);
    let runs = 0;
    const compute = async () => {
      runs++;
      await sleep(20);
      return "v";
    };
    const results = await Promise.all(Array.from({ length: 50 }, () => flight.run("k", memoryLocks(), async () => null, compute)));
    expect(runs).toBe(1);
    expect(results.filter((r) => r.role === "leader")).toHaveLength(1);
    expect(results.filter((r) => r.role === "shared")).toHaveLength(49);
    expect(flight.size).toBe(0);
  });

  it("different keys do not wait for each other", async () => {
    const flight = new SingleFlight(fast);
    let runs = 0;
    await Promise.all(
      ["a", "b", "c"].map((k) =>
        flight.run(
          k,
          null,
          async () => null,
          async () => ++runs,
        ),
      ),
    );
    expect(runs).toBe(3);
  });

  it("across isolates the lock elects one leader; the others read the value it stored", async () => {
    const locks = memoryLocks();
    const cache = new Map<string, string>();
    let runs = 0;
    const compute = async () => {
      runs++;
      await sleep(30);
      cache.set("k", "v");
      return "v";
    };
    const results = await Promise.all(Array.from({ length: 4 }, () => new SingleFlight(fast).run("k", locks, async () => cache.get("k") ?? null, compute)));
    expect(runs).toBe(1);
    expect(results.map((r) => r.role).sort()).toEqual(["leader", "waited", "waited", "waited"]);
    expect(locks.held.size).toBe(0);
  });

  it("errors reach every caller sharing the flight, and the lock is released", async () => {
    const locks = memoryLocks();
    const flight = new SingleFlight(fast);
    const compute = async () => {
      await sleep(5);
      throw new Error("boom");
    };
    const all = await Promise.allSettled([1, 2, 3].map(() => flight.run("k", locks, async () => null, compute)));
    expect(all.every((r) => r.status === "rejected" && (r.reason as Error).message === "boom")).toBe(true);
    expect(locks.held.has(lockKey("k"))).toBe(false);
  });

  it("a waiter takes the lock over when the leader gave up without a value", async () => {
    const locks = memoryLocks();
    const failing = new SingleFlight(fast).run(
      "k",
      locks,
      async () => null,
      async () => {
        await sleep(30);
        throw new Error("leader failed");
      },
    );
    await sleep(1);
    const waiter = new SingleFlight(fast).run(
      "k",
      locks,
      async () => null,
      async () => "mine",
    );
    await expect(failing).rejects.toThrow("leader failed");
    await expect(waiter).resolves.toEqual({ value: "mine", role: "leader" });
  });

  it("a stuck lock costs at most waitMs, then the caller computes without it and leaves it alone", async () => {
    const locks = memoryLocks();
    locks.held.set(lockKey("k"), "someone-else");
    const started = Date.now();
    const r = await new SingleFlight({ ...fast, waitMs: 100 }).run(
      "k",
      locks,
      async () => null,
      async () => "late",
    );
    expect(r).toEqual({ value: "late", role: "fallback" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(locks.held.get(lockKey("k"))).toBe("someone-else");
  });

  it("an unavailable lock store (Redis down) degrades to in-isolate de-duplication", async () => {
    const broken: LockStore = {
      acquire: async () => {
        throw new Error("ECONNREFUSED");
      },
      release: async () => {
        throw new Error("ECONNREFUSED");
      },
    };
    const flight = new SingleFlight(fast);
    let runs = 0;
    const results = await Promise.all(
      [1, 2].map(() =>
        flight.run(
          "k",
          broken,
          async () => null,
          async () => ++runs,
        ),
      ),
    );
    expect(runs).toBe(1);
    expect(results[0]!.role).toBe("fallback");
  });

  it("a leader releases its lock with its own token: a lock another isolate took since is left alone", async () => {
    const locks = memoryLocks();
    const released: [string, string][] = [];
    const spying: LockStore = { acquire: locks.acquire, release: async (k, t) => (released.push([k, t]), locks.release(k, t)) };
    const flight = new SingleFlight({ lockTtlSeconds: 1, waitMs: 10, pollMs: 1 });
    let token = "";
    await flight.run(
      "k",
      spying,
      async () => null,
      async () => {
        token = locks.held.get(lockKey("k"))!;
        locks.held.set(lockKey("k"), "next-leader"); // the lock expired and another isolate took it
        return "v";
      },
    );
    expect(released).toEqual([[lockKey("k"), token]]);
    expect(locks.held.get(lockKey("k"))).toBe("next-leader");
  });
});
