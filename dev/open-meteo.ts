/**
 * Open-Meteo stand-in: `GET /v1/forecast` and `GET /v1/archive` with Open-Meteo's JSON shape, and
 * deterministic, plausible synthetic weather (no network, same answer for the same request).
 *
 * Emulated: `latitude`/`longitude` (also comma lists -> JSON array of locations), `daily=` (comma list,
 * see DAILY_VARIABLES), `start_date`/`end_date`, `past_days` (0..92) / `forecast_days` (0..16, default 7),
 * `temperature_unit=celsius|fahrenheit`, `wind_speed_unit=kmh|ms|mph|kn` (default kmh, like the real API),
 * `precipitation_unit=mm|inch`, `timezone=GMT|UTC|auto|<IANA>`, `elevation=`. Response:
 * `{latitude, longitude, generationtime_ms, utc_offset_seconds, timezone, timezone_abbreviation,
 * elevation, daily_units:{time:"iso8601", ...}, daily:{time:[...], <variable>:[...]}}`.
 * Errors are HTTP 400 `{"error":true,"reason":"..."}`: missing/invalid coordinates, coordinates out of
 * range, unknown variable, bad dates, end before start, forecast ranges too long or outside the real
 * window (today-92 .. today+15, unless `checkDateWindow: false`), archive dates before 1940 or in the future.
 * Like the real archive (ERA5's ~5 day delay), archive values for the last 5 days are null.
 *
 * Values: a seeded hash of (latitude and longitude rounded to 0.01, date): mean temperature from
 * latitude and day of year (opposite seasons south of the equator) minus a 6.5 °C/km lapse for a
 * synthetic elevation (per 0.1° cell, or the `elevation` parameter), a diurnal range so
 * min < mean < max, precipitation 0 on ~70 % of days with exponential showers, wind 1–15 m/s (higher when high and wet), cloud 0–100 % (cloudier when wet).
 *
 * Not emulated: hourly/current/minutely data (rejected with 400), models, grid-cell snapping, API keys,
 * rate limits; `timezone=auto` gives a whole-hour offset from the longitude (`Etc/GMT+7`), not the
 * place's real zone and its daylight saving time. `stats()` / `GET /__stats` count requests (benchmarks report fetches); `DELETE /__stats` resets.
 *
 * Standalone: `npx tsx dev/open-meteo.ts [--port 8090]`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";

export interface OpenMeteoOptions {
  port?: number;
  host?: string;
  /** Clock for "today" (forecast defaults and date windows). */
  now?: () => Date;
  /** Reject forecast dates outside today-92..today+15 and archive dates after today (default true). */
  checkDateWindow?: boolean;
}

export interface OpenMeteoStats {
  requests: number;
  forecast: number;
  archive: number;
  errors: number;
}

export interface OpenMeteoServer {
  /** Base URL: use as OPEN_METEO_FORECAST_URL and OPEN_METEO_ARCHIVE_URL. */
  url: string;
  port: number;
  stats(): OpenMeteoStats;
  resetStats(): void;
  close(): Promise<void>;
}

export const DAILY_VARIABLES = [
  "temperature_2m_mean",
  "temperature_2m_min",
  "temperature_2m_max",
  "precipitation_sum",
  "rain_sum",
  "snowfall_sum",
  "precipitation_hours",
  "wind_speed_10m_max",
  "wind_speed_10m_mean",
  "wind_gusts_10m_max",
  "wind_direction_10m_dominant",
  "cloud_cover_mean",
  "relative_humidity_2m_mean",
  "weather_code",
] as const;
export type DailyVariable = (typeof DAILY_VARIABLES)[number];

export interface Units {
  temperature: "celsius" | "fahrenheit";
  wind: "kmh" | "ms" | "mph" | "kn";
  precipitation: "mm" | "inch";
}

class ApiError extends Error {}

// ---- deterministic synthetic weather ------------------------------------------------------------

