/**
 * Date-independent preparation of a location and its routes (spec 4.1, 5, 7.1, 7.3, 7.4, 7.6).
 *
 * Work is split by what it depends on:
 * - place: the distance to every accident some route type there may keep (`placeDistances`);
 * - place × canonical type: the pre-filter (d ≤ 50 km or Ty ≥ 0.85), and for the kept accidents
 *   d, S (the type's h), E (the type's c, the place's elevation) and Ty — one `TypeContext` per
 *   distinct type among the location's routes;
 * - route: G, the only route-specific factor. Routes of one type whose G vectors are identical
 *   (same parsed grade, or G ≡ 1 because the route has no grade or no kept accident has one)
 *   form one `RouteGroup` and get the same score by construction.
 */
import { ELEVATION_DECAY_M, MAX_SEARCH_RADIUS_KM, SPATIAL_BANDWIDTH_KM, TEMPORAL_LAMBDA_PER_DAY, typeIndex as typeIndexOf } from "./constants";
import type { PreparedCorpus } from "./corpus";
import { elevationWeight } from "./factors/elevation";
import { gradeWeight, parseGrade } from "./factors/grade";
import { spatialWeight, toRadians } from "./factors/spatial";
import { canonicalRouteType } from "./route-type";
import { placeDistances, selectByDistance } from "./selection";
import type { CanonicalRouteType, LocationRoute, PlaceInput } from "./types";

/** One route of a group: its position in the request and its parsed grade (debug output). */
export interface GroupRoute {
  readonly index: number;
  readonly gradeDifficulty: number | null;
}

/** Routes of one type with the same G for every kept accident. */
export interface RouteGroup {
  /** G per kept accident; null when G ≡ 1. */
  readonly gradeWeight: Float64Array | null;
  readonly routes: readonly GroupRoute[];
}

/** Place × canonical type. The three scratch arrays are overwritten for every day. */
export interface TypeContext {
  readonly canonicalType: CanonicalRouteType;
  readonly typeIndex: number;
  readonly lambdaPerDay: number;
  /** Metadata radius: min(caller's value, 300), else min(4·h, 300). */
  readonly searchRadiusKm: number;
  /** Corpus indices of the kept accidents, in input order. */
  readonly kept: Int32Array;
  /** Per kept accident (same order as `kept`). */
  readonly distanceKm: Float64Array;
  readonly spatial: Float64Array;
  readonly elevation: Float64Array;
  readonly routeTypeWeight: Float64Array;
  readonly groups: readonly RouteGroup[];
  /** Day scratch, per kept accident: Tm, and S·Tm·E·Ty·Sv (multiplied left to right). */
  readonly temporal: Float64Array;
  readonly partial: Float64Array;
  /** Route-day scratch: the influences of one group. */
  readonly influence: Float64Array;
}

export interface LocationContext {
  /** Distinct canonical types in order of first appearance among the routes. */
  readonly types: readonly TypeContext[];
}

function searchRadius(bandwidthKm: number, requested: number | null | undefined): number {
  const r = typeof requested === "number" && Number.isFinite(requested) ? requested : 4 * bandwidthKm;
  return Math.min(r, MAX_SEARCH_RADIUS_KM);
}

/** Groups one type's routes by G (see the module comment). */
function groupRoutes(
  corpus: PreparedCorpus,
  kept: Int32Array,
  routes: readonly { index: number; gradeDifficulty: number | null }[],
): RouteGroup[] {
  const { gradeDifficulty } = corpus;
  let anyGraded = false;
  for (let j = 0; j < kept.length && !anyGraded; j++) anyGraded = !Number.isNaN(gradeDifficulty[kept[j]!]!);
  const groups = new Map<number | null, { gradeWeight: Float64Array | null; routes: GroupRoute[] }>();
  for (const route of routes) {
    const key = anyGraded ? route.gradeDifficulty : null;
    let group = groups.get(key);
    if (!group) {
      let g: Float64Array | null = null;
      if (key !== null) {
        g = new Float64Array(kept.length);
        for (let j = 0; j < kept.length; j++) {
          const ag = gradeDifficulty[kept[j]!]!;
          g[j] = gradeWeight(key, Number.isNaN(ag) ? null : ag);
        }
      }
      group = { gradeWeight: g, routes: [] };
      groups.set(key, group);
    }
    group.routes.push(route);
  }
  return [...groups.values()];
}

