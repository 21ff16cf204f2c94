/**
 * Output shaping (spec 10): colour bands, the rounded top-list entry and the empty results.
 */
import { pyRound } from "./numeric";
import type { CanonicalRouteType, ColorCode, EmptyMetadata, RiskResult, TopContributingAccident } from "./types";

/** On-demand (Mountain Project endpoint) bands: <30 green, <50 yellow, <70 orange, else red. */
export function colorCode(riskScore: number): ColorCode {
  if (riskScore < 30) return "green";
  if (riskScore < 50) return "yellow";
  if (riskScore < 70) return "orange";
  return "red";
}

/** Nightly-batch bands on the score rounded to 1 dp: <25 green, <50 yellow, <75 orange, else red. */
export function batchColorCode(riskScore: number): ColorCode {
  const r = pyRound(riskScore, 1);
  if (r < 25) return "green";
  if (r < 50) return "yellow";
  if (r < 75) return "orange";
  return "red";
}

/** Unrounded factors of one accident, as the scorer computed them. */
export interface AccidentFactors {
  accidentId: number;
  totalInfluence: number;
  distanceKm: number;
  daysAgo: number;
  spatial: number;
  temporal: number;
  elevation: number;
  /** W, not W³. */
  weather: number;
  routeType: number;
  severity: number;
  grade: number;
}

/** Top-list entry: influence to 4 dp, distance to 1 dp, weights to 3 dp (Python `round`). */
export function topListEntry(f: AccidentFactors): TopContributingAccident {
  return {
    accident_id: f.accidentId,
    total_influence: pyRound(f.totalInfluence, 4),
    distance_km: pyRound(f.distanceKm, 1),
    days_ago: f.daysAgo,
    spatial_weight: pyRound(f.spatial, 3),
    temporal_weight: pyRound(f.temporal, 3),
    elevation_weight: pyRound(f.elevation, 3),
    weather_weight: pyRound(f.weather, 3),
    route_type_weight: pyRound(f.routeType, 3),
    severity_weight: pyRound(f.severity, 3),
    grade_weight: pyRound(f.grade, 3),
  };
}

function emptyResult(metadata: EmptyMetadata, routeType: CanonicalRouteType, debug: boolean): RiskResult {
  const result: RiskResult = {
    risk_score: 0.0,
    num_contributing_accidents: 0,
    top_contributing_accidents: [],
    metadata,
    color_code: colorCode(0),
    canonical_route_type: routeType,
  };
  if (debug) result.debug = { current_weather_pattern: null, scored_accidents: [] };
  return result;
}

/** Spec 10.3, no accidents at all (the corpus is empty after dropping those without coordinates/date). */
export function noAccidentsResult(routeType: CanonicalRouteType, searchDate: string, searchRadiusKm: number, debug: boolean): RiskResult {
  return emptyResult(
    {
      message: `No historical accidents found within ${pyRound(searchRadiusKm, 0).toFixed(0)}km`,
      route_type: routeType,
      search_date: searchDate,
      search_radius_km: searchRadiusKm,
    },
    routeType,
    debug,
  );
}

/** Spec 10.3, nothing left after the 50 km / type pre-filter. */
export function noCompatibleAccidentsResult(routeType: CanonicalRouteType, searchDate: string, debug: boolean): RiskResult {
  return emptyResult({ message: "No compatible accidents found after route type filtering", route_type: routeType, search_date: searchDate }, routeType, debug);
}