/** FNV-1a + a murmur-style finaliser: a uniform number in [0, 1) for a string key. */
function hash01(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

const round = (v: number, digits = 1) => Math.round(v * 10 ** digits) / 10 ** digits;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const place = (lat: number, lon: number) => `${lat.toFixed(2)},${lon.toFixed(2)}`;

/** Synthetic terrain height in metres (0..3000), constant over a 0.1° cell so neighbours agree. */
export function syntheticElevation(lat: number, lon: number): number {
  return Math.round(3000 * hash01(`elev:${lat.toFixed(1)},${lon.toFixed(1)}`) ** 2);
}

const MS_PER_DAY = 86_400_000;
const parseDay = (d: string) => Date.parse(`${d}T00:00:00Z`);
const formatDay = (t: number) => new Date(t).toISOString().slice(0, 10);
export const addDays = (d: string, n: number) => formatDay(parseDay(d) + n * MS_PER_DAY);
const dayOfYear = (d: string) => (parseDay(d) - Date.UTC(Number(d.slice(0, 4)), 0, 1)) / MS_PER_DAY + 1;

/** One day's weather in metric units (°C, mm, m/s, %). */
export function syntheticDay(lat: number, lon: number, date: string, elevation = syntheticElevation(lat, lon)) {
  const key = place(lat, lon);
  const u = (what: string, d = date) => hash01(`${what}:${key}:${d}`);
  const absLat = Math.abs(lat);
  const annualMean = 27 - 0.0075 * absLat * absLat;
  const amplitude = Math.min(22, 0.5 + 0.32 * absLat);
  const season = Math.cos((2 * Math.PI * (dayOfYear(date) - 196)) / 365.25) * (lat < 0 ? -1 : 1);
  // Day-to-day anomaly smoothed over three days, +-4 °C.
  const anomaly = ((u("t", addDays(date, -1)) + u("t") + u("t", addDays(date, 1))) / 3 - 0.5) * 8;
  const mean = annualMean + amplitude * season - (6.5 * elevation) / 1000 + anomaly;

  const wet = u("wet") < 0.3;
  const precipitation = wet ? round(0.1 - Math.log(1 - u("amount")) * 4) : 0;
  const cloud = Math.round(wet ? 60 + 40 * u("cloud") : 70 * u("cloud") ** 1.3);
  const range = 13 - 0.07 * cloud + 2 * u("range"); // 4..15 °C
  const wind = clamp(1 + 9 * u("wind") ** 1.3 + (1.5 * elevation) / 1000 + (wet ? 2 : 0), 1, 15);
  const snowy = mean <= 0.5;
  return {
    temperature_2m_mean: mean,
    temperature_2m_min: mean - 0.45 * range,
    temperature_2m_max: mean + 0.55 * range,
    precipitation_sum: precipitation,
    rain_sum: snowy ? 0 : precipitation,
    snowfall_sum: snowy ? precipitation * 0.7 : 0, // cm
    precipitation_hours: wet ? clamp(Math.ceil(precipitation / 1.2), 1, 24) : 0,
    wind_speed_10m_max: wind,
    wind_speed_10m_mean: wind * 0.55,
    wind_gusts_10m_max: wind * 1.6,
    wind_direction_10m_dominant: Math.round(360 * u("dir")) % 360,
    cloud_cover_mean: cloud,
    relative_humidity_2m_mean: Math.round(clamp(35 + 0.45 * cloud + 15 * u("rh"), 5, 100)),
    weather_code: wet ? (snowy ? 73 : precipitation > 5 ? 63 : 61) : cloud > 80 ? 3 : cloud > 50 ? 2 : cloud > 20 ? 1 : 0,
  } satisfies Record<DailyVariable, number>;
}

const UNIT_LABEL = {
  temperature: { celsius: "°C", fahrenheit: "°F" },
  wind: { kmh: "km/h", ms: "m/s", mph: "mp/h", kn: "kn" },
  precipitation: { mm: "mm", inch: "inch" },
} as const;
const WIND_FACTOR = { kmh: 3.6, ms: 1, mph: 2.236936, kn: 1.943844 } as const;

function unitOf(v: DailyVariable, units: Units): string {
  if (v.startsWith("temperature")) return UNIT_LABEL.temperature[units.temperature];
  if (v === "snowfall_sum") return units.precipitation === "inch" ? "inch" : "cm";
  if (v === "precipitation_sum" || v === "rain_sum") return UNIT_LABEL.precipitation[units.precipitation];
  if (v === "precipitation_hours") return "h";
  if (v === "wind_direction_10m_dominant") return "°";
  if (v.startsWith("wind")) return UNIT_LABEL.wind[units.wind];
  if (v === "weather_code") return "wmo code";
  return "%";
}

function convert(v: DailyVariable, x: number, units: Units): number {
  if (v.startsWith("temperature")) return round(units.temperature === "fahrenheit" ? x * 1.8 + 32 : x);
  if (v === "snowfall_sum") return units.precipitation === "inch" ? round(x / 2.54, 2) : round(x, 2);
  if (v === "precipitation_sum" || v === "rain_sum") return units.precipitation === "inch" ? round(x / 25.4, 3) : round(x);
  if (v.startsWith("wind_speed") || v.startsWith("wind_gusts")) return round(x * WIND_FACTOR[units.wind]);
  return Math.round(x);
}

/** The `daily` block for some dates at a place (null for dates in `nullAfter`'s future). */
export function dailySeries(
  lat: number,
  lon: number,
  dates: readonly string[],
  variables: readonly DailyVariable[],
  units: Units,
  elevation = syntheticElevation(lat, lon),
  nullAfter?: string,
): Record<string, (number | null)[] | string[]> {
  const days = dates.map((d) => (nullAfter && d > nullAfter ? null : syntheticDay(lat, lon, d, elevation)));
  const out: Record<string, (number | null)[] | string[]> = { time: [...dates] };
  for (const v of variables) out[v] = days.map((day) => (day ? convert(v, day[v], units) : null));
  return out;
}

// ---- request handling ---------------------------------------------------------------------------

function numberList(params: URLSearchParams, key: string): number[] {
  const raw = params.get(key);
  if (raw === null || raw.trim() === "") throw new ApiError(`Value of type 'Float' required for key '${key}'.`);
  return raw.split(",").map((s) => {
    const n = Number(s.trim());
    if (s.trim() === "" || !Number.isFinite(n)) throw new ApiError(`Value of type 'Float' required for key '${key}'.`);
    return n;
  });
}

function intParam(params: URLSearchParams, key: string, dflt: number, max: number, label: string): number {
  const raw = params.get(key);
  if (raw === null || raw === "") return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new ApiError(`Value of type 'Int' required for key '${key}'.`);
  if (n < 0 || n > max) throw new ApiError(`${label} is invalid. Allowed range 0 to ${max}.`);
  return n;
}

function enumParam<T extends string>(params: URLSearchParams, key: string, allowed: readonly T[], dflt: T): T {
  const raw = params.get(key);
  if (raw === null || raw === "") return dflt;
  if (!(allowed as readonly string[]).includes(raw)) throw new ApiError(`Cannot initialize ${key} from invalid String value ${raw}.`);
  return raw as T;
}

function dateParam(params: URLSearchParams, key: string): string | undefined {
  const raw = params.get(key);
  if (raw === null || raw === "") return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(raw) || formatDay(parseDay(raw)) !== raw) {
    throw new ApiError(`Invalid date format for '${key}': '${raw}'. Expected YYYY-MM-DD.`);
  }
  return raw;
}

