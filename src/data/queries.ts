/**
 * Listing queries of the public API: routes and accidents with filters and keyset pagination
 * (`id > after ORDER BY id`), the map's routes in a box, and accident summaries for breakdowns.
 * Routes are only those that can be located (the same rule as scoring: own or mountain coordinates).
 */
import type { Sql } from "./db";
import { FT_TO_M, HAS_COORDINATES, ROUTE_COLUMNS, ROUTE_FROM, toRoute, type Route } from "./routes";

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
  return (p: (v: unknown) => string) => `${lon} BETWEEN ${p(box.minLon)} AND ${p(box.maxLon)} AND ${lat} BETWEEN ${p(box.minLat)} AND ${p(box.maxLat)}`;
}

/**
 * The matches of a paged search (LIMIT and OFFSET its last two parameters): its rows carry the
 * count (`count(*) OVER ()`); past the last page there are none, so `countQuery` asks for it alone.
 */
async function pagedTotal(sql: Sql, rows: Record<string, any>[], offset: number, countQuery: string, where: Where): Promise<number> {
  if (rows.length) return Number(rows[0]!.total);
  if (offset === 0) return 0;
  const [counted] = await sql.query(countQuery, where.params.slice(0, -2));
  return Number(counted!.total);
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
  if (f.q)
    where.add((p) => {
      const q = p(containsPattern(f.q!));
      return `(r.name ILIKE ${q} OR COALESCE(r.mountain_name, m.name) ILIKE ${q})`;
    });
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
  return rows[0] ? toAccident(rows[0]) : null;
}

/** Date and severity of the given accidents, by id (for a score's top contributors). */
export async function accidentBriefs(sql: Sql, ids: readonly number[]): Promise<Map<number, { date: string | null; injurySeverity: string | null }>> {
  if (ids.length === 0) return new Map();
  const rows = await sql.query(`SELECT accident_id, to_char(date, 'YYYY-MM-DD') AS date, injury_severity FROM accidents WHERE accident_id = ANY($1::int[])`, [
    ids,
  ]);
  return new Map(rows.map((r) => [Number(r.accident_id), { date: r.date ?? null, injurySeverity: r.injury_severity ?? null }]));
}

// ----------------------------------------------------------------------------------------------
// /api/v1 (the SafeAscent v1 contract): its read queries. Ids beyond int32 never reach these
// (the handlers answer 404 / an empty list first).

export type Season = "rock" | "winter";

/** The season filter on the stored type, lower-cased (v1 §2.6): both exclude null and "unknown". */
function seasonCondition(season: Season): string {
  const t = "lower(r.type)";
  return season === "winter"
    ? `(${t} LIKE '%ice%' OR ${t} LIKE '%mixed%')`
    : `(r.type IS NOT NULL AND ${t} <> 'unknown' AND ${t} NOT LIKE '%ice%' AND ${t} NOT LIKE '%mixed%')`;
}

/**
 * The map's markers, every located route of the season, as ONE text value: a line per route, each
 * line the marker's final JSON `{"mp_route_id":…,"name":…,"latitude":…,"longitude":…,"grade":…,
 * "type":…,"location_id":…,"safety":null}` written by Postgres (strings through to_json, so a line
 * holds no raw newline; numbers in Postgres' shortest exact text, which is valid JSON).
 *
 * Why: the map handler then does almost nothing per route — a route with a cached score gets its
 * `null` replaced, every other line is used as it is — and neither Neon's HTTP endpoint nor the
 * driver does per-row work (one value instead of 7 typed values a route). Measured at 168,000
 * routes (bench/map-scale.ts): building the JSON in the Worker from separate fields costs ~4× the
 * time of this. Unordered: the map needs no order, and sorting would be the query's largest cost.
 */
export interface MarkerText {
  count: number;
  /** The markers' JSON, one per line, or "" when no route matches. */
  lines: string;
}

/** Every marker line starts with this; its id follows up to the next comma. */
export const MARKER_LINE_PREFIX = '{"mp_route_id":';
/** …and ends with this (the uncached safety). */
export const MARKER_LINE_NULL_SAFETY = "null}";

const jsonText = (expr: string) => `COALESCE(to_json(${expr})::text, 'null')`;

const MARKER_LINE = [
  `'${MARKER_LINE_PREFIX}' || r.route_id`,
  `',"name":' || ${jsonText("r.name")}`,
  `',"latitude":' || ${ROUTE_LAT}`,
  `',"longitude":' || ${ROUTE_LON}`,
  `',"grade":' || ${jsonText("COALESCE(r.grade, r.grade_yds)")}`,
  `',"type":' || ${jsonText("r.type")}`,
  `',"location_id":' || COALESCE(r.mountain_id::text, 'null')`,
  `',"safety":${MARKER_LINE_NULL_SAFETY}'`,
].join(" || ");

