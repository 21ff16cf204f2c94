/** Warming queue messages, validated at the edge (a malformed message is poison, never processed). */
import { z } from "zod";

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** Most route ids one message may carry (a location batch; ≈ 8 KB of JSON, far below the 128 KB message cap). */
export const MESSAGE_MAX_ROUTES = 1000;

export const WarmMessageSchema = z.object({
  runId: z.string().min(1).max(64),
  /**
   * The message's number in its run. With `attempt` it names the message's entry in the run's
   * pending hash (`<index>.<attempt>`): the first delivery that records results removes that entry
   * and counts; a redelivery finds it gone and only rewrites the same keys.
   */
  index: z.number().int().min(0),
  /** Routes grouped by location (routes at one scoring point are adjacent). */
  routeIds: z.array(z.number().int().positive()).min(1).max(MESSAGE_MAX_ROUTES),
  dates: z.array(isoDate).min(1).max(16),
  /** Route-level attempt: a follow-up message carrying only failed routes has attempt + 1. */
  attempt: z.number().int().min(1).max(20).default(1),
});

export type WarmMessage = z.infer<typeof WarmMessageSchema>;

/** The message's field in its run's pending hash. */
export const pendingField = (m: Pick<WarmMessage, "index" | "attempt">) => `${m.index}.${m.attempt}`;

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Exponential backoff for retries: base, 2·base, 4·base … capped at 5 minutes. */
export const backoffSeconds = (attempt: number, baseSeconds: number) => Math.min(300, baseSeconds * 2 ** Math.max(0, attempt - 1));

/** Route ids as stored in a pending entry or a dead letter: "12,13,14". */
export const encodeIds = (ids: readonly number[]) => ids.join(",");
export const decodeIds = (text: string): number[] =>
  text === ""
    ? []
    : text
        .split(",")
        .map(Number)
        .filter((n) => Number.isInteger(n) && n > 0);
