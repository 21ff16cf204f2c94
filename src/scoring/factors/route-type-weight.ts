/**
 * Route-type factor Ty (spec 7.4, matrix of 3.2).
 */
import { ROUTE_TYPE_MATRIX, TYPE_COUNT, typeIndex } from "../constants";

/** Ty(planned, accident) by type index (see `TYPE_NAMES`). */
export function routeTypeWeightByIndex(plannedIndex: number, accidentIndex: number): number {
  return ROUTE_TYPE_MATRIX[plannedIndex * TYPE_COUNT + accidentIndex]!;
}

/** Ty(planned, accident) by name; both keys lower-cased, unknown pairs 0.5. */
export function routeTypeWeight(planned: string, accident: string): number {
  return routeTypeWeightByIndex(typeIndex(planned), typeIndex(accident));
}
