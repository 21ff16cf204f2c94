/**
 * Cron expressions as Cloudflare Cron Triggers read them, evaluated with croner (pure JS, runs in
 * workerd): 5 fields (minute hour day-of-month month day-of-week), UTC, numbers, lists, ranges,
 * steps, 3-letter names (case-insensitive), `L` and `W` in day-of-month, `L` and `#` in
 * day-of-week, and Cloudflare's Quartz-style weekday numbers 1-7 = SUN-SAT ("0 17 * * 1" is
 * Sunday 17:00, "10 7 * * 2-6" is weekdays). When both day fields are restricted they combine with
 * OR (Vixie cron), as Cloudflare's examples never restrict both.
 */
import { Cron } from "croner";

function cron(expression: string): Cron {
  // croner accepts 5-part patterns in this mode only; `@daily` and friends are not Cloudflare syntax.
  if (expression.trim().startsWith("@")) throw new Error("nicknames such as @daily are not supported; use 5 fields");
  return new Cron(expression.trim(), { timezone: "UTC", paused: true, mode: "5-part", alternativeWeekdays: true, legacyMode: true });
}

/** Why Cloudflare would refuse the expression, or null when it is valid. */
export function cronProblem(expression: string): string | null {
  try {
    cron(expression);
    return null;
  } catch (e) {
    const message = (e as Error).message.replace(/^CronPattern: /, "");
    return /dayOfWeek/i.test(message) ? `${message} (weekdays are 1-7 = SUN-SAT, or names)` : message;
  }
}

/** The next `count` fire times strictly after `from`. */
export function nextFireTimes(expression: string, from: Date, count: number): Date[] {
  return cron(expression).nextRuns(count, from);
}

/** The latest fire time at or before `at` (null when there is none within the library's search range). */
export function previousFireTime(expression: string, at: Date): Date | null {
  const c = cron(expression);
  // A fire exactly at `at` counts: step back one second and ask for the next one after it.
  const probe = new Date(at.getTime() + 1000);
  const prev = c.previousRuns(1, probe)[0];
  return prev ?? null;
}

/** Seconds from `fire` to the fire after it (how long one tick's lock must last). */
export function secondsToNextFire(expression: string, fire: Date): number {
  const [next] = nextFireTimes(expression, fire, 1);
  return next ? Math.max(60, Math.round((next.getTime() - fire.getTime()) / 1000)) : 7 * 86_400;
}
