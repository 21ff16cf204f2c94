/**
 * This isolate's Open-Meteo call budget: weighted calls per fixed UTC minute/hour/day, the requests
 * in flight, and a pause after a 429. Pure bookkeeping (the clock is passed in).
 *
 * Why half the free minute limit: the service's minute counter is cleared by a sweep every 60 s at
 * a phase we cannot see, so one of its windows can span two of our UTC minutes; 300 + 300 never
 * exceeds its 600. Its hourly and daily counters are cleared within a minute of the UTC hour and
 * midnight, so those get a 10 % margin only. With a commercial key there are no such limits (the
 * monthly volume is a billing matter): only the concurrency cap applies.
 */
export interface BudgetLimits {
  /** Weighted calls per UTC minute / hour / day this isolate may spend (Infinity = unlimited). */
  perMinute: number;
  perHour: number;
  perDay: number;
  /** Requests in flight at once (the free plan runs one per client, commercial keys two per server). */
  concurrent: number;
}

export const FREE_PLAN_BUDGET: BudgetLimits = { perMinute: 300, perHour: 4_500, perDay: 9_000, concurrent: 1 };
export const COMMERCIAL_BUDGET: BudgetLimits = { perMinute: Infinity, perHour: Infinity, perDay: Infinity, concurrent: 2 };

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export class CallBudget {
  private spent = { minute: [0, 0], hour: [0, 0], day: [0, 0] } as Record<"minute" | "hour" | "day", [window: number, weight: number]>;
  private pausedUntilMs = 0;
  private inFlight = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly limits: BudgetLimits) {}

  private used(kind: "minute" | "hour" | "day", window: number): number {
    const [w, weight] = this.spent[kind];
    return w === window ? weight : 0;
  }

  /**
   * 0 when `weight` may be spent at `nowMs` (and it is then counted), else the ms until it may be.
   * A weight above the minute limit is never admitted (callers size batches below it).
   */
  reserve(weight: number, nowMs: number): number {
    if (nowMs < this.pausedUntilMs) return this.pausedUntilMs - nowMs;
    const m = Math.floor(nowMs / MINUTE_MS);
    const h = Math.floor(nowMs / HOUR_MS);
    const d = Math.floor(nowMs / DAY_MS);
    if (this.used("day", d) + weight > this.limits.perDay) return (d + 1) * DAY_MS - nowMs;
    if (this.used("hour", h) + weight > this.limits.perHour) return (h + 1) * HOUR_MS - nowMs;
    if (this.used("minute", m) + weight > this.limits.perMinute) return (m + 1) * MINUTE_MS - nowMs;
    this.spent.minute = [m, this.used("minute", m) + weight];
    this.spent.hour = [h, this.used("hour", h) + weight];
    this.spent.day = [d, this.used("day", d) + weight];
    return 0;
  }

  /** After a 429: no request from this isolate until the refusing window has reset. */
  pause(untilMs: number) {
    this.pausedUntilMs = Math.max(this.pausedUntilMs, untilMs);
  }

  /** The largest batch of locations of `weightPerLocation` one request may carry. */
  batchSize(weightPerLocation: number, cap: number): number {
    return Math.max(1, Math.min(cap, Math.floor(this.limits.perMinute / weightPerLocation)));
  }

  async acquire(): Promise<void> {
    if (this.inFlight < this.limits.concurrent) {
      this.inFlight++;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release() {
    const next = this.waiters.shift();
    if (next) next();
    else this.inFlight--;
  }
}
