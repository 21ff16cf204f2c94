/**
 * The admin JSON endpoints, as the console calls them: same origin, `Authorization: Bearer`, no
 * cookies, no caching. Every failure becomes an ApiError carrying the Worker's `{error: {code,
 * message, field}}` and, for people, `describeError` says what happened and what to do.
 */

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when the Worker could not be reached
   * @param {string} code
   * @param {string} message
   * @param {{ field?: string, retryAfterSeconds?: number | null, body?: any }} [extra]
   */
  constructor(status, code, message, extra = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.field = extra.field;
    this.retryAfterSeconds = extra.retryAfterSeconds ?? null;
    this.body = extra.body;
  }
}

/**
 * @param {{ fetch: typeof fetch, getToken: () => string | null, base?: string }} options
 */
export function createApi({ fetch: fetchImpl, getToken, base = "" }) {
  /**
   * @param {"GET" | "POST"} method
   * @param {string} path
   * @param {Record<string, string>} [query]
   * @param {string} [token] use this token instead of the stored one (sign-in)
   * @returns {Promise<{ status: number, body: any }>}
   */
  async function request(method, path, query, token) {
    const bearer = token ?? getToken();
    if (!bearer) throw new ApiError(401, "unauthorized", "Not signed in");
    const qs = query && Object.keys(query).length ? `?${new URLSearchParams(query)}` : "";
    let res;
    try {
      res = await fetchImpl(`${base}${path}${qs}`, {
        method,
        headers: { Authorization: `Bearer ${bearer}`, Accept: "application/json" },
        cache: "no-store",
        credentials: "omit",
        referrerPolicy: "no-referrer",
      });
    } catch (e) {
      throw new ApiError(0, "network_error", `The Worker did not answer (${e instanceof Error ? e.message : String(e)})`);
    }
    /** @type {any} */
    let body = null;
    try {
      body = await res.json();
    } catch {
      body = null;
    }
    if (!res.ok) {
      const err = body && typeof body === "object" && body.error && typeof body.error === "object" ? body.error : {};
      const retry = Number(res.headers.get("Retry-After"));
      throw new ApiError(
        res.status,
        typeof err.code === "string" ? err.code : `http_${res.status}`,
        typeof err.message === "string" ? err.message : `HTTP ${res.status}`,
        {
          field: typeof err.field === "string" ? err.field : undefined,
          retryAfterSeconds: Number.isFinite(retry) && retry > 0 ? retry : null,
          body,
        },
      );
    }
    return { status: res.status, body };
  }

  return {
    /** Checks a token (GET /admin/schedule: cheap, no storage I/O) without storing it.
     * @param {string} token */
    checkToken: (token) => request("GET", "/admin/schedule", undefined, token),
    schedule: () => request("GET", "/admin/schedule"),
    stats: () => request("GET", "/admin/stats"),
    runs: () => request("GET", "/admin/runs"),
    /** @param {string} id */
    run: (id) => request("GET", `/admin/runs/${encodeURIComponent(id)}`),
    /** @param {Record<string, string>} query */
    warm: (query) => request("POST", "/admin/warm", query),
    replayDeadLetters: () => request("POST", "/admin/dlq/replay"),
    /** @param {string} [date] */
    map: (date) => request("GET", "/admin/map", date ? { date } : undefined),
  };
}

/**
 * What an error means for the operator, in one sentence, and whether they must sign in again.
 * @param {unknown} err
 * @returns {{ text: string, signOut: boolean, status: number }}
 */
export function describeError(err) {
  if (!(err instanceof ApiError)) {
    return { text: `Unexpected error: ${err instanceof Error ? err.message : String(err)}`, signOut: false, status: -1 };
  }
  const { status } = err;
  if (status === 0) return { text: `${err.message}. Is the Worker running?`, signOut: false, status };
  if (status === 401) return { text: "The admin token was rejected (401). Sign in again.", signOut: true, status };
  if (status === 409) {
    const active = err.body?.error?.activeRunId;
    const who = typeof active === "string" ? `run ${active}` : "another run";
    return { text: `Not started (409): ${who} is in progress. Tick "force" to start anyway, or wait for it to finish.`, signOut: false, status };
  }
  if (status === 503) {
    const wait = err.retryAfterSeconds ? ` Retry in ${err.retryAfterSeconds} s.` : " Retry shortly.";
    return { text: `A backing service is unavailable (503): ${err.message}.${wait}`, signOut: false, status };
  }
  const field = err.field ? ` (field: ${err.field})` : "";
  return { text: `${err.message}${field} — HTTP ${status}`, signOut: false, status };
}
