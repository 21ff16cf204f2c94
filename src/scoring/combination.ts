/**
 * Combination (spec 9): F(W) and the risk score.
 */
import { MAX_RISK_SCORE, RISK_NORMALIZATION_FACTOR, WEATHER_EXCLUSION_THRESHOLD } from "./constants";

const SPLIT = 134217729; // 2^27 + 1, Veltkamp splitting

/** The rounding error of p = a·b (exact a·b = p + error), without FMA (Dekker). */
function productError(a: number, b: number, p: number): number {
  let c = SPLIT * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLIT * b;
  const bh = c - (c - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/**
 * w³ correctly rounded (barring ties closer than ~2⁻¹⁰⁰ relative), as glibc's `pow(w, 3)` gives it.
 * `Math.pow(w, 3)` and `w*w*w` are each off by an ulp more often; on the golden cases this form
 * reproduces more of the reference's `weather_factor` bits than either.
 */
export function cube(w: number): number {
  const p = w * w;
  if (!Number.isFinite(p) || Math.abs(w) > 1e100 || (Math.abs(w) < 1e-100 && w !== 0)) return Math.pow(w, 3);
  const e = productError(w, w, p);
  const q = p * w;
  const f = productError(p, w, q);
  return q + (f + e * w);
}

/** F = 0 when W < 0.25, else W³. */
export function combineWeather(w: number): number {
  return w < WEATHER_EXCLUSION_THRESHOLD ? 0.0 : cube(w);
}

/** influence = S·Tm·E·Ty·Sv·G·F, multiplied left to right in this order. */
export function accidentInfluence(s: number, tm: number, e: number, ty: number, sv: number, g: number, f: number): number {
  return s * tm * e * ty * sv * g * f;
}

/** risk = clamp(7 · total, 0, 100), unrounded. */
export function riskFromTotal(totalInfluence: number): number {
  return Math.min(MAX_RISK_SCORE, Math.max(0.0, totalInfluence * RISK_NORMALIZATION_FACTOR));
}
