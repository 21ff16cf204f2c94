/**
 * Open-Meteo stand-in: `GET /v1/forecast` and `GET /v1/archive` with Open-Meteo's JSON shape,
 * deterministic plausible weather, and the real service's limits (no network, same answer for the
 * same request). dev/README.md has the table of what is emulated and the sources.
 *
 * Parameters: `latitude`/`longitude` (comma lists → a JSON array of per-location objects, one object
 * for one location), `daily=` / `hourly=` (comma lists, DAILY_VARIABLES / HOURLY_VARIABLES),
 * `start_date`/`end_date`, `past_days` (0..92) / `forecast_days` (0..16, default 7),
 * `temperature_unit`, `wind_speed_unit` (default kmh, like the real API), `precipitation_unit`,
 * `timezone=GMT|UTC|auto|<IANA>` (a comma list: one per location), `elevation=`, `apikey=`.
 * Response per location: `{latitude, longitude, generationtime_ms, utc_offset_seconds, timezone,
 * timezone_abbreviation, elevation, hourly_units?, hourly?, daily_units?, daily?}`.
 *
 * Time zones, as the real API: `timezone=auto` resolves the coordinates to their IANA zone
 * (@photostructure/tz-lookup); the whole response uses the offset valid *now* in that zone (one
 * `utc_offset_seconds`, daylight saving included: Europe/Zurich answers +7200 in July, +3600 in
 * January), days run 00:00–24:00 in that offset, `hourly.time` is local `YYYY-MM-DDTHH:MM`.
 *
 * Limits (on by default; `limits: false` or OPEN_METEO_LIMITS=off switches them off), as in
 * open-meteo/open-meteo Sources/App/Helper/Vapor/{RateLimiter,ApiKeyManager,ConcurrencyGroupLimiter}.swift:
 * - Weight of a request: Σ over locations of max(1, max(v/10, v/10 × days/14)), v = daily + hourly
 *   variables (ForecastApiResult.swift `calculateQueryWeight`). 5 years of 4 daily variables ≈ 52.
 * - Free plan (no `apikey`): per client (the `CF-Worker` header when present, as the real service
 *   keys Cloudflare Workers, else the peer address) 600/minute, 5,000/hour, 10,000/day in fixed UTC
 *   windows; checked before a request (usage ≥ limit → 429), counted after it (a 400 counts 1);
 *   one request runs at a time per client, up to 4 more wait, beyond that 429 "Too many concurrent
 *   requests"; ≤ 1,000 locations; a request heavier than the hourly limit is a 400.
 * - `apikey=` (the real service serves keys on the customer- hosts; here any host): known keys
 *   (`apiKeys`, OPEN_METEO_API_KEYS=key:plan,…) get their plan: no minute/hour/day limits (the
 *   monthly volume is counted, not enforced, like the real service), 2 concurrent (enterprise 10)
 *   with a queue of 256, ≤ 10,000 locations; the archive needs professional or enterprise (403
 *   otherwise). An unknown key is a 400.
 * - `latencyMs` / OPEN_METEO_LATENCY_MS: a delay per request while it holds its concurrency slot.
 * - Faults for tests, never on by default: `faults.add({endpoint, kind: "hang" | "status", …})` or
 *   `POST /__faults` with the same JSON; `DELETE /__faults` clears them.
 *
 * Errors are `{"error":true,"reason":"…"}`: 400 for bad parameters (the real reasons where known),
 * 429 with the real rate-limit reasons, 403/400 for plans and keys.
 * Like the real archive (ERA5's ~5 day delay), archive values for the last 5 days are null.
 *
 * Not emulated: models, current/minutely_15 (400), grid-cell snapping (coordinates are rounded to
 * 0.01°), POST requests, the free host's redirect of `apikey` requests to the customer- host.
 * `stats()` / `GET /__stats` count requests, weight and 429s; `usage()` / `GET /__usage` list every
 * request with its time, client and weight; `DELETE /__stats` resets both.
 *
 * Standalone: `npx tsx dev/open-meteo.ts [--port 8090]`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import tzlookup from "@photostructure/tz-lookup";

export type PlanName = "free" | "standard" | "professional" | "enterprise";

export interface PlanLimits {
  /** Weighted calls per fixed UTC window; null = unlimited. */
  minutely: number | null;
  hourly: number | null;
  daily: number | null;
  /** Monthly volume of the plan: counted in stats, not enforced (the real service e-mails). */
  monthly: number;
  /** Requests running at once per client; more wait in a queue… */
  concurrent: number;
  /** …up to this many in all (running + waiting); beyond, 429 "Too many concurrent requests". */
  concurrentHard: number;
  maxLocations: number;
  /** The Historical Weather API (archive) is included. */
  archive: boolean;
}

