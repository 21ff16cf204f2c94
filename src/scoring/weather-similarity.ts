/**
 * Weather similarity W (spec 8): in-window day weights, weighted Pearson correlation, factor scores,
 * base similarity B. The extreme multiplier X lives in `extreme-weather.ts`.
 *
 * Two forms of the same arithmetic:
 * - reference functions on plain `WeatherPattern`s (`weatherBaseSimilarity`), used by tests;
 * - the packed form used by the scorer: the current pattern's moments are prepared once per
 *   route-day (`prepareCurrentWeather`), each accident's moments once per corpus
 *   (`seriesMoments`), and `packedBaseSimilarity` only does the covariance loop.
 * Both perform the same floating-point operations in the same order, so they agree bit for bit
 * (the unit tests check it). Every sum is a plain left-to-right sum (CPython ≤ 3.11 `sum()`): that
 * is what the golden cases were generated with — e.g. case 04's mean forecast wind is
 * 17.71428571428571 (sequential), not 17.714285714285715 (compensated, CPython ≥ 3.12).
 */
import { MAX_WEATHER_DAYS, MIN_WEATHER_DAYS, WEATHER_FACTOR_WEIGHT, WITHIN_WINDOW_DECAY } from "./constants";
import { correctlyRoundedIntPow, pythonSum } from "./numeric";
import { PATTERN_SERIES, SERIES_COUNT, type WeatherPattern } from "./weather-pattern";
import type { WeatherFactorScores } from "./types";

function computeWindowWeights(m: number): number[] {
  const r: number[] = [];
  for (let daysBefore = m - 1; daysBefore >= 0; daysBefore--) r.push(correctlyRoundedIntPow(WITHIN_WINDOW_DECAY, daysBefore));
  const total = pythonSum(r);
  const w = r.map((x) => x / total);
  // weighted_pearson_correlation normalises once more.
  const wsum = pythonSum(w);
  return w.map((x) => x / wsum);
}

/** u_k for m = 0…7 (index m), computed once at load; immutable. */
const WINDOW_WEIGHTS: readonly (readonly number[])[] = Object.freeze(
  Array.from({ length: MAX_WEATHER_DAYS + 1 }, (_, m) => Object.freeze(m === 0 ? [] : computeWindowWeights(m))),
);

/**
 * Normalised in-window weights u_k (k = 0 oldest): r_k = 0.85^(m−1−k), w = r/Σr, u = w/Σw.
 */
export function windowWeights(m: number): readonly number[] {
  return m >= 0 && m <= MAX_WEATHER_DAYS ? WINDOW_WEIGHTS[m]! : computeWindowWeights(m);
}

/** Weighted mean of `values[offset … offset+m-1]` under u (left-to-right sum). */
export function seriesMean(values: ArrayLike<number>, offset: number, m: number, u: readonly number[]): number {
  let mean = 0;
  for (let k = 0; k < m; k++) mean += values[offset + k]! * u[k]!;
  return mean;
}

/** Weighted (population) standard deviation of the same values around their `mean`. */
export function seriesStd(values: ArrayLike<number>, offset: number, m: number, u: readonly number[], mean: number): number {
  let variance = 0;
  for (let k = 0; k < m; k++) {
    const d = values[offset + k]! - mean;
    variance += u[k]! * (d * d);
  }
  return Math.sqrt(variance);
}

/** Weighted mean and (population) standard deviation of `values[offset … offset+m-1]` under u. */
export function seriesMoments(values: ArrayLike<number>, offset: number, m: number, u: readonly number[]): { mean: number; std: number } {
  const mean = seriesMean(values, offset, m, u);
  return { mean, std: seriesStd(values, offset, m, u, mean) };
}

/** Python's `max(-1.0, min(1.0, rho))`, including its NaN behaviour (NaN → 1.0). */
export function clampCorrelation(rho: number): number {
  return !(rho <= 1.0) ? 1.0 : rho < -1.0 ? -1.0 : rho;
}

/** ρ from the two standard deviations and the covariance (spec 8; exact-zero tests, clamp). */
function correlationFrom(sx: number, sy: number, cov: () => number): number {
  if (sx === 0 || sy === 0) return sx === 0 && sy === 0 ? 1.0 : 0.0;
  return clampCorrelation(cov() / (sx * sy));
}

/**
 * Weighted Pearson correlation of x (current) and y (accident) under weights u (spec 8), reference
 * form. Each covariance term is evaluated as u·(x−mx)·(y−my), left to right.
 */
export function weightedCorrelation(x: ArrayLike<number>, y: ArrayLike<number>, u: readonly number[]): number {
  const m = u.length;
  const mx = seriesMoments(x, 0, m, u);
  const my = seriesMoments(y, 0, m, u);
  return correlationFrom(mx.std, my.std, () => {
    const terms: number[] = [];
    for (let k = 0; k < m; k++) terms.push(u[k]! * (x[k]! - mx.mean) * (y[k]! - my.mean));
    return pythonSum(terms);
  });
}

/** Freeze–thaw similarity: max(0, 1 − |a−b| / (max(a, b, 1) + 7)). */
export function freezeThawSimilarity(current: number, accident: number): number {
  return Math.max(0.0, 1.0 - Math.abs(current - accident) / (Math.max(current, accident, 1) + 7));
}

/** B = Σ score_f · (1/6) in factor order (CPython `sum`). `scores` has the six scores in order. */
export function combineFactorScores(scores: ArrayLike<number>): number {
  let b = 0;
  for (let f = 0; f < 6; f++) b += scores[f]! * WEATHER_FACTOR_WEIGHT;
  return b;
}

