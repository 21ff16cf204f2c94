/**
 * Open-Meteo HTTP client (forecast + archive), parsed with zod at the edge.
 * Base URLs are configurable so dev/tests use dev/open-meteo.ts; the wire format is the real one.
 */
import { z } from "zod";
import type { ForecastDay } from "../scoring";
import type { ArchiveDaily } from "./climate-stats";

export class WeatherError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = "WeatherError";
  }
}

const FORECAST_VARS = [
  "temperature_2m_mean",
  "temperature_2m_min",
  "temperature_2m_max",
  "precipitation_sum",
  "wind_speed_10m_max",
  "cloud_cover_mean",
] as const;
const ARCHIVE_VARS = ["temperature_2m_mean", "precipitation_sum", "wind_speed_10m_max", "cloud_cover_mean"] as const;

const series = z.array(z.number().nullable());
const ForecastResponse = z.object({
  daily: z.object({
    time: z.array(z.string()),
    ...Object.fromEntries(FORECAST_VARS.map((v) => [v, series])),
  }),
});
const ArchiveResponse = z.object({
  daily: z.object({
    time: z.array(z.string()),
    temperature_2m_mean: series,
    precipitation_sum: series,
    wind_speed_10m_max: series,
  }),
});

const COMMON = "temperature_unit=celsius&wind_speed_unit=ms&precipitation_unit=mm&timezone=auto";

async function getJson(url: string, timeoutMs: number): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    throw new WeatherError(`Open-Meteo unreachable: ${(e as Error).message}`);
  }
  if (!res.ok) {
    const body = await res.text().catch(() => "");
    throw new WeatherError(`Open-Meteo HTTP ${res.status}: ${body.slice(0, 200)}`, res.status);
  }
  try {
    return await res.json();
  } catch {
    throw new WeatherError("Open-Meteo returned invalid JSON");
  }
}

/** Daily forecast rows for [startDate, endDate] at a point (spec 12.1), oldest first. */
export async function fetchForecast(
  baseUrl: string,
  latitude: number,
  longitude: number,
  startDate: string,
  endDate: string,
): Promise<ForecastDay[]> {
  const url =
    `${baseUrl}/v1/forecast?latitude=${latitude}&longitude=${longitude}` +
    `&start_date=${startDate}&end_date=${endDate}&daily=${FORECAST_VARS.join(",")}&${COMMON}`;
  const parsed = ForecastResponse.safeParse(await getJson(url, 10_000));
  if (!parsed.success) throw new WeatherError(`Open-Meteo forecast malformed: ${parsed.error.issues[0]?.message}`);
  const d = parsed.data.daily as Record<string, (number | null)[]> & { time: string[] };
  return d.time.map((date, i) => ({
    date,
    temperature_2m_mean: d.temperature_2m_mean![i] ?? null,
    temperature_2m_min: d.temperature_2m_min![i] ?? null,
    temperature_2m_max: d.temperature_2m_max![i] ?? null,
    precipitation_sum: d.precipitation_sum![i] ?? null,
    wind_speed_10m_max: d.wind_speed_10m_max![i] ?? null,
    cloud_cover_mean: d.cloud_cover_mean![i] ?? null,
  })) as ForecastDay[];
}

/** Daily archive series for [startDate, endDate] (spec 12.2). */
export async function fetchArchive(
  baseUrl: string,
  latitude: number,
  longitude: number,
  startDate: string,
  endDate: string,
): Promise<ArchiveDaily> {
  const url =
    `${baseUrl}/v1/archive?latitude=${latitude}&longitude=${longitude}` +
    `&start_date=${startDate}&end_date=${endDate}&daily=${ARCHIVE_VARS.join(",")}&${COMMON}`;
  const parsed = ArchiveResponse.safeParse(await getJson(url, 15_000));
  if (!parsed.success) throw new WeatherError(`Open-Meteo archive malformed: ${parsed.error.issues[0]?.message}`);
  return parsed.data.daily;
}

/** Cheap reachability probe for /health. */
export async function pingForecast(baseUrl: string): Promise<void> {
  await getJson(`${baseUrl}/v1/forecast?latitude=0&longitude=0&daily=temperature_2m_max&forecast_days=1`, 5_000);
}
