/**
 * src/weather/open-meteo.ts: the zod parsers against Open-Meteo's documented responses
 * (test/fixtures/open-meteo), the stand-in's output against the same shapes, multi-location
 * requests, the API key, and one typed error per failure class.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { startOpenMeteo, type OpenMeteoServer } from "../../../dev/open-meteo.ts";
import { UpstreamUnavailable } from "../../../src/errors.ts";
import {
  ArchiveDailyLocation,
  ErrorBody,
  fetchArchives,
  fetchDailyForecasts,
  fetchHourlyForecasts,
  ForecastDailyLocation,
  ForecastHourlyLocation,
  parseLocations,
  resolveSource,
  retryAfterSeconds,
  WeatherRateLimited,
  WeatherRequestRejected,
} from "../../../src/weather/open-meteo.ts";

const fixture = (name: string) => JSON.parse(readFileSync(resolve(import.meta.dirname, "../../fixtures/open-meteo", name), "utf8"));

/** Keys and value types, recursively (arrays by their first element). */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? ["array", shape(v[0])] : ["array"];
  if (v && typeof v === "object")
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, shape((v as Record<string, unknown>)[k])]),
    );
  return typeof v;
}

const NOW = new Date("2026-07-15T12:00:00Z");
let meteo: OpenMeteoServer;
beforeAll(async () => {
  meteo = await startOpenMeteo({ now: () => NOW });
});
afterAll(() => meteo?.close());

const source = () => ({ forecastUrl: meteo.url, archiveUrl: meteo.url });
const standIn = async (query: string, path = "/v1/forecast") => (await fetch(`${meteo.url}${path}?${query}`)).json();

describe("parsers against Open-Meteo's documented responses", () => {
  it("daily forecast, hourly forecast and archive fixtures parse; the archive keeps its trailing nulls", () => {
    const [daily] = parseLocations(ForecastDailyLocation, fixture("forecast-daily.json"), 1, "forecast");
    expect((daily!.daily as { time: string[] }).time).toHaveLength(7);
    const [hourly] = parseLocations(ForecastHourlyLocation, fixture("forecast-hourly.json"), 1, "forecast");
    expect(hourly!.timezone).toBe("Europe/Berlin");
    const [archive] = parseLocations(ArchiveDailyLocation, fixture("archive-daily.json"), 1, "archive");
    expect((archive!.daily as Record<string, unknown[]>).precipitation_sum!.slice(-2)).toEqual([null, null]);
  });

  it("the docs' own example parses as a location; it lacks our hourly variables, which the parser names", () => {
    const docs = fixture("docs-forecast-hourly.json");
    const generic = ForecastHourlyLocation.safeParse(docs);
    expect(generic.success).toBe(false);
    expect(generic.error!.issues.map((i) => i.path.join("."))).toContain("hourly.precipitation");
    const minimal = z.object({ hourly: z.object({ time: z.array(z.string()), temperature_2m: z.array(z.number()) }) });
    expect(minimal.parse(docs).hourly.time[0]).toBe("2022-07-01T00:00");
  });

  it("several locations: an array in request order; a count that does not match is malformed", () => {
    const one = z.object({ latitude: z.number(), daily: z.object({ temperature_2m_max: z.array(z.number()) }) });
    expect(parseLocations(one, fixture("multi-location.json"), 2, "forecast").map((l) => l.latitude)).toEqual([47.1, 48.5]);
    expect(() => parseLocations(one, fixture("multi-location.json"), 3, "forecast")).toThrow(/2 locations for 3 requested/);
  });

  it("series of different lengths are malformed", () => {
    const bad = fixture("forecast-daily.json");
    bad.daily.precipitation_sum.pop();
    expect(() => parseLocations(ForecastDailyLocation, bad, 1, "forecast")).toThrow(/precipitation_sum: has 6 values for 7 times/);
  });

  it("error bodies", () => {
    for (const f of ["error-400.json", "error-429-minutely.json", "error-429-hourly.json", "error-429-daily.json", "error-429-concurrent.json"]) {
      expect(ErrorBody.parse(fixture(f)).error).toBe(true);
    }
  });
});

