/**
 * Scoring routes on days (spec 5, 7–10) against a prepared corpus.
 *
 * Work is done once at the level it depends on (`scoreLocationDays`):
 * - corpus (once): see `corpus.ts`;
 * - location (`prepareLocation`): canonical types, distances, the pre-filter, S, E, Ty per type,
 *   G per group of routes with the same grade factors (see `location.ts`);
 * - day (`prepareDay`): target day, current pattern and its moments, X (see `day.ts`);
 * - location-day (`DayWeather`): W and F of each accident, computed when first needed and shared
 *   by every route type and route (W does not depend on them);
 * - location-day-type (`typeDayPartial`, in the type's first route group): Tm with the type's λ,
 *   and S·Tm·E·Ty·Sv;
 * - route-day (`scoreGroupDay`): ·G·F per kept accident into a typed array, the total and a
 *   bounded top-50 list. No per-accident allocation unless `debug` is set.
 * Each route's arithmetic is the same operations in the same order whatever other routes share
 * its location, so scoring routes together gives bit-for-bit the results of scoring each alone.
 *
 * Choices where the spec leaves room (documented here and in the report):
 * - Top list order: influence descending, ties in input order (stable). Zero-influence accidents
 *   fill the end of the list in input order (`TopList`).
 * - A forecast with zero rows, or with a null value in any row, counts as missing (no current pattern).
 * - Accidents lacking coordinates or a valid date are dropped before the "no accidents at all"
 *   test of 10.3 (an empty corpus → that message).
 * - The final total is numpy's pairwise sum over the kept accidents in input order; all other sums
 *   are plain left-to-right sums, which is what the golden cases were generated with (CPython
 *   ≤ 3.11 `sum()`; spec 11 says production's 3.12 used Neumaier — both agree to ~1e-15, but the
 *   goldens' bits, e.g. case 04's mean wind, are the sequential ones).
 * - An invalid `targetDate` throws a RangeError; non-finite coordinates throw a TypeError.
 * - Forecast with < 5 days: W = 0 for accidents with a pattern, 0.5 for those without (spec 8's
 *   order of tests; see `WeatherMode.Unusable`).
 */
import { RISK_NORMALIZATION_FACTOR, TYPE_NAMES } from "./constants";
import type { PreparedCorpus } from "./corpus";
import { WeatherMode, extremeWeatherBlock, prepareDay, type DayContext } from "./day";
import { DayWeather, NO_PATTERN_FACTOR, WEATHER_DETAIL_LENGTH, ZERO_FACTOR, accidentWeather } from "./day-weather";
import { temporalTargetFactor, temporalWeightFromFactors } from "./factors/temporal";
import { prepareLocation, type GroupRoute, type RouteGroup, type TypeContext } from "./location";
import { numpySum } from "./numeric";
import { colorCode, noAccidentsResult, noCompatibleAccidentsResult, topListEntry } from "./output";
import { TopList } from "./top-list";
import { factorScoresObject } from "./weather-similarity";
import { combineWeather, riskFromTotal } from "./combination";
import type {
  AccidentRouteType,
  CompactRiskResult,
  DayRequest,
  LocationRequest,
  RiskDebug,
  RiskResult,
  RouteInput,
  ScoredAccidentDebug,
  ScoreOptions,
  ScoreRequest,
  TopContributingAccident,
} from "./types";

/**
 * Accidents whose influence is provably below 2⁻⁶⁰ of the running total (base · max F) skip the
 * weather similarity: together they could change the total by at most n·2⁻⁶⁰ ≈ 4e-15 relative
 * for 4,000 accidents — the size of summation-order noise, which the spec accepts (11) — while
 * most far-away accidents of a broad type (S < 1e-30 for ~70 % of an alpine route's kept set) no
 * longer cost a similarity each. They are computed exactly whenever they could reach the top list,
 * and in `debug` output. The decision depends only on the route's own influences, never on the
 * other routes of its location.
 */
const NEGLIGIBLE_RELATIVE = 2 ** -60;

/** λ^(1.5·T) and the corpus' λ^(−1.5·a) for a type's λ (see factors/temporal.ts). */
function temporalFactorsOf(corpus: PreparedCorpus, t: TypeContext, day: DayContext): { target: number; accident: Float64Array } {
  return { target: temporalTargetFactor(t.lambdaPerDay, day.targetDay), accident: corpus.temporalFactor[t.typeIndex]! };
}