/** open-meteo.com/en/pricing and the service's source (see the file comment). */
export const PLANS: Record<PlanName, PlanLimits> = {
  free: { minutely: 600, hourly: 5_000, daily: 10_000, monthly: 300_000, concurrent: 1, concurrentHard: 5, maxLocations: 1_000, archive: true },
  standard: { minutely: null, hourly: null, daily: null, monthly: 1_000_000, concurrent: 2, concurrentHard: 256, maxLocations: 10_000, archive: false },
  professional: { minutely: null, hourly: null, daily: null, monthly: 5_000_000, concurrent: 2, concurrentHard: 256, maxLocations: 10_000, archive: true },
  enterprise: { minutely: null, hourly: null, daily: null, monthly: 50_000_000, concurrent: 10, concurrentHard: 256, maxLocations: 200_000, archive: true },
};

/** Keys the stand-in accepts unless told otherwise (documented in dev/README.md). */
export const DEV_API_KEYS: Record<string, PlanName> = {
  "dev-standard-key": "standard",
  "dev-professional-key": "professional",
  "dev-enterprise-key": "enterprise",
};

export const RATE_LIMIT_REASONS = {
  minutely: "Minutely API request limit exceeded. Please try again in one minute.",
  hourly: "Hourly API request limit exceeded. Please try again in the next hour.",
  daily: "Daily API request limit exceeded. Please try again tomorrow.",
  concurrent: "Too many concurrent requests",
} as const;

export interface LimitOptions {
  /** Overrides of the free plan's numbers (e.g. a small minute limit for a test). */
  free?: Partial<PlanLimits>;
  /** Accepted API keys and their plans (default DEV_API_KEYS, or OPEN_METEO_API_KEYS). */
  apiKeys?: Record<string, PlanName>;
}

export type Endpoint = "forecast" | "archive";

export interface Fault {
  endpoint?: Endpoint | "any";
  /** "hang": never answer (until the client gives up or the server closes); "status": answer `status` with `body`. */
  kind: "hang" | "status";
  status?: number;
  body?: unknown;
  /** How many requests it hits (default: all until cleared). */
  times?: number;
}

export interface OpenMeteoOptions {
  port?: number;
  host?: string;
  /** Clock for "today", date windows and the rate-limit windows. */
  now?: () => Date;
  /** Reject forecast dates outside today-92..today+15 and archive dates after today (default true). */
  checkDateWindow?: boolean;
  /** Rate and concurrency limits: on by default (OPEN_METEO_LIMITS=off turns the default off). */
  limits?: boolean | LimitOptions;
  /** Delay per request in ms (default OPEN_METEO_LATENCY_MS or 0). */
  latencyMs?: number;
}

export interface OpenMeteoStats {
  requests: number;
  forecast: number;
  archive: number;
  errors: number;
  /** 429 answers (rate or concurrency limits, not injected faults). */
  rateLimited: number;
  /** Weighted calls counted, all clients. */
  weight: number;
}

export interface UsageEntry {
  at: number;
  client: string;
  plan: PlanName;
  endpoint: Endpoint;
  locations: number;
  status: number;
  weight: number;
  /** The request's query with `apikey` masked. */
  query: string;
}

