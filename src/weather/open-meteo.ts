/**
 * Open-Meteo HTTP client (forecast daily + hourly, archive), parsed with zod at the edge.
 *
 * - One request serves many locations: `latitude`/`longitude` are comma lists and the answer is a
 *   JSON array in request order (one object for one location). Results are matched by position,
 *   never by coordinates (the service snaps coordinates to its grid).
 * - With an API key (OPEN_METEO_API_KEY) requests go to the customer hosts
 *   (`customer-api.open-meteo.com`, `customer-archive-api.open-meteo.com`) with `&apikey=`, unless
 *   the base URLs point elsewhere (a stand-in, a proxy): then they go there, still with the key.
 *   The key never appears in an error or a log line: URLs are redacted.
 * - One typed error per failure class: fetch threw / timed out / HTTP 5xx or 408 / malformed body →
 *   `UpstreamUnavailable("weather", cause)`; HTTP 429 → `WeatherRateLimited` (a subclass, with the
 *   service's reason and a retry hint); any other 4xx → `WeatherRequestRejected` (our request was
 *   wrong: a bug, not an outage).
 */
import { z } from "zod";
import { UpstreamUnavailable } from "../errors";
import type { ForecastDay } from "../scoring";
import type { ArchiveDaily } from "./climate-stats";

const CUSTOMER_HOSTS: Record<string, string> = {
  "api.open-meteo.com": "customer-api.open-meteo.com",
  "archive-api.open-meteo.com": "customer-archive-api.open-meteo.com",
};

export interface OpenMeteoSource {
  forecastUrl: string;
  archiveUrl: string;
  /** Commercial API key; sent as `apikey=` only when set. */
  apiKey?: string;
}

/** The URLs to call: the public hosts become the customer hosts when a key is set. */
export function resolveSource(urls: { forecastUrl: string; archiveUrl: string }, apiKey?: string): OpenMeteoSource {
  if (!apiKey) return { forecastUrl: urls.forecastUrl, archiveUrl: urls.archiveUrl };
  const swap = (base: string) => {
    const url = new URL(base);
    const customer = CUSTOMER_HOSTS[url.hostname];
    if (customer) url.hostname = customer;
    return url.toString().replace(/\/+$/, "");
  };
  return { forecastUrl: swap(urls.forecastUrl), archiveUrl: swap(urls.archiveUrl), apiKey };
}

/** The URL with any `apikey` value masked, for messages. */
export const redactUrl = (url: string) => url.replace(/([?&]apikey=)[^&]*/gi, "$1***");

// ---- errors -------------------------------------------------------------------------------------

/** The HTTP status and body reason of a failed Open-Meteo call (the key is never part of it). */
export class OpenMeteoHttpError extends Error {
  override readonly name = "OpenMeteoHttpError";
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly endpoint: Endpoint,
  ) {
    super(`Open-Meteo ${endpoint} HTTP ${status}: ${reason}`);
  }
}

export class WeatherResponseInvalid extends Error {
  override readonly name = "WeatherResponseInvalid";
}

export type RateLimitWindow = "minute" | "hour" | "day" | "concurrency" | "unknown";

/** HTTP 429: the service is shedding our load. A subclass, so the HTTP layer treats it as an outage. */
export class WeatherRateLimited extends UpstreamUnavailable {
  constructor(
    readonly reason: string,
    readonly window: RateLimitWindow,
    /** Seconds until the window that refused us resets (the service sends no Retry-After). */
    readonly retryAfterSeconds: number,
    cause: OpenMeteoHttpError,
  ) {
    super("weather", cause, `rate limited (${window}): ${reason}`.slice(0, 300));
  }
}

/** A 4xx other than 429: Open-Meteo says our request is wrong. A bug in this code, not an outage. */
export class WeatherRequestRejected extends Error {
  override readonly name = "WeatherRequestRejected";
  constructor(override readonly cause: OpenMeteoHttpError) {
    super(cause.message);
  }
}

