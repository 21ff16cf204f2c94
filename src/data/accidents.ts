/**
 * Loads the accident corpus in the engine's input shape: one query per isolate and data version
 * (see src/service/corpus-cache.ts), never per request or queue message.
 *
 * Weather rows are linked to an accident by accident_id, or — when the source row has none — by
 * place and date: the row's latitude/longitude equal the accident's rounded to 0.01° and its date is
 * in the accident's window [d-6, d]. Several accidents at one place and week share those rows.
 * Accident elevation is the mountain's elevation (the table has none of its own).
 */
import type { AccidentInput } from "../scoring";
import type { Sql } from "./db";
import { FT_TO_M } from "./routes";

const CORPUS_QUERY = `
WITH a AS (
  SELECT a.accident_id, a.date, a.latitude, a.longitude, a.activity, a.accident_type, a.tags,
         a.injury_severity, m.elevation_ft
  FROM accidents a LEFT JOIN mountains m ON m.mountain_id = a.mountain_id
  WHERE a.latitude IS NOT NULL AND a.longitude IS NOT NULL AND a.date IS NOT NULL
), linked AS (
  SELECT w.accident_id AS owner, w.* FROM accident_weather w JOIN a ON a.accident_id = w.accident_id
   WHERE w.date BETWEEN a.date - 6 AND a.date
  UNION ALL
  SELECT a.accident_id AS owner, w.* FROM a JOIN accident_weather w
    ON w.accident_id IS NULL
   AND w.latitude = round(a.latitude::numeric, 2)::float8
   AND w.longitude = round(a.longitude::numeric, 2)::float8
   AND w.date BETWEEN a.date - 6 AND a.date
), windows AS (
  SELECT w.owner, json_agg(json_build_array(to_char(w.date, 'YYYY-MM-DD'), w.temperature_avg,
           w.temperature_min, w.temperature_max, w.precipitation_total, w.wind_speed_avg,
           w.visibility_avg, w.cloud_cover_avg) ORDER BY w.date, (w.accident_id IS NULL), w.weather_id) AS weather
  FROM linked w GROUP BY w.owner
)
SELECT a.accident_id, to_char(a.date, 'YYYY-MM-DD') AS date, a.latitude, a.longitude, a.elevation_ft,
       a.activity, a.accident_type, a.tags, a.injury_severity, COALESCE(windows.weather, '[]'::json) AS weather
FROM a LEFT JOIN windows ON windows.owner = a.accident_id
ORDER BY a.accident_id`;

type WeatherTuple = [string, ...(number | null)[]];

export async function loadAccidentInputs(sql: Sql): Promise<AccidentInput[]> {
  const rows = await sql.query(CORPUS_QUERY);
  return rows.map((r) => ({
    accident_id: Number(r.accident_id),
    date: r.date,
    latitude: Number(r.latitude),
    longitude: Number(r.longitude),
    elevation_m: r.elevation_ft === null ? null : Number(r.elevation_ft) * FT_TO_M,
    activity: r.activity,
    accident_type: r.accident_type,
    tags: r.tags,
    injury_severity: r.injury_severity,
    weather: (r.weather as WeatherTuple[]).map(([date, tAvg, tMin, tMax, precip, wind, vis, cloud]) => ({
      date,
      temperature_avg: tAvg ?? null,
      temperature_min: tMin ?? null,
      temperature_max: tMax ?? null,
      precipitation_total: precip ?? null,
      wind_speed_avg: wind ?? null,
      visibility_avg: vis ?? null,
      cloud_cover_avg: cloud ?? null,
    })),
  }));
}