export interface OpenMeteoServer {
  /** Base URL: use as OPEN_METEO_FORECAST_URL and OPEN_METEO_ARCHIVE_URL. */
  url: string;
  port: number;
  stats(): OpenMeteoStats;
  usage(): UsageEntry[];
  resetStats(): void;
  faults: { add(fault: Fault): void; clear(): void };
  /** The most weight one client (or `client`) spent in one fixed UTC minute, and in any sliding 60 s. */
  peakMinuteWeight(client?: string): { fixed: number; sliding: number };
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

export const HOURLY_VARIABLES = [
  "temperature_2m",
  "relative_humidity_2m",
  "precipitation",
  "rain",
  "snowfall",
  "weather_code",
  "cloud_cover",
  "visibility",
  "wind_speed_10m",
  "wind_gusts_10m",
  "wind_direction_10m",
] as const;
export type HourlyVariable = (typeof HOURLY_VARIABLES)[number];

export interface Units {
  temperature: "celsius" | "fahrenheit";
  wind: "kmh" | "ms" | "mph" | "kn";
  precipitation: "mm" | "inch";
}

class ApiError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

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
    wind_speed_10m_mean: wind * 0.775, // the mean of syntheticHours' wind
    wind_gusts_10m_max: wind * 1.6,
    wind_direction_10m_dominant: Math.round(360 * u("dir")) % 360,
    cloud_cover_mean: cloud,
    relative_humidity_2m_mean: Math.round(clamp(35 + 0.45 * cloud + 15 * u("rh"), 5, 100)),
    weather_code: wet ? (snowy ? 73 : precipitation > 5 ? 63 : 61) : cloud > 80 ? 3 : cloud > 50 ? 2 : cloud > 20 ? 1 : 0,
  } satisfies Record<DailyVariable, number>;
}

/** The 24 local hours of a day, metric, consistent with `syntheticDay` (see dev/README.md). */
export function syntheticHours(lat: number, lon: number, date: string, elevation = syntheticElevation(lat, lon)) {
  const day = syntheticDay(lat, lon, date, elevation);
  const key = place(lat, lon);
  const u = (what: string) => hash01(`${what}:${key}:${date}`);
  const range = day.temperature_2m_max - day.temperature_2m_min;
  const snowy = day.snowfall_sum > 0;
  // Precipitation falls in `precipitation_hours` consecutive hours, in tenths of a mm, so the hours
  // add up to the daily sum exactly.
  const wetHours = day.precipitation_hours;
  const tenths = Math.round(day.precipitation_sum * 10);
  const firstWet = wetHours ? Math.floor(u("first-wet") * (24 - wetHours + 1)) : 0;
  const cloudSwing = Math.min(day.cloud_cover_mean, 100 - day.cloud_cover_mean, 20);
  const phase = 2 * Math.PI * u("cloud-phase");
  return Array.from({ length: 24 }, (_, h) => {
    // Coldest at 03:00, warmest at 15:00: exactly the daily min and max.
    const c = Math.cos((2 * Math.PI * (h - 15)) / 24);
    const temperature = day.temperature_2m_mean + (c >= 0 ? 0.55 : 0.45) * range * c;
    const i = h - firstWet;
    const precipitation = i >= 0 && i < wetHours ? (Math.floor(tenths / wetHours) + (i < tenths % wetHours ? 1 : 0)) / 10 : 0;
    // Windiest at 14:00, exactly the daily max; the daily mean is the mean of these hours.
    const wind = day.wind_speed_10m_max * (0.55 + 0.225 * (1 + Math.cos((2 * Math.PI * (h - 14)) / 24)));
    const cloud = Math.round(day.cloud_cover_mean + cloudSwing * Math.sin((2 * Math.PI * h) / 24 + phase));
    const visibility =
      precipitation > 0 ? Math.round(9000 - Math.min(6000, precipitation * 1500)) : cloud > 85 ? 12_000 + Math.round(8000 * u(`vis${h}`)) : 24_140;
    return {
      temperature_2m: temperature,
      relative_humidity_2m: Math.round(clamp(day.relative_humidity_2m_mean - 10 * c, 5, 100)),
      precipitation,
      rain: snowy ? 0 : precipitation,
      snowfall: snowy ? precipitation * 0.7 : 0,
      weather_code: precipitation > 0 ? (snowy ? 73 : precipitation > 2 ? 63 : 61) : cloud > 80 ? 3 : cloud > 50 ? 2 : cloud > 20 ? 1 : 0,
      cloud_cover: cloud,
      visibility,
      wind_speed_10m: wind,
      wind_gusts_10m: wind * 1.6,
      wind_direction_10m: Math.round(day.wind_direction_10m_dominant + 20 * Math.sin((2 * Math.PI * h) / 24) + 360) % 360,
    } satisfies Record<HourlyVariable, number>;
  });
}

