/**
 * Accident set selection (spec 5): keep an accident when it is within 50 km of the route or its
 * inferred type is relevant enough to the planned type (Ty ≥ 0.85); input order is kept.
 * (Step 1, dropping accidents without coordinates or date, happens in `buildCorpus`.)
 */
import { EARTH_RADIUS_KM, PREFILTER_RADIUS_KM, PREFILTER_TYPE_THRESHOLD, ROUTE_TYPE_MATRIX, TYPE_COUNT } from "./constants";
import type { PreparedCorpus } from "./corpus";
import { haversineKmRad } from "./factors/spatial";

/** The pre-filter rule itself: d ≤ 50 km or Ty ≥ 0.85. */
export function passesPrefilter(distanceKm: number, routeTypeWeight: number): boolean {
  return distanceKm <= PREFILTER_RADIUS_KM || routeTypeWeight >= PREFILTER_TYPE_THRESHOLD;
}

/** Output buffers of `selectAccidents` (each at least `corpus.count` long). */
export interface SelectionBuffers {
  kept: Int32Array;
  distanceKm: Float64Array;
  routeTypeWeight: Float64Array;
}

/**
 * Runs the pre-filter over the corpus for a route at (latRad, lonRad) with planned type index
 * `plannedType`; writes the kept corpus indices, their distances (km) and Ty into `out`, in input
 * order, and returns how many were kept. (`placeDistances` + `selectByDistance` for one type.)
 */
export function selectAccidents(
  corpus: PreparedCorpus,
  latRad: number,
  lonRad: number,
  cosLat: number,
  plannedType: number,
  out: SelectionBuffers,
): number {
  const distances = new Float64Array(corpus.count);
  placeDistances(corpus, latRad, lonRad, cosLat, [plannedType], distances);
  return selectByDistance(corpus, distances, plannedType, out);
}

/**
 * Distance (km) from a place at (latRad, lonRad) to every accident that one of the planned type
 * indices `plannedTypes` could keep; NaN for the others. Computed once per place and shared by
 * its route types (the haversine does not depend on the type).
 *
 * Since d ≥ R·|Δφ| for any pair of points, an accident whose type has Ty < 0.85 for every planned
 * type and whose latitude alone puts it further than 50 km away can be kept by none of them: no
 * haversine. The small margin leaves every borderline case to the exact test.
 */
export function placeDistances(
  corpus: PreparedCorpus,
  latRad: number,
  lonRad: number,
  cosLat: number,
  plannedTypes: readonly number[],
  out: Float64Array,
): void {
  const { latRad: accLat, lonRad: accLon, cosLat: accCos, typeIndex } = corpus;
  // Accident type index → some planned type has Ty ≥ 0.85 for it.
  const typeOkAny = new Uint8Array(TYPE_COUNT);
  for (const t of plannedTypes) {
    for (let a = 0; a < TYPE_COUNT; a++) if (ROUTE_TYPE_MATRIX[t * TYPE_COUNT + a]! >= PREFILTER_TYPE_THRESHOLD) typeOkAny[a] = 1;
  }
  const latReject = (PREFILTER_RADIUS_KM + 1e-6) / EARTH_RADIUS_KM;
  for (let i = 0, n = corpus.count; i < n; i++) {
    if (typeOkAny[typeIndex[i]!] === 0 && Math.abs(accLat[i]! - latRad) > latReject) out[i] = NaN;
    else out[i] = haversineKmRad(latRad, lonRad, cosLat, accLat[i]!, accLon[i]!, accCos[i]!);
  }
}

/**
 * The pre-filter for planned type index `plannedType` from the place's distances
 * (`placeDistances` with this type among its types): keep when Ty ≥ 0.85 or d ≤ 50 km (a NaN
 * distance is > 50 km). Writes kept indices, d and Ty into `out` in input order; returns the count.
 */
export function selectByDistance(corpus: PreparedCorpus, distances: Float64Array, plannedType: number, out: SelectionBuffers): number {
  const { typeIndex } = corpus;
  const row = plannedType * TYPE_COUNT;
  let nk = 0;
  for (let i = 0, n = corpus.count; i < n; i++) {
    const ty = ROUTE_TYPE_MATRIX[row + typeIndex[i]!]!;
    const d = distances[i]!;
    if (passesPrefilter(d, ty)) {
      out.kept[nk] = i;
      out.distanceKm[nk] = d;
      out.routeTypeWeight[nk] = ty;
      nk++;
    }
  }
  return nk;
}
