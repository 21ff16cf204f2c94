/**
 * Scoring one route on one or more days (spec 5, 7–10) against a prepared corpus.
 *
 * Work is split by what it depends on:
 * - corpus (once): see `corpus.ts`;
 * - route (`prepareRoute`, once per route): canonical type and its constants, the pre-filter
 *   (d ≤ 50 km or Ty ≥ 0.85), and for the kept accidents d, S, E, Ty and G;
 * - route-day (`scorePreparedRouteDay`): current pattern, X, the window moments, then one pass over
 *   the kept accidents computing Tm, W, F and the influence into a typed array, with a bounded
 *   insertion list for the top 50. No per-accident allocation unless `debug` is set.
 *
 * Choices where the spec leaves room (documented here and in the report):
 * - Top list order: influence descending, ties in input order (stable). Zero-influence accidents
 *   fill the end of the list in input order.
 * - A forecast with zero rows, or with a null value in any row, counts as missing (no current pattern).
 * - Accidents lacking coordinates or a valid date are dropped before the "no accidents at all"
 *   test of 10.3 (an empty corpus → that message).
 * - The final total is numpy's pairwise sum over the kept accidents in input order; all other sums
 *   are plain left-to-right sums, which is what the golden cases were generated with (CPython
 *   ≤ 3.11 `sum()`; spec 11 says production's 3.12 used Neumaier — both agree to ~1e-15, but the
 *   goldens' bits, e.g. case 04's mean wind, are the sequential ones).
 * - An invalid `targetDate` throws a RangeError; non-finite route coordinates throw a TypeError.
 * - Forecast with < 5 days: W = 0 for accidents with a pattern, 0.5 for those without (spec 8's
 *   order of tests; see `WeatherMode.Unusable`).
 */
import {
  ELEVATION_DECAY_M,
  MAX_SEARCH_RADIUS_KM,
  MIN_WEATHER_DAYS,
  RISK_NORMALIZATION_FACTOR,
  SPATIAL_BANDWIDTH_KM,
  TEMPORAL_LAMBDA_PER_DAY,
  TOP_LIST_LENGTH,
  TYPE_NAMES,
  typeIndex as typeIndexOf,
} from "./constants";
import type { PreparedCorpus } from "./corpus";
import { isoDateFromDayNumber, parseIsoDate, seasonOfMonth } from "./dates";
import { elevationWeight } from "./factors/elevation";
import { gradeWeight, parseGrade } from "./factors/grade";
import { spatialWeight, toRadians } from "./factors/spatial";
import { selectAccidents } from "./selection";
import { temporalTargetFactor, temporalWeightFromFactors } from "./factors/temporal";
import { analyseExtremeWeather } from "./extreme-weather";
import { numpySum } from "./numeric";
import { colorCode, noAccidentsResult, noCompatibleAccidentsResult, topListEntry } from "./output";
import { canonicalRouteType } from "./route-type";
import { buildForecastPattern } from "./weather-pattern";
import { factorScoresObject, packedBaseSimilarity, prepareCurrentWeather, type CurrentWeatherContext } from "./weather-similarity";
import { combineWeather, riskFromTotal } from "./combination";
import type {
  AccidentRouteType,
  CanonicalRouteType,
  ForecastDay,
  RiskResult,
  RouteInput,
  ScoredAccidentDebug,
  ScoreOptions,
  ScoreRequest,
  TopContributingAccident,
  WeatherStats,
} from "./types";

/** Route-dependent, date-independent work for one route (reusable across its days). */
export interface RouteContext {
  readonly canonicalType: CanonicalRouteType;
  readonly typeIndex: number;
  readonly bandwidthKm: number;
  readonly lambdaPerDay: number;
  readonly elevationDecayM: number;
  readonly searchRadiusKm: number;
  readonly routeElevationM: number | null;
  readonly routeGradeDifficulty: number | null;
  /** Corpus indices of the accidents kept by the pre-filter, in input order. */
  readonly kept: Int32Array;
  /** Per kept accident (same order as `kept`). */
  readonly distanceKm: Float64Array;
  readonly spatial: Float64Array;
  readonly elevation: Float64Array;
  readonly routeTypeWeight: Float64Array;
  readonly gradeWeight: Float64Array;
}