const UNIT_LABEL = {
  temperature: { celsius: "°C", fahrenheit: "°F" },
  wind: { kmh: "km/h", ms: "m/s", mph: "mp/h", kn: "kn" },
  precipitation: { mm: "mm", inch: "inch" },
} as const;
const WIND_FACTOR = { kmh: 3.6, ms: 1, mph: 2.236936, kn: 1.943844 } as const;

function unitOf(v: DailyVariable | HourlyVariable, units: Units): string {
  if (v.startsWith("temperature")) return UNIT_LABEL.temperature[units.temperature];
  if (v === "snowfall_sum" || v === "snowfall") return units.precipitation === "inch" ? "inch" : "cm";
  if (v === "precipitation_sum" || v === "rain_sum" || v === "precipitation" || v === "rain") return UNIT_LABEL.precipitation[units.precipitation];
  if (v === "precipitation_hours") return "h";
  if (v === "visibility") return "m";
  if (v.startsWith("wind_direction")) return "°";
  if (v.startsWith("wind")) return UNIT_LABEL.wind[units.wind];
  if (v === "weather_code") return "wmo code";
  return "%";
}

function convert(v: DailyVariable | HourlyVariable, x: number, units: Units): number {
  if (v.startsWith("temperature")) return round(units.temperature === "fahrenheit" ? x * 1.8 + 32 : x);
  if (v === "snowfall_sum" || v === "snowfall") return units.precipitation === "inch" ? round(x / 2.54, 2) : round(x, 2);
  if (v === "precipitation_sum" || v === "rain_sum" || v === "precipitation" || v === "rain")
    return units.precipitation === "inch" ? round(x / 25.4, 3) : round(x);
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

/** The `hourly` block: 24 local hours per date, `time` as `YYYY-MM-DDTHH:MM`. */
export function hourlySeries(
  lat: number,
  lon: number,
  dates: readonly string[],
  variables: readonly HourlyVariable[],
  units: Units,
  elevation = syntheticElevation(lat, lon),
  nullAfter?: string,
): Record<string, (number | null)[] | string[]> {
  const time: string[] = [];
  const hours: (ReturnType<typeof syntheticHours>[number] | null)[] = [];
  for (const d of dates) {
    const day = nullAfter && d > nullAfter ? null : syntheticHours(lat, lon, d, elevation);
    for (let h = 0; h < 24; h++) {
      time.push(`${d}T${String(h).padStart(2, "0")}:00`);
      hours.push(day ? day[h]! : null);
    }
  }
  const out: Record<string, (number | null)[] | string[]> = { time };
  for (const v of variables) out[v] = hours.map((x) => (x ? convert(v, x[v], units) : null));
  return out;
}

// ---- time zones --------------------------------------------------------------------------------

function offsetAndAbbreviation(zone: string, now: Date): { offset: number; abbreviation: string } {
  const part = (locale: string, style: "shortOffset" | "short") =>
    new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: style }).formatToParts(now).find((p) => p.type === "timeZoneName")!.value;
  const m = /GMT(?:([+-])(\d+)(?::(\d+))?)?/.exec(part("en-US", "shortOffset"));
  const offset = m?.[1] ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60) : 0;
  // A letter abbreviation where one exists (MDT in en-US, CEST in en-GB), else "GMT+2".
  const named = [part("en-US", "short"), part("en-GB", "short")].find((a) => !/^(GMT|UTC)/.test(a));
  return { offset, abbreviation: named ?? (offset === 0 ? "GMT" : part("en-US", "shortOffset")) };
}