/** The service's 429 reasons (Sources/App/Helper/Vapor/RateLimiter.swift) and their windows. */
const RATE_LIMIT_WINDOWS: Record<string, RateLimitWindow> = {
  "Minutely API request limit exceeded. Please try again in one minute.": "minute",
  "Hourly API request limit exceeded. Please try again in the next hour.": "hour",
  "Daily API request limit exceeded. Please try again tomorrow.": "day",
  "Too many concurrent requests": "concurrency",
};

/** The limiter resets on fixed UTC boundaries: wait for the next one (+1 s for its sweep). */
export function retryAfterSeconds(window: RateLimitWindow, nowMs: number, retryAfterHeader?: string | null): number {
  const header = Number(retryAfterHeader);
  if (retryAfterHeader && Number.isFinite(header) && header >= 0) return Math.ceil(header);
  const until = (periodMs: number) => Math.ceil((periodMs - (nowMs % periodMs)) / 1000) + 1;
  switch (window) {
    case "minute":
      return until(60_000);
    case "hour":
      return until(3_600_000);
    case "day":
      return until(86_400_000);
    case "concurrency":
      return 1;
    default:
      return 60;
  }
}

// ---- response schemas ---------------------------------------------------------------------------

export type Endpoint = "forecast" | "archive";

export const FORECAST_DAILY_VARIABLES = [
  "temperature_2m_mean",
  "temperature_2m_min",
  "temperature_2m_max",
  "precipitation_sum",
  "wind_speed_10m_max",
  "cloud_cover_mean",
] as const;
/** Only what climate-stats.ts uses (the spec's cloud_cover_mean is fetched by the original but never read). */
export const ARCHIVE_DAILY_VARIABLES = ["temperature_2m_mean", "precipitation_sum", "wind_speed_10m_max"] as const;
/** Spec v1 §3.12 (time-of-day). */
export const HOURLY_VARIABLES = ["temperature_2m", "precipitation", "wind_speed_10m", "wind_gusts_10m", "cloud_cover", "visibility"] as const;

const series = z.array(z.number().nullable());
const block = <V extends readonly string[]>(vars: V) =>
  z
    .object({ time: z.array(z.string()), ...Object.fromEntries(vars.map((v) => [v, series])) } as { time: z.ZodArray<z.ZodString> } & Record<
      V[number],
      typeof series
    >)
    .superRefine((b, ctx) => {
      const rec = b as unknown as Record<string, unknown[]>;
      for (const v of vars) {
        if (rec[v]!.length !== rec.time!.length)
          ctx.addIssue({ code: "custom", path: [v], message: `has ${rec[v]!.length} values for ${rec.time!.length} times` });
      }
    });

/** One location's object, as Open-Meteo documents it (extra fields are allowed). */
const locationSchema = <S extends z.ZodType>(section: "daily" | "hourly", sectionSchema: S) =>
  z.object({
    latitude: z.number(),
    longitude: z.number(),
    generationtime_ms: z.number(),
    utc_offset_seconds: z.number().int(),
    timezone: z.string(),
    timezone_abbreviation: z.string(),
    elevation: z.number(),
    [`${section}_units`]: z.record(z.string(), z.string()),
    [section]: sectionSchema,
  } as Record<string, z.ZodType>);

export const ForecastDailyLocation = locationSchema("daily", block(FORECAST_DAILY_VARIABLES));
export const ArchiveDailyLocation = locationSchema("daily", block(ARCHIVE_DAILY_VARIABLES));
export const ForecastHourlyLocation = locationSchema("hourly", block(HOURLY_VARIABLES));
export const ErrorBody = z.object({ error: z.literal(true), reason: z.string() });

/** Parses a (multi-)location body: always an array of `expected` locations, in request order. */
export function parseLocations<S extends z.ZodType>(schema: S, body: unknown, expected: number, what: string): z.infer<S>[] {
  const parsed = z.union([z.array(schema), schema]).safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WeatherResponseInvalid(`Open-Meteo ${what} malformed: ${issue?.path.join(".") || "body"}: ${issue?.message}`);
  }
  const list = (Array.isArray(parsed.data) ? parsed.data : [parsed.data]) as z.infer<S>[];
  if (list.length !== expected) throw new WeatherResponseInvalid(`Open-Meteo ${what}: ${list.length} locations for ${expected} requested`);
  return list;
}