/** UTC offset (s), name and abbreviation for the `timezone` parameter. */
function timezoneOf(tz: string | null, lon: number, now: Date) {
  if (!tz || tz === "GMT" || tz === "UTC") return { offset: 0, name: "GMT", abbreviation: "GMT" };
  if (tz === "auto") {
    const h = Math.round(lon / 15);
    if (h === 0) return { offset: 0, name: "GMT", abbreviation: "GMT" };
    return { offset: h * 3600, name: `Etc/GMT${h > 0 ? "-" : "+"}${Math.abs(h)}`, abbreviation: `GMT${h > 0 ? "+" : "-"}${Math.abs(h)}` };
  }
  try {
    const part = (style: "shortOffset" | "short") =>
      new Intl.DateTimeFormat("en-US", { timeZone: tz, timeZoneName: style }).formatToParts(now).find((p) => p.type === "timeZoneName")!.value;
    const m = /GMT(?:([+-])(\d+)(?::(\d+))?)?/.exec(part("shortOffset"));
    const offset = m?.[1] ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60) : 0;
    return { offset, name: tz, abbreviation: part("short") };
  } catch {
    throw new ApiError(`Invalid timezone: ${tz}`);
  }
}

const FORECAST_PAST_MAX = 92;
const FORECAST_DAYS_MAX = 16;
const ARCHIVE_FIRST_DAY = "1940-01-01";
const ARCHIVE_DELAY_DAYS = 5;