/** The zone name for `timezone=` at a place: `auto` is the place's IANA zone (oceans: GMT). */
function resolveZone(tz: string | undefined, lat: number, lon: number): string {
  if (!tz || tz === "GMT" || tz === "UTC") return "GMT";
  if (tz === "auto") {
    const zone = tzlookup(lat, lon);
    return /^Etc\/(GMT|UTC)$/.test(zone) ? "GMT" : zone;
  }
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return tz;
  } catch {
    throw new ApiError(`Invalid timezone: ${tz}`);
  }
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

function variableList<T extends string>(params: URLSearchParams, key: "daily" | "hourly", allowed: readonly T[]): T[] {
  const raw = params
    .getAll(key)
    .flatMap((s) => s.split(","))
    .map((s) => s.trim())
    .filter(Boolean);
  for (const v of raw) {
    if (!(allowed as readonly string[]).includes(v)) throw new ApiError(`Cannot initialize WeatherVariable from invalid String value ${v} for key ${key}`);
  }
  return [...new Set(raw)] as T[];
}

const FORECAST_PAST_MAX = 92;
const FORECAST_DAYS_MAX = 16;
const ARCHIVE_FIRST_DAY = "1940-01-01";
const ARCHIVE_DELAY_DAYS = 5;

/** Open-Meteo's weight of one location: 10 variables over 14 days count 1, never less than 1. */
export function locationWeight(variables: number, days: number): number {
  const variablesFraction = variables / 10;
  return Math.max(1, Math.max(variablesFraction, (days / 14) * variablesFraction));
}

interface Handled {
  body: unknown;
  locations: number;
  weight: number;
}

function handle(kind: Endpoint, params: URLSearchParams, opts: { now: () => Date; checkDateWindow: boolean }): Handled {
  const started = performance.now();
  for (const unsupported of ["current", "minutely_15"]) {
    if (params.get(unsupported)) throw new ApiError(`Parameter '${unsupported}' is not supported by the Open-Meteo stand-in (daily and hourly only).`);
  }
  const lats = numberList(params, "latitude");
  const lons = numberList(params, "longitude");
  if (lats.length !== lons.length) throw new ApiError("Parameter 'latitude' and 'longitude' must have the same number of elements");
  for (const lat of lats) if (lat < -90 || lat > 90) throw new ApiError(`Latitude must be in range of -90 to 90°. Given: ${lat}.`);
  for (const lon of lons) if (lon < -180 || lon > 180) throw new ApiError(`Longitude must be in range of -180 to 180°. Given: ${lon}.`);
  const elevations = params.get("elevation") ? numberList(params, "elevation") : undefined;
  const timezones = (params.get("timezone") ?? "").split(",").map((s) => s.trim());
  if (timezones.length !== 1 && timezones.length !== lats.length) {
    throw new ApiError("Parameter 'timezone' must have the same number of elements as coordinates, or one");
  }

  const daily = variableList(params, "daily", DAILY_VARIABLES);
  const hourly = variableList(params, "hourly", HOURLY_VARIABLES);
  const units: Units = {
    temperature: enumParam(params, "temperature_unit", ["celsius", "fahrenheit"], "celsius"),
    wind: enumParam(params, "wind_speed_unit", ["kmh", "ms", "mph", "kn"], "kmh"),
    precipitation: enumParam(params, "precipitation_unit", ["mm", "inch"], "mm"),
  };
  const startParam = dateParam(params, "start_date");
  const endParam = dateParam(params, "end_date");
  if ((startParam === undefined) !== (endParam === undefined)) throw new ApiError("Parameter 'start_date' and 'end_date' must be set together.");
  if (kind === "archive" && (!startParam || !endParam)) throw new ApiError("Parameter 'start_date' and 'end_date' are required.");
  if (startParam && endParam && endParam < startParam) throw new ApiError("End-date must be larger or equals than start-date");
  const past = startParam ? 0 : intParam(params, "past_days", 0, FORECAST_PAST_MAX, "Past days");
  const forecastDays = startParam ? 0 : intParam(params, "forecast_days", 7, FORECAST_DAYS_MAX, "Forecast days");

  const now = opts.now();
  let weight = 0;
  const locations = lats.map((lat0, i) => {
    const lat = round(lat0, 2);
    const lon = round(lons[i]!, 2);
    const zone = resolveZone(timezones[i] ?? timezones[0], lat, lon);
    const tz = offsetAndAbbreviation(zone === "GMT" ? "UTC" : zone, now);
    const today = formatDay(now.getTime() + tz.offset * 1000);
    let start = startParam;
    let end = endParam;
    let nullAfter: string | undefined;
    if (kind === "forecast") {
      if (start && end) {
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
        start = addDays(today, -past);
        end = addDays(today, forecastDays - 1);
      }
    } else {
      const last = opts.checkDateWindow ? today : "9999-12-31";
      if (start! < ARCHIVE_FIRST_DAY || start! > last)
        throw new ApiError(`Parameter 'start_date' is out of allowed range from ${ARCHIVE_FIRST_DAY} to ${today}`);
      if (end! > last) throw new ApiError(`Parameter 'end_date' is out of allowed range from ${ARCHIVE_FIRST_DAY} to ${today}`);
      nullAfter = addDays(today, -ARCHIVE_DELAY_DAYS);
    }
    const dates: string[] = [];
    for (let t = parseDay(start!); t <= parseDay(end!); t += MS_PER_DAY) dates.push(formatDay(t));
    weight += locationWeight(daily.length + hourly.length, dates.length);

    const elevation = elevations?.[i] ?? elevations?.[0] ?? syntheticElevation(lat, lon);
    const body: Record<string, unknown> = {
      latitude: lat,
      longitude: lon,
      generationtime_ms: 0,
      utc_offset_seconds: tz.offset,
      timezone: zone,
      timezone_abbreviation: tz.abbreviation,
      elevation,
    };
    if (hourly.length) {
      body.hourly_units = Object.fromEntries([["time", "iso8601"], ...hourly.map((v) => [v, unitOf(v, units)])]);
      body.hourly = hourlySeries(lat, lon, dates, hourly, units, elevation, nullAfter);
    }
    if (daily.length) {
      body.daily_units = Object.fromEntries([["time", "iso8601"], ...daily.map((v) => [v, unitOf(v, units)])]);
      body.daily = dailySeries(lat, lon, dates, daily, units, elevation, nullAfter);
    }
    body.generationtime_ms = round(performance.now() - started, 4);
    return body;
  });
  return { body: locations.length === 1 ? locations[0] : locations, locations: locations.length, weight };
}

