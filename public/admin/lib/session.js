/**
 * The admin token for this tab: kept in sessionStorage only (gone when the tab closes; never in a
 * URL, a cookie or a log), checked to be usable as an HTTP header value before it is sent.
 */

export const TOKEN_KEY = "safeascent.console.adminToken";

/** @typedef {{ getItem(key: string): string | null, setItem(key: string, value: string): void, removeItem(key: string): void }} StorageLike */

/**
 * What the operator pasted → the bare token ("Bearer " prefix and surrounding blanks removed), or why
 * it cannot be one.
 * @param {string} input
 * @returns {{ ok: true, token: string } | { ok: false, error: string }}
 */
export function normaliseToken(input) {
  const token = input
    .trim()
    .replace(/^Bearer\s+/i, "")
    .trim();
  if (token === "") return { ok: false, error: "Paste the admin token first." };
  // Visible ASCII only: anything else cannot travel in an Authorization header.
  if (!/^[\x21-\x7e]+$/.test(token)) return { ok: false, error: "The token may hold only visible ASCII characters (no spaces)." };
  return { ok: true, token };
}

/**
 * @param {StorageLike} storage the tab's sessionStorage
 */
export function tokenStore(storage) {
  return {
    /** @returns {string | null} */
    get() {
      try {
        return storage.getItem(TOKEN_KEY);
      } catch {
        return null;
      }
    },
    /** @param {string} token */
    set(token) {
      storage.setItem(TOKEN_KEY, token);
    },
    clear() {
      try {
        storage.removeItem(TOKEN_KEY);
      } catch {
        // storage unavailable: nothing was kept
      }
    },
  };
}
