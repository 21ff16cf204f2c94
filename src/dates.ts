/** Calendar dates as "YYYY-MM-DD" strings, always in UTC (no local-time or DST surprises). */

const DAY_MS = 86_400_000;

export const isoDate = (d: Date): string => d.toISOString().slice(0, 10);

export const todayUtc = (now: Date = new Date()): string => isoDate(now);

export function addDays(date: string, days: number): string {
  return isoDate(new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS));
}

/** `count` consecutive dates starting at `start`. */
export function dateRange(start: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => addDays(start, i));
}
