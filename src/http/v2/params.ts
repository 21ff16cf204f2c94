/** Path ids, the forecast window and cursors: the small validations shared by the handlers. */
import { addDays, todayUtc } from "../../dates";
import { badRequest, unprocessable } from "../errors";
import { FORECAST_WINDOW_DAYS, IdParam, MAX_ID } from "./schemas";

/** The `:id` path parameter as a positive integer, else 400. */
export function pathId(params: Record<string, string | undefined>, name = "id"): number {
  const r = IdParam.safeParse(params[name]);
  if (!r.success) throw badRequest(`${name} must be a positive integer (at most 10 digits)`, name);
  return r.data;
}

export interface Window {
  first: string;
  last: string;
}

/** today … today+6 (UTC). */
export function forecastWindow(now = new Date()): Window {
  const first = todayUtc(now);
  return { first, last: addDays(first, FORECAST_WINDOW_DAYS - 1) };
}

/** 422 naming the field and the window unless `first <= date <= last`. */
export function requireInWindow(date: string, field: string, window: Window, what = "date"): void {
  if (date < window.first || date > window.last) {
    throw unprocessable(`${field}: ${what} must be within the forecast window ${window.first} … ${window.last} (UTC), got ${date}`, field);
  }
}

/** Keyset cursors: base64 of `<kind>:<last id>`; anything else is a 400 on `cursor`. */
export function encodeCursor(kind: string, lastId: number): string {
  return btoa(`${kind}:${lastId}`);
}

export function decodeCursor(kind: string, cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  let text = "";
  try {
    text = atob(cursor);
  } catch {
    // fall through to the 400 below
  }
  const m = new RegExp(`^${kind}:([1-9]\\d{0,9})$`).exec(text);
  const id = m ? Number(m[1]) : NaN;
  if (!(id <= MAX_ID)) throw badRequest("cursor is not valid for this listing; use next_cursor from a previous page", "cursor");
  return id;
}

/** One page of a keyset listing: fetch `limit + 1` rows, return `limit` and the cursor of the next page. */
export function page<T extends { id: number }>(kind: string, rows: T[], limit: number): { items: T[]; next: string | null } {
  const items = rows.slice(0, limit);
  return { items, next: rows.length > limit ? encodeCursor(kind, items[items.length - 1]!.id) : null };
}