const MARKERS_SELECT = `count(*)::int AS count, COALESCE(string_agg(${MARKER_LINE}, E'\\n'), '') AS lines`;

/** The markers of a season (optionally in a box): one query. */
export async function seasonMarkers(sql: Sql, season: Season, box?: BBox): Promise<MarkerText> {
  const where = new Where().add(() => HAS_COORDINATES).add(() => seasonCondition(season));
  if (box) where.add(inBox(ROUTE_LAT, ROUTE_LON, box));
  const [row] = await sql.query(`SELECT ${MARKERS_SELECT} ${ROUTE_FROM} ${where}`, where.params);
  return { count: Number(row!.count), lines: String(row!.lines) };
}

/** One of `parts` disjoint slices of a season's markers (route_id modulo parts), for replies of bounded size. */
export async function seasonMarkersPart(sql: Sql, season: Season, part: number, parts: number): Promise<MarkerText> {
  const [row] = await sql.query(`SELECT ${MARKERS_SELECT} ${ROUTE_FROM} WHERE ${HAS_COORDINATES} AND ${seasonCondition(season)} AND r.route_id % $1 = $2`, [
    parts,
    part,
  ]);
  return { count: Number(row!.count), lines: String(row!.lines) };
}

/**
 * The data version, and — only when it is not `knownVersion` — how many routes there are (an upper
 * bound of any season's markers; one query either way: when the version is known, Postgres skips
 * the count — a one-time filter — and the answer is one small row). Routes change only with an
 * import, which bumps the version.
 */
export async function dataVersionSince(sql: Sql, knownVersion: number | null): Promise<{ version: number; routeCount: number | null }> {
  const [row] = await sql.query(
    `SELECT d.version, c.count FROM data_version d
     LEFT JOIN LATERAL (SELECT count(*)::int AS count FROM routes WHERE d.version IS DISTINCT FROM $1::bigint) c
       ON d.version IS DISTINCT FROM $1::bigint
     WHERE d.id = 1`,
    [knownVersion],
  );
  if (!row) throw new Error("data_version has no row (migrations not applied?)");
  return { version: Number(row.version), routeCount: row.count === null || row.count === undefined ? null : Number(row.count) };
}

/** A route with everything v1 shows about it; located or not. */
export interface RouteRecord {
  id: number;
  name: string;
  type: string | null;
  grade: string | null;
  pitches: number | null;
  lengthFt: number | null;
  latitude: number | null;
  longitude: number | null;
  mountainId: number | null;
  /** The mountain's name (or the route's stored mountain name). */
  mountainName: string | null;
  mountainRange: string | null;
  elevationM: number | null;
  mpRouteId: number | null;
}

const RECORD_COLUMNS = `r.route_id, r.name, r.type, COALESCE(r.grade, r.grade_yds) AS grade, r.pitches, r.length_ft,
  ${ROUTE_LAT} AS latitude, ${ROUTE_LON} AS longitude, r.mountain_id, COALESCE(m.name, r.mountain_name) AS mountain_name,
  m.range AS mountain_range, m.elevation_ft, r.mp_route_id`;

function toRecord(r: Record<string, any>): RouteRecord {
  return {
    id: Number(r.route_id),
    name: r.name,
    type: r.type ?? null,
    grade: r.grade ?? null,
    pitches: num(r.pitches),
    lengthFt: num(r.length_ft),
    latitude: num(r.latitude),
    longitude: num(r.longitude),
    mountainId: num(r.mountain_id),
    mountainName: r.mountain_name ?? null,
    mountainRange: r.mountain_range ?? null,
    elevationM: r.elevation_ft === null || r.elevation_ft === undefined ? null : Number(r.elevation_ft) * FT_TO_M,
    mpRouteId: num(r.mp_route_id),
  };
}

export async function getRouteRecord(sql: Sql, id: number): Promise<RouteRecord | null> {
  const rows = await sql.query(`SELECT ${RECORD_COLUMNS} ${ROUTE_FROM} WHERE r.route_id = $1`, [id]);
  return rows[0] ? toRecord(rows[0]) : null;
}

export interface RouteSearch {
  /** Case-insensitive substrings. */
  search?: string;
  routeType?: string;
  grade?: string;
  /** Exact mountain; null: an id that cannot exist (nothing matches). */
  locationId?: number | null;
  limit: number;
  offset: number;
}

