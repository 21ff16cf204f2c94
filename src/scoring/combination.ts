/**
 * Combination (spec 9): F(W) and the risk score.
 */
import { MAX_RISK_SCORE, RISK_NORMALIZATION_FACTOR, WEATHER_EXCLUSION_THRESHOLD, WEATHER_POWER } from "./constants";

/** F = 0 when W < 0.25, else W³. */
export function combineWeather(w: number): number {
  return w < WEATHER_EXCLUSION_THRESHOLD ? 0.0 : Math.pow(w, WEATHER_POWER);
}

/** influence = S·Tm·E·Ty·Sv·G·F, multiplied left to right in this order. */
export function accidentInfluence(s: number, tm: number, e: number, ty: number, sv: number, g: number, f: number): number {
  return s * tm * e * ty * sv * g * f;
}

/** risk = clamp(7 · total, 0, 100), unrounded. */
export function riskFromTotal(totalInfluence: number): number {
  return Math.min(MAX_RISK_SCORE, Math.max(0.0, totalInfluence * RISK_NORMALIZATION_FACTOR));
}
