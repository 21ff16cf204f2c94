/**
 * Calendar-date arithmetic without time zones (spec 7.2 and 11: days_ago and the season test use
 * calendar dates only). A date is represented by its day number: days since 1970-01-01 in the
 * proleptic Gregorian calendar, the same count `Date.UTC(y, m-1, d) / 86_400_000` gives (but also
 * correct for years 0001–0099, which `Date.UTC` maps to 19xx).
 */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$/;

export interface CalendarDate {
  /** Days since 1970-01-01. */
  dayNumber: number;
  year: number;
  /** 1..12 */
  month: number;
  day: number;
}

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeapYear(y) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

/** Days since 1970-01-01 of a valid proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function dayNumberFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Inverse of `dayNumberFromCivil` (H. Hinnant's civil_from_days). */
export function civilFromDayNumber(dayNumber: number): { year: number; month: number; day: number } {
  const z = dayNumber + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** The month (1…12) of a day number. */
export function monthOfDayNumber(dayNumber: number): number {
  return civilFromDayNumber(dayNumber).month;
}

/** Inverse of `dayNumberFromCivil`, as "YYYY-MM-DD". */
export function isoDateFromDayNumber(dayNumber: number): string {
  const { year: y, month: m, day: d } = civilFromDayNumber(dayNumber);
  return `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

/**
 * Parses "YYYY-MM-DD" (a trailing time part after `T` or a space is ignored). Returns null for
 * anything that is not a real calendar date in years 0001–9999 (as Python's `date` would reject it).
 */
export function parseIsoDate(value: string | null | undefined): CalendarDate | null {
  if (typeof value !== "string") return null;
  const m = ISO_DATE.exec(value.trim());
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return { dayNumber: dayNumberFromCivil(year, month, day), year, month, day };
}

/** Season index by month (spec 3.3): 0 winter {12,1,2}, 1 spring, 2 summer, 3 fall. */
export function seasonOfMonth(month: number): number {
  return Math.floor((month % 12) / 3);
}
