/**
 * Weather for scoring, shared by the warming consumer and the API.
 *
 * - One fetch per 0.01° grid cell (as the original's batch did): routes in one cell share it.
 * - Forecast window: today − 6 … today + 6 (widened if a date outside it is asked for), one request
 *   per cell per day whatever dates a caller needs, so the warmer and the API share it.
 * - Climate statistics: one archive request per cell gives all twelve reference months.
 * - Cached in Redis (forecast 6 h, climate 24 h, like the original) and de-duplicated in flight
 *   within the isolate. Redis trouble only costs a refetch.
 * - Failures never throw: a failed forecast is `null` (the spec's W = 0.5 fallback), failed
 *   statistics are `null` (no extreme amplification), each with the reason for the response.
 *
 * Choice (documented deviation): the spec's archive window is [T−1824, T]. The archive lags the
 * present by days and T may be in the future, so we use the 1825 days ending 12 days before today,
 * the same for every date of the window; only the month weighting depends on T.
 * - The in-isolate memo keeps a value at most `MEMO_MAX_SECONDS` (Redis holds the real TTL), so a
 *   value read from Redis just before it expired is not served for another full TTL.
 */
import type { ForecastDay, WeatherStats } from "../scoring";
import type { CacheClient } from "../cache/client";
import { keys } from "../cache/keys";
import { addDays, todayUtc } from "../dates";
import { isUpstreamUnavailable } from "../errors";

const minDate = (a: string, b: string) => (a < b ? a : b);
const maxDate = (a: string, b: string) => (a > b ? a : b);
import { climateStatsByMonth } from "./climate-stats";
import { fetchArchive, fetchForecast } from "./open-meteo";

export const FORECAST_TTL_SECONDS = 6 * 3600;
export const CLIMATE_TTL_SECONDS = 24 * 3600;
const ARCHIVE_DAYS = 1825;
const MEMO_MAX_SECONDS = 600;

export interface GridCell {
  latitude: number;
  longitude: number;
  key: string;
}

export function gridCell(latitude: number, longitude: number): GridCell {
  const lat = Math.round(latitude * 100) / 100;
  const lon = Math.round(longitude * 100) / 100;
  return { latitude: lat, longitude: lon, key: `${lat.toFixed(2)},${lon.toFixed(2)}` };
}

export interface CellWeather {
  cell: GridCell;
  /** Daily rows for the whole window, or null when the forecast could not be had. */
  forecast: ForecastDay[] | null;
  forecastError: string | null;
  climateByMonth: Record<number, WeatherStats | null> | null;
  climateError: string | null;
}

export interface WeatherForDate {
  /** The rows T−6 … T, or null (missing forecast, or a row with nulls: the spec treats both as missing). */
  forecast: ForecastDay[] | null;
  stats: WeatherStats | null;
  status: "ok" | "forecast_unavailable";
  notes: string[];
}

export interface WeatherCounters {
  forecastFetches: number;
  archiveFetches: number;
  redisHits: number;
  redisReads: number;
  redisWrites: number;
}

export interface WeatherSourceConfig {
  forecastUrl: string;
  archiveUrl: string;
}

interface Cached<T> {
  value: T;
  expiresAt: number;
}

