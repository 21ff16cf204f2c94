/**
 * Neon Postgres over HTTP (`@neondatabase/serverless`'s `neon()`): one stateless query per fetch,
 * which suits Workers (no socket to keep alive between events).
 *
 * In local development `NEON_HTTP_ENDPOINT` points the driver at dev/neon-http.ts, which speaks the
 * same `/sql` protocol in front of a plain Postgres, so this module is identical in production.
 */
import { neon, neonConfig, type NeonQueryFunction } from "@neondatabase/serverless";

export type Sql = NeonQueryFunction<false, false>;

const clients = new Map<string, Sql>();

export function createSql(databaseUrl: string, neonHttpEndpoint?: string): Sql {
  // fetchEndpoint is global to the driver; an isolate only ever talks to one database.
  if (neonHttpEndpoint) neonConfig.fetchEndpoint = () => neonHttpEndpoint;
  const key = `${databaseUrl}|${neonHttpEndpoint ?? ""}`;
  let sql = clients.get(key);
  if (!sql) {
    sql = neon(databaseUrl);
    clients.set(key, sql);
  }
  return sql;
}

/** The import's data version: any import that changes rows bumps it. */
export async function readDataVersion(sql: Sql): Promise<number> {
  const rows = await sql`SELECT version FROM data_version WHERE id = 1`;
  return rows.length ? Number(rows[0]!.version) : 0;
}
