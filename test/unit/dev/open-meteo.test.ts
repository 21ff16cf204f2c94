/** dev/open-meteo.ts: response shape, determinism, plausibility, errors, request counting. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, startOpenMeteo, syntheticDay, type OpenMeteoServer } from "../../../dev/open-meteo.ts";
import { fetchArchive, fetchForecast } from "../../../src/weather/open-meteo.ts";

const NOW = new Date("2026-07-15T12:00:00Z");
const TODAY = "2026-07-15";
const VARS = "temperature_2m_mean,temperature_2m_min,temperature_2m_max,precipitation_sum,wind_speed_10m_max,cloud_cover_mean";

let srv: OpenMeteoServer;
beforeAll(async () => {
  srv = await startOpenMeteo({ now: () => NOW });
});
afterAll(() => srv?.close());

const get = async (path: string) => {
  const res = await fetch(srv.url + path);
  return { status: res.status, body: (await res.json()) as any };
};

describe("open-meteo stand-in", () => {
  it("forecast: Open-Meteo's shape with the requested variables and dates", async () => {
    const { status, body } = await get(
      `/v1/forecast?latitude=40.2549&longitude=-105.6160&start_date=${TODAY}&end_date=${addDays(TODAY, 6)}&daily=${VARS}` +
        "&temperature_unit=celsius&wind_speed_unit=ms&precipitation_unit=mm&timezone=auto",
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({
      latitude: 40.25,
      longitude: -105.62,
      utc_offset_seconds: -7 * 3600,
      timezone: "Etc/GMT+7",
      timezone_abbreviation: "GMT-7",
      daily_units: {
        time: "iso8601",
        temperature_2m_mean: "°C",
        precipitation_sum: "mm",
        wind_speed_10m_max: "m/s",
        cloud_cover_mean: "%",
      },
    });
    expect(typeof body.generationtime_ms).toBe("number");
    expect(typeof body.elevation).toBe("number");
    expect(Object.keys(body.daily).sort()).toEqual(["time", ...VARS.split(",")].sort());
    expect(body.daily.time).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => addDays(TODAY, i)));
    for (const v of VARS.split(",")) expect(body.daily[v]).toHaveLength(7);
  });

  it("the project's own client parses it (src/weather/open-meteo.ts)", async () => {
    const days = await fetchForecast(srv.url, 46.5, 7.98, TODAY, addDays(TODAY, 6));
    expect(days).toHaveLength(7);
    expect(days[0]).toMatchObject({ date: TODAY });
    const archive = await fetchArchive(srv.url, 46.5, 7.98, "2021-07-01", "2026-06-30");
    expect(archive.time).toHaveLength(1826);
  });

  it("forecast_days / past_days and the kmh default", async () => {
    const { body } = await get("/v1/forecast?latitude=0&longitude=0&daily=wind_speed_10m_max&past_days=2&forecast_days=3");
    expect(body.daily.time).toEqual([addDays(TODAY, -2), addDays(TODAY, -1), TODAY, addDays(TODAY, 1), addDays(TODAY, 2)]);
    expect(body.daily_units.wind_speed_10m_max).toBe("km/h");
    const def = await get("/v1/forecast?latitude=0&longitude=0&daily=temperature_2m_max");
    expect(def.body.daily.time).toHaveLength(7);
    expect(def.body.timezone).toBe("GMT");
  });

  it("is deterministic and unit conversions are consistent", async () => {
    const q = `/v1/archive?latitude=45.83&longitude=6.86&start_date=2025-01-01&end_date=2025-01-31&daily=${VARS}`;
    const a = await get(`${q}&wind_speed_unit=ms`);
    const b = await get(`${q}&wind_speed_unit=ms`);
    expect(a.body.daily).toEqual(b.body.daily);
    const kmh = await get(q);
    kmh.body.daily.wind_speed_10m_max.forEach((v: number, i: number) => expect(v).toBeCloseTo(a.body.daily.wind_speed_10m_max[i] * 3.6, 0));
    const f = await get(`${q}&temperature_unit=fahrenheit`);
    expect(f.body.daily_units.temperature_2m_mean).toBe("°F");
    f.body.daily.temperature_2m_mean.forEach((v: number, i: number) => expect(v).toBeCloseTo(a.body.daily.temperature_2m_mean[i] * 1.8 + 32, 0));
    // Nearby place (other 0.01° cell) differs.
    const other = await get(`/v1/archive?latitude=45.84&longitude=6.86&start_date=2025-01-01&end_date=2025-01-31&daily=${VARS}&wind_speed_unit=ms`);
    expect(other.body.daily.precipitation_sum).not.toEqual(a.body.daily.precipitation_sum);
  });

  it("values are plausible by place and season", () => {
    const days = (lat: number, lon: number, from: string, n: number) =>
      Array.from({ length: n }, (_, i) => syntheticDay(lat, lon, addDays(from, i), 0));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const year = days(39.7, -105.0, "2024-01-01", 366);
    for (const d of year) {
      expect(d.temperature_2m_min).toBeLessThan(d.temperature_2m_mean);
      expect(d.temperature_2m_mean).toBeLessThan(d.temperature_2m_max);
      expect(d.wind_speed_10m_max).toBeGreaterThanOrEqual(1);
      expect(d.wind_speed_10m_max).toBeLessThanOrEqual(15);
      expect(d.cloud_cover_mean).toBeGreaterThanOrEqual(0);
      expect(d.cloud_cover_mean).toBeLessThanOrEqual(100);
      expect(d.precipitation_sum).toBeGreaterThanOrEqual(0);
      expect(d.temperature_2m_mean).toBeGreaterThan(-40);
      expect(d.temperature_2m_mean).toBeLessThan(45);
    }
    const dry = year.filter((d) => d.precipitation_sum === 0).length / year.length;
    expect(dry).toBeGreaterThan(0.55);
    expect(dry).toBeLessThan(0.85);
    // Northern summer warmer than winter; the southern hemisphere the other way round.
    expect(mean(days(45, 7, "2024-07-01", 31).map((d) => d.temperature_2m_mean))).toBeGreaterThan(mean(days(45, 7, "2024-01-01", 31).map((d) => d.temperature_2m_mean)) + 15);
    expect(mean(days(-45, 170, "2024-01-01", 31).map((d) => d.temperature_2m_mean))).toBeGreaterThan(mean(days(-45, 170, "2024-07-01", 31).map((d) => d.temperature_2m_mean)) + 15);
    // Equator warmer than the Arctic; altitude colder.
    expect(mean(days(0, 20, "2024-01-01", 60).map((d) => d.temperature_2m_mean))).toBeGreaterThan(20);
    expect(mean(days(75, 20, "2024-01-01", 60).map((d) => d.temperature_2m_mean))).toBeLessThan(-5);
    const low = syntheticDay(46, 8, "2024-07-01", 500);
    const high = syntheticDay(46, 8, "2024-07-01", 3500);
    expect(low.temperature_2m_mean - high.temperature_2m_mean).toBeCloseTo(6.5 * 3, 5);
  });

  it("archive: values for the last 5 days are null (reanalysis delay)", async () => {
    const { body } = await get(`/v1/archive?latitude=10&longitude=10&start_date=${addDays(TODAY, -7)}&end_date=${TODAY}&daily=precipitation_sum`);
    expect(body.daily.precipitation_sum.slice(0, 2).every((v: unknown) => typeof v === "number")).toBe(true);
    expect(body.daily.precipitation_sum.slice(3)).toEqual([null, null, null, null, null]);
  });

  it("several locations give an array", async () => {
    const { body } = await get("/v1/forecast?latitude=10,20&longitude=30,40&daily=cloud_cover_mean&forecast_days=1");
    expect(body).toHaveLength(2);
    expect(body[1]).toMatchObject({ latitude: 20, longitude: 40 });
  });

  it.each([
    ["missing latitude", "/v1/forecast?longitude=1&daily=temperature_2m_max", /latitude/],
    ["bad latitude", "/v1/forecast?latitude=abc&longitude=1", /latitude/],
    ["latitude out of range", "/v1/forecast?latitude=91&longitude=1", /Latitude must be in range of -90 to 90/],
    ["longitude out of range", "/v1/forecast?latitude=1&longitude=-181", /Longitude must be in range of -180 to 180/],
    ["unknown variable", "/v1/forecast?latitude=1&longitude=1&daily=temperature_2m_mean,snow_depth_max", /invalid String value snow_depth_max/],
    ["end before start", `/v1/forecast?latitude=1&longitude=1&start_date=${TODAY}&end_date=${addDays(TODAY, -1)}`, /End-date must be larger/],
    ["forecast range too long", `/v1/forecast?latitude=1&longitude=1&start_date=${addDays(TODAY, -100)}&end_date=${addDays(TODAY, 15)}`, /too long/],
    ["forecast beyond 16 days", `/v1/forecast?latitude=1&longitude=1&start_date=${TODAY}&end_date=${addDays(TODAY, 20)}`, /out of allowed range/],
    ["forecast_days > 16", "/v1/forecast?latitude=1&longitude=1&forecast_days=17", /Forecast days is invalid/],
    ["past_days > 92", "/v1/forecast?latitude=1&longitude=1&past_days=93", /Past days is invalid/],
    ["bad date", "/v1/forecast?latitude=1&longitude=1&start_date=2026-02-30&end_date=2026-03-01", /Invalid date/],
    ["only start_date", `/v1/forecast?latitude=1&longitude=1&start_date=${TODAY}`, /must be set together/],
    ["archive without dates", "/v1/archive?latitude=1&longitude=1&daily=precipitation_sum", /required/],
    ["archive before 1940", "/v1/archive?latitude=1&longitude=1&start_date=1939-12-31&end_date=1940-01-05", /out of allowed range/],
    ["archive in the future", `/v1/archive?latitude=1&longitude=1&start_date=${TODAY}&end_date=${addDays(TODAY, 3)}`, /out of allowed range/],
    ["unknown wind unit", "/v1/forecast?latitude=1&longitude=1&wind_speed_unit=furlongs", /furlongs/],
    ["hourly", "/v1/forecast?latitude=1&longitude=1&hourly=temperature_2m", /hourly/],
    ["bad timezone", "/v1/forecast?latitude=1&longitude=1&timezone=Mars/Olympus", /Invalid timezone/],
  ])("400 for %s", async (_name, path, reason) => {
    const { status, body } = await get(path);
    expect(status).toBe(400);
    expect(body.error).toBe(true);
    expect(body.reason).toMatch(reason);
  });

  it("IANA timezones", async () => {
    const { body } = await get("/v1/forecast?latitude=46&longitude=8&daily=temperature_2m_max&timezone=Europe/Zurich&forecast_days=1");
    expect(body).toMatchObject({ timezone: "Europe/Zurich", utc_offset_seconds: 7200 });
  });

  it("counts requests (stats() and GET /__stats)", async () => {
    srv.resetStats();
    await get("/v1/forecast?latitude=1&longitude=1&daily=temperature_2m_max");
    await get("/v1/archive?latitude=1&longitude=1&daily=temperature_2m_max&start_date=2020-01-01&end_date=2020-01-02");
    await get("/v1/forecast?latitude=100&longitude=1");
    expect(srv.stats()).toEqual({ requests: 3, forecast: 2, archive: 1, errors: 1 });
    expect((await get("/__stats")).body).toEqual({ requests: 3, forecast: 2, archive: 1, errors: 1 });
  });
});