/**
 * Prepares a location for its routes. Non-finite coordinates throw a TypeError; the elevation
 * counts as unknown unless it is a finite number.
 */
export function prepareLocation(
  corpus: PreparedCorpus,
  place: PlaceInput,
  routes: readonly LocationRoute[],
  searchRadiusKm?: number | null,
): LocationContext {
  if (!Number.isFinite(place.latitude) || !Number.isFinite(place.longitude)) {
    throw new TypeError("latitude and longitude must be finite numbers");
  }
  const byType = new Map<CanonicalRouteType, { index: number; gradeDifficulty: number | null }[]>();
  routes.forEach((route, index) => {
    const type = canonicalRouteType(route.route_type);
    let list = byType.get(type);
    if (!list) byType.set(type, (list = []));
    list.push({ index, gradeDifficulty: parseGrade(route.grade) });
  });
  if (byType.size === 0) return { types: [] };

  const n = corpus.count;
  const latR = toRadians(place.latitude);
  const lonR = toRadians(place.longitude);
  const typeIndices = [...byType.keys()].map((t) => typeIndexOf(t));
  const distances = new Float64Array(n);
  placeDistances(corpus, latR, lonR, Math.cos(latR), typeIndices, distances);
  const elevationM = typeof place.elevation_m === "number" && Number.isFinite(place.elevation_m) ? place.elevation_m : null;
  // Selection scratch, shared by the types.
  const sel = { kept: new Int32Array(n), distanceKm: new Float64Array(n), routeTypeWeight: new Float64Array(n) };

  const types: TypeContext[] = [];
  let k = 0;
  for (const [canonicalType, typeRoutes] of byType) {
    const t = typeIndices[k++]!;
    const bandwidthKm = SPATIAL_BANDWIDTH_KM[t]!;
    const decayM = ELEVATION_DECAY_M[t]!;
    const nk = selectByDistance(corpus, distances, t, sel);
    const kept = sel.kept.slice(0, nk);
    // One buffer for the seven per-kept-accident arrays of this type.
    const buf = new Float64Array(7 * nk);
    const part = (p: number) => buf.subarray(p * nk, (p + 1) * nk);
    const distanceKm = part(0);
    const spatial = part(1);
    const elevation = part(2);
    const routeTypeWeight = part(3);
    distanceKm.set(sel.distanceKm.subarray(0, nk));
    routeTypeWeight.set(sel.routeTypeWeight.subarray(0, nk));
    for (let j = 0; j < nk; j++) spatial[j] = spatialWeight(distanceKm[j]!, bandwidthKm);
    if (elevationM === null) elevation.fill(1.0);
    else {
      for (let j = 0; j < nk; j++) {
        const ae = corpus.elevationM[kept[j]!]!;
        elevation[j] = elevationWeight(elevationM, Number.isNaN(ae) ? null : ae, decayM);
      }
    }
    types.push({
      canonicalType,
      typeIndex: t,
      lambdaPerDay: TEMPORAL_LAMBDA_PER_DAY[t]!,
      searchRadiusKm: searchRadius(bandwidthKm, searchRadiusKm),
      kept,
      distanceKm,
      spatial,
      elevation,
      routeTypeWeight,
      groups: groupRoutes(corpus, kept, typeRoutes),
      temporal: part(4),
      partial: part(5),
      influence: part(6),
    });
  }
  return { types };
}
