/**
 * Spatial factor S (spec 7.1): haversine distance and a Gaussian kernel without cut-off or floor.
 */
import { EARTH_RADIUS_KM } from "../constants";

export const DEG_TO_RAD = Math.PI / 180;

/** Degrees → radians exactly as `math.radians` / `np.radians` do (x · (π/180)). */
export function toRadians(degrees: number): number {
  return degrees * DEG_TO_RAD;
}

/**
 * Haversine distance (km) from radian coordinates; `cosLat*` are the cosines of the latitudes
 * (precomputed by callers). Δ = accident − route, a = sin²(Δφ/2) + cosφ_route·cosφ_acc·sin²(Δψ/2),
 * d = 6371·2·asin(√a). `a` is capped at 1 so that near-antipodal rounding cannot give NaN.
 */
export function haversineKmRad(routeLatRad: number, routeLonRad: number, routeCosLat: number, accLatRad: number, accLonRad: number, accCosLat: number): number {
  const s1 = Math.sin((accLatRad - routeLatRad) / 2);
  const s2 = Math.sin((accLonRad - routeLonRad) / 2);
  let a = s1 * s1 + routeCosLat * accCosLat * (s2 * s2);
  if (a > 1) a = 1;
  return EARTH_RADIUS_KM * (2 * Math.asin(Math.sqrt(a)));
}

/** Haversine distance (km) between two points given in degrees. */
export function haversineKm(lat1Deg: number, lon1Deg: number, lat2Deg: number, lon2Deg: number): number {
  const p1 = toRadians(lat1Deg);
  const p2 = toRadians(lat2Deg);
  return haversineKmRad(p1, toRadians(lon1Deg), Math.cos(p1), p2, toRadians(lon2Deg), Math.cos(p2));
}

/** S = exp(−d²/(2h²)). */
export function spatialWeight(distanceKm: number, bandwidthKm: number): number {
  return Math.exp(-(distanceKm * distanceKm) / (2 * (bandwidthKm * bandwidthKm)));
}
