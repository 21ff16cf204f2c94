/**
 * Temporal factor Tm (spec 7.2).
 */
import { SAME_SEASON_MULTIPLIER, TEMPORAL_DECAY_IMPACT, TEMPORAL_DECAY_SHAPE } from "../constants";

/**
 * Reference form: Tm₀ = 1 − 0.35·(1 − (λ^days)^1.5), times 1.05 when the target and accident
 * months are in the same season. `daysAgo` = T − accident date in whole days; negative (accident
 * after T) is not clamped, which gives Tm₀ > 1.
 */
export function temporalWeight(daysAgo: number, lambdaPerDay: number, sameSeason: boolean): number {
  const b = Math.pow(lambdaPerDay, daysAgo);
  const tm0 = 1.0 - TEMPORAL_DECAY_IMPACT * (1.0 - Math.pow(b, TEMPORAL_DECAY_SHAPE));
  return sameSeason ? tm0 * SAME_SEASON_MULTIPLIER : tm0;
}

/*
 * Fast form used by the scorer. (λ^days)^1.5 = λ^(1.5·T) · λ^(−1.5·a) with T and a the day numbers
 * of the target and accident dates: the accident factor is computed once per corpus, the target
 * factor once per route-day, so each accident costs one multiplication instead of two `pow`s.
 * Both factors are within a couple of ulps of exact, like `pow` itself; the result differs from
 * the reference form by ~1e-16 relative (tests check 1e-14). Outside the safe exponent range
 * (neither factor may be near under/overflow) the scorer falls back to the reference form.
 */

const SAFE_MIN = 1e-280;
const SAFE_MAX = 1e280;

/** λ^(−1.5·accidentDay), stored per accident and λ in the corpus. */
export function temporalAccidentFactor(lambdaPerDay: number, accidentDayNumber: number): number {
  return Math.pow(lambdaPerDay, -TEMPORAL_DECAY_SHAPE * accidentDayNumber);
}

/** λ^(1.5·targetDay), once per route-day. */
export function temporalTargetFactor(lambdaPerDay: number, targetDayNumber: number): number {
  return Math.pow(lambdaPerDay, TEMPORAL_DECAY_SHAPE * targetDayNumber);
}

/** Tm from the two factors (falls back to the reference form when a factor is out of range). */
export function temporalWeightFromFactors(targetFactor: number, accidentFactor: number, daysAgo: number, lambdaPerDay: number, sameSeason: boolean): number {
  if (!(targetFactor > SAFE_MIN && targetFactor < SAFE_MAX && accidentFactor > SAFE_MIN && accidentFactor < SAFE_MAX)) {
    return temporalWeight(daysAgo, lambdaPerDay, sameSeason);
  }
  const tm0 = 1.0 - TEMPORAL_DECAY_IMPACT * (1.0 - targetFactor * accidentFactor);
  return sameSeason ? tm0 * SAME_SEASON_MULTIPLIER : tm0;
}