function handle(kind: "forecast" | "archive", params: URLSearchParams, opts: Required<Pick<OpenMeteoOptions, "now" | "checkDateWindow">>) {
  const started = performance.now();
  for (const unsupported of ["hourly", "current", "minutely_15"]) {
    if (params.get(unsupported)) throw new ApiError(`Parameter '${unsupported}' is not supported by the Open-Meteo stand-in (daily only).`);
  }
  const lats = numberList(params, "latitude");
  const lons = numberList(params, "longitude");
  if (lats.length !== lons.length) throw new ApiError("Parameter 'latitude' and 'longitude' must have the same number of elements");
  for (const lat of lats) if (lat < -90 || lat > 90) throw new ApiError(`Latitude must be in range of -90 to 90°. Given: ${lat}.`);
  for (const lon of lons) if (lon < -180 || lon > 180) throw new ApiError(`Longitude must be in range of -180 to 180°. Given: ${lon}.`);
  const elevations = params.get("elevation") ? numberList(params, "elevation") : undefined;

  const dailyRaw = params.getAll("daily").flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean);
  for (const v of dailyRaw) {
    if (!(DAILY_VARIABLES as readonly string[]).includes(v)) throw new ApiError(`Cannot initialize DailyVariable from invalid String value ${v}.`);
  }
  const variables = [...new Set(dailyRaw)] as DailyVariable[];
  const units: Units = {
    temperature: enumParam(params, "temperature_unit", ["celsius", "fahrenheit"], "celsius"),
    wind: enumParam(params, "wind_speed_unit", ["kmh", "ms", "mph", "kn"], "kmh"),
    precipitation: enumParam(params, "precipitation_unit", ["mm", "inch"], "mm"),
  };

  const now = opts.now();
  const tz = timezoneOf(params.get("timezone"), lons[0]!, now);
  const today = formatDay(now.getTime() + tz.offset * 1000);
  let start = dateParam(params, "start_date");
  let end = dateParam(params, "end_date");
  if ((start === undefined) !== (end === undefined)) throw new ApiError("Parameter 'start_date' and 'end_date' must be set together.");
  let nullAfter: string | undefined;

  if (kind === "forecast") {
    if (start && end) {
      if (end < start) throw new ApiError("End-date must be larger or equals than start-date");
      const span = (parseDay(end) - parseDay(start)) / MS_PER_DAY + 1;
      if (span > FORECAST_PAST_MAX + FORECAST_DAYS_MAX) {
        throw new ApiError(`Date range too long: ${span} days requested, at most ${FORECAST_PAST_MAX + FORECAST_DAYS_MAX} days.`);
      }
      const first = addDays(today, -FORECAST_PAST_MAX);
      const last = addDays(today, FORECAST_DAYS_MAX - 1);
      if (opts.checkDateWindow) {
        if (start < first || start > last) throw new ApiError(`Parameter 'start_date' is out of allowed range from ${first} to ${last}`);
        if (end < first || end > last) throw new ApiError(`Parameter 'end_date' is out of allowed range from ${first} to ${last}`);
      }
    } else {
      const past = intParam(params, "past_days", 0, FORECAST_PAST_MAX, "Past days");
      const days = intParam(params, "forecast_days", 7, FORECAST_DAYS_MAX, "Forecast days");
      start = addDays(today, -past);
      end = addDays(today, days - 1);
    }
  } else {
    if (!start || !end) throw new ApiError("Parameter 'start_date' and 'end_date' are required.");
    if (end < start) throw new ApiError("End-date must be larger or equals than start-date");
    const last = opts.checkDateWindow ? today : "9999-12-31";
    if (start < ARCHIVE_FIRST_DAY || start > last) throw new ApiError(`Parameter 'start_date' is out of allowed range from ${ARCHIVE_FIRST_DAY} to ${today}`);
    if (end > last) throw new ApiError(`Parameter 'end_date' is out of allowed range from ${ARCHIVE_FIRST_DAY} to ${today}`);
    nullAfter = addDays(today, -ARCHIVE_DELAY_DAYS);
  }

  const dates: string[] = [];
  for (let t = parseDay(start!); t <= parseDay(end!); t += MS_PER_DAY) dates.push(formatDay(t));

  const locations = lats.map((lat0, i) => {
    const lat = round(lat0, 2);
    const lon = round(lons[i]!, 2);
    const elevation = elevations?.[i] ?? elevations?.[0] ?? syntheticElevation(lat, lon);
    const body: Record<string, unknown> = {
      latitude: lat,
      longitude: lon,
      generationtime_ms: 0,
      utc_offset_seconds: tz.offset,
      timezone: tz.name,
      timezone_abbreviation: tz.abbreviation,
      elevation,
    };
    if (variables.length) {
      body.daily_units = Object.fromEntries([["time", "iso8601"], ...variables.map((v) => [v, unitOf(v, units)])]);
      body.daily = dailySeries(lat, lon, dates, variables, units, elevation, nullAfter);
    }
    body.generationtime_ms = round(performance.now() - started, 4);
    return body;
  });
  return locations.length === 1 ? locations[0] : locations;
}