/**
 * Tm and S·Tm·E·Ty·Sv of kept accident j (corpus index i) for the location-day-type, stored in the
 * type's scratch (`temporal`, `partial`) for the type's other groups and the output; returns the
 * latter. Computed by the type's first route group, in its hot loop.
 */
function typeDayPartial(
  corpus: PreparedCorpus,
  t: TypeContext,
  day: DayContext,
  targetFactor: number,
  accidentFactor: Float64Array,
  j: number,
  i: number,
): number {
  const tm = temporalWeightFromFactors(
    targetFactor,
    accidentFactor[i]!,
    day.targetDay - corpus.dayNumber[i]!,
    t.lambdaPerDay,
    corpus.season[i] === day.targetSeason,
  );
  t.temporal[j] = tm;
  // E ≡ 1 is left out: x·1 = x exactly, so the product is the same.
  const st = t.spatial[j]! * tm;
  const p = (t.elevation === null ? st : st * t.elevation[j]!) * t.routeTypeWeight[j]! * corpus.severityWeight[i]!;
  t.partial[j] = p;
  return p;
}

/** E of kept accident j. */
function elevationOf(t: TypeContext, j: number): number {
  return t.elevation === null ? 1.0 : t.elevation[j]!;
}

/** S·Tm·E·Ty·Sv·G of kept accident j: the influence before F (left-to-right products). */
function baseOf(t: TypeContext, g: RouteGroup, j: number): number {
  return g.gradeWeight === null ? t.partial[j]! : t.partial[j]! * g.gradeWeight[j]!;
}

/**
 * One route group's day: influences into `t.influence`, the top list into `top`; returns the
 * total. F comes from the shared `weather`; S·Tm·E·Ty·Sv is computed here by the type's first
 * group (`partialReady` false) and read by the others.
 */
function scoreGroupDay(
  corpus: PreparedCorpus,
  t: TypeContext,
  g: RouteGroup,
  day: DayContext,
  weather: DayWeather,
  top: TopList,
  partialReady: boolean,
): number {
  const { kept, slot, partial, influence } = t;
  const temporal = temporalFactorsOf(corpus, t, day);
  const targetFactor = temporal.target;
  const accidentFactor = temporal.accident;
  const gradeW = g.gradeWeight;
  const { weatherDays } = corpus;
  const nk = kept.length;
  const noForecast = day.mode === WeatherMode.NoForecast;
  const normal = day.mode === WeatherMode.Normal;
  // F ≤ X³ (B ≤ 1, and 0.125 for the fallbacks); the margin covers rounding.
  const fMax = (day.applyX ? day.multiplier * day.multiplier * day.multiplier : 1) * (1 + 1e-9);
  let running = 0; // sum of the influences computed so far
  let deferred = 0;
  top.reset();
  for (let j = 0; j < nk; j++) {
    const i = kept[j]!;
    const p = partialReady ? partial[j]! : typeDayPartial(corpus, t, day, targetFactor, accidentFactor, j, i);
    const base = gradeW === null ? p : p * gradeW[j]!;
    let f: number;
    if (noForecast || weatherDays[i] === 0) f = NO_PATTERN_FACTOR;
    else if (!normal)
      f = ZERO_FACTOR; // unusable current pattern: W = 0
    else if (base === 0)
      f = ZERO_FACTOR; // influence is 0 whatever W is; W is computed if reported
    else if (base * fMax < running * NEGLIGIBLE_RELATIVE) {
      // Bounded by 2⁻⁶⁰ of the total so far: defer W (see `NEGLIGIBLE_RELATIVE`).
      influence[j] = -base;
      deferred++;
      continue;
    } else f = weather.factor(slot[j]!);
    const inf = base * f;
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
      const inf = -negBase * weather.factor(slot[j]!);
      influence[j] = inf;
      top.offer(j, inf);
    }
  }
  return numpySum(influence, nk);
}

/** The rounded top list from what `scoreGroupDay` computed (nothing is recomputed). */
function topContributors(corpus: PreparedCorpus, t: TypeContext, g: RouteGroup, day: DayContext, weather: DayWeather, top: TopList): TopContributingAccident[] {
  const list: TopContributingAccident[] = new Array(top.count);
  for (let r = 0; r < top.count; r++) {
    const j = top.j[r]!;
    const i = t.kept[j]!;
    list[r] = topListEntry({
      accidentId: corpus.accidentId[i]!,
      totalInfluence: t.influence[j]!,
      distanceKm: t.distanceKm[j]!,
      daysAgo: day.targetDay - corpus.dayNumber[i]!,
      spatial: t.spatial[j]!,
      temporal: t.temporal[j]!,
      elevation: elevationOf(t, j),
      weather: weather.w(t.slot[j]!),
      routeType: t.routeTypeWeight[j]!,
      severity: corpus.severityWeight[i]!,
      grade: g.gradeWeight === null ? 1.0 : g.gradeWeight[j]!,
    });
  }
  return list;
}

