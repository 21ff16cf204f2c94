/**
 * SafeAscent risk-score engine: the public surface. Pure functions, no I/O, no module state.
 *
 *   const corpus = buildCorpus(accidents);            // once per data version
 *   const bytes = serializeCorpus(corpus);            // optional cache; deserializeCorpus(bytes)
 *   const result = scoreRouteDay(corpus, { route, targetDate, forecast, weatherStats }, { debug });
 *   // A location's routes on its days, the place/day/type work shared; [routeIndex][dayIndex]:
 *   const full = scoreLocationDays(corpus, { location, routes, days, searchRadiusKm }, { debug });
 *   const stored = scoreLocationDaysCompact(corpus, { location, routes, days });
 */
export type {
  AccidentInput,
  AccidentRouteType,
  AccidentWeatherRow,
  CanonicalRouteType,
  ColorCode,
  CompactRiskResult,
  DayRequest,
  EmptyMetadata,
  ExtremeFactor,
  ExtremeFactorDetail,
  ExtremeWeather,
  ForecastDay,
  LocationRequest,
  LocationRoute,
  PlaceInput,
  RiskDebug,
  RiskResult,
  RouteInput,
  ScoreMetadata,
  ScoreOptions,
  ScoreRequest,
  ScoredAccidentDebug,
  StatPair,
  TopContributingAccident,
  WeatherFactorScores,
  WeatherPatternDebug,
  WeatherStats,
} from "./types";
export { buildCorpus, corpusByteSize, type PreparedCorpus } from "./corpus";
export { serializeCorpus, deserializeCorpus, CORPUS_SNAPSHOT_VERSION } from "./snapshot";
export { scoreRouteDay, scoreRouteDays, scoreLocationDays, scoreLocationDaysCompact } from "./score";
export { scoreGoldenInput, GoldenInputSchema, GoldenCaseSchema, formatIssuePath, type GoldenInput } from "./golden";
export { colorCode, batchColorCode } from "./output";
export { passesPrefilter, selectAccidents } from "./selection";
export { canonicalRouteType, batchRouteType, inferAccidentType, isCanonicalRouteType } from "./route-type";
export { parseGrade, gradeWeight } from "./factors/grade";
export { haversineKm, spatialWeight } from "./factors/spatial";
export { temporalWeight } from "./factors/temporal";
export { elevationWeight } from "./factors/elevation";
export { routeTypeWeight } from "./factors/route-type-weight";
export { severityWeight } from "./factors/severity";
export { combineWeather, riskFromTotal } from "./combination";
export { weightedCorrelation, windowWeights, weatherBaseSimilarity } from "./weather-similarity";
export { buildForecastPattern, buildAccidentPattern, freezeThawCount, type WeatherPattern } from "./weather-pattern";
export { analyseExtremeWeather, unavailableExtremeWeather } from "./extreme-weather";
export { pyRound, numpySum, pythonSum } from "./numeric";
export { CANONICAL_ROUTE_TYPES } from "./constants";