describe("the stand-in answers in the fixtures' shape", () => {
  const daily =
    "daily=temperature_2m_mean,temperature_2m_min,temperature_2m_max,precipitation_sum,wind_speed_10m_max,cloud_cover_mean&wind_speed_unit=ms&timezone=auto";
  it.each([
    ["forecast-daily.json", `latitude=52.52&longitude=13.42&${daily}`, "/v1/forecast"],
    [
      "forecast-hourly.json",
      "latitude=52.52&longitude=13.42&hourly=temperature_2m,precipitation,wind_speed_10m,wind_gusts_10m,cloud_cover,visibility&wind_speed_unit=ms&timezone=auto&forecast_days=1",
      "/v1/forecast",
    ],
    [
      "archive-daily.json",
      "latitude=46.5&longitude=8&daily=temperature_2m_mean,precipitation_sum,wind_speed_10m_max&wind_speed_unit=ms&timezone=auto&start_date=2026-06-01&end_date=2026-06-30",
      "/v1/archive",
    ],
    ["multi-location.json", "latitude=47.1,48.5&longitude=8.1,8.5&daily=temperature_2m_max&timezone=auto&forecast_days=2", "/v1/forecast"],
    ["error-400.json", "latitude=1&longitude=1&hourly=tempeture_2m", "/v1/forecast"],
  ])("%s", async (file, query, path) => {
    const got = await standIn(query, path);
    expect(shape(got)).toEqual(shape(fixture(file)));
  });

  it("the stand-in's 400 reason for an unknown variable is the documented one", async () => {
    expect(await standIn("latitude=1&longitude=1&hourly=tempeture_2m")).toEqual(fixture("error-400.json"));
  });
});

describe("client requests", () => {
  it("one HTTP request for many locations, results in request order", async () => {
    meteo.resetStats();
    const locations = [
      { latitude: 46.5, longitude: 7.98 },
      { latitude: 40.25, longitude: -105.62 },
      { latitude: -43.6, longitude: 170.14 },
    ];
    const forecasts = await fetchDailyForecasts(source(), locations, "2026-07-15", "2026-07-21", { timeoutMs: 5000 });
    const archives = await fetchArchives(source(), locations, "2021-07-01", "2026-06-30", { timeoutMs: 5000 });
    const hourly = await fetchHourlyForecasts(source(), locations, "2026-07-15", "2026-07-16", { timeoutMs: 5000 });
    expect(meteo.stats()).toMatchObject({ forecast: 2, archive: 1 });
    expect(forecasts.map((f) => f.length)).toEqual([7, 7, 7]);
    expect(archives.map((a) => a.time.length)).toEqual([1826, 1826, 1826]);
    expect(hourly.map((h) => [h.timezone, h.time.length])).toEqual([
      ["Europe/Zurich", 48],
      ["America/Denver", 48],
      ["Pacific/Auckland", 48],
    ]);
    // Each location's rows are its own: the same as asking for it alone.
    const alone = await fetchDailyForecasts(source(), [locations[1]!], "2026-07-15", "2026-07-21", { timeoutMs: 5000 });
    expect(forecasts[1]).toEqual(alone[0]);
    expect(await fetchDailyForecasts(source(), [], "2026-07-15", "2026-07-21", { timeoutMs: 5000 })).toEqual([]);
  });

  it("the API key: customer hosts for the public URLs, sent only when set, never in an error", async () => {
    expect(resolveSource({ forecastUrl: "https://api.open-meteo.com", archiveUrl: "https://archive-api.open-meteo.com" }, "k")).toEqual({
      forecastUrl: "https://customer-api.open-meteo.com",
      archiveUrl: "https://customer-archive-api.open-meteo.com",
      apiKey: "k",
    });
    expect(resolveSource({ forecastUrl: meteo.url, archiveUrl: meteo.url }, "k")).toEqual({ forecastUrl: meteo.url, archiveUrl: meteo.url, apiKey: "k" });
    expect(resolveSource({ forecastUrl: "https://api.open-meteo.com", archiveUrl: "https://archive-api.open-meteo.com" })).toEqual({
      forecastUrl: "https://api.open-meteo.com",
      archiveUrl: "https://archive-api.open-meteo.com",
    });

    meteo.resetStats();
    await fetchDailyForecasts(source(), [{ latitude: 1, longitude: 1 }], "2026-07-15", "2026-07-15", { timeoutMs: 5000 });
    await fetchDailyForecasts({ ...source(), apiKey: "dev-professional-key" }, [{ latitude: 1, longitude: 1 }], "2026-07-15", "2026-07-15", {
      timeoutMs: 5000,
    });
    expect(meteo.usage().map((u) => u.plan)).toEqual(["free", "professional"]);

    const secret = "sk-very-secret-123";
    const rejected = await fetchDailyForecasts({ ...source(), apiKey: secret }, [{ latitude: 1, longitude: 1 }], "2026-07-15", "2026-07-15", {
      timeoutMs: 5000,
    }).catch((e) => e);
    expect(rejected).toBeInstanceOf(WeatherRequestRejected);
    expect(rejected.message).toBe("Open-Meteo forecast HTTP 400: The supplied API key is invalid.");
    const down = await fetchDailyForecasts(
      { forecastUrl: "http://127.0.0.1:9", archiveUrl: "http://127.0.0.1:9", apiKey: secret },
      [{ latitude: 1, longitude: 1 }],
      "2026-07-15",
      "2026-07-15",
      { timeoutMs: 5000 },
    ).catch((e) => e);
    expect(down).toBeInstanceOf(UpstreamUnavailable);
    for (const e of [rejected, down]) expect(`${e.message} ${e.detail ?? ""} ${JSON.stringify(e)} ${e.stack}`).not.toContain(secret);
  });
});