export const FACTOR_SCORE_NAMES = [...PATTERN_SERIES, "freeze_thaw"] as const;

export function factorScoresObject(scores: ArrayLike<number>): WeatherFactorScores {
  return {
    temperature: scores[0]!,
    precipitation: scores[1]!,
    wind_speed: scores[2]!,
    visibility: scores[3]!,
    cloud_cover: scores[4]!,
    freeze_thaw: scores[5]!,
  };
}

/**
 * Reference B for two usable patterns (spec 8): compare the first m = min(n₁, n₂) days. Returns
 * null when either pattern has fewer than 5 days (W = 0 in that case). Scores go to `scoresOut`.
 */
export function weatherBaseSimilarity(current: WeatherPattern, accident: WeatherPattern, scoresOut?: Float64Array): number | null {
  if (current.num_days < MIN_WEATHER_DAYS || accident.num_days < MIN_WEATHER_DAYS) return null;
  const m = Math.min(current.num_days, accident.num_days);
  const u = windowWeights(m);
  const scores = scoresOut ?? new Float64Array(6);
  PATTERN_SERIES.forEach((name, s) => {
    scores[s] = (weightedCorrelation(current[name], accident[name], u) + 1) / 2;
  });
  scores[5] = freezeThawSimilarity(current.freeze_thaw_days, accident.freeze_thaw_days);
  return combineFactorScores(scores);
}

// ---------------------------------------------------------------------------------------------
// Packed form
// ---------------------------------------------------------------------------------------------

/** Layout of packed accident series: `series[(i * SERIES_COUNT + s) * 7 + k]`. */
export const PACKED_DAYS = MAX_WEATHER_DAYS;

/** The current pattern, prepared once per route-day for every possible m (5…7, ≤ n). */
export interface CurrentWeatherContext {
  numDays: number;
  freezeThaw: number;
  /** Weighted mean of series s for window m: `mean[s * 8 + m]`. */
  mean: Float64Array;
  std: Float64Array;
  /** u_k·(x_k − mx): `centred[(s * 8 + m) * 7 + k]`. */
  centred: Float64Array;
}

/** Prepares the current pattern's moments; null when it has fewer than 5 days. */
export function prepareCurrentWeather(p: WeatherPattern): CurrentWeatherContext | null {
  if (p.num_days < MIN_WEATHER_DAYS) return null;
  const ctx: CurrentWeatherContext = {
    numDays: p.num_days,
    freezeThaw: p.freeze_thaw_days,
    mean: new Float64Array(SERIES_COUNT * 8),
    std: new Float64Array(SERIES_COUNT * 8),
    centred: new Float64Array(SERIES_COUNT * 8 * PACKED_DAYS),
  };
  const maxM = Math.min(p.num_days, MAX_WEATHER_DAYS);
  for (let s = 0; s < SERIES_COUNT; s++) {
    const x = p[PATTERN_SERIES[s]!];
    for (let m = MIN_WEATHER_DAYS; m <= maxM; m++) {
      const u = windowWeights(m);
      const { mean, std } = seriesMoments(x, 0, m, u);
      ctx.mean[s * 8 + m] = mean;
      ctx.std[s * 8 + m] = std;
      for (let k = 0; k < m; k++) ctx.centred[(s * 8 + m) * PACKED_DAYS + k] = u[k]! * (x[k]! - mean);
    }
  }
  return ctx;
}

/**
 * B for accident i of a packed corpus against the prepared current pattern.
 * `series` holds the accident's values (`PACKED_DAYS` per series), `accMean`/`accStd` its moments
 * for m = its own day count. Writes the six factor scores into `scoresOut` when given.
 */
export function packedBaseSimilarity(
  cur: CurrentWeatherContext,
  accDays: number,
  accFreezeThaw: number,
  series: Float64Array,
  accMean: Float64Array,
  accStd: Float64Array,
  i: number,
  scoresOut: Float64Array | null,
): number {
  const m = cur.numDays < accDays ? cur.numDays : accDays;
  const ownWindow = m === accDays;
  const u = ownWindow ? null : windowWeights(m);
  // B is a running left-to-right sum of score·(1/6), fused with the factor loop.
  let bs = 0;
  for (let s = 0; s < SERIES_COUNT; s++) {
    const base = (i * SERIES_COUNT + s) * PACKED_DAYS;
    let my: number;
    let sy: number;
    if (ownWindow) {
      my = accMean[i * SERIES_COUNT + s]!;
      sy = accStd[i * SERIES_COUNT + s]!;
    } else {
      const mo = seriesMoments(series, base, m, u!);
      my = mo.mean;
      sy = mo.std;
    }
    const sx = cur.std[s * 8 + m]!;
    let rho: number;
    if (sx === 0 || sy === 0) {
      rho = sx === 0 && sy === 0 ? 1.0 : 0.0;
    } else {
      const cb = (s * 8 + m) * PACKED_DAYS;
      let cov = 0;
      for (let k = 0; k < m; k++) cov += cur.centred[cb + k]! * (series[base + k]! - my);
      rho = cov / (sx * sy);
      rho = !(rho <= 1.0) ? 1.0 : rho < -1.0 ? -1.0 : rho; // = clampCorrelation, inlined
    }
    const score = (rho + 1) / 2;
    if (scoresOut) scoresOut[s] = score;
    bs += score * WEATHER_FACTOR_WEIGHT;
  }
  const ft = freezeThawSimilarity(cur.freezeThaw, accFreezeThaw);
  if (scoresOut) scoresOut[5] = ft;
  return bs + ft * WEATHER_FACTOR_WEIGHT;
}
