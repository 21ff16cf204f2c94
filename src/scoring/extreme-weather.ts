/**
 * Extreme-weather multiplier X and the `metadata.extreme_weather` block (spec 8 and 10.2).
 */
import { EXTREME_PENALTY_PER_SD, EXTREME_SD_THRESHOLD } from "./constants";
import { pythonSum } from "./numeric";
import type { WeatherPattern } from "./weather-pattern";
import type { ExtremeFactor, ExtremeFactorDetail, ExtremeWeather, WeatherStats } from "./types";

export interface ExtremeAnalysis {
  /** The metadata block. */
  block: ExtremeWeather;
  /** Multiply B by X (false when the statistics are null: W = B). */
  applies: boolean;
  /** X (1 when not applicable). */
  multiplier: number;
}

const SERIES_OF: Readonly<Record<ExtremeFactor, keyof WeatherPattern>> = {
  wind_speed: "wind_speed",
  precipitation: "precipitation",
  temperature: "temperature",
  visibility: "visibility",
};

/** The block when X cannot be had (`reason` when the statistics or the current pattern are missing). */
export function unavailableExtremeWeather(withReason: boolean): ExtremeWeather {
  const block: ExtremeWeather = {
    enabled: false,
    available: false,
    multiplier: 1.0,
    is_extreme: false,
    triggered_factors: [],
    factor_details: {},
  };
  if (withReason) block.reason = "historical_weather_unavailable";
  return block;
}

function isNumber(v: unknown): v is number {
  return typeof v === "number" && !Number.isNaN(v);
}

/**
 * X from the current pattern and the statistics. It depends only on those two, so it is computed
 * once per route-day.
 * - no current pattern, or statistics null → X not applied, block "unavailable" with `reason`;
 * - statistics `{}` → X = 1, the same block without `reason`;
 * - otherwise, for wind_speed, precipitation, temperature, visibility (in that order): skip a
 *   factor whose value is not a 2-element array; v = mean of the whole current series; std null or
 *   0 → recorded with z = null; else z = (v − mean)/std and X += (|z| − 2)·p when |z| > 2.
 * A `mean` that is not a number (null) with a non-zero std is recorded like a zero std (the original
 * would raise a TypeError there).
 */
export function analyseExtremeWeather(current: WeatherPattern | null, stats: WeatherStats | null): ExtremeAnalysis {
  if (current === null || stats === null || stats === undefined) {
    return { block: unavailableExtremeWeather(true), applies: false, multiplier: 1.0 };
  }
  if (Object.keys(stats).length === 0) {
    return { block: unavailableExtremeWeather(false), applies: true, multiplier: 1.0 };
  }
  let multiplier = 1.0;
  const triggered: ExtremeFactor[] = [];
  const details: Partial<Record<ExtremeFactor, ExtremeFactorDetail>> = {};
  for (const [factor, penaltyPerSd] of EXTREME_PENALTY_PER_SD) {
    if (!Object.hasOwn(stats, factor)) continue;
    const pair = stats[factor];
    if (!Array.isArray(pair) || pair.length !== 2) continue;
    const series = current[SERIES_OF[factor]] as number[];
    const currentValue = pythonSum(series) / series.length;
    const meanVal = pair[0] as number | null;
    const stdVal = pair[1] as number | null;
    if (stdVal === null || stdVal === undefined || stdVal === 0 || !isNumber(stdVal) || !isNumber(meanVal)) {
      details[factor] = {
        current_value: currentValue,
        mean: meanVal ?? null,
        std_dev: stdVal ?? null,
        z_score: null,
        is_extreme: false,
        factor_multiplier: 1.0,
      };
      continue;
    }
    const z = (currentValue - meanVal) / stdVal;
    let isExtreme = false;
    let sdsBeyond = 0.0;
    let factorMultiplier = 1.0;
    if (Math.abs(z) > EXTREME_SD_THRESHOLD) {
      isExtreme = true;
      sdsBeyond = Math.abs(z) - EXTREME_SD_THRESHOLD;
      factorMultiplier += sdsBeyond * penaltyPerSd;
      multiplier += sdsBeyond * penaltyPerSd;
      triggered.push(factor);
    }
    details[factor] = {
      current_value: currentValue,
      mean: meanVal,
      std_dev: stdVal,
      z_score: z,
      is_extreme: isExtreme,
      sds_beyond_threshold: sdsBeyond,
      penalty_per_sd: penaltyPerSd,
      factor_multiplier: factorMultiplier,
    };
  }
  const block: ExtremeWeather = {
    enabled: true,
    available: true,
    multiplier,
    is_extreme: multiplier > 1.0,
    triggered_factors: triggered,
    factor_details: details,
    source: stats.source ?? null,
    volatility: stats.volatility ?? null,
    reference_month: stats.reference_month ?? null,
  };
  return { block, applies: true, multiplier };
}
