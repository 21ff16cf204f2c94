/**
 * Listing queries of the public API: routes and accidents with filters and keyset pagination
 * (`id > after ORDER BY id`), the map's routes in a box, and accident summaries for breakdowns.
 * Routes are only those that can be located (the same rule as scoring: own or mountain coordinates).
 */
import type { Sql } from "./db";
import { HAS_COORDINATES, ROUTE_COLUMNS, ROUTE_FROM, toRoute, type Route } from "./routes";

export interface BBox {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

/** Accumulates WHERE conditions with numbered parameters. */
class Where {
  readonly params: unknown[] = [];
  private readonly conditions: string[] = [];

  add(condition: (p: (value: unknown) => string) => string): this {
    this.conditions.push(condition((value) => `$${this.params.push(value)}`));
    return this;
  }

  param(value: unknown): string {
    return `$${this.params.push(value)}`;
  }

  toString(): string {
    return this.conditions.length ? `WHERE ${this.conditions.join(" AND ")}` : "";
  }
}

const ROUTE_LAT = "COALESCE(r.latitude, m.latitude)";
const ROUTE_LON = "COALESCE(r.longitude, m.longitude)";

function inBox(lat: string, lon: string, box: BBox) {
  return (p: (v: unknown) => string) =>
    `${lon} BETWEEN ${p(box.minLon)} AND ${p(box.maxLon)} AND ${lat} BETWEEN ${p(box.minLat)} AND ${p(box.maxLat)}`;
}

/** `%text%` for ILIKE with the pattern characters escaped. */
const containsPattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export interface RouteFilter {
  bbox?: BBox;
  /** Raw stored types to keep ("" stands for NULL); from the canonical type filter. */
  rawTypes?: readonly string[];
  /** Case-insensitive substring of the route's or its mountain's name. */
  q?: string;
  afterId?: number;
  limit: number;
}

export async function listRoutes(sql: Sql, f: RouteFilter): Promise<Route[]> {
  const where = new Where().add(() => HAS_COORDINATES);
  if (f.bbox) where.add(inBox(ROUTE_LAT, ROUTE_LON, f.bbox));
  if (f.rawTypes) where.add((p) => `COALESCE(r.type, '') = ANY(${p(f.rawTypes)}::text[])`);
  if (f.q) where.add((p) => { const q = p(containsPattern(f.q!)); return `(r.name ILIKE ${q} OR COALESCE(r.mountain_name, m.name) ILIKE ${q})`; });
  if (f.afterId !== undefined) where.add((p) => `r.route_id > ${p(f.afterId)}`);
  const rows = await sql.query(`SELECT ${ROUTE_COLUMNS} ${ROUTE_FROM} ${where} ORDER BY r.route_id LIMIT ${where.param(f.limit)}`, where.params);
  return rows.map(toRoute);
}

/** The distinct stored route types ("" for NULL): small, used to turn a canonical type into raw ones. */
export async function distinctRouteTypes(sql: Sql): Promise<string[]> {
  const rows = await sql.query(`SELECT DISTINCT COALESCE(type, '') AS type FROM routes`);
  return rows.map((r) => String(r.type));
}

export interface MapPoint {
  id: number;
  latitude: number;
  longitude: number;
}

/** Located routes in a box, busiest first (the warmer's order, so warmed routes come first). */
export async function routesInBox(sql: Sql, box: BBox, limit: number): Promise<MapPoint[]> {
  const where = new Where().add(() => HAS_COORDINATES).add(inBox(ROUTE_LAT, ROUTE_LON, box));
  const rows = await sql.query(
    `SELECT r.route_id, ${ROUTE_LAT} AS latitude, ${ROUTE_LON} AS longitude ${ROUTE_FROM} ${where}
     ORDER BY COALESCE(m.accident_count, 0) DESC, r.accident_count DESC, r.route_id ASC LIMIT ${where.param(limit)}`,
    where.params,
  );
  return rows.map((r) => ({ id: Number(r.route_id), latitude: Number(r.latitude), longitude: Number(r.longitude) }));
}

export interface AccidentSummary {
  id: number;
  date: string | null;
  latitude: number | null;
  longitude: number | null;
  state: string | null;
  location: string | null;
  mountain: string | null;
  route: string | null;
  mountainId: number | null;
  routeId: number | null;
  accidentType: string | null;
  activity: string | null;
  injurySeverity: string | null;
  source: string | null;
}

export interface Accident extends AccidentSummary {
  sourceId: string | null;
  year: number | null;
  ageRange: string | null;
  tags: string | null;
  description: string | null;
}

const ACCIDENT_SUMMARY_COLUMNS = `a.accident_id, to_char(a.date, 'YYYY-MM-DD') AS date, a.latitude, a.longitude, a.state,
  a.location, a.mountain, a.route, a.mountain_id, a.route_id, a.accident_type, a.activity, a.injury_severity, a.source`;
const ACCIDENT_DETAIL_COLUMNS = `${ACCIDENT_SUMMARY_COLUMNS}, a.source_id, a.year, a.age_range, a.tags, a.description`;

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function toAccidentSummary(r: Record<string, any>): AccidentSummary {
  return {
    id: Number(r.accident_id),
    date: r.date ?? null,
    latitude: num(r.latitude),
    longitude: num(r.longitude),
    state: r.state ?? null,
    location: r.location ?? null,
    mountain: r.mountain ?? null,
    route: r.route ?? null,
    mountainId: num(r.mountain_id),
    routeId: num(r.route_id),
    accidentType: r.accident_type ?? null,
    activity: r.activity ?? null,
    injurySeverity: r.injury_severity ?? null,
    source: r.source ?? null,
  };
}

export interface AccidentFilter {
  bbox?: BBox;
  /** On or after this date (YYYY-MM-DD). */
  since?: string;
  /** Lower-cased severities to keep. */
  severities?: readonly string[];
  afterId?: number;
  limit: number;
}

export async function listAccidents(sql: Sql, f: AccidentFilter): Promise<AccidentSummary[]> {
  const where = new Where();
  if (f.bbox) where.add(inBox("a.latitude", "a.longitude", f.bbox));
  if (f.since) where.add((p) => `a.date >= ${p(f.since)}::date`);
  if (f.severities) where.add((p) => `lower(COALESCE(a.injury_severity, 'unknown')) = ANY(${p(f.severities)}::text[])`);
  if (f.afterId !== undefined) where.add((p) => `a.accident_id > ${p(f.afterId)}`);
  const rows = await sql.query(
    `SELECT ${ACCIDENT_SUMMARY_COLUMNS} FROM accidents a ${where} ORDER BY a.accident_id LIMIT ${where.param(f.limit)}`,
    where.params,
  );
  return rows.map(toAccidentSummary);
}

export async function getAccident(sql: Sql, id: number): Promise<Accident | null> {
  const rows = await sql.query(`SELECT ${ACCIDENT_DETAIL_COLUMNS} FROM accidents a WHERE a.accident_id = $1`, [id]);
  const r = rows[0];
  if (!r) return null;
  return {
    ...toAccidentSummary(r),
    sourceId: r.source_id ?? null,
    year: num(r.year),
    ageRange: r.age_range ?? null,
    tags: r.tags ?? null,
    description: r.description ?? null,
  };
}

/** Date and severity of the given accidents, by id (for a score's top contributors). */
export async function accidentBriefs(sql: Sql, ids: readonly number[]): Promise<Map<number, { date: string | null; injurySeverity: string | null }>> {
  if (ids.length === 0) return new Map();
  const rows = await sql.query(
    `SELECT accident_id, to_char(date, 'YYYY-MM-DD') AS date, injury_severity FROM accidents WHERE accident_id = ANY($1::int[])`,
    [ids],
  );
  return new Map(rows.map((r) => [Number(r.accident_id), { date: r.date ?? null, injurySeverity: r.injury_severity ?? null }]));
}
