/**
 * Historical statistics for extreme-weather detection (ALGORITHM.md 12.2), pure.
 *
 * Each archive day is weighted by its month's distance to the reference month,
 * w = exp(-dm / 2), dm = min(|m - ref|, 12 - |m - ref|); a factor's mean and *population* standard
 * deviation are weighted. Fewer than 30 values in any factor → null (no amplification).
 */
import type { WeatherStats } from "../scoring";

export interface ArchiveDaily {
  time: string[];
  temperature_2m_mean: (number | null)[];
  precipitation_sum: (number | null)[];
  wind_speed_10m_max: (number | null)[];
}

const MIN_VALUES = 30;

function weightedMeanStd(values: (number | null)[], weights: Float64Array): [number, number] | null {
  let sw = 0,
    swx = 0,
    n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    sw += weights[i]!;
    swx += weights[i]! * v;
    n++;
  }
  if (n < MIN_VALUES || sw === 0) return null;
  const mean = swx / sw;
  let sv = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    sv += weights[i]! * (v - mean) ** 2;
  }
  return [mean, Math.sqrt(sv / sw)];
}

/** Statistics for one reference month (1..12) from the archive's daily series. */
export function climateStatsForMonth(daily: ArchiveDaily, referenceMonth: number): WeatherStats | null {
  const weights = new Float64Array(daily.time.length);
  for (let i = 0; i < daily.time.length; i++) {
    const month = Number(daily.time[i]!.slice(5, 7));
    const d = Math.abs(month - referenceMonth);
    weights[i] = Math.exp(-Math.min(d, 12 - d) / 2.0);
  }
  const temperature = weightedMeanStd(daily.temperature_2m_mean, weights);
  const precipitation = weightedMeanStd(daily.precipitation_sum, weights);
  const wind_speed = weightedMeanStd(daily.wind_speed_10m_max, weights);
  if (!temperature || !precipitation || !wind_speed) return null;
  return {
    temperature,
    precipitation,
    wind_speed,
    visibility: [10000.0, 0.0],
    sample_count: daily.time.length,
    source: "open_meteo_archive",
    reference_month: referenceMonth,
    volatility: { temperature: temperature[1], precipitation: precipitation[1], wind_speed: wind_speed[1] },
  } as WeatherStats;
}

/** All twelve months from one archive series (one fetch serves every date of a forecast window). */
export function climateStatsByMonth(daily: ArchiveDaily): Record<number, WeatherStats | null> {
  const out: Record<number, WeatherStats | null> = {};
  for (let m = 1; m <= 12; m++) out[m] = climateStatsForMonth(daily, m);
  return out;
}

export interface MonthlyFactor {
  mean: number | null;
  /** Population standard deviation. */
  std: number | null;
  sampleCount: number;
}

export interface MonthlyStat {
  month: number;
  temperature: MonthlyFactor;
  precipitation: MonthlyFactor;
  wind_speed: MonthlyFactor;
}

function plain(values: (number | null)[], take: boolean[]): MonthlyFactor {
  let n = 0,
    sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!take[i] || v === null || v === undefined) continue;
    n++;
    sum += v;
  }
  if (n < 2) return { mean: null, std: null, sampleCount: n };
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!take[i] || v === null || v === undefined) continue;
    sq += (v - mean) ** 2;
  }
  return { mean, std: Math.sqrt(sq / n), sampleCount: n };
}

/**
 * Spec v1 §3.11 `weather_volatility.months`: per calendar month, the plain mean and population
 * standard deviation of every archive day of that month (daily mean temperature, precipitation sum,
 * max wind), nulls dropped; mean and std null below 2 samples.
 */
export function monthlyVolatility(daily: ArchiveDaily): MonthlyStat[] {
  const months = daily.time.map((t) => Number(t.slice(5, 7)));
  return Array.from({ length: 12 }, (_, i) => {
    const take = months.map((m) => m === i + 1);
    return {
      month: i + 1,
      temperature: plain(daily.temperature_2m_mean, take),
      precipitation: plain(daily.precipitation_sum, take),
      wind_speed: plain(daily.wind_speed_10m_max, take),
    };
  });
}
