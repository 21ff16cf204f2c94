/**
 * Elevation factor E (spec 7.3): a bonus, never a penalty.
 */
import { ELEVATION_BONUS_MAX } from "../constants";

/**
 * E = 1 + 0.15·exp(−(|elev_acc − elev_route|/c)²); 1 when either elevation is unknown (null/NaN).
 */
export function elevationWeight(routeElevationM: number | null, accidentElevationM: number | null, decayM: number): number {
  if (routeElevationM === null || accidentElevationM === null) return 1.0;
  if (Number.isNaN(routeElevationM) || Number.isNaN(accidentElevationM)) return 1.0;
  const q = Math.abs(accidentElevationM - routeElevationM) / decayM;
  return 1.0 + ELEVATION_BONUS_MAX * Math.exp(-(q * q));
}
