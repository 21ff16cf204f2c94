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
 * order, and returns how many were kept. (For one type, the place's candidates are the kept set.)
 */
export function selectAccidents(corpus: PreparedCorpus, latRad: number, lonRad: number, cosLat: number, plannedType: number, out: SelectionBuffers): number {
  const nk = placeCandidates(corpus, latRad, lonRad, cosLat, [plannedType], out.kept, out.distanceKm);
  for (let j = 0; j < nk; j++) out.routeTypeWeight[j] = ROUTE_TYPE_MATRIX[plannedType * TYPE_COUNT + corpus.typeIndex[out.kept[j]!]!]!;
  return nk;
}

/**
 * The candidates of a place at (latRad, lonRad) for the planned type indices `plannedTypes`: the
 * accidents at least one of these types keeps (Ty ≥ 0.85 for it, or d ≤ 50 km), in input order,
 * with their distances (km) — the haversine is computed once per place, not once per type. For a
 * single planned type the candidates are exactly its kept set. Returns the count.
 *
 * Since d ≥ R·|Δφ| for any pair of points, an accident whose type has Ty < 0.85 for every planned
 * type and whose latitude alone puts it further than 50 km away can be kept by none of them: no
 * haversine. The small margin leaves every borderline case to the exact test.
 */
export function placeCandidates(
  corpus: PreparedCorpus,
  latRad: number,
  lonRad: number,
  cosLat: number,
  plannedTypes: readonly number[],
  outIndex: Int32Array,
  outDistanceKm: Float64Array,
): number {
  const { latRad: accLat, lonRad: accLon, cosLat: accCos, typeIndex } = corpus;
  // Accident type index → 1 when some planned type has Ty ≥ 0.85 for it.
  const typeOkAny = new Uint8Array(TYPE_COUNT);
  for (const t of plannedTypes) {
    for (let a = 0; a < TYPE_COUNT; a++) if (ROUTE_TYPE_MATRIX[t * TYPE_COUNT + a]! >= PREFILTER_TYPE_THRESHOLD) typeOkAny[a] = 1;
  }
  const latReject = (PREFILTER_RADIUS_KM + 1e-6) / EARTH_RADIUS_KM;
  let count = 0;
  for (let i = 0, n = corpus.count; i < n; i++) {
    const typeOk = typeOkAny[typeIndex[i]!] === 1;
    if (!typeOk && Math.abs(accLat[i]! - latRad) > latReject) continue;
    const d = haversineKmRad(latRad, lonRad, cosLat, accLat[i]!, accLon[i]!, accCos[i]!);
    if (typeOk || d <= PREFILTER_RADIUS_KM) {
      outIndex[count] = i;
      outDistanceKm[count] = d;
      count++;
    }
  }
  return count;
}
