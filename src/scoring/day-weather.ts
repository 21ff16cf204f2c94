/**
 * The weather factor W of each accident for one location-day (spec 8), and F = combine(W) (spec 9).
 *
 * W depends only on the day (forecast, statistics) and the accident — not on the route, its type or
 * its grade — so a location's routes share one `DayWeather`: each accident's similarity is computed
 * at most once per location-day, when the first route needs it, and reused by the other routes, the
 * negligible pass and the top list. `accidentWeather` is the only place W is computed.
 */
import type { PreparedCorpus } from "./corpus";
import { combineWeather } from "./combination";
import { WeatherMode, type DayContext } from "./day";
import { packedBaseSimilarity } from "./weather-similarity";

/** F for an accident without a pattern, or for every accident without a forecast (W = 0.5). */
export const NO_PATTERN_FACTOR = combineWeather(0.5);
/** F for W = 0 (unusable current pattern). */
export const ZERO_FACTOR = combineWeather(0.0);

/** Length of the `detail` buffer of `accidentWeather`: six factor scores, then B. */
export const WEATHER_DETAIL_LENGTH = 7;

/**
 * W of corpus accident i on `day`:
 * - no current pattern, or the accident has none → 0.5;
 * - current pattern with < 5 days → 0 (see `WeatherMode.Unusable`);
 * - otherwise B·X when X applies, else B.
 * With `detail`, also writes the six factor scores (0…5) and B (6) — only in mode Normal for an
 * accident with a pattern (the debug output's `weather_factor_scores` / `weather_base_similarity`).
 */
export function accidentWeather(corpus: PreparedCorpus, day: DayContext, i: number, detail: Float64Array | null): number {
  if (day.mode === WeatherMode.NoForecast) return 0.5;
  const accidentDays = corpus.weatherDays[i]!;
  if (accidentDays === 0) return 0.5;
  if (day.mode === WeatherMode.Unusable) return 0.0;
  const b = packedBaseSimilarity(day.current!, accidentDays, corpus.freezeThaw[i]!, corpus.weatherSeries, corpus.seriesMean, corpus.seriesStd, i, detail);
  if (detail) detail[6] = b;
  return day.applyX ? b * day.multiplier : b;
}

/**
 * W and F per candidate accident of a location for one day, computed on first use. Indexed by the
 * accident's slot (its position in the location's candidate list); allocated once per location and
 * reused for each of its days (`begin`).
 */
export class DayWeather {
  private readonly weight: Float64Array;
  private readonly factorOf: Float64Array;
  /** Slot s is cached for the current day when `stamp[s] === generation`. */
  private readonly stamp: Uint32Array;
  private generation = 0;
  private day: DayContext | null = null;

  /** `candidateIndex[slot]` = corpus index of the accident in that slot. */
  constructor(
    private readonly corpus: PreparedCorpus,
    private readonly candidateIndex: Int32Array,
  ) {
    const n = candidateIndex.length;
    const buffer = new ArrayBuffer(20 * n); // one backing store for the three arrays
    this.weight = new Float64Array(buffer, 0, n);
    this.factorOf = new Float64Array(buffer, 8 * n, n);
    this.stamp = new Uint32Array(buffer, 16 * n, n);
  }

  /** Starts a new day: nothing cached. */
  begin(day: DayContext): void {
    this.day = day;
    this.generation++;
    if (this.generation === 0xffffffff) {
      this.stamp.fill(0);
      this.generation = 1;
    }
  }

  private fill(slot: number): void {
    const w = accidentWeather(this.corpus, this.day!, this.candidateIndex[slot]!, null);
    this.weight[slot] = w;
    this.factorOf[slot] = combineWeather(w);
    this.stamp[slot] = this.generation;
  }

  /** W of the accident in `slot`. */
  w(slot: number): number {
    if (this.stamp[slot] !== this.generation) this.fill(slot);
    return this.weight[slot]!;
  }

  /** F = combine(W) of the accident in `slot`. */
  factor(slot: number): number {
    if (this.stamp[slot] !== this.generation) this.fill(slot);
    return this.factorOf[slot]!;
  }
}