// ---- limits -------------------------------------------------------------------------------------

interface Counter {
  window: number;
  weight: number;
}

/** Fixed UTC windows per client, as the real limiter (reset each minute, at the hour, at midnight). */
class RateLimiter {
  private readonly minute = new Map<string, Counter>();
  private readonly hour = new Map<string, Counter>();
  private readonly day = new Map<string, Counter>();
  private readonly running = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();

  private used(map: Map<string, Counter>, client: string, window: number): number {
    const c = map.get(client);
    return c && c.window === window ? c.weight : 0;
  }

  private add(map: Map<string, Counter>, client: string, window: number, weight: number) {
    const c = map.get(client);
    map.set(client, { window, weight: (c && c.window === window ? c.weight : 0) + weight });
  }

  /** The reason for a 429, or null: usage at or over a limit before the request. */
  check(client: string, plan: PlanLimits, nowMs: number): string | null {
    const m = Math.floor(nowMs / 60_000);
    if (plan.minutely !== null && this.used(this.minute, client, m) >= plan.minutely) return RATE_LIMIT_REASONS.minutely;
    if (plan.hourly !== null && this.used(this.hour, client, Math.floor(m / 60)) >= plan.hourly) return RATE_LIMIT_REASONS.hourly;
    if (plan.daily !== null && this.used(this.day, client, Math.floor(m / 1440)) >= plan.daily) return RATE_LIMIT_REASONS.daily;
    return null;
  }

  count(client: string, weight: number, nowMs: number) {
    const m = Math.floor(nowMs / 60_000);
    this.add(this.minute, client, m, weight);
    this.add(this.hour, client, Math.floor(m / 60), weight);
    this.add(this.day, client, Math.floor(m / 1440), weight);
  }

