/** Route queries. Coordinates come from the route, else from its mountain; elevation from the mountain. */
import type { Sql } from "./db";

export interface Route {
  id: number;
  name: string;
  mountainId: number | null;
  mountainName: string | null;
  /** The raw type as stored (e.g. "alpine", "big_wall", "unknown"); the engine canonicalises it. */
  type: string | null;
  grade: string | null;
  latitude: number;
  longitude: number;
  /** Mountain summit elevation in metres (from elevation_ft), null when unknown. */
  elevationM: number | null;
  accidentCount: number;
  mountainAccidentCount: number;
}

/** Feet to metres (mountain elevations are stored in feet, the engine works in metres). */
export const FT_TO_M = 0.3048;

// Routes without their own coordinates fall back to the mountain's; routes with neither are unscorable.
const ROUTE_COLUMNS = `
  r.route_id, r.name, r.mountain_id, COALESCE(r.mountain_name, m.name) AS mountain_name, r.type,
  COALESCE(r.grade, r.grade_yds) AS grade,
  COALESCE(r.latitude, m.latitude) AS latitude, COALESCE(r.longitude, m.longitude) AS longitude,
  m.elevation_ft, r.accident_count, COALESCE(m.accident_count, 0) AS mountain_accident_count`;
const ROUTE_FROM = `FROM routes r LEFT JOIN mountains m ON m.mountain_id = r.mountain_id`;
const HAS_COORDINATES = `COALESCE(r.latitude, m.latitude) IS NOT NULL`;

export function toRoute(row: Record<string, any>): Route {
  return {
    id: Number(row.route_id),
    name: row.name,
    mountainId: row.mountain_id === null ? null : Number(row.mountain_id),
    mountainName: row.mountain_name ?? null,
    type: row.type ?? null,
    grade: row.grade ?? null,
    latitude: Number(row.latitude),
    longitude: Number(row.longitude),
    elevationM: row.elevation_ft === null || row.elevation_ft === undefined ? null : Number(row.elevation_ft) * FT_TO_M,
    accidentCount: Number(row.accident_count),
    mountainAccidentCount: Number(row.mountain_accident_count),
  };
}

/** Routes by id, in the order asked; ids that do not exist or cannot be located are absent. */
export async function getRoutesByIds(sql: Sql, ids: readonly number[]): Promise<Route[]> {
  if (ids.length === 0) return [];
  const rows = await sql.query(`SELECT ${ROUTE_COLUMNS} ${ROUTE_FROM} WHERE r.route_id = ANY($1::int[]) AND ${HAS_COORDINATES}`, [ids]);
  const byId = new Map(rows.map((r) => [Number(r.route_id), toRoute(r)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/**
 * The routes the warmer keeps hot: the busiest mountains first (their accident count), then the
 * route's own count, then id for a stable order. Only routes that can be located.
 */
export async function selectTopRoutes(sql: Sql, limit: number): Promise<Route[]> {
  const rows = await sql.query(
    `SELECT ${ROUTE_COLUMNS} ${ROUTE_FROM} WHERE ${HAS_COORDINATES}
     ORDER BY COALESCE(m.accident_count, 0) DESC, r.accident_count DESC, r.route_id ASC LIMIT $1`,
    [limit],
  );
  return rows.map(toRoute);
}

/**
 * A route's scoring point: its coordinates after the mountain fallback and its mountain's elevation
 * (feet as stored; NO_ELEVATION_FT when unknown, so the key is never NULL and keyset comparisons
 * work). Routes with equal points are scored together (one location).
 */
export interface RoutePoint {
  id: number;
  latitude: number;
  longitude: number;
  elevationFt: number;
}

/** Stands for an unknown elevation in keys (outside the schema's CHECK range of −1500…30000 ft). */
export const NO_ELEVATION_FT = -99_999;

const POINT_LAT = "COALESCE(r.latitude, m.latitude)";
const POINT_LON = "COALESCE(r.longitude, m.longitude)";
const POINT_ELEV = `COALESCE(m.elevation_ft, ${NO_ELEVATION_FT})`;

/**
 * One keyset page of located routes in scoring-point order (latitude, longitude, elevation, id):
 * the rows after `after` (exclusive), at most `limit`. Only ids and points travel (≈ 60 bytes a
 * row), so the warming tick pages the whole catalogue without holding it.
 */
export async function pageRoutePoints(sql: Sql, after: RoutePoint | null, limit: number): Promise<RoutePoint[]> {
  const params: unknown[] = [limit];
  let where = HAS_COORDINATES;
  if (after) {
    params.push(after.latitude, after.longitude, after.elevationFt, after.id);
    where += ` AND (${POINT_LAT}, ${POINT_LON}, ${POINT_ELEV}, r.route_id) > ($2::float8, $3::float8, $4::float8, $5::int)`;
  }
  const rows = await sql.query(
    `SELECT r.route_id, ${POINT_LAT} AS latitude, ${POINT_LON} AS longitude, ${POINT_ELEV} AS elevation_ft
     ${ROUTE_FROM} WHERE ${where}
     ORDER BY ${POINT_LAT}, ${POINT_LON}, ${POINT_ELEV}, r.route_id LIMIT $1`,
    params,
  );
  return rows.map((r) => ({ id: Number(r.route_id), latitude: Number(r.latitude), longitude: Number(r.longitude), elevationFt: Number(r.elevation_ft) }));
}

/** How many routes can be scored (have own or mountain coordinates). */
export async function countLocatedRoutes(sql: Sql): Promise<number> {
  const rows = await sql.query(`SELECT count(*)::int AS n ${ROUTE_FROM} WHERE ${HAS_COORDINATES}`);
  return Number(rows[0]?.n ?? 0);
}

export { ROUTE_COLUMNS, ROUTE_FROM, HAS_COORDINATES };