export class WeatherService {
  readonly counters: WeatherCounters = { forecastFetches: 0, archiveFetches: 0, redisHits: 0, redisReads: 0, redisWrites: 0 };
  private readonly memo = new Map<string, Cached<unknown>>();
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly source: WeatherSourceConfig,
    private readonly cache: CacheClient | null,
    private readonly now: () => number = Date.now,
  ) {}

  /** Weather for several cells over one date window, with one Redis read and one write for all. */
  async forCells(cells: readonly GridCell[], firstDate: string, lastDate: string): Promise<Map<string, CellWeather>> {
    const today = todayUtc(new Date(this.now()));
    const start = minDate(addDays(today, -6), addDays(firstDate, -6));
    const end = maxDate(addDays(today, 6), lastDate);
    const archiveEnd = addDays(today, -12);
    const unique = [...new Map(cells.map((c) => [c.key, c])).values()];
    const fKey = (c: GridCell) => keys.weatherForecast(c.key, start, end);
    const cKey = (c: GridCell) => keys.weatherClimate(c.key, archiveEnd);
    const isForecastKey = new Set(unique.map(fKey));

    const wanted = unique.flatMap((c) => [fKey(c), cKey(c)]).filter((k) => !this.memoGet(k));
    if (wanted.length && this.cache) {
      try {
        this.counters.redisReads++;
        const values = await this.cache.run("weather_read", (r) => r.mget<(string | null)[]>(...wanted));
        values.forEach((v, i) => {
          if (v === null) return;
          this.counters.redisHits++;
          const ttl = isForecastKey.has(wanted[i]!) ? FORECAST_TTL_SECONDS : CLIMATE_TTL_SECONDS;
          this.memoSet(wanted[i]!, JSON.parse(v), ttl);
        });
      } catch (e) {
        if (!isUpstreamUnavailable(e, "redis")) throw e;
        // Degraded: Redis unavailable, fetch from the source.
      }
    }

    const toStore: [string, unknown, number][] = [];
    const results = await Promise.all(
      unique.map(async (cell): Promise<CellWeather> => {
        const [f, c] = await Promise.all([
          this.cached(fKey(cell), FORECAST_TTL_SECONDS, toStore, () => {
            this.counters.forecastFetches++;
            return fetchForecast(this.source.forecastUrl, cell.latitude, cell.longitude, start, end);
          }),
          this.cached(cKey(cell), CLIMATE_TTL_SECONDS, toStore, async () => {
            this.counters.archiveFetches++;
            const daily = await fetchArchive(this.source.archiveUrl, cell.latitude, cell.longitude, addDays(archiveEnd, -(ARCHIVE_DAYS - 1)), archiveEnd);
            return climateStatsByMonth(daily);
          }),
        ]);
        return {
          cell,
          forecast: f.value as ForecastDay[] | null,
          forecastError: f.error,
          climateByMonth: c.value as Record<number, WeatherStats | null> | null,
          climateError: c.error,
        };
      }),
    );

    if (toStore.length && this.cache) {
      try {
        this.counters.redisWrites++;
        await this.cache.exec("weather_write", (p) => {
          for (const [k, v, ttl] of toStore) p.set(k, JSON.stringify(v), { ex: ttl });
        });
      } catch (e) {
        if (!isUpstreamUnavailable(e, "redis")) throw e;
        // Degraded: the value is still memoised in this isolate.
      }
    }
    return new Map(results.map((r) => [r.cell.key, r]));
  }

  private memoGet(key: string): Cached<unknown> | undefined {
    const hit = this.memo.get(key);
    if (hit && hit.expiresAt > this.now()) return hit;
    if (hit) this.memo.delete(key);
    return undefined;
  }

  private memoSet(key: string, value: unknown, ttlSeconds: number) {
    if (this.memo.size >= 2000) this.memo.delete(this.memo.keys().next().value!);
    this.memo.set(key, { value, expiresAt: this.now() + Math.min(ttlSeconds, MEMO_MAX_SECONDS) * 1000 });
  }

  /** Memo → in-flight → fetch; failures are returned as an error string and not cached. */
  private async cached(
    key: string,
    ttlSeconds: number,
    toStore: [string, unknown, number][],
    load: () => Promise<unknown>,
  ): Promise<{ value: unknown; error: string | null }> {
    const hit = this.memoGet(key);
    if (hit) return { value: hit.value, error: null };
    let pending = this.inFlight.get(key);
    const leader = !pending;
    if (!pending) {
      pending = load().finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    try {
      const value = await pending;
      if (leader) {
        this.memoSet(key, value, ttlSeconds);
        toStore.push([key, value, ttlSeconds]);
      }
      return { value, error: null };
    } catch (e) {
      return { value: null, error: (e as Error).message };
    }
  }
}

/** The slice of a cell's weather the engine needs for one target date. */
export function weatherForDate(cw: CellWeather | undefined, date: string): WeatherForDate {
  const notes: string[] = [];
  let forecast: ForecastDay[] | null = null;
  if (cw?.forecast) {
    const from = addDays(date, -6);
    const rows = cw.forecast.filter((d) => d.date >= from && d.date <= date);
    const complete = rows.every((r) =>
      [r.temperature_2m_mean, r.temperature_2m_min, r.temperature_2m_max, r.precipitation_sum, r.wind_speed_10m_max, r.cloud_cover_mean].every(
        (v) => typeof v === "number",
      ),
    );
    if (rows.length === 0) notes.push("forecast has no rows for this date");
    else if (!complete) notes.push("forecast has missing values for this date");
    else forecast = rows;
  } else {
    notes.push(`forecast unavailable: ${cw?.forecastError ?? "not fetched"}`);
  }
  const month = Number(date.slice(5, 7));
  const stats = cw?.climateByMonth?.[month] ?? null;
  if (!cw?.climateByMonth) notes.push(`climate statistics unavailable: ${cw?.climateError ?? "not fetched"}`);
  else if (!stats) notes.push("climate statistics unavailable: fewer than 30 archive values");
  return { forecast, stats, status: forecast ? "ok" : "forecast_unavailable", notes };
}
