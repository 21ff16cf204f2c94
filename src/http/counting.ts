/** Hit/miss/computed counts of a request, counted in the isolate and flushed after the response. */
import type { AppContext } from "../context";
import type { Tally } from "../cache/read-through";

export function countTally(app: AppContext, ctx: ExecutionContext, t: Tally): void {
  const flush = app.counters.add({ hit: t.hits, miss: t.misses, computed: t.computed });
  if (flush) ctx.waitUntil(flush);
}
