/**
 * Accidents in /api/v1 (§3.9, §3.15, §3.16): the list with its filters, one accident, and a route's
 * nearby accident reports with distance, impact and the stored weather of the accident's date.
 */
import { pyRound } from "../../scoring";
import { accidentsNear, getAccident, searchAccidents, type Accident, type AccidentDayWeather, type NearbyAccident } from "../../data/queries";
import { isStorableId } from "../../service/route-scores";
import type { AppRequest } from "../context";
import { jsonWithEtag } from "../respond";
import { notFound } from "./errors";
import { filterId, parseQuery, pathInt } from "./params";
import { pointOf, routeRecordOf } from "./routes";
import { AccidentsQuery, RouteAccidentsQuery, type AccidentT, type RouteAccidentT } from "./schemas";

const ACCIDENT_CACHE_CONTROL = "public, max-age=300";
/** "Nearby" for a route's accident reports. */
export const NEARBY_RADIUS_KM = 50;
/** The dataset stores wind in km/h (shared data README; the importer keeps the unit); v1 speaks m/s. */
const KMH_PER_MS = 3.6;

export function accidentView(a: Accident): AccidentT {
  return {
    accident_id: a.id,
    source: a.source,
    source_id: a.sourceId,
    date: a.date,
    year: a.year,
    state: a.state,
    location: a.location,
    mountain: a.mountain,
    route: a.route,
    latitude: a.latitude,
    longitude: a.longitude,
    accident_type: a.accidentType,
    activity: a.activity,
    injury_severity: a.injurySeverity,
    age_range: a.ageRange,
    description: a.description,
    tags: a.tags,
    mountain_id: a.mountainId,
    route_id: a.routeId,
  };
}

/** GET /accidents (latitude/longitude are aliases of lat/lon; the spatial filter needs lat, lon and radius_km). */
export async function listAccidentsV1(req: AppRequest): Promise<Response> {
  const q = parseQuery(req, AccidentsQuery);
  const lat = q.lat ?? q.latitude;
  const lon = q.lon ?? q.longitude;
  const { total, rows } = await searchAccidents(req.app.sql, {
    near: lat !== undefined && lon !== undefined && q.radius_km !== undefined ? { latitude: lat, longitude: lon, radiusKm: q.radius_km } : undefined,
    state: q.state,
    mountain: q.mountain,
    route: q.route,
    accidentType: q.accident_type,
    injurySeverity: q.injury_severity,
    activity: q.activity,
    startDate: q.start_date,
    endDate: q.end_date,
    mountainId: filterId(q.mountain_id),
    routeId: filterId(q.route_id),
    limit: q.limit,
    offset: q.offset,
  });
  return jsonWithEtag(req, { total, data: rows.map(accidentView) }, { "Cache-Control": ACCIDENT_CACHE_CONTROL });
}

/** GET /accidents/{accident_id} */
export async function getAccidentV1(req: AppRequest): Promise<Response> {
  const id = pathInt(req.params, "accident_id");
  const a = isStorableId(id) ? await getAccident(req.app.sql, id) : null;
  if (!a) throw notFound("Accident");
  return jsonWithEtag(req, accidentView(a), { "Cache-Control": ACCIDENT_CACHE_CONTROL });
}

const normName = (s: string | null) => (s ?? "").trim().toLowerCase();

/** Names equal, or one contains the other (trimmed, case-insensitive); or the accident is linked to the route. */
export function sameRoute(routeName: string, routeId: number, a: Accident): boolean {
  if (a.routeId === routeId) return true;
  const r = normName(routeName);
  const n = normName(a.route);
  if (!r || !n) return false;
  return r === n || r.includes(n) || n.includes(r);
}

/** `"<min>-<max>°C"` with rounded integers; `?` for a missing (or 0, as in the original) value. */
/** Rounded as Python's round() does (half to even), like every rounding the original backend did. */
const tempRange = (min: number | null, max: number | null) => `${min ? pyRound(min, 0) : "?"}-${max ? pyRound(max, 0) : "?"}°C`;

export function conditions(t: number | null, p: number | null, w: number | null): string {
  const parts: string[] = [];
  if (t !== null) {
    if (t < -10) parts.push("Extreme Cold");
    else if (t < 0) parts.push("Freezing");
    else if (t < 10) parts.push("Cold");
  }
  if (p !== null) {
    if (p > 10) parts.push("Heavy Precip");
    else if (p > 2) parts.push("Rain/Snow");
  }
  if (w !== null) {
    if (w > 15) parts.push("High Winds");
    else if (w > 10) parts.push("Windy");
  }
  return parts.length ? parts.join(", ") : "Moderate";
}

function weatherView(w: AccidentDayWeather | null): RouteAccidentT["weather"] {
  if (!w) return null;
  const windMs = w.windSpeedMaxKmh === null ? null : w.windSpeedMaxKmh / KMH_PER_MS;
  const r1 = (v: number | null) => (v === null ? null : pyRound(v, 1));
  return {
    temp: tempRange(w.temperatureMin, w.temperatureMax),
    temp_avg: r1(w.temperatureAvg),
    wind_speed: r1(windMs),
    precipitation: r1(w.precipitationMm),
    conditions: conditions(w.temperatureAvg, w.precipitationMm, windMs),
  };
}

function nearbyView(a: NearbyAccident, routeName: string, routeId: number): RouteAccidentT {
  const distanceKm = pyRound(a.distanceKm, 1);
  return {
    accident_id: a.id,
    date: a.date,
    route_name: a.route ?? "Unknown",
    same_route: sameRoute(routeName, routeId, a),
    injury_severity: a.injurySeverity,
    distance_km: distanceKm,
    impact_score: pyRound(100 * Math.exp(-a.distanceKm / 10), 1),
    mountain: a.mountain,
    location: a.location,
    state: a.state,
    activity: a.activity,
    accident_type: a.accidentType,
    source: a.source,
    age_range: a.ageRange,
    elevation_meters: null,
    description: a.description,
    tags: a.tags,
    coordinates: a.latitude === null || a.longitude === null ? null : { lat: a.latitude, lon: a.longitude },
    weather: weatherView(a.weather),
  };
}

/** GET /mp-routes/{mp_route_id}/accidents?limit= : accidents within 50 km, nearest first, then newest. */
export async function routeAccidents(req: AppRequest): Promise<Response> {
  const q = parseQuery(req, RouteAccidentsQuery);
  const route = await routeRecordOf(req);
  const point = pointOf(route);
  const rows = await accidentsNear(req.app.sql, point.latitude, point.longitude, NEARBY_RADIUS_KM, q.limit);
  const accidents = rows.map((a) => nearbyView(a, route.name, route.id));
  return jsonWithEtag(
    req,
    { route_id: route.id, route_name: route.name, location_name: route.mountainName ?? "Unknown Area", total_accidents: accidents.length, accidents },
    { "Cache-Control": ACCIDENT_CACHE_CONTROL },
  );
}
