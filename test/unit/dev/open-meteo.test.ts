/** dev/open-meteo.ts: response shape, determinism, plausibility, errors, request counting. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, locationWeight, RATE_LIMIT_REASONS, startOpenMeteo, syntheticDay, type OpenMeteoServer } from "../../../dev/open-meteo.ts";
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
      // The place's IANA zone, with the offset valid now (daylight saving time in July).
      utc_offset_seconds: -6 * 3600,
      timezone: "America/Denver",
      timezone_abbreviation: "MDT",
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
    const days = (lat: number, lon: number, from: string, n: number) => Array.from({ length: n }, (_, i) => syntheticDay(lat, lon, addDays(from, i), 0));
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
    expect(mean(days(45, 7, "2024-07-01", 31).map((d) => d.temperature_2m_mean))).toBeGreaterThan(
      mean(days(45, 7, "2024-01-01", 31).map((d) => d.temperature_2m_mean)) + 15,
    );
    expect(mean(days(-45, 170, "2024-01-01", 31).map((d) => d.temperature_2m_mean))).toBeGreaterThan(
      mean(days(-45, 170, "2024-07-01", 31).map((d) => d.temperature_2m_mean)) + 15,
    );
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

  it("several locations give an array in request order, each with its own zone and the same series as alone", async () => {
    const q = "daily=cloud_cover_mean&hourly=temperature_2m&forecast_days=2&timezone=auto";
    const { body } = await get(`/v1/forecast?latitude=46.5,40.25,10&longitude=7.98,-105.62,30&${q}`);
    expect(body).toHaveLength(3);
    expect(body.map((b: any) => [b.latitude, b.longitude, b.timezone])).toEqual([
      [46.5, 7.98, "Europe/Zurich"],
      [40.25, -105.62, "America/Denver"],
      [10, 30, "Africa/Juba"],
    ]);
    const alone = await get(`/v1/forecast?latitude=40.25&longitude=-105.62&${q}`);
    expect(Array.isArray(alone.body)).toBe(false);
    expect({ ...body[1], generationtime_ms: 0 }).toEqual({ ...alone.body, generationtime_ms: 0 });
  });

  it("hourly: Open-Meteo's shape, local hours, consistent with the daily aggregates", async () => {
    const hourly = "temperature_2m,precipitation,wind_speed_10m,wind_gusts_10m,cloud_cover,visibility";
    const daily = "temperature_2m_mean,temperature_2m_min,temperature_2m_max,precipitation_sum,wind_speed_10m_max,wind_gusts_10m_max,cloud_cover_mean";
    const { status, body } = await get(
      `/v1/forecast?latitude=47.1,47.1&longitude=11.3,11.4&hourly=${hourly}&daily=${daily}&wind_speed_unit=ms&timezone=auto&past_days=30&forecast_days=16`,
    );
    expect(status).toBe(200);
    for (const loc of body) {
      expect(loc.hourly_units).toEqual({
        time: "iso8601",
        temperature_2m: "°C",
        precipitation: "mm",
        wind_speed_10m: "m/s",
        wind_gusts_10m: "m/s",
        cloud_cover: "%",
        visibility: "m",
      });
      expect(loc.hourly.time).toHaveLength(46 * 24);
      expect(loc.hourly.time.slice(0, 2)).toEqual([`${addDays(TODAY, -30)}T00:00`, `${addDays(TODAY, -30)}T01:00`]);
      expect(loc.hourly.time.at(-1)).toBe(`${addDays(TODAY, 15)}T23:00`);
      loc.daily.time.forEach((date: string, d: number) => {
        const hours = (v: string) => loc.hourly[v].slice(d * 24, d * 24 + 24) as number[];
        expect(loc.hourly.time[d * 24]).toBe(`${date}T00:00`);
        expect(Math.max(...hours("temperature_2m"))).toBeCloseTo(loc.daily.temperature_2m_max[d], 1);
        expect(Math.min(...hours("temperature_2m"))).toBeCloseTo(loc.daily.temperature_2m_min[d], 1);
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        expect(Math.abs(mean(hours("temperature_2m")) - loc.daily.temperature_2m_mean[d])).toBeLessThan(0.6);
        expect(hours("precipitation").reduce((a, b) => a + b, 0)).toBeCloseTo(loc.daily.precipitation_sum[d], 1);
        expect(Math.max(...hours("wind_speed_10m"))).toBeCloseTo(loc.daily.wind_speed_10m_max[d], 1);
        expect(Math.max(...hours("wind_gusts_10m"))).toBeCloseTo(loc.daily.wind_gusts_10m_max[d], 1);
        expect(Math.abs(mean(hours("cloud_cover")) - loc.daily.cloud_cover_mean[d])).toBeLessThanOrEqual(1);
        for (const v of hours("visibility")) expect(v).toBeGreaterThan(0);
      });
      // Wet hours have lower visibility than the dry clear-sky value.
      const wet = loc.hourly.visibility.filter((_: number, i: number) => loc.hourly.precipitation[i] > 0);
      expect(wet.length).toBeGreaterThan(0);
      for (const v of wet) expect(v).toBeLessThan(24_140);
    }
  });

  it("timezone=auto: the real zone with daylight saving time as of now; the whole response uses that offset", async () => {
    const winter = await startOpenMeteo({ now: () => new Date("2026-01-15T23:30:00Z") });
    try {
      const q = "/v1/forecast?latitude=46.5&longitude=7.98&hourly=temperature_2m&forecast_days=1&timezone=auto";
      const jan = (await (await fetch(winter.url + q)).json()) as any;
      const jul = (await get(q)).body;
      expect([jan.timezone, jan.utc_offset_seconds, jan.timezone_abbreviation]).toEqual(["Europe/Zurich", 3600, "CET"]);
      expect([jul.timezone, jul.utc_offset_seconds, jul.timezone_abbreviation]).toEqual(["Europe/Zurich", 7200, "CEST"]);
      // 23:30 UTC is already the 16th in Zurich: "today" is the local date.
      expect(jan.hourly.time[0]).toBe("2026-01-16T00:00");
      // At sea: the nautical zone; without a timezone: GMT.
      const sea = (await get("/v1/forecast?latitude=0&longitude=-30&daily=temperature_2m_max&timezone=auto&forecast_days=1")).body;
      expect([sea.timezone, sea.utc_offset_seconds]).toEqual(["Etc/GMT+2", -7200]);
      const none = (await get("/v1/forecast?latitude=46.5&longitude=7.98&daily=temperature_2m_max&forecast_days=1")).body;
      expect([none.timezone, none.utc_offset_seconds, none.timezone_abbreviation]).toEqual(["GMT", 0, "GMT"]);
    } finally {
      await winter.close();
    }
  });

  it("weights requests like Open-Meteo: max(1, v/10 × max(1, days/14)) per location", async () => {
    expect(locationWeight(6, 13)).toBe(1);
    expect(locationWeight(15, 14)).toBe(1.5);
    expect(locationWeight(10, 28)).toBe(2);
    expect(locationWeight(4, 1825)).toBeCloseTo(52.14, 2);
    srv.resetStats();
    await get(
      `/v1/archive?latitude=1,2&longitude=1,2&daily=temperature_2m_mean,precipitation_sum,wind_speed_10m_max&start_date=2021-01-01&end_date=2025-12-30`,
    );
    expect(srv.usage()[0]).toMatchObject({ status: 200, locations: 2, weight: 2 * locationWeight(3, 1825) });
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
    ["unknown hourly variable", "/v1/forecast?latitude=1&longitude=1&hourly=tempeture_2m", /invalid String value tempeture_2m for key hourly/],
    ["current", "/v1/forecast?latitude=1&longitude=1&current=temperature_2m", /current/],
    ["too many timezones", "/v1/forecast?latitude=1,2&longitude=1,2&timezone=auto,auto,auto", /timezone/],
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
    // 1 + 1 weighted calls, and the failed request counts 1 as on the real service.
    const expected = { requests: 3, forecast: 2, archive: 1, errors: 1, rateLimited: 0, weight: 3 };
    expect(srv.stats()).toEqual(expected);
    expect((await get("/__stats")).body).toEqual(expected);
    expect(srv.usage().map((u) => [u.endpoint, u.status, u.weight])).toEqual([
      ["forecast", 200, 1],
      ["archive", 200, 1],
      ["forecast", 400, 1],
    ]);
  });
});

describe("open-meteo stand-in: limits, keys and faults", () => {
  let clock = Date.parse("2026-07-15T12:00:05Z");
  let limited: OpenMeteoServer;
  beforeAll(async () => {
    limited = await startOpenMeteo({ now: () => new Date(clock), limits: { free: { minutely: 10, hourly: 24, daily: 40 } } });
  });
  afterAll(() => limited?.close());
  const call = async (query: string, path = "/v1/forecast", headers: Record<string, string> = {}) => {
    const res = await fetch(`${limited.url}${path}?${query}`, { headers });
    return { status: res.status, body: (await res.json()) as any };
  };
  // 4 locations × 1 = weight 4 per request.
  const four = "latitude=1,2,3,4&longitude=1,2,3,4&daily=temperature_2m_max&forecast_days=3";

  it("free plan: checked before, counted after, in fixed UTC minute/hour/day windows, with the real 429 reasons", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await call(four)).status);
    // 0, 4, 8 are under 10 when checked; the third request takes it to 12; the fourth is refused.
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect((await call(four)).body).toEqual({ error: true, reason: RATE_LIMIT_REASONS.minutely });
    // Another client (the CF-Worker header, as the real service keys Cloudflare Workers) has its own budget.
    expect((await call(four, "/v1/forecast", { "cf-worker": "other.example" })).status).toBe(200);
    clock += 60_000; // next minute: 12 → 16 → 20 → 24, the hourly limit
    expect((await call(four)).status).toBe(200);
    expect((await call(four)).status).toBe(200);
    expect((await call(four)).status).toBe(200);
    clock += 60_000;
    expect((await call(four)).body).toEqual({ error: true, reason: RATE_LIMIT_REASONS.hourly });
    clock += 3_600_000;
    for (let i = 0; i < 3; i++) expect((await call(four)).status).toBe(200);
    clock += 60_000;
    clock += 60_000;
    expect((await call(four)).status).toBe(200); // 36 → 40 today
    expect((await call(four)).body).toEqual({ error: true, reason: RATE_LIMIT_REASONS.daily });
    expect(limited.stats().rateLimited).toBe(4);
    expect(limited.peakMinuteWeight().fixed).toBe(12);
    clock += 86_400_000;
  });

  it("free plan: a request heavier than the hourly limit is refused as too much data; too many locations too", async () => {
    // 2 variables over 5 years ≈ 26 > the hourly 24.
    const heavy = await call("latitude=1&longitude=1&daily=temperature_2m_mean,precipitation_sum&start_date=2020-01-01&end_date=2024-12-31", "/v1/archive");
    expect(heavy).toEqual({ status: 400, body: { error: true, reason: expect.stringMatching(/^Your API call requests too much data/) } });
    const lats = Array.from({ length: 1001 }, (_, i) => (i % 90).toString()).join(",");
    expect((await call(`latitude=${lats}&longitude=${lats}&daily=temperature_2m_max`)).body.reason).toBe("Only up to 1000 locations can be requested at once");
    clock += 86_400_000;
  });

  it("API keys: known keys get their plan (no minute limit; archive needs professional), unknown keys a 400", async () => {
    for (let i = 0; i < 5; i++) expect((await call(`${four}&apikey=dev-standard-key`)).status).toBe(200);
    const archive = "latitude=1&longitude=1&daily=precipitation_sum&start_date=2020-01-01&end_date=2020-01-31";
    expect(await call(`${archive}&apikey=dev-standard-key`, "/v1/archive")).toEqual({
      status: 403,
      body: { error: true, reason: "This API endpoint requires the API Professional or Enterprise plan" },
    });
    expect((await call(`${archive}&apikey=dev-professional-key`, "/v1/archive")).status).toBe(200);
    expect(await call(`${four}&apikey=nope`)).toEqual({ status: 400, body: { error: true, reason: "The supplied API key is invalid." } });
    // The key is masked in what the stand-in records.
    expect(limited.usage().some((u) => u.query.includes("dev-"))).toBe(false);
  });

  it("one request at a time per free client, four more wait, the rest get 429 Too many concurrent requests", async () => {
    const slow = await startOpenMeteo({ latencyMs: 300 });
    try {
      const started = Array.from({ length: 7 }, () => fetch(`${slow.url}/v1/forecast?latitude=1&longitude=1&daily=temperature_2m_max`));
      const results = await Promise.all(
        started.map(async (p) => {
          const r = await p;
          return { status: r.status, body: (await r.json()) as any };
        }),
      );
      expect(results.filter((r) => r.status === 200)).toHaveLength(5);
      expect(results.filter((r) => r.status === 429).map((r) => r.body.reason)).toEqual([RATE_LIMIT_REASONS.concurrent, RATE_LIMIT_REASONS.concurrent]);
    } finally {
      await slow.close();
    }
  });

  it("faults per endpoint for tests: status codes and hangs, only while injected", async () => {
    const key = "apikey=dev-professional-key";
    limited.faults.add({ endpoint: "archive", kind: "status", status: 503, body: "<html>upstream down</html>", times: 1 });
    const archive = `latitude=1&longitude=1&daily=precipitation_sum&start_date=2020-01-01&end_date=2020-01-02&${key}`;
    const res = await fetch(`${limited.url}/v1/archive?${archive}`);
    expect([res.status, await res.text()]).toEqual([503, "<html>upstream down</html>"]);
    expect((await call(`${four}&${key}`)).status).toBe(200); // forecast untouched
    expect((await call(archive, "/v1/archive")).status).toBe(200); // used up
    // Over HTTP too (for tests inside workerd): a hang holds the request until the client gives up.
    await fetch(`${limited.url}/__faults`, { method: "POST", body: JSON.stringify({ endpoint: "forecast", kind: "hang" }) });
    await expect(fetch(`${limited.url}/v1/forecast?${four}&${key}`, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    await fetch(`${limited.url}/__faults`, { method: "DELETE" });
    expect((await call(`${four}&${key}`)).status).toBe(200);
  });

  it("limits can be switched off (benchmarks that say so)", async () => {
    const open = await startOpenMeteo({ limits: false, now: () => new Date(clock) });
    try {
      // 8 × 130 weighted calls in one minute: over the free 600, and each over a small hourly limit.
      const q = `${open.url}/v1/archive?latitude=1&longitude=1&daily=precipitation_sum,temperature_2m_mean&start_date=2000-01-01&end_date=2024-12-31`;
      for (let i = 0; i < 8; i++) expect((await fetch(q)).status).toBe(200);
      expect(open.stats()).toMatchObject({ rateLimited: 0, errors: 0 });
      expect(open.peakMinuteWeight().fixed).toBeGreaterThan(1000);
    } finally {
      await open.close();
    }
  });
});