/** Routes by name (all routes, located or not), with the number of matches before paging. */
export async function searchRoutes(sql: Sql, f: RouteSearch): Promise<{ total: number; rows: RouteRecord[] }> {
  const where = new Where();
  if (f.search !== undefined) where.add((p) => `r.name ILIKE ${p(containsPattern(f.search!))}`);
  if (f.routeType !== undefined) where.add((p) => `r.type ILIKE ${p(containsPattern(f.routeType!))}`);
  if (f.grade !== undefined) where.add((p) => `COALESCE(r.grade, r.grade_yds) ILIKE ${p(containsPattern(f.grade!))}`);
  if (f.locationId === null) where.add(() => "FALSE");
  else if (f.locationId !== undefined) where.add((p) => `r.mountain_id = ${p(f.locationId)}`);
  const rows = await sql.query(
    `SELECT ${RECORD_COLUMNS}, count(*) OVER () AS total ${ROUTE_FROM} ${where}
     ORDER BY r.name, r.route_id LIMIT ${where.param(f.limit)} OFFSET ${where.param(f.offset)}`,
    where.params,
  );
  return { total: await pagedTotal(sql, rows, f.offset, `SELECT count(*) AS total ${ROUTE_FROM} ${where}`, where), rows: rows.map(toRecord) };
}

export interface LocationRow {
  id: number;
  name: string;
  latitude: number | null;
  longitude: number | null;
  routeCount: number;
}

const LOCATION_QUERY = `SELECT m.mountain_id, m.name, m.latitude, m.longitude, COALESCE(c.n, 0) AS route_count
  FROM mountains m LEFT JOIN (SELECT mountain_id, count(*) AS n FROM routes GROUP BY mountain_id) c ON c.mountain_id = m.mountain_id`;

const toLocation = (r: Record<string, any>): LocationRow => ({
  id: Number(r.mountain_id),
  name: r.name,
  latitude: num(r.latitude),
  longitude: num(r.longitude),
  routeCount: Number(r.route_count),
});

/** Locations (mountains) by name or alternative name, most routes first. */
export async function searchLocations(sql: Sql, f: { search?: string; limit: number; offset: number }): Promise<LocationRow[]> {
  const where = new Where();
  if (f.search !== undefined)
    where.add((p) => {
      const q = p(containsPattern(f.search!));
      return `(m.name ILIKE ${q} OR COALESCE(m.alt_names, '') ILIKE ${q})`;
    });
  const rows = await sql.query(
    `${LOCATION_QUERY} ${where} ORDER BY route_count DESC, m.name, m.mountain_id LIMIT ${where.param(f.limit)} OFFSET ${where.param(f.offset)}`,
    where.params,
  );
  return rows.map(toLocation);
}

export async function getLocation(sql: Sql, id: number): Promise<LocationRow | null> {
  const rows = await sql.query(`${LOCATION_QUERY} WHERE m.mountain_id = $1`, [id]);
  return rows[0] ? toLocation(rows[0]) : null;
}

/** Great-circle distance in km between columns/parameters (degrees), in SQL. */
const haversineSql = (lat1: string, lon1: string, lat2: string, lon2: string) =>
  `(2 * 6371.0 * asin(sqrt(least(1.0, power(sin(radians(${lat2} - ${lat1}) / 2), 2) + cos(radians(${lat1})) * cos(radians(${lat2})) * power(sin(radians(${lon2} - ${lon1}) / 2), 2)))))`;

export interface AccidentSearch {
  /** Spatial filter: only when all three are given. */
  near?: { latitude: number; longitude: number; radiusKm: number };
  state?: string;
  mountain?: string;
  route?: string;
  accidentType?: string;
  injurySeverity?: string;
  activity?: string;
  startDate?: string;
  endDate?: string;
  /** null: an id that cannot exist (nothing matches). */
  mountainId?: number | null;
  routeId?: number | null;
  limit: number;
  offset: number;
}

/** Accidents by filters, newest first (undated last), with the number of matches before paging. */
export async function searchAccidents(sql: Sql, f: AccidentSearch): Promise<{ total: number; rows: Accident[] }> {
  const where = new Where();
  if (f.near) {
    const { latitude, longitude, radiusKm } = f.near;
    where.add((p) => `a.latitude IS NOT NULL AND ${haversineSql(p(latitude), p(longitude), "a.latitude", "a.longitude")} <= ${p(radiusKm)}`);
  }
  if (f.state !== undefined) where.add((p) => `a.state = ${p(f.state)}`);
  if (f.mountain !== undefined) where.add((p) => `a.mountain ILIKE ${p(containsPattern(f.mountain!))}`);
  if (f.route !== undefined) where.add((p) => `a.route ILIKE ${p(containsPattern(f.route!))}`);
  if (f.accidentType !== undefined) where.add((p) => `a.accident_type = ${p(f.accidentType)}`);
  if (f.injurySeverity !== undefined) where.add((p) => `a.injury_severity = ${p(f.injurySeverity)}`);
  if (f.activity !== undefined) where.add((p) => `a.activity = ${p(f.activity)}`);
  if (f.startDate !== undefined) where.add((p) => `a.date >= ${p(f.startDate)}::date`);
  if (f.endDate !== undefined) where.add((p) => `a.date <= ${p(f.endDate)}::date`);
  for (const [column, value] of [
    ["a.mountain_id", f.mountainId],
    ["a.route_id", f.routeId],
  ] as const) {
    if (value === null) where.add(() => "FALSE");
    else if (value !== undefined) where.add((p) => `${column} = ${p(value)}`);
  }
  const rows = await sql.query(
    `SELECT ${ACCIDENT_DETAIL_COLUMNS}, count(*) OVER () AS total FROM accidents a ${where}
     ORDER BY a.date DESC NULLS LAST, a.accident_id LIMIT ${where.param(f.limit)} OFFSET ${where.param(f.offset)}`,
    where.params,
  );
  return { total: await pagedTotal(sql, rows, f.offset, `SELECT count(*) AS total FROM accidents a ${where}`, where), rows: rows.map(toAccident) };
}

