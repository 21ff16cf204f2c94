/**
 * Score history (migrations/0002_score_history.sql): one row per route and day, the route's score
 * for that day as the warming run computed it. Written by the warming run (first write of a day
 * wins: ON CONFLICT DO NOTHING, so later runs of the same day and redelivered messages cost
 * nothing), read by /api/v1 historical-trends.
 */
import type { Sql } from "./db";

export interface HistoryRow {
  routeId: number;
  /** YYYY-MM-DD (UTC). */
  date: string;
  /** 1 dp. */
  riskScore: number;
  colorCode: string;
  computedAt: string;
}

/** How long history is kept: the trends endpoint reads at most 365 days back. */
export const HISTORY_RETENTION_DAYS = 400;

/** Inserts the rows not yet stored (one statement, array parameters). */
export async function writeHistory(sql: Sql, rows: readonly HistoryRow[]): Promise<void> {
  if (rows.length === 0) return;
  await sql.query(
    `INSERT INTO score_history (route_id, date, risk_score, color_code, computed_at)
     SELECT * FROM unnest($1::int[], $2::date[], $3::real[], $4::text[], $5::timestamptz[])
     ON CONFLICT (route_id, date) DO NOTHING`,
    [rows.map((r) => r.routeId), rows.map((r) => r.date), rows.map((r) => r.riskScore), rows.map((r) => r.colorCode), rows.map((r) => r.computedAt)],
  );
}

/** A route's history in [fromDate, toDate], oldest first. */
export async function readHistory(sql: Sql, routeId: number, fromDate: string, toDate: string): Promise<HistoryRow[]> {
  const rows = await sql.query(
    `SELECT route_id, to_char(date, 'YYYY-MM-DD') AS date, risk_score, color_code, computed_at
     FROM score_history WHERE route_id = $1 AND date BETWEEN $2::date AND $3::date ORDER BY date`,
    [routeId, fromDate, toDate],
  );
  return rows.map((r) => ({
    routeId: Number(r.route_id),
    date: String(r.date),
    // real → float4: round back to the 1 dp that was stored.
    riskScore: Math.round(Number(r.risk_score) * 10) / 10,
    colorCode: String(r.color_code),
    computedAt: new Date(r.computed_at as string).toISOString(),
  }));
}

/** Deletes history older than the retention (called once per warming run). */
export async function pruneHistory(sql: Sql, beforeDate: string): Promise<void> {
  await sql.query(`DELETE FROM score_history WHERE date < $1::date`, [beforeDate]);
}