describe("typed errors", () => {
  const call = (opts: { timeoutMs?: number; signal?: AbortSignal } = {}) =>
    fetchDailyForecasts({ ...source(), apiKey: "dev-professional-key" }, [{ latitude: 1, longitude: 1 }], "2026-07-15", "2026-07-15", {
      timeoutMs: 5000,
      now: () => NOW.getTime() + 15_000,
      ...opts,
    }).then(
      () => null,
      (e) => e,
    );

  it("429 → WeatherRateLimited (an UpstreamUnavailable) with the reason, its window and the wait until it resets", async () => {
    for (const [file, window, wait] of [
      ["error-429-minutely.json", "minute", 46],
      ["error-429-hourly.json", "hour", 3586],
      ["error-429-daily.json", "day", 43_186],
      ["error-429-concurrent.json", "concurrency", 1],
    ] as const) {
      meteo.faults.add({ endpoint: "forecast", kind: "status", status: 429, body: fixture(file), times: 1 });
      const e = await call();
      expect(e).toBeInstanceOf(WeatherRateLimited);
      expect(e).toBeInstanceOf(UpstreamUnavailable);
      expect([e.service, e.window, e.reason, e.retryAfterSeconds]).toEqual(["weather", window, fixture(file).reason, wait]);
    }
    expect(retryAfterSeconds("unknown", 0, "7")).toBe(7);
  });

  it("HTTP 5xx (even an HTML page) → UpstreamUnavailable; 400 → WeatherRequestRejected (a bug, not an outage)", async () => {
    meteo.faults.add({ endpoint: "forecast", kind: "status", status: 502, body: "<html>Bad gateway</html>", times: 1 });
    const e5 = await call();
    expect(e5).toBeInstanceOf(UpstreamUnavailable);
    expect(e5).not.toBeInstanceOf(WeatherRateLimited);
    expect(e5.cause).toMatchObject({ status: 502 });
    meteo.faults.add({ endpoint: "forecast", kind: "status", status: 400, body: fixture("error-400.json"), times: 1 });
    const e4 = await call();
    expect(e4).toBeInstanceOf(WeatherRequestRejected);
    expect(e4).not.toBeInstanceOf(UpstreamUnavailable);
    expect(e4.cause).toMatchObject({ status: 400, reason: fixture("error-400.json").reason });
  });

  it("a hung source → UpstreamUnavailable after the per-call timeout, or as soon as the caller's signal aborts", async () => {
    meteo.faults.add({ endpoint: "forecast", kind: "hang", times: 2 });
    const timedOut = await call({ timeoutMs: 150 });
    expect(timedOut).toBeInstanceOf(UpstreamUnavailable);
    expect(timedOut.detail).toMatch(/timed out after 150 ms/);
    const aborted = await call({ signal: AbortSignal.timeout(100) });
    expect(aborted).toBeInstanceOf(UpstreamUnavailable);
    expect(aborted.detail).toMatch(/aborted \(deadline\)/);
  });

  it("a 200 that is not the documented shape → UpstreamUnavailable (malformed), not a crash", async () => {
    meteo.faults.add({ endpoint: "forecast", kind: "status", status: 200, body: { latitude: 1 }, times: 1 });
    const e = await call();
    expect(e).toBeInstanceOf(UpstreamUnavailable);
    expect(e.detail).toMatch(/malformed/);
  });
});