/** The golden-format `debug` block: every kept accident, unrounded, exact even when deferred. */
function debugBlock(corpus: PreparedCorpus, t: TypeContext, g: RouteGroup, route: GroupRoute, day: DayContext, total: number): RiskDebug {
  const nk = t.kept.length;
  const scored: ScoredAccidentDebug[] = new Array(nk);
  const detail = new Float64Array(WEATHER_DETAIL_LENGTH);
  for (let j = 0; j < nk; j++) {
    const i = t.kept[j]!;
    detail.fill(NaN);
    const w = accidentWeather(corpus, day, i, detail);
    const nAcc = corpus.weatherDays[i]!;
    const hasSimilarity = day.mode === WeatherMode.Normal && nAcc > 0;
    const unusable = day.mode === WeatherMode.Unusable && nAcc > 0;
    scored[j] = {
      accident_id: corpus.accidentId[i]!,
      route_type: TYPE_NAMES[corpus.typeIndex[i]!] as AccidentRouteType,
      severity: corpus.severityLabels[corpus.severityCode[i]!]!,
      distance_km: t.distanceKm[j]!,
      days_ago: day.targetDay - corpus.dayNumber[i]!,
      spatial_weight: t.spatial[j]!,
      temporal_weight: t.temporal[j]!,
      elevation_weight: elevationOf(t, j),
      route_type_weight: t.routeTypeWeight[j]!,
      severity_weight: corpus.severityWeight[i]!,
      grade_weight: g.gradeWeight === null ? 1.0 : g.gradeWeight[j]!,
      has_weather_pattern: nAcc > 0,
      weather_days: nAcc,
      weather_similarity: w,
      weather_base_similarity: hasSimilarity ? detail[6]! : unusable ? 0.0 : null,
      weather_factor_scores: hasSimilarity ? factorScoresObject(detail) : unusable ? {} : null,
      freeze_thaw_current: hasSimilarity ? day.current!.freezeThaw : unusable ? 0 : null,
      freeze_thaw_accident: hasSimilarity ? corpus.freezeThaw[i]! : unusable ? 0 : null,
      weather_factor: combineWeather(w),
      total_influence: baseOf(t, g, j) * combineWeather(w),
    };
  }
  const p = day.pattern;
  return {
    current_weather_pattern: p
      ? {
          temperature: [...p.temperature],
          precipitation: [...p.precipitation],
          wind_speed: [...p.wind_speed],
          visibility: [...p.visibility],
          cloud_cover: [...p.cloud_cover],
          daily_temps: p.daily_temps.map((d) => [...d] as [number, number, number]),
          num_days: p.num_days,
          freeze_thaw_days: p.freeze_thaw_days,
        }
      : null,
    scored_accidents: scored,
    total_influence_sum_check: total,
    route_grade_difficulty: route.gradeDifficulty,
  };
}

/** What one route group's day produced, for the output builders. */
interface GroupDayScore {
  readonly type: TypeContext;
  readonly group: RouteGroup;
  readonly day: DayContext;
  readonly weather: DayWeather;
  readonly top: TopList;
  readonly total: number;
  /** The group's rounded top list, built for its first route; the others get copies. */
  topList?: TopContributingAccident[];
}

/** Builds a route's result from its group's day; `null` score = one of the empty results of 10.3. */
interface OutputBuilder<T> {
  empty(corpus: PreparedCorpus, t: TypeContext, day: DayContext): T;
  scored(corpus: PreparedCorpus, s: GroupDayScore, route: GroupRoute): T;
}

