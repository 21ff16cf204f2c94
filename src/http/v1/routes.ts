/** Routes and locations of /api/v1 (§3.3–3.6): search lists, one location, route details. */
import { getLocation, getRouteRecord, searchLocations, searchRoutes, type LocationRow, type RouteRecord } from "../../data/queries";
import { isStorableId } from "../../service/route-scores";
import type { AppRequest } from "../context";
import { jsonWithEtag } from "../respond";
import { noCoordinates, notFound } from "./errors";
import { filterId, parseQuery, pathInt } from "./params";
import { LocationsQuery, RoutesQuery, type LocationT, type RouteSummaryT } from "./schemas";
import { pyRound } from "../../scoring";

/** Route data changes only with an import. */
const CATALOGUE_CACHE_CONTROL = "public, max-age=300";

const round1 = (v: number | null) => (v === null ? null : pyRound(v, 1));

export const mountainProjectUrl = (mpRouteId: number | null) => (mpRouteId === null ? null : `https://www.mountainproject.com/route/${mpRouteId}`);

function summary(r: RouteRecord): RouteSummaryT {
  return {
    mp_route_id: r.id,
    name: r.name,
    grade: r.grade,
    type: r.type,
    url: mountainProjectUrl(r.mpRouteId),
    location_id: r.mountainId,
    length_ft: r.lengthFt,
    pitches: r.pitches,
    latitude: r.latitude,
    longitude: r.longitude,
  };
}

function location(l: LocationRow): LocationT {
  return { mp_id: l.id, name: l.name, route_count: l.routeCount, latitude: l.latitude, longitude: l.longitude, parent_id: null, url: null };
}

/** GET /mp-routes?search=&location_id=&route_type=&grade=&limit=&offset= (by name; `total` counts all matches). */
export async function listRoutes(req: AppRequest): Promise<Response> {
  const q = parseQuery(req, RoutesQuery);
  const { total, rows } = await searchRoutes(req.app.sql, {
    search: q.search,
    routeType: q.route_type,
    grade: q.grade,
    locationId: filterId(q.location_id),
    limit: q.limit,
    offset: q.offset,
  });
  return jsonWithEtag(req, { total, data: rows.map(summary) }, { "Cache-Control": CATALOGUE_CACHE_CONTROL });
}

/** A route of the catalogue by path id (located or not); 404 for ids that do not (or cannot) exist. */
export async function routeRecordOf(req: AppRequest): Promise<RouteRecord> {
  const id = pathInt(req.params, "mp_route_id");
  const route = isStorableId(id) ? await getRouteRecord(req.app.sql, id) : null;
  if (!route) throw notFound("Route");
  return route;
}

/** The route's point, or 400 for a route that cannot be located. */
export function pointOf(route: RouteRecord): { latitude: number; longitude: number } {
  if (route.latitude === null || route.longitude === null) throw noCoordinates();
  return { latitude: route.latitude, longitude: route.longitude };
}

/** GET /mp-routes/{mp_route_id} */
export async function routeDetails(req: AppRequest): Promise<Response> {
  const r = await routeRecordOf(req);
  const locationName = r.mountainName === null ? null : r.mountainRange ? `${r.mountainRange} → ${r.mountainName}` : r.mountainName;
  return jsonWithEtag(
    req,
    {
      mp_route_id: r.id,
      name: r.name,
      type: r.type,
      grade: r.grade,
      pitches: r.pitches,
      length_ft: r.lengthFt,
      latitude: r.latitude,
      longitude: r.longitude,
      elevation_meters: round1(r.elevationM),
      location_name: locationName,
      mountain_name: r.mountainName,
      location_id: r.mountainId,
      url: mountainProjectUrl(r.mpRouteId),
      approach_notes: null,
    },
    { "Cache-Control": CATALOGUE_CACHE_CONTROL },
  );
}

/** GET /locations?search=&limit=&offset= (most routes first; `total` is the page size, as in the original). */
export async function listLocations(req: AppRequest): Promise<Response> {
  const q = parseQuery(req, LocationsQuery);
  const rows = await searchLocations(req.app.sql, { search: q.search, limit: q.limit, offset: q.offset });
  return jsonWithEtag(req, { total: rows.length, data: rows.map(location) }, { "Cache-Control": CATALOGUE_CACHE_CONTROL });
}

/** GET /locations/{mp_id} (with its real route_count). */
export async function getLocationHandler(req: AppRequest): Promise<Response> {
  const id = pathInt(req.params, "mp_id");
  const row = isStorableId(id) ? await getLocation(req.app.sql, id) : null;
  if (!row) throw notFound("Location");
  return jsonWithEtag(req, location(row), { "Cache-Control": CATALOGUE_CACHE_CONTROL });
}