function toAccident(r: Record<string, any>): Accident {
  return {
    ...toAccidentSummary(r),
    sourceId: r.source_id ?? null,
    year: num(r.year),
    ageRange: r.age_range ?? null,
    tags: r.tags ?? null,
    description: r.description ?? null,
  };
}

/** The stored daily weather of an accident's own date (units as stored: °C, mm, wind km/h). */
export interface AccidentDayWeather {
  temperatureMin: number | null;
  temperatureMax: number | null;
  temperatureAvg: number | null;
  precipitationMm: number | null;
  windSpeedMaxKmh: number | null;
}

export interface NearbyAccident extends Accident {
  distanceKm: number;
  weather: AccidentDayWeather | null;
}

/**
 * Accidents with coordinates within `radiusKm` of a point, nearest first then newest, each with
 * the stored weather row of its own date: the one tied to it by accident_id, else one at its
 * 0.01° place (the importer's rule for rows without an accident_id).
 */
export async function accidentsNear(sql: Sql, latitude: number, longitude: number, radiusKm: number, limit: number): Promise<NearbyAccident[]> {
  const rows = await sql.query(
    `WITH near AS (
       SELECT a.*, ${haversineSql("$1", "$2", "a.latitude", "a.longitude")} AS distance_km
       FROM accidents a
       WHERE a.latitude BETWEEN $1 - $3 / 111.0 AND $1 + $3 / 111.0
         AND ${haversineSql("$1", "$2", "a.latitude", "a.longitude")} <= $3
       ORDER BY distance_km, a.date DESC NULLS LAST, a.accident_id LIMIT $4)
     SELECT ${ACCIDENT_DETAIL_COLUMNS}, a.distance_km,
            w.temperature_min, w.temperature_max, w.temperature_avg, w.precipitation_total, w.wind_speed_max, (w.date IS NOT NULL) AS has_weather
     FROM near a
     LEFT JOIN LATERAL (
       SELECT * FROM (
         SELECT w.*, 0 AS pref FROM accident_weather w WHERE w.accident_id = a.accident_id AND w.date = a.date
         UNION ALL
         SELECT w.*, 1 AS pref FROM accident_weather w
          WHERE w.accident_id IS NULL AND w.date = a.date
            AND w.latitude = round(a.latitude::numeric, 2)::float8 AND w.longitude = round(a.longitude::numeric, 2)::float8
       ) x ORDER BY x.pref, x.weather_id LIMIT 1
     ) w ON TRUE
     ORDER BY a.distance_km, a.date DESC NULLS LAST, a.accident_id`,
    [latitude, longitude, radiusKm, limit],
  );
  return rows.map((r) => ({
    ...toAccident(r),
    distanceKm: Number(r.distance_km),
    weather: r.has_weather
      ? {
          temperatureMin: num(r.temperature_min),
          temperatureMax: num(r.temperature_max),
          temperatureAvg: num(r.temperature_avg),
          precipitationMm: num(r.precipitation_total),
          windSpeedMaxKmh: num(r.wind_speed_max),
        }
      : null,
  }));
}

/** Accidents linked to a route by route_id, by calendar month (1–12; undated ones count in total only). */
export async function routeAccidentMonths(sql: Sql, routeId: number): Promise<{ total: number; byMonth: Map<number, number> }> {
  const rows = await sql.query(`SELECT EXTRACT(MONTH FROM date)::int AS month, count(*) AS n FROM accidents WHERE route_id = $1 GROUP BY 1`, [routeId]);
  const byMonth = new Map<number, number>();
  let total = 0;
  for (const r of rows) {
    total += Number(r.n);
    if (r.month !== null) byMonth.set(Number(r.month), Number(r.n));
  }
  return { total, byMonth };
}