  /** Waits for a concurrency slot; false when even the queue is full. */
  async acquire(client: string, plan: PlanLimits): Promise<boolean> {
    const n = this.running.get(client) ?? 0;
    if (n >= plan.concurrentHard) return false;
    this.running.set(client, n + 1);
    if (n >= plan.concurrent) await new Promise<void>((resolve) => this.waiting.set(client, [...(this.waiting.get(client) ?? []), resolve]));
    return true;
  }

  release(client: string) {
    const n = this.running.get(client) ?? 1;
    if (n <= 1) this.running.delete(client);
    else this.running.set(client, n - 1);
    const queue = this.waiting.get(client);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.waiting.delete(client);
    next?.();
  }
}

function envLimits(): boolean | LimitOptions {
  if (/^(off|false|0|no)$/i.test(process.env.OPEN_METEO_LIMITS ?? "")) return false;
  const keys = process.env.OPEN_METEO_API_KEYS;
  if (!keys) return true;
  const apiKeys: Record<string, PlanName> = {};
  for (const entry of keys
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [key, plan = "professional"] = entry.split(":");
    if (!(plan in PLANS)) throw new Error(`OPEN_METEO_API_KEYS: unknown plan ${plan} (free, standard, professional, enterprise)`);
    apiKeys[key!] = plan as PlanName;
  }
  return { apiKeys };
}

const maskKey = (query: URLSearchParams) => {
  const q = new URLSearchParams(query);
  if (q.has("apikey")) q.set("apikey", "***");
  return q.toString();
};