export async function startOpenMeteo(opts: OpenMeteoOptions = {}): Promise<OpenMeteoServer> {
  const config = { now: opts.now ?? (() => new Date()), checkDateWindow: opts.checkDateWindow ?? true };
  const counters: OpenMeteoStats = { requests: 0, forecast: 0, archive: 0, errors: 0 };
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", "access-control-allow-origin": "*" });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/__stats") {
      if (req.method === "DELETE") Object.assign(counters, { requests: 0, forecast: 0, archive: 0, errors: 0 });
      return send(200, counters);
    }
    counters.requests++;
    const kind = url.pathname === "/v1/forecast" ? "forecast" : url.pathname === "/v1/archive" ? "archive" : undefined;
    if (!kind || (req.method !== "GET" && req.method !== "HEAD")) {
      counters.errors++;
      return send(404, { error: true, reason: `Not found: ${req.method} ${url.pathname}` });
    }
    counters[kind]++;
    try {
      send(200, handle(kind, url.searchParams, config));
    } catch (e) {
      counters.errors++;
      send(e instanceof ApiError ? 400 : 500, { error: true, reason: (e as Error).message });
    }
  });
  server.keepAliveTimeout = 0; // only clients close idle sockets (no reuse-while-closing race)
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${opts.host ?? "127.0.0.1"}:${port}`,
    port,
    stats: () => ({ ...counters }),
    resetStats: () => Object.assign(counters, { requests: 0, forecast: 0, archive: 0, errors: 0 }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf("--port");
  const srv = await startOpenMeteo({ port: i >= 0 ? Number(process.argv[i + 1]) : 8090 });
  console.log(`open-meteo: ${srv.url} (OPEN_METEO_FORECAST_URL=OPEN_METEO_ARCHIVE_URL=${srv.url})`);
  const stop = () => srv.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
