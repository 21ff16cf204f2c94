/**
 * What the weather service answers (src/weather/weather-service.ts) and the pure slicing of it: a
 * cell's weather over the forecast window, its slice for one target date (what the engine needs),
 * and one local date's hours of an hourly series.
 */
import type { ForecastDay, WeatherStats } from "../scoring";
import { addDays } from "../dates";
import type { GridCell } from "./cells";
import type { HourlySeries } from "./open-meteo";

/** ok: have it; unavailable: the source failed; timeout: not back within the caller's deadline; deferred: not asked (call budget). */
export type FetchStatus = "ok" | "unavailable" | "timeout" | "deferred";

export interface CellWeather {
  cell: GridCell;
  /** Daily rows for the whole window, or null when the forecast could not be had. */
  forecast: ForecastDay[] | null;
  forecastStatus: FetchStatus;
  forecastError: string | null;
  climateByMonth: Record<number, WeatherStats | null> | null;
  climateStatus: FetchStatus;
  climateError: string | null;
}

export interface WeatherForDate {
  /** The rows T−6 … T, or null (missing forecast, or a row with nulls: the spec treats both as missing). */
  forecast: ForecastDay[] | null;
  stats: WeatherStats | null;
  status: "ok" | "forecast_unavailable";
  /** Whether climate statistics (extreme-weather amplification) were available for this date. */
  climate: "present" | "missing";
  notes: string[];
}

export interface HourlyWeather {
  /** The place's IANA zone (Open-Meteo `timezone=auto`); `time` is local. */
  timezone: string;
  hours: {
    time: string;
    hour: number;
    temperature: number | null;
    precipitation: number | null;
    wind_speed: number | null;
    wind_gusts: number | null;
    cloud_cover: number | null;
    visibility: number | null;
  }[];
}

/** One local date's hours of an hourly series, or null when the series has none of that date. */
export function hoursOf(series: HourlySeries, date: string): HourlyWeather | null {
  const hours: HourlyWeather["hours"] = [];
  series.time.forEach((time, i) => {
    if (!time.startsWith(date)) return;
    hours.push({
      time,
      hour: Number(time.slice(11, 13)),
      temperature: series.temperature_2m[i] ?? null,
      precipitation: series.precipitation[i] ?? null,
      wind_speed: series.wind_speed_10m[i] ?? null,
      wind_gusts: series.wind_gusts_10m[i] ?? null,
      cloud_cover: series.cloud_cover[i] ?? null,
      visibility: series.visibility[i] ?? null,
    });
  });
  return hours.length ? { timezone: series.timezone, hours } : null;
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
  return { forecast, stats, status: forecast ? "ok" : "forecast_unavailable", climate: stats ? "present" : "missing", notes };
}