function fullOutput(debug: boolean): OutputBuilder<RiskResult> {
  return {
    empty: (corpus, t, day) =>
      corpus.count === 0
        ? noAccidentsResult(t.canonicalType, day.searchDate, t.searchRadiusKm, debug)
        : noCompatibleAccidentsResult(t.canonicalType, day.searchDate, debug),
    scored(corpus, s, route) {
      const type = s.type.canonicalType;
      const riskScore = riskFromTotal(s.total);
      const result: RiskResult = {
        risk_score: riskScore,
        num_contributing_accidents: s.type.kept.length,
        top_contributing_accidents: s.topList
          ? s.topList.map((entry) => ({ ...entry }))
          : (s.topList = topContributors(corpus, s.type, s.group, s.day, s.weather, s.top)),
        metadata: {
          route_type: type,
          search_date: s.day.searchDate,
          total_influence_sum: s.total,
          normalization_factor: RISK_NORMALIZATION_FACTOR,
          vectorized: true,
          search_radius_km: s.type.searchRadiusKm,
          extreme_weather: extremeWeatherBlock(s.day),
        },
        color_code: colorCode(riskScore),
        canonical_route_type: type,
      };
      if (debug) result.debug = debugBlock(corpus, s.type, s.group, route, s.day, s.total);
      return result;
    },
  };
}

const COMPACT_OUTPUT: OutputBuilder<CompactRiskResult> = {
  empty: (_corpus, t) => ({
    risk_score: 0.0,
    color_code: colorCode(0),
    num_contributing_accidents: 0,
    canonical_route_type: t.canonicalType,
    extreme_weather_applied: false,
  }),
  scored(_corpus, s) {
    const riskScore = riskFromTotal(s.total);
    return {
      risk_score: riskScore,
      color_code: colorCode(riskScore),
      num_contributing_accidents: s.type.kept.length,
      canonical_route_type: s.type.canonicalType,
      extreme_weather_applied: s.day.isExtreme,
    };
  },
};

/** The location loop: days, then types, then route groups; results as `[routeIndex][dayIndex]`. */
function scoreLocation<T>(corpus: PreparedCorpus, request: LocationRequest, output: OutputBuilder<T>): T[][] {
  const location = prepareLocation(corpus, request.location, request.routes, request.searchRadiusKm);
  const days = request.days.map(prepareDay); // validates every date before any work
  const results: T[][] = request.routes.map(() => new Array<T>(days.length));
  const weather = new DayWeather(corpus, location.candidateIndex);
  const top = new TopList();
  days.forEach((day, d) => {
    weather.begin(day);
    for (const t of location.types) {
      if (corpus.count === 0 || t.kept.length === 0) {
        for (const g of t.groups) for (const route of g.routes) results[route.index]![d] = output.empty(corpus, t, day);
        continue;
      }
      t.groups.forEach((group, k) => {
        const total = scoreGroupDay(corpus, t, group, day, weather, top, k > 0);
        const s: GroupDayScore = { type: t, group, day, weather, top, total };
        for (const route of group.routes) results[route.index]![d] = output.scored(corpus, s, route);
      });
    }
  });
  return results;
}

/**
 * Scores every route of a location on every day: `result[routeIndex][dayIndex]`, each equal (bit
 * for bit) to `scoreRouteDays` for that route alone at the location's coordinates and elevation.
 */
export function scoreLocationDays(corpus: PreparedCorpus, request: LocationRequest, options: ScoreOptions = {}): RiskResult[][] {
  return scoreLocation(corpus, request, fullOutput(options.debug === true));
}

/**
 * As `scoreLocationDays`, but only the compact fields (no top list, no metadata) — what warming
 * stores. Each field equals the corresponding field of the full result.
 */
export function scoreLocationDaysCompact(corpus: PreparedCorpus, request: LocationRequest): CompactRiskResult[][] {
  return scoreLocation(corpus, request, COMPACT_OUTPUT);
}

/** A one-route location at the route's own coordinates and elevation. */
function routeLocation(route: RouteInput, days: readonly DayRequest[], searchRadiusKm: number | null | undefined): LocationRequest {
  return {
    location: { latitude: route.latitude, longitude: route.longitude, elevation_m: route.elevation_m },
    routes: [{ route_type: route.route_type, grade: route.grade }],
    days,
    searchRadiusKm,
  };
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
  return scoreLocationDays(corpus, routeLocation(request.route, request.days, request.searchRadiusKm), options)[0]!;
}

/** Scores one route on one day (spec sections 5–10). */
export function scoreRouteDay(corpus: PreparedCorpus, request: ScoreRequest, options: ScoreOptions = {}): RiskResult {
  const day: DayRequest = { targetDate: request.targetDate, forecast: request.forecast, weatherStats: request.weatherStats };
  return scoreRouteDays(corpus, { route: request.route, days: [day], searchRadiusKm: request.searchRadiusKm }, options)[0]!;
}