// ---- requests -----------------------------------------------------------------------------------

export interface Location {
  latitude: number;
  longitude: number;
}

export interface RequestOptions {
  timeoutMs: number;
  /** Aborts the request early (a caller's deadline); an abort is reported like a timeout. */
  signal?: AbortSignal;
  /** Clock for retry hints. */
  now?: () => number;
}

const COMMON = "temperature_unit=celsius&wind_speed_unit=ms&precipitation_unit=mm&timezone=auto";

/** Open-Meteo's weight of a request (ForecastApiResult.swift): per location max(1, v/10 × max(1, days/14)). */
export function requestWeight(variables: number, days: number, locations: number): number {
  const v = variables / 10;
  return locations * Math.max(1, Math.max(v, (days / 14) * v));
}

function buildUrl(source: OpenMeteoSource, endpoint: Endpoint, locations: readonly Location[], query: string): string {
  const base = endpoint === "forecast" ? source.forecastUrl : source.archiveUrl;
  const lat = locations.map((l) => l.latitude).join(",");
  const lon = locations.map((l) => l.longitude).join(",");
  const key = source.apiKey ? `&apikey=${encodeURIComponent(source.apiKey)}` : "";
  return `${base}/v1/${endpoint}?latitude=${lat}&longitude=${lon}&${query}&${COMMON}${key}`;
}

async function getJson(url: string, endpoint: Endpoint, opts: RequestOptions): Promise<unknown> {
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  let res: Response;
  try {
    res = await fetch(url, { signal });
  } catch (e) {
    // Never the URL: it may carry the key.
    const what = timeout.aborted ? `timed out after ${opts.timeoutMs} ms` : opts.signal?.aborted ? "aborted (deadline)" : `unreachable (${(e as Error).name})`;
    throw new UpstreamUnavailable("weather", e, `Open-Meteo ${endpoint} ${what}`);
  }
  if (!res.ok) {
    const text = await res.text().catch(() => "");
    let reason = text.slice(0, 200);
    try {
      const body = ErrorBody.safeParse(JSON.parse(text));
      if (body.success) reason = body.data.reason;
    } catch {
      // Not JSON (a proxy's HTML page): keep the text.
    }
    const error = new OpenMeteoHttpError(res.status, redactUrl(reason), endpoint);
    if (res.status === 429) {
      const window = RATE_LIMIT_WINDOWS[reason] ?? "unknown";
      throw new WeatherRateLimited(error.reason, window, retryAfterSeconds(window, (opts.now ?? Date.now)(), res.headers.get("retry-after")), error);
    }
    if (res.status >= 500 || res.status === 408) throw new UpstreamUnavailable("weather", error);
    throw new WeatherRequestRejected(error);
  }
  try {
    return await res.json();
  } catch {
    throw new UpstreamUnavailable(
      "weather",
      new WeatherResponseInvalid(`Open-Meteo ${endpoint} returned invalid JSON`),
      `Open-Meteo ${endpoint} returned invalid JSON`,
    );
  }
}

async function fetchLocations<S extends z.ZodType>(
  source: OpenMeteoSource,
  endpoint: Endpoint,
  schema: S,
  locations: readonly Location[],
  query: string,
  opts: RequestOptions,
): Promise<z.infer<S>[]> {
  if (locations.length === 0) return [];
  const body = await getJson(buildUrl(source, endpoint, locations, query), endpoint, opts);
  try {
    return parseLocations(schema, body, locations.length, endpoint);
  } catch (e) {
    throw new UpstreamUnavailable("weather", e);
  }
}

type Row = Record<string, (number | null)[]> & { time: string[] };

