/**
 * Date-independent preparation of a location and its routes (spec 4.1, 5, 7.1, 7.3, 7.4, 7.6).
 *
 * Work is split by what it depends on:
 * - place: the candidates — accidents some route type there may keep — and their distances
 *   (`placeCandidates`);
 * - place × canonical type: the pre-filter (d ≤ 50 km or Ty ≥ 0.85), and for the kept accidents
 *   d, S (the type's h), E (the type's c, the place's elevation) and Ty — one `TypeContext` per
 *   distinct type among the location's routes;
 * - route: G, the only route-specific factor. Routes of one type whose G vectors are identical
 *   (same parsed grade, or G ≡ 1 because the route has no grade or no kept accident has one)
 *   form one `RouteGroup` and get the same score by construction.
 */
import {
  ELEVATION_DECAY_M,
  MAX_SEARCH_RADIUS_KM,
  ROUTE_TYPE_MATRIX,
  SPATIAL_BANDWIDTH_KM,
  TEMPORAL_LAMBDA_PER_DAY,
  TYPE_COUNT,
  typeIndex as typeIndexOf,
} from "./constants";
import type { PreparedCorpus } from "./corpus";
import { elevationWeight } from "./factors/elevation";
import { gradeWeight, parseGrade } from "./factors/grade";
import { spatialWeight, toRadians } from "./factors/spatial";
import { canonicalRouteType } from "./route-type";
import { passesPrefilter, placeCandidates } from "./selection";
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
  /** Corpus indices of the kept accidents, in input order; the arrays below are in the same order. */
  readonly kept: Int32Array;
  /** Position of each kept accident in the location's candidate list (its `DayWeather` slot). */
  readonly slot: Int32Array;
  readonly distanceKm: Float64Array;
  readonly spatial: Float64Array;
  /** E per kept accident; null when E ≡ 1 (the place's elevation is unknown). */
  readonly elevation: Float64Array | null;
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
  /** Corpus indices of the candidates (accidents some type keeps), in input order. */
  readonly candidateIndex: Int32Array;
}

function searchRadius(bandwidthKm: number, requested: number | null | undefined): number {
  const r = typeof requested === "number" && Number.isFinite(requested) ? requested : 4 * bandwidthKm;
  return Math.min(r, MAX_SEARCH_RADIUS_KM);
}

/** Groups one type's routes by G (see the module comment). */
function groupRoutes(corpus: PreparedCorpus, kept: Int32Array, routes: readonly { index: number; gradeDifficulty: number | null }[]): RouteGroup[] {
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
export function prepareLocation(corpus: PreparedCorpus, place: PlaceInput, routes: readonly LocationRoute[], searchRadiusKm?: number | null): LocationContext {
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
  if (byType.size === 0) return { types: [], candidateIndex: new Int32Array(0) };

  const n = corpus.count;
  const latR = toRadians(place.latitude);
  const lonR = toRadians(place.longitude);
  const typeIndices = [...byType.keys()].map((t) => typeIndexOf(t));
  // Typed arrays are carved out of few buffers: each backing-store allocation costs microseconds.
  const placeBuffer = new ArrayBuffer(16 * n);
  const candidateDistanceKm = new Float64Array(placeBuffer, 0, n);
  const candidateIndex = new Int32Array(placeBuffer, 8 * n, n);
  const keptPositions = new Int32Array(placeBuffer, 12 * n, n); // scratch, shared by the types
  const candidates = placeCandidates(corpus, latR, lonR, Math.cos(latR), typeIndices, candidateIndex, candidateDistanceKm);
  const elevationM = typeof place.elevation_m === "number" && Number.isFinite(place.elevation_m) ? place.elevation_m : null;

  const types: TypeContext[] = [];
  let k = 0;
  for (const [canonicalType, typeRoutes] of byType) {
    const t = typeIndices[k++]!;
    const bandwidthKm = SPATIAL_BANDWIDTH_KM[t]!;
    const decayM = ELEVATION_DECAY_M[t]!;
    const row = t * TYPE_COUNT;
    // This type's kept set among the candidates (all of them when the location has one type),
    // as positions in the candidate list.
    let nk = 0;
    for (let c = 0; c < candidates; c++) {
      if (passesPrefilter(candidateDistanceKm[c]!, ROUTE_TYPE_MATRIX[row + corpus.typeIndex[candidateIndex[c]!]!]!)) keptPositions[nk++] = c;
    }
    // One buffer for the per-kept-accident arrays of this type (E only when it is not ≡ 1).
    const arrays = elevationM === null ? 6 : 7;
    const typeBuffer = new ArrayBuffer((8 * arrays + 8) * nk);
    const part = (p: number) => new Float64Array(typeBuffer, 8 * p * nk, nk);
    const kept = new Int32Array(typeBuffer, 8 * arrays * nk, nk);
    const slot = new Int32Array(typeBuffer, (8 * arrays + 4) * nk, nk);
    slot.set(keptPositions.subarray(0, nk));
    const distanceKm = part(0);
    const spatial = part(1);
    const routeTypeWeight = part(2);
    for (let j = 0; j < nk; j++) {
      const i = candidateIndex[slot[j]!]!;
      const d = candidateDistanceKm[slot[j]!]!;
      kept[j] = i;
      distanceKm[j] = d;
      spatial[j] = spatialWeight(d, bandwidthKm);
      routeTypeWeight[j] = ROUTE_TYPE_MATRIX[row + corpus.typeIndex[i]!]!;
    }
    let elevation: Float64Array | null = null;
    if (elevationM !== null) {
      elevation = part(6);
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
      slot,
      distanceKm,
      spatial,
      elevation,
      routeTypeWeight,
      groups: groupRoutes(corpus, kept, typeRoutes),
      temporal: part(3),
      partial: part(4),
      influence: part(5),
    });
  }
  return { types, candidateIndex: candidateIndex.subarray(0, candidates) };
}