/** Metadata radius: min(caller's value, 300), else min(4·h, 300). */
function searchRadius(bandwidthKm: number, requested: number | null | undefined): number {
  const r = typeof requested === "number" && Number.isFinite(requested) ? requested : 4 * bandwidthKm;
  return Math.min(r, MAX_SEARCH_RADIUS_KM);
}

/**
 * Route-level preparation: canonical type (spec 4.1), its h, λ, c, the pre-filter (spec 5: keep if
 * d ≤ 50 km or Ty ≥ 0.85) and the route-only factors S, E, Ty, G of the kept accidents.
 */
export function prepareRoute(corpus: PreparedCorpus, route: RouteInput, searchRadiusKm?: number | null): RouteContext {
  if (!Number.isFinite(route.latitude) || !Number.isFinite(route.longitude)) {
    throw new TypeError("route latitude and longitude must be finite numbers");
  }
  const canonicalType = canonicalRouteType(route.route_type);
  const t = typeIndexOf(canonicalType);
  const bandwidthKm = SPATIAL_BANDWIDTH_KM[t]!;
  const elevationDecayM = ELEVATION_DECAY_M[t]!;
  const routeElevationM = typeof route.elevation_m === "number" && Number.isFinite(route.elevation_m) ? route.elevation_m : null;
  const routeGradeDifficulty = parseGrade(route.grade);
  const latR = toRadians(route.latitude);
  const lonR = toRadians(route.longitude);
  const cosR = Math.cos(latR);
  const n = corpus.count;
  const { elevationM, gradeDifficulty } = corpus;
  // Two allocations per route: the kept indices and one buffer holding d, S, E, Ty, G.
  const keptTmp = new Int32Array(n);
  const buf = new Float64Array(5 * n);
  const nk = selectAccidents(corpus, latR, lonR, cosR, t, {
    kept: keptTmp,
    distanceKm: buf.subarray(0, n),
    routeTypeWeight: buf.subarray(3 * n, 4 * n),
  });
  const kept = keptTmp.subarray(0, nk);
  const distanceKm = buf.subarray(0, nk);
  const spatial = buf.subarray(n, n + nk);
  const elevation = buf.subarray(2 * n, 2 * n + nk);
  const routeTypeWeight = buf.subarray(3 * n, 3 * n + nk);
  const gradeW = buf.subarray(4 * n, 4 * n + nk);
  for (let j = 0; j < nk; j++) spatial[j] = spatialWeight(distanceKm[j]!, bandwidthKm);
  if (routeElevationM === null) elevation.fill(1.0);
  else {
    for (let j = 0; j < nk; j++) {
      const ae = elevationM[kept[j]!]!;
      elevation[j] = elevationWeight(routeElevationM, Number.isNaN(ae) ? null : ae, elevationDecayM);
    }
  }
  if (routeGradeDifficulty === null) gradeW.fill(1.0);
  else {
    for (let j = 0; j < nk; j++) {
      const ag = gradeDifficulty[kept[j]!]!;
      gradeW[j] = gradeWeight(routeGradeDifficulty, Number.isNaN(ag) ? null : ag);
    }
  }
  return {
    canonicalType,
    typeIndex: t,
    bandwidthKm,
    lambdaPerDay: TEMPORAL_LAMBDA_PER_DAY[t]!,
    elevationDecayM,
    searchRadiusKm: searchRadius(bandwidthKm, searchRadiusKm),
    routeElevationM,
    routeGradeDifficulty,
    kept,
    distanceKm,
    spatial,
    elevation,
    routeTypeWeight,
    gradeWeight: gradeW,
  };
}

/** How W is obtained for every accident of a route-day. */
const WeatherMode = {
  /** No current pattern (forecast missing): W = 0.5 for all. */
  NoForecast: 0,
  /**
   * Current pattern with < 5 days: W = 0 for every accident that has a pattern. An accident
   * without a pattern still gets 0.5: section 8 tests "no pattern" first, as the original does
   * (`similarity(...) if current and acc.pattern else 0.5`); 6.1/13's "W = 0 for every accident"
   * assumes every accident has one.
   */
  Unusable: 1,
  /** W from the similarity (0.5 for accidents without a pattern). */
  Normal: 2,
} as const;
type WeatherMode = (typeof WeatherMode)[keyof typeof WeatherMode];

