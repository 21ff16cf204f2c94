/**
 * Every Redis key of the weather service, built here (to move into src/cache/keys.ts with the other
 * keys once that module exists). `prefix` is for tests that need their own namespace.
 */
export function weatherKeys(prefix = "") {
  return {
    /** Daily forecast rows of one 0.01° cell for one window (6 h). */
    forecast: (cell: string, start: string, end: string) => `${prefix}weather:forecast:${cell}:${start}:${end}`,
    /** Hourly forecast of one 0.01° cell for one window (6 h). */
    hourly: (cell: string, start: string, end: string) => `${prefix}weather:hourly:${cell}:${start}:${end}`,
    /** Climate statistics + monthly volatility of one 0.1° climate cell (weeks). */
    climate: (climateCell: string) => `${prefix}weather:climate:v2:${climateCell}`,
    /** A recent failure to fetch a climate cell's archive (minutes), with its reason. */
    climateFailure: (climateCell: string) => `${prefix}weather:climate_failed:${climateCell}`,
  };
}
export type WeatherKeys = ReturnType<typeof weatherKeys>;
