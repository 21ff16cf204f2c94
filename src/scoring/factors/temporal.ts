/**
 * Temporal factor Tm (spec 7.2).
 */
import { SAME_SEASON_MULTIPLIER, TEMPORAL_DECAY_IMPACT, TEMPORAL_DECAY_SHAPE } from "../constants";

/**
 * Tm₀ = 1 − 0.35·(1 − (λ^days)^1.5), times 1.05 when the target and accident months are in the
 * same season. `daysAgo` = T − accident date in whole days; negative (accident after T) is not
 * clamped, which gives Tm₀ > 1.
 */
export function temporalWeight(daysAgo: number, lambdaPerDay: number, sameSeason: boolean): number {
  const b = Math.pow(lambdaPerDay, daysAgo);
  const tm0 = 1.0 - TEMPORAL_DECAY_IMPACT * (1.0 - Math.pow(b, TEMPORAL_DECAY_SHAPE));
  return sameSeason ? tm0 * SAME_SEASON_MULTIPLIER : tm0;
}
