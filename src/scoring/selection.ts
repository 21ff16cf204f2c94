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
 * order, and returns how many were kept.
 *
 * Since d ≥ R·|Δφ| for any pair of points, an accident of a low-Ty type whose latitude alone puts
 * it further than 50 km away is rejected without the haversine; the small margin leaves every
 * borderline case to the exact test.
 */
export function selectAccidents(
  corpus: PreparedCorpus,
  latRad: number,
  lonRad: number,
  cosLat: number,
  plannedType: number,
  out: SelectionBuffers,
): number {
  const { latRad: accLat, lonRad: accLon, cosLat: accCos, typeIndex } = corpus;
  const row = plannedType * TYPE_COUNT;
  const latReject = (PREFILTER_RADIUS_KM + 1e-6) / EARTH_RADIUS_KM;
  let nk = 0;
  for (let i = 0, n = corpus.count; i < n; i++) {
    const ty = ROUTE_TYPE_MATRIX[row + typeIndex[i]!]!;
    const typeOk = ty >= PREFILTER_TYPE_THRESHOLD;
    if (!typeOk && Math.abs(accLat[i]! - latRad) > latReject) continue;
    const d = haversineKmRad(latRad, lonRad, cosLat, accLat[i]!, accLon[i]!, accCos[i]!);
    if (typeOk || d <= PREFILTER_RADIUS_KM) {
      out.kept[nk] = i;
      out.distanceKm[nk] = d;
      out.routeTypeWeight[nk] = ty;
      nk++;
    }
  }
  return nk;
}
