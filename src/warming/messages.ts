/** Warming queue messages, validated at the edge (a malformed message is poison, never processed). */
import { z } from "zod";

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const WarmMessageSchema = z.object({
  runId: z.string().min(1).max(64),
  routeIds: z.array(z.number().int().positive()).min(1).max(100),
  dates: z.array(isoDate).min(1).max(16),
  /** Route-level attempt: a follow-up message carrying only failed routes has attempt + 1. */
  attempt: z.number().int().min(1).max(20).default(1),
});

export type WarmMessage = z.infer<typeof WarmMessageSchema>;

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Exponential backoff for retries: base, 2·base, 4·base … capped at 5 minutes. */
export const backoffSeconds = (attempt: number, baseSeconds: number) =>
  Math.min(300, baseSeconds * 2 ** Math.max(0, attempt - 1));