interface DayContext {
  readonly mode: WeatherMode;
  readonly current: CurrentWeatherContext | null;
  readonly applyX: boolean;
  readonly multiplier: number;
  readonly targetDay: number;
  readonly targetSeason: number;
}

/**
 * Accidents whose influence is provably below 2⁻⁶⁰ of the running total (base · max F) skip the
 * weather similarity: together they could change the total by at most n·2⁻⁶⁰ ≈ 4e-15 relative
 * for 4,000 accidents — the size of summation-order noise, which the spec accepts (11) — while
 * most far-away accidents of a broad type (S < 1e-30 for ~70 % of an alpine route's kept set) no
 * longer cost a similarity each. They are computed exactly whenever they could reach the top list,
 * and in `debug` output.
 */
const NEGLIGIBLE_RELATIVE = 2 ** -60;

/**
 * The top-50 list: influence descending, ties by input position ascending. Insertion into a
 * sorted array of at most 50 — no full sort.
 */
class TopList {
  readonly j = new Int32Array(TOP_LIST_LENGTH);
  readonly inf = new Float64Array(TOP_LIST_LENGTH);
  count = 0;

  full(): boolean {
    return this.count === TOP_LIST_LENGTH;
  }

  /** Influence of the last entry (only meaningful when full). */
  last(): number {
    return this.inf[this.count - 1]!;
  }

  offer(j: number, inf: number): void {
    const n = this.count;
    if (n === TOP_LIST_LENGTH) {
      const lastInf = this.inf[n - 1]!;
      if (inf < lastInf || (inf === lastInf && j > this.j[n - 1]!)) return;
    }
    let p = n < TOP_LIST_LENGTH ? this.count++ : TOP_LIST_LENGTH - 1;
    while (p > 0) {
      const prev = this.inf[p - 1]!;
      if (prev > inf || (prev === inf && this.j[p - 1]! < j)) break;
      this.inf[p] = prev;
      this.j[p] = this.j[p - 1]!;
      p--;
    }
    this.inf[p] = inf;
    this.j[p] = j;
  }
}

/** W of kept accident j (same arithmetic in the hot loop, the top list and debug). */
function weatherOf(corpus: PreparedCorpus, day: DayContext, i: number, scoresOut: Float64Array | null): { w: number; b: number } {
  if (day.mode === WeatherMode.NoForecast) return { w: 0.5, b: NaN };
  const nAcc = corpus.weatherDays[i]!;
  if (nAcc === 0) return { w: 0.5, b: NaN };
  if (day.mode === WeatherMode.Unusable) return { w: 0.0, b: 0.0 };
  const b = packedBaseSimilarity(day.current!, nAcc, corpus.freezeThaw[i]!, corpus.weatherSeries, corpus.seriesMean, corpus.seriesStd, i, scoresOut);
  return { w: day.applyX ? b * day.multiplier : b, b };
}

/**
 * Scores one route-day with a prepared route. See the module comment for the order of work and
 * the documented choices.
 */