/** Daily forecast rows for [startDate, endDate] (local days, spec 12.1) per location, oldest first. */
export async function fetchDailyForecasts(
  source: OpenMeteoSource,
  locations: readonly Location[],
  startDate: string,
  endDate: string,
  opts: RequestOptions,
): Promise<ForecastDay[][]> {
  const query = `start_date=${startDate}&end_date=${endDate}&daily=${FORECAST_DAILY_VARIABLES.join(",")}`;
  const parsed = await fetchLocations(source, "forecast", ForecastDailyLocation, locations, query, opts);
  return parsed.map((loc) => {
    const d = loc.daily as Row;
    return d.time.map((date, i) => ({
      date,
      temperature_2m_mean: d.temperature_2m_mean![i] ?? null,
      temperature_2m_min: d.temperature_2m_min![i] ?? null,
      temperature_2m_max: d.temperature_2m_max![i] ?? null,
      precipitation_sum: d.precipitation_sum![i] ?? null,
      wind_speed_10m_max: d.wind_speed_10m_max![i] ?? null,
      cloud_cover_mean: d.cloud_cover_mean![i] ?? null,
    })) as ForecastDay[];
  });
}

/** Daily archive series for [startDate, endDate] per location (spec 12.2), only the variables used. */
export async function fetchArchives(
  source: OpenMeteoSource,
  locations: readonly Location[],
  startDate: string,
  endDate: string,
  opts: RequestOptions,
): Promise<ArchiveDaily[]> {
  const query = `start_date=${startDate}&end_date=${endDate}&daily=${ARCHIVE_DAILY_VARIABLES.join(",")}`;
  const parsed = await fetchLocations(source, "archive", ArchiveDailyLocation, locations, query, opts);
  return parsed.map((loc) => loc.daily as ArchiveDaily);
}

export interface HourlySeries {
  /** The IANA zone Open-Meteo resolved; `time` is local in `utcOffsetSeconds`. */
  timezone: string;
  utcOffsetSeconds: number;
  time: string[];
  temperature_2m: (number | null)[];
  precipitation: (number | null)[];
  wind_speed_10m: (number | null)[];
  wind_gusts_10m: (number | null)[];
  cloud_cover: (number | null)[];
  visibility: (number | null)[];
}

/** Hourly forecast (spec v1 §3.12) for [startDate, endDate] per location, local hours. */
export async function fetchHourlyForecasts(
  source: OpenMeteoSource,
  locations: readonly Location[],
  startDate: string,
  endDate: string,
  opts: RequestOptions,
): Promise<HourlySeries[]> {
  const query = `start_date=${startDate}&end_date=${endDate}&hourly=${HOURLY_VARIABLES.join(",")}`;
  const parsed = await fetchLocations(source, "forecast", ForecastHourlyLocation, locations, query, opts);
  return parsed.map(
    (loc) => ({ timezone: loc.timezone as string, utcOffsetSeconds: loc.utc_offset_seconds as number, ...(loc.hourly as Row) }) as HourlySeries,
  );
}

/** One location's daily forecast (kept for tools and tests). */
export async function fetchForecast(
  baseUrl: string | OpenMeteoSource,
  latitude: number,
  longitude: number,
  startDate: string,
  endDate: string,
  timeoutMs = 10_000,
) {
  const source = typeof baseUrl === "string" ? { forecastUrl: baseUrl, archiveUrl: baseUrl } : baseUrl;
  return (await fetchDailyForecasts(source, [{ latitude, longitude }], startDate, endDate, { timeoutMs }))[0]!;
}

/** One location's archive series (kept for tools and tests). */
export async function fetchArchive(
  baseUrl: string | OpenMeteoSource,
  latitude: number,
  longitude: number,
  startDate: string,
  endDate: string,
  timeoutMs = 15_000,
) {
  const source = typeof baseUrl === "string" ? { forecastUrl: baseUrl, archiveUrl: baseUrl } : baseUrl;
  return (await fetchArchives(source, [{ latitude, longitude }], startDate, endDate, { timeoutMs }))[0]!;
}

/** Cheap reachability probe for /health (weight 1). */
export async function pingForecast(source: string | OpenMeteoSource, timeoutMs = 5_000): Promise<void> {
  const s = typeof source === "string" ? { forecastUrl: source, archiveUrl: source } : source;
  await getJson(buildUrl(s, "forecast", [{ latitude: 0, longitude: 0 }], "daily=temperature_2m_max&forecast_days=1"), "forecast", { timeoutMs });
}
