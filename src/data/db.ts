/**
 * Neon Postgres over HTTP (`@neondatabase/serverless`'s `neon()`): one stateless query per fetch,
 * which suits Workers (no socket to keep alive between events).
 *
 * This adapter owns Postgres failures: a query either returns its rows, throws
 * `UpstreamUnavailable("postgres")` when the database cannot serve us (the fetch failed or timed
 * out, an HTTP 5xx/429 from Neon's proxy, a SQLSTATE of the connection classes — see
 * `isUnavailableSqlState`), or throws the driver's `NeonDbError` unchanged (a rejected query, a
 * response over Neon's size limit, or a misconfiguration such as a wrong password or database: a bug
 * to fix, not an outage to wait out). test/unit/dev/neon-classification.test.ts runs each of Neon's
 * documented error answers (test/fixtures/neon) through this adapter.
 *
 * In local development `NEON_HTTP_ENDPOINT` points the driver at dev/neon-http.ts, which speaks the
 * same `/sql` protocol in front of a plain Postgres, so this module is identical in production.
 */
import { neon, neonConfig, NeonDbError } from "@neondatabase/serverless";
import { isUnavailableSqlState, isUnavailableStatus, UpstreamUnavailable } from "../errors";

/** A row as the driver returns it: column name → parsed value. */
export type Row = Record<string, any>;

/** The one way Worker code talks to Postgres. */
export interface Sql {
  query(text: string, params?: readonly unknown[]): Promise<Row[]>;
}

/** Longest a single query may take before the database counts as unavailable (the corpus query is the slowest, ~0.4 s). */
export const QUERY_TIMEOUT_MS = 15_000;

/** Thrown by our fetch for an answer that means "down", so the driver reports it as a connection failure. */
class UnavailableStatus extends Error {
  override readonly name = "UnavailableStatus";
  constructor(
    readonly status: number,
    body: string,
  ) {
    super(`HTTP ${status}: ${body.slice(0, 200)}`);
  }
}

/** Neon's "response is too large (max is N bytes)": our query asked for too much, not an outage. */
const RESPONSE_TOO_LARGE = 507;

/** The SQLSTATE in a Neon error body, if it has one ("" when the proxy itself refused). */
function sqlStateInBody(body: string): string | undefined {
  try {
    const code = (JSON.parse(body) as { code?: unknown }).code;
    return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The driver's fetch: a timeout on every query, and 5xx/429 turned into a thrown error (the driver
 * would otherwise make them a NeonDbError without a status we could read). Two 5xx answers are not
 * outages: 507 (response too large) and a 500 carrying a SQLSTATE outside the connection classes —
 * Neon sends the database's refusal at connect time (3D000 database does not exist, 28xxx) as a 500;
 * a misconfiguration must not look like "retry shortly", so it goes to the driver as the 400 it builds
 * a NeonDbError with `.code` from.
 */
async function neonFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const res = await fetch(input, { ...init, signal: AbortSignal.timeout(QUERY_TIMEOUT_MS) });
  if (res.status === RESPONSE_TOO_LARGE || !isUnavailableStatus(res.status)) return res;
  const body = await res.text().catch(() => "");
  const code = sqlStateInBody(body);
  if (code && !isUnavailableSqlState(code)) return new Response(body, { status: 400, headers: res.headers });
  throw new UnavailableStatus(res.status, body);
}

/** The driver's error as ours: connection-class failures become UpstreamUnavailable, the rest stays. */
export function classifyPostgresError(e: unknown): unknown {
  if (e instanceof UpstreamUnavailable) return e;
  if (e instanceof NeonDbError) {
    // sourceError: the fetch itself failed (network, timeout, or an UnavailableStatus above).
    if (e.sourceError !== undefined) return new UpstreamUnavailable("postgres", e.sourceError);
    if (typeof e.code === "string" && isUnavailableSqlState(e.code)) return new UpstreamUnavailable("postgres", e, `SQLSTATE ${e.code}`);
    return e;
  }
  // A timeout or network failure that escaped the driver's own wrapping.
  if (e instanceof DOMException && (e.name === "TimeoutError" || e.name === "AbortError")) return new UpstreamUnavailable("postgres", e);
  return e;
}

const clients = new Map<string, Sql>();

export function createSql(databaseUrl: string, neonHttpEndpoint?: string): Sql {
  // fetchEndpoint and fetchFunction are global to the driver; an isolate only ever talks to one database.
  if (neonHttpEndpoint) neonConfig.fetchEndpoint = () => neonHttpEndpoint;
  neonConfig.fetchFunction = neonFetch;
  const key = `${databaseUrl}|${neonHttpEndpoint ?? ""}`;
  let sql = clients.get(key);
  if (!sql) {
    const driver = neon(databaseUrl);
    sql = {
      query: async (text, params) => {
        try {
          return (await driver.query(text, params as unknown[] | undefined)) as Row[];
        } catch (e) {
          throw classifyPostgresError(e);
        }
      },
    };
    clients.set(key, sql);
  }
  return sql;
}

/** The import's data version: any import that changes rows bumps it. */
export async function readDataVersion(sql: Sql): Promise<number> {
  const rows = await sql.query(`SELECT version FROM data_version WHERE id = 1`);
  return rows.length ? Number(rows[0]!.version) : 0;
}
