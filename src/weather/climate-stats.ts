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
  let sw = 0, swx = 0, n = 0;
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