export async function startOpenMeteo(opts: OpenMeteoOptions = {}): Promise<OpenMeteoServer> {
  const now = opts.now ?? (() => new Date());
  const config = { now, checkDateWindow: opts.checkDateWindow ?? true };
  const limitsOpt = opts.limits ?? envLimits();
  const limited = limitsOpt !== false;
  const limitOptions: LimitOptions = typeof limitsOpt === "object" ? limitsOpt : {};
  const plans: Record<PlanName, PlanLimits> = { ...PLANS, free: { ...PLANS.free, ...limitOptions.free } };
  const apiKeys = limitOptions.apiKeys ?? DEV_API_KEYS;
  const latencyMs = opts.latencyMs ?? Number(process.env.OPEN_METEO_LATENCY_MS ?? 0);
  const limiter = new RateLimiter();
  const zero = (): OpenMeteoStats => ({ requests: 0, forecast: 0, archive: 0, errors: 0, rateLimited: 0, weight: 0 });
  const counters = zero();
  let usage: UsageEntry[] = [];
  let faults: Fault[] = [];
  const hanging = new Set<http.ServerResponse>();

  const takeFault = (endpoint: Endpoint): Fault | undefined => {
    const i = faults.findIndex((f) => (f.endpoint ?? "any") === "any" || f.endpoint === endpoint);
    if (i < 0) return undefined;
    const f = faults[i]!;
    if (f.times !== undefined && --f.times <= 0) faults.splice(i, 1);
    return f;
  };

  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      if (res.writableEnded) return;
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", "access-control-allow-origin": "*" });
      res.end(typeof body === "string" ? body : JSON.stringify(body));
    };
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/__stats") {
      if (req.method === "DELETE") {
        Object.assign(counters, zero());
        usage = [];
      }
      return send(200, counters);
    }
    if (url.pathname === "/__usage") return send(200, usage);
    if (url.pathname === "/__faults") {
      if (req.method === "DELETE") {
        faults = [];
        return send(200, { faults: 0 });
      }
      let raw = "";
      req.on("data", (c: Buffer) => (raw += c.toString()));
      req.on("end", () => {
        try {
          const parsed = JSON.parse(raw) as Fault | Fault[];
          faults.push(...(Array.isArray(parsed) ? parsed : [parsed]));
          send(200, { faults: faults.length });
        } catch (e) {
          send(400, { error: true, reason: `invalid fault: ${(e as Error).message}` });
        }
      });
      return;
    }
    counters.requests++;
    const kind = url.pathname === "/v1/forecast" ? "forecast" : url.pathname === "/v1/archive" ? "archive" : undefined;
    if (!kind || (req.method !== "GET" && req.method !== "HEAD")) {
      counters.errors++;
      return send(404, { error: true, reason: `Not found: ${req.method} ${url.pathname}` });
    }
    counters[kind]++;
    void serve(kind, url.searchParams, req, res, send);
  });

  async function serve(kind: Endpoint, params: URLSearchParams, req: http.IncomingMessage, res: http.ServerResponse, send: (s: number, b: unknown) => void) {
    const fault = takeFault(kind);
    if (fault?.kind === "hang") {
      hanging.add(res);
      res.on("close", () => hanging.delete(res));
      return;
    }
    if (fault) {
      counters.errors++;
      return send(fault.status ?? 500, fault.body ?? { error: true, reason: "Injected fault" });
    }
    const apikey = params.get("apikey");
    const planName: PlanName | undefined = apikey ? apiKeys[apikey] : "free";
    const at = now().getTime();
    const client = apikey ? `key:${apikey.slice(0, 4)}…` : String(req.headers["cf-worker"] ?? req.socket.remoteAddress ?? "unknown");
    const record = (status: number, weight: number, locations: number) => {
      counters.weight += weight;
      usage.push({ at, client, plan: planName ?? "free", endpoint: kind, locations, status, weight, query: maskKey(params) });
    };
    if (!planName) {
      counters.errors++;
      record(400, 0, 0);
      return send(400, { error: true, reason: "The supplied API key is invalid." });
    }
    const plan = plans[planName];
    if (limited) {
      const reason = limiter.check(client, plan, at);
      if (reason) {
        counters.errors++;
        counters.rateLimited++;
        record(429, 0, 0);
        return send(429, { error: true, reason });
      }
      if (!(await limiter.acquire(client, plan))) {
        counters.errors++;
        counters.rateLimited++;
        record(429, 0, 0);
        return send(429, { error: true, reason: RATE_LIMIT_REASONS.concurrent });
      }
    }
    try {
      if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
      if (limited && kind === "archive" && !plan.archive) throw new ApiError("This API endpoint requires the API Professional or Enterprise plan", 403);
      const result = handle(kind, params, config);
      if (limited && result.locations > plan.maxLocations) throw new ApiError(`Only up to ${plan.maxLocations} locations can be requested at once`);
      if (limited && plan.hourly !== null && result.weight > plan.hourly) {
        throw new ApiError("Your API call requests too much data. Please reduce the number of variables, locations and/or weather models.");
      }
      if (limited) limiter.count(client, result.weight, at);
      record(200, result.weight, result.locations);
      send(200, result.body);
    } catch (e) {
      counters.errors++;
      // A failed request still counts one call on the real service ("some users do infinite retries").
      if (limited) limiter.count(client, 1, at);
      record(e instanceof ApiError ? e.status : 500, 1, 0);
      send(e instanceof ApiError ? e.status : 500, { error: true, reason: (e as Error).message });
    } finally {
      if (limited) limiter.release(client);
    }
  }

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
    usage: () => usage.map((u) => ({ ...u })),
    resetStats: () => {
      Object.assign(counters, zero());
      usage = [];
    },
    faults: {
      add: (f) => faults.push({ ...f }),
      clear: () => {
        faults = [];
      },
    },
    peakMinuteWeight(client) {
      // Per client (limits are per client): the heaviest fixed UTC minute and sliding 60 s.
      const entries = usage.filter((u) => !client || u.client === client);
      const fixed = new Map<string, number>();
      for (const u of entries) {
        const k = `${u.client}|${Math.floor(u.at / 60_000)}`;
        fixed.set(k, (fixed.get(k) ?? 0) + u.weight);
      }
      let sliding = 0;
      for (const u of entries) {
        const w = entries.filter((v) => v.client === u.client && v.at >= u.at && v.at < u.at + 60_000).reduce((s, v) => s + v.weight, 0);
        sliding = Math.max(sliding, w);
      }
      return { fixed: Math.max(0, ...fixed.values()), sliding };
    },
    async close() {
      for (const res of hanging) res.destroy();
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