export function scorePreparedRouteDay(
  corpus: PreparedCorpus,
  route: RouteContext,
  targetDate: string,
  forecast: readonly ForecastDay[] | null,
  weatherStats: WeatherStats | null,
  options: ScoreOptions = {},
): RiskResult {
  const debug = options.debug === true;
  const target = parseIsoDate(targetDate);
  if (!target) throw new RangeError(`targetDate must be a calendar date "YYYY-MM-DD", got ${JSON.stringify(targetDate)}`);
  const searchDate = isoDateFromDayNumber(target.dayNumber);
  const type = route.canonicalType;
  if (corpus.count === 0) return noAccidentsResult(type, searchDate, route.searchRadiusKm, debug);
  const nk = route.kept.length;
  if (nk === 0) return noCompatibleAccidentsResult(type, searchDate, debug);

  // ---- route-day preparation ----
  const pattern = buildForecastPattern(forecast);
  const extreme = analyseExtremeWeather(pattern, weatherStats ?? null);
  const current = pattern && pattern.num_days >= MIN_WEATHER_DAYS ? prepareCurrentWeather(pattern) : null;
  const day: DayContext = {
    mode: pattern === null ? WeatherMode.NoForecast : current === null ? WeatherMode.Unusable : WeatherMode.Normal,
    current,
    applyX: extreme.applies,
    multiplier: extreme.multiplier,
    targetDay: target.dayNumber,
    targetSeason: seasonOfMonth(target.month),
  };

  // ---- hot loop ----
  const { kept, spatial, elevation, routeTypeWeight, gradeWeight: gradeW } = route;
  const { dayNumber, season, severityWeight, weatherDays, freezeThaw, weatherSeries, seriesMean, seriesStd } = corpus;
  const lambda = route.lambdaPerDay;
  const accFactor = corpus.temporalFactor[route.typeIndex]!;
  const targetFactor = temporalTargetFactor(lambda, day.targetDay);
  const influence = new Float64Array(nk);
  const top = new TopList();
  const noForecast = day.mode === WeatherMode.NoForecast;
  const normal = day.mode === WeatherMode.Normal;
  // F ≤ X³ (B ≤ 1, and 0.125 for the fallbacks); the margin covers rounding.
  const fMax = (day.applyX ? day.multiplier * day.multiplier * day.multiplier : 1) * (1 + 1e-9);
  let running = 0; // sum of the influences computed so far
  let deferred = 0;
  const baseOf = (j: number, i: number, tm: number) =>
    spatial[j]! * tm * elevation[j]! * routeTypeWeight[j]! * severityWeight[i]! * gradeW[j]!;
  for (let j = 0; j < nk; j++) {
    const i = kept[j]!;
    const tm = temporalWeightFromFactors(targetFactor, accFactor[i]!, day.targetDay - dayNumber[i]!, lambda, season[i] === day.targetSeason);
    const base = baseOf(j, i, tm);
    let w: number;
    if (noForecast || weatherDays[i] === 0) w = 0.5;
    else if (!normal) w = 0.0; // unusable current pattern
    else if (base === 0) w = 0; // influence is 0 whatever W is; W is recomputed when reported
    else if (base * fMax < running * NEGLIGIBLE_RELATIVE) {
      // Bounded by 2⁻⁶⁰ of the total so far: defer W (see `NEGLIGIBLE_RELATIVE`).
      influence[j] = -base;
      deferred++;
      continue;
    } else {
      const b = packedBaseSimilarity(current!, weatherDays[i]!, freezeThaw[i]!, weatherSeries, seriesMean, seriesStd, i, null);
      w = day.applyX ? b * day.multiplier : b;
    }
    const inf = base * combineWeather(w);
    influence[j] = inf;
    running += inf;
    top.offer(j, inf);
  }
  if (deferred > 0) {
    // A deferred accident matters only if it could still enter the top list; compute those exactly
    // (all of them when the list is not full). The others stay out of the total.
    for (let j = 0; j < nk; j++) {
      const negBase = influence[j]!;
      if (!(negBase < 0)) continue;
      if (top.full() && -negBase * fMax < top.last()) {
        influence[j] = 0;
        continue;
      }
      const i = kept[j]!;
      const b = packedBaseSimilarity(current!, weatherDays[i]!, freezeThaw[i]!, weatherSeries, seriesMean, seriesStd, i, null);
      const inf = -negBase * combineWeather(day.applyX ? b * day.multiplier : b);
      influence[j] = inf;
      top.offer(j, inf);
    }
  }
  const total = numpySum(influence, nk);
  const riskScore = riskFromTotal(total);

  // ---- output ----
  const details = (j: number, scoresOut: Float64Array | null) => {
    const i = kept[j]!;
    const daysAgo = day.targetDay - dayNumber[i]!;
    const tm = temporalWeightFromFactors(targetFactor, accFactor[i]!, daysAgo, lambda, season[i] === day.targetSeason);
    const { w, b } = weatherOf(corpus, day, i, scoresOut);
    return { i, daysAgo, tm, w, b };
  };
  const topList: TopContributingAccident[] = new Array(top.count);
  for (let r = 0; r < top.count; r++) {
    const j = top.j[r]!;
    const { i, daysAgo, tm, w } = details(j, null);
    topList[r] = topListEntry({
      accidentId: corpus.accidentId[i]!,
      totalInfluence: influence[j]!,
      distanceKm: route.distanceKm[j]!,
      daysAgo,
      spatial: spatial[j]!,
      temporal: tm,
      elevation: elevation[j]!,
      weather: w,
      routeType: routeTypeWeight[j]!,
      severity: severityWeight[i]!,
      grade: gradeW[j]!,
    });
  }
  const result: RiskResult = {
    risk_score: riskScore,
    num_contributing_accidents: nk,
    top_contributing_accidents: topList,
    metadata: {
      route_type: type,
      search_date: searchDate,
      total_influence_sum: total,
      normalization_factor: RISK_NORMALIZATION_FACTOR,
      vectorized: true,
      search_radius_km: route.searchRadiusKm,
      extreme_weather: extreme.block,
    },
    color_code: colorCode(riskScore),
    canonical_route_type: type,
  };
  if (debug) {
    const scored: ScoredAccidentDebug[] = new Array(nk);
    const scores = new Float64Array(6);
    for (let j = 0; j < nk; j++) {
      const { i, daysAgo, tm, w, b } = details(j, scores);
      const nAcc = weatherDays[i]!;
      const hasSimilarity = day.mode === WeatherMode.Normal && nAcc > 0;
      const unusable = day.mode === WeatherMode.Unusable && nAcc > 0;
      scored[j] = {
        accident_id: corpus.accidentId[i]!,
        route_type: TYPE_NAMES[corpus.typeIndex[i]!] as AccidentRouteType,
        severity: corpus.severityLabels[corpus.severityCode[i]!]!,
        distance_km: route.distanceKm[j]!,
        days_ago: daysAgo,
        spatial_weight: spatial[j]!,
        temporal_weight: tm,
        elevation_weight: elevation[j]!,
        route_type_weight: routeTypeWeight[j]!,
        severity_weight: severityWeight[i]!,
        grade_weight: gradeW[j]!,
        has_weather_pattern: nAcc > 0,
        weather_days: nAcc,
        weather_similarity: w,
        weather_base_similarity: hasSimilarity ? b : unusable ? 0.0 : null,
        weather_factor_scores: hasSimilarity ? factorScoresObject(scores) : unusable ? {} : null,
        freeze_thaw_current: hasSimilarity ? current!.freezeThaw : unusable ? 0 : null,
        freeze_thaw_accident: hasSimilarity ? freezeThaw[i]! : unusable ? 0 : null,
        weather_factor: combineWeather(w),
        // Exact even for accidents deferred as negligible (same operations as the hot loop).
        total_influence: baseOf(j, i, tm) * combineWeather(w),
      };
    }
    result.debug = {
      current_weather_pattern: pattern
        ? {
            temperature: pattern.temperature,
            precipitation: pattern.precipitation,
            wind_speed: pattern.wind_speed,
            visibility: pattern.visibility,
            cloud_cover: pattern.cloud_cover,
            daily_temps: pattern.daily_temps,
            num_days: pattern.num_days,
            freeze_thaw_days: pattern.freeze_thaw_days,
          }
        : null,
      scored_accidents: scored,
      total_influence_sum_check: total,
      route_grade_difficulty: route.routeGradeDifficulty,
    };
  }
  return result;
}

/** Scores one route on one day (spec sections 5–10). */
export function scoreRouteDay(corpus: PreparedCorpus, request: ScoreRequest, options: ScoreOptions = {}): RiskResult {
  const route = prepareRoute(corpus, request.route, request.searchRadiusKm);
  return scorePreparedRouteDay(corpus, route, request.targetDate, request.forecast, request.weatherStats, options);
}

/** One day of a multi-day request. */
export interface DayRequest {
  targetDate: string;
  forecast: readonly ForecastDay[] | null;
  weatherStats: WeatherStats | null;
}

/**
 * Scores one route on several days, doing the route-level work (pre-filter, S, E, Ty, G) once.
 * Each result equals `scoreRouteDay` for that day.
 */
export function scoreRouteDays(
  corpus: PreparedCorpus,
  request: { route: RouteInput; days: readonly DayRequest[]; searchRadiusKm?: number | null },
  options: ScoreOptions = {},
): RiskResult[] {
  const route = prepareRoute(corpus, request.route, request.searchRadiusKm);
  return request.days.map((d) => scorePreparedRouteDay(corpus, route, d.targetDate, d.forecast, d.weatherStats, options));
}
