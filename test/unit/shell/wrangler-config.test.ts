/** wrangler.toml and the code that depends on it agree (names, limits, defaults). */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DLQ_MAX_ATTEMPTS, DLQ_QUEUE } from "../../../src/warming/consumer";

const toml = readFileSync(new URL("../../../wrangler.toml", import.meta.url), "utf8");
const consumers = toml.split("[[queues.consumers]]").slice(1);
const field = (block: string, name: string) => new RegExp(`^${name} = "?([^"\\n]+)"?`, "m").exec(block)?.[1];

describe("wrangler.toml", () => {
  it("has the warming queue with a dead-letter queue, and a consumer for that DLQ", () => {
    const main = consumers.find((c) => field(c, "queue") === "safeascent-warm")!;
    expect(field(main, "dead_letter_queue")).toBe(DLQ_QUEUE);
    expect(Number(field(main, "max_batch_size"))).toBe(10);
    expect(Number(field(main, "max_retries"))).toBeGreaterThanOrEqual(1);
    const dlq = consumers.find((c) => field(c, "queue") === DLQ_QUEUE)!;
    expect(Number(field(dlq, "max_retries")) + 1).toBe(DLQ_MAX_ATTEMPTS);
    expect(field(toml, "binding")).toBe("WARM_QUEUE");
  });

  it("fires at 00, 06, 12 and 18 UTC (+ the watchdog every 5 minutes) and carries the documented defaults", () => {
    expect(/crons = \["0 \*\/6 \* \* \*", "\*\/5 \* \* \* \*"\]/.test(toml)).toBe(true);
    expect(field(toml, "WARM_SCOPE")).toBe("all");
    expect(field(toml, "WARM_STALL_SECONDS")).toBe("900");
    expect(field(toml, "TOP_ROUTES")).toBe("200");
    expect(field(toml, "ROUTES_PER_MESSAGE")).toBe("10");
    expect(field(toml, "FORECAST_DAYS")).toBe("7");
    expect(field(toml, "SCORE_TTL_SECONDS")).toBe("21600");
    expect(field(toml, "RUN_TTL_SECONDS")).toBe("86400");
  });
});
