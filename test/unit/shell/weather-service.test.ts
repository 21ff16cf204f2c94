/**
 * WeatherService against the Open-Meteo stand-in with its limits on (real HTTP, real wire format).
 * A fake clock is shared by the stand-in and the service; the service's `sleep` advances it, so
 * pacing across minutes is exercised without waiting.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Redis } from "@upstash/redis";
import { CacheClient } from "../../../src/cache/client";
import { parse } from "csv-parse/sync";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { startOpenMeteo, type OpenMeteoServer } from "../../../dev/open-meteo";
import { addDays } from "../../../src/dates";
import { climateCell, gridCell, type GridCell } from "../../../src/weather/cells";
import { weatherForDate } from "../../../src/weather/cell-weather";
import { WeatherService } from "../../../src/weather/weather-service";

const START = Date.parse("2026-07-15T10:00:30Z");
let clock = START;
const now = () => clock;
const sleep = async (ms: number) => {
  clock += ms;
};
const today = () => new Date(clock).toISOString().slice(0, 10);

let meteo: OpenMeteoServer;
beforeAll(async () => {
  meteo = await startOpenMeteo({ now: () => new Date(clock) });
});
afterAll(() => meteo?.close());
afterEach(() => {
  meteo.faults.clear();
  clock += 86_400_000; // a fresh day (and fresh rate-limit windows) for each test
});

const source = () => ({ forecastUrl: meteo.url, archiveUrl: meteo.url });
const service = (opts: { redis?: Redis | null; apiKey?: string; keyPrefix?: string } = {}) =>
  new WeatherService({ ...source(), apiKey: opts.apiKey }, opts.redis ? new CacheClient(opts.redis) : null, { now, sleep, keyPrefix: opts.keyPrefix });

/** The shared dataset's top-200 routes (the warmer's order: busiest mountains first) → their 0.01° cells. */
function topCells(n: number): GridCell[] {
  const dir = resolve(import.meta.dirname, "../../../../shared/data/safeascent");
  const routes = parse(readFileSync(resolve(dir, "routes.csv")), { columns: true }) as Record<string, string>[];
  const mountains = new Map((parse(readFileSync(resolve(dir, "mountains.csv")), { columns: true }) as Record<string, string>[]).map((m) => [m.mountain_id, m]));
  const rows = routes
    .map((r) => {
      const m = mountains.get(r.mountain_id!);
      return {
        id: Number(r.route_id),
        lat: Number(r.latitude || m?.latitude || NaN),
        lon: Number(r.longitude || m?.longitude || NaN),
        ma: Number(m?.accident_count || 0),
        ra: Number(r.accident_count || 0),
      };
    })
    .filter((r) => Number.isFinite(r.lat) && Number.isFinite(r.lon))
    .sort((a, b) => b.ma - a.ma || b.ra - a.ra || a.id - b.id)
    .slice(0, n);
  return rows.map((r) => gridCell(r.lat, r.lon));
}

describe("WeatherService", () => {
  it("fetches once per 0.01° cell and shares the window among callers with different dates", async () => {
    meteo.resetStats();
    const ws = service();
    const a = gridCell(46.8523, -121.7603);
    const b = gridCell(46.8519, -121.7598); // same cell as a
    expect(a.key).toBe(b.key);
    const first = await ws.forCells([a, b], today(), addDays(today(), 6));
    expect(first.size).toBe(1);
    const second = await ws.forCells([a], addDays(today(), 3), addDays(today(), 3));
    expect(meteo.stats()).toMatchObject({ forecast: 1, archive: 1 });
    expect(ws.counters).toMatchObject({ forecastFetches: 1, archiveFetches: 1 });
    expect(second.get(a.key)!.forecast).toEqual(first.get(a.key)!.forecast);

    const w = weatherForDate(first.get(a.key), addDays(today(), 2));
    expect(w).toMatchObject({ status: "ok", climate: "present" });
    expect(w.forecast!.map((d) => d.date)).toEqual(Array.from({ length: 7 }, (_, i) => addDays(today(), i - 4)));
    expect(w.stats?.temperature).toHaveLength(2);
    expect(w.stats?.source).toBe("open_meteo_archive");
    // The window reaches today+14 (the API's forecast may start at today+2 → today+8).
    expect(weatherForDate(first.get(a.key), addDays(today(), 14)).status).toBe("ok");
  });

  it("just after 00:00 UTC (the 00 UTC tick) the window is valid where the local date is still yesterday, or already tomorrow", async () => {
    clock = Date.parse(`${addDays(today(), 1)}T00:05:00Z`);
    const ws = service();
    const cells = [gridCell(37.73, -119.57), gridCell(61.2, -149.9), gridCell(35.36, 138.73), gridCell(-43.6, 170.14)]; // UTC−7/−8/−9, +9, +13
    const weather = await ws.forCells(cells, today(), addDays(today(), 8));
    for (const c of cells) {
      const w = weather.get(c.key)!;
      expect(w.forecastError, c.key).toBeNull();
      for (let d = 0; d <= 8; d++) expect(weatherForDate(w, addDays(today(), d)).status, `${c.key} +${d}`).toBe("ok");
    }
  });

  it("top-200 routes, cold: batched and paced inside the free plan's per-minute weight, every cell complete", async () => {
    const cells = topCells(200);
    const unique = new Set(cells.map((c) => c.key));
    const climate = new Set(cells.map((c) => climateCell(c.latitude, c.longitude).key));
    expect([unique.size, climate.size]).toEqual([24, 24]); // 24 distinct places: coarser climate cells do not merge them
    meteo.resetStats();
    const redis = new Redis({ url: inject("upstashUrl"), token: inject("upstashToken"), automaticDeserialization: false, enableTelemetry: false });
    const keyPrefix = `test:meteo:${process.pid}:${Date.now()}:`;
    const cold = service({ redis, keyPrefix });
    const t0 = clock;
    const result = await cold.forCells(cells, today(), addDays(today(), 6));
    for (const cw of result.values()) expect([cw.forecastStatus, cw.climateStatus]).toEqual(["ok", "ok"]);
    const usage = meteo.usage();
    // 1 forecast request (24 locations, weight 24) + ⌈24 / 7⌉ archive requests of ≤ 7 × 39.1.
    expect(usage.map((u) => [u.endpoint, u.locations, u.status])).toEqual([
      ["forecast", 24, 200],
      ["archive", 7, 200],
      ["archive", 7, 200],
      ["archive", 7, 200],
      ["archive", 3, 200],
    ]);
    expect(meteo.stats().rateLimited).toBe(0);
    const peak = meteo.peakMinuteWeight();
    expect(peak.sliding).toBeLessThanOrEqual(600);
    expect(Math.round(meteo.stats().weight)).toBe(Math.round(24 + 24 * 39.13));
    console.log(
      `top-200 cold: ${usage.length} requests, weight ${meteo.stats().weight.toFixed(1)}, peak 60 s ${peak.sliding.toFixed(1)}, paced over ${((clock - t0) / 60_000).toFixed(1)} min`,
    );

    // Next day, another isolate, same Redis: the forecast window (keyed by day) is cold, the
    // climate statistics (weeks) are warm: one request, weight 24.
    clock += 86_400_000;
    const later = service({ redis, keyPrefix });
    meteo.resetStats();
    const again = await later.forCells(cells, today(), addDays(today(), 6));
    for (const cw of again.values()) expect(cw.climateStatus).toBe("ok");
    expect(meteo.usage().map((u) => [u.endpoint, u.locations])).toEqual([["forecast", 24]]);
    console.log(`top-200 warm climate: ${meteo.usage().length} request, weight ${meteo.stats().weight}`);
  });

  it("a 429 pauses the isolate until its window resets and is retried once, then reported: never a storm", async () => {
    const ws = service();
    const cell = gridCell(45.83, 6.86);
    meteo.resetStats();
    meteo.faults.add({
      endpoint: "archive",
      kind: "status",
      status: 429,
      body: { error: true, reason: "Minutely API request limit exceeded. Please try again in one minute." },
      times: 1,
    });
    const t0 = clock;
    const ok = (await ws.forCells([cell], today(), today())).get(cell.key)!;
    expect(ok.climateStatus).toBe("ok");
    expect(clock).toBeGreaterThanOrEqual((Math.floor(t0 / 60_000) + 1) * 60_000); // slept (fake) into the next minute, not hammered
    expect(meteo.stats().archive).toBe(2);
    expect(ws.counters.rateLimited).toBe(1);

    // Refused for the hour: one request, reported at once (no waiting an hour), the failure cached,
    // and this isolate sends nothing more until the hour has passed.
    meteo.resetStats();
    const other = gridCell(-43.6, 170.14);
    meteo.faults.add({
      endpoint: "archive",
      kind: "status",
      status: 429,
      body: { error: true, reason: "Hourly API request limit exceeded. Please try again in the next hour." },
    });
    const failed = (await ws.forCells([other], today(), today())).get(other.key)!;
    expect(failed.climateStatus).toBe("unavailable");
    expect(failed.climateError).toMatch(/rate limited \(hour\)/);
    expect(failed.forecastStatus).toBe("ok");
    expect(meteo.stats().archive).toBe(1);
    const next = gridCell(-20, 20);
    const paused = (await ws.forCells([next], today(), today())).get(next.key)!;
    expect([paused.forecastStatus, paused.climateStatus]).toEqual(["deferred", "deferred"]);
    expect(meteo.stats()).toMatchObject({ archive: 1, forecast: 1 });
    expect(weatherForDate(failed, today())).toMatchObject({ status: "ok", climate: "missing" });
  });

  it("a failed climate fetch is cached for minutes and reported; after that it is asked again", async () => {
    const ws = service();
    const cell = gridCell(39.93, -105.29);
    meteo.resetStats();
    meteo.faults.add({ endpoint: "archive", kind: "status", status: 503, body: "<html>down</html>" });
    const first = (await ws.forCells([cell], today(), today())).get(cell.key)!;
    expect([first.climateStatus, first.climateByMonth]).toEqual(["unavailable", null]);
    const day = weatherForDate(first, today());
    expect(day.climate).toBe("missing");
    expect(day.notes.join(" ")).toMatch(/climate statistics unavailable: weather unavailable: .*HTTP 503/);
    clock += 60_000;
    const second = (await ws.forCells([cell], today(), today())).get(cell.key)!;
    expect(second.climateError).toMatch(/cached failure/);
    expect(meteo.stats().archive).toBe(1);
    meteo.faults.clear();
    clock += 5 * 60_000;
    const third = (await ws.forCells([cell], today(), today())).get(cell.key)!;
    expect(third.climateStatus).toBe("ok");
    expect(meteo.stats().archive).toBe(2);
  });

  it("a hung source is answered within the request's time budget with the fallback; the fetch goes on in the background", async () => {
    const ws = new WeatherService(source(), null, { now: () => clock, forecastTimeoutMs: 1500, archiveTimeoutMs: 1500 });
    const cell = gridCell(61.1, -151.0);
    meteo.faults.add({ endpoint: "forecast", kind: "hang", times: 1 });
    const background: Promise<unknown>[] = [];
    const got = (await ws.forCells([cell], today(), today(), { deadlineMs: 200, waitUntil: (p) => background.push(p) })).get(cell.key)!;
    expect([got.forecastStatus, got.forecast]).toEqual(["timeout", null]);
    expect(weatherForDate(got, today()).status).toBe("forecast_unavailable");
    expect(background).toHaveLength(1);
    await background[0]; // the hung request times out (1.5 s) in the background; the archive part filled the memo
    const after = (await ws.forCells([cell], today(), today(), { deadlineMs: 200 })).get(cell.key)!;
    expect(after.climateStatus).toBe("ok");
    expect(after.forecastStatus).toBe("ok"); // asked again (the hang was a one-off) and back in time
  });

  it("the API key is sent only when set and never logged", async () => {
    const secret = "dev-professional-key";
    const lines: string[] = [];
    const spies = (["log", "warn", "error"] as const).map((m) => vi.spyOn(console, m).mockImplementation((...a: unknown[]) => void lines.push(a.join(" "))));
    try {
      meteo.resetStats();
      await service().forCells([gridCell(10, 10)], today(), today());
      await service({ apiKey: secret }).forCells([gridCell(11, 11)], today(), today());
      meteo.faults.add({ endpoint: "archive", kind: "status", status: 429, body: { error: true, reason: "Too many concurrent requests" } });
      await service({ apiKey: secret }).forCells([gridCell(12, 12)], today(), today());
    } finally {
      for (const s of spies) s.mockRestore();
    }
    expect(
      meteo
        .usage()
        .filter((u) => u.status === 200)
        .map((u) => u.plan),
    ).toEqual(["free", "free", "professional", "professional", "professional"]);
    expect(lines.some((l) => l.includes("weather_rate_limited"))).toBe(true);
    expect(lines.join("\n")).not.toContain(secret);
  });

  it("hourly forecast per cell: the local day's hours, cached; beyond the forecast's reach null", async () => {
    const ws = service();
    meteo.resetStats();
    const day = addDays(today(), 2);
    const h = await ws.hourly(46.5, 7.98, day);
    expect(h!.timezone).toBe("Europe/Zurich");
    expect(h!.hours.map((x) => x.hour)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(h!.hours[0]).toMatchObject({ time: `${day}T00:00` });
    for (const x of h!.hours)
      for (const v of [x.temperature, x.precipitation, x.wind_speed, x.wind_gusts, x.cloud_cover, x.visibility]) expect(typeof v).toBe("number");
    expect(await ws.hourly(46.5, 7.98, addDays(today(), 3))).not.toBeNull();
    expect(meteo.stats().forecast).toBe(1);
    expect(await ws.hourly(46.5, 7.98, addDays(today(), 16))).toBeNull();
    expect(meteo.stats().forecast).toBe(1);
  });

  it("monthly volatility (plain mean, population std, counts) comes with the climate statistics, no extra request", async () => {
    const ws = service();
    meteo.resetStats();
    await ws.forCells([gridCell(46.5, 7.98)], today(), today());
    const v = (await ws.monthlyVolatility(46.5, 7.98, today()))!;
    expect(meteo.stats().archive).toBe(1);
    expect(v.months.map((m) => m.month)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(v.months.reduce((s, m) => s + m.temperature.sampleCount, 0)).toBe(1825);
    // January against a direct computation on the same archive series.
    const res = await fetch(
      `${meteo.url}/v1/archive?latitude=46.5&longitude=8&daily=temperature_2m_mean&start_date=${v.windowStart}&end_date=${v.windowEnd}&timezone=auto`,
    );
    const daily = ((await res.json()) as { daily: { time: string[]; temperature_2m_mean: number[] } }).daily;
    const jan = daily.temperature_2m_mean.filter((_, i) => daily.time[i]!.slice(5, 7) === "01");
    const mean = jan.reduce((a, b) => a + b, 0) / jan.length;
    const std = Math.sqrt(jan.reduce((a, b) => a + (b - mean) ** 2, 0) / jan.length);
    expect(v.months[0]!.temperature).toEqual({ mean: expect.closeTo(mean, 9), std: expect.closeTo(std, 9), sampleCount: jan.length });
  });

  it("an unreachable source is a missing forecast (the spec's fallback), never a throw", async () => {
    const ws = new WeatherService({ forecastUrl: "http://127.0.0.1:9", archiveUrl: "http://127.0.0.1:9" }, null, { now, sleep });
    const cell = gridCell(40, -105);
    const cw = (await ws.forCells([cell], today(), today())).get(cell.key)!;
    expect(cw.forecast).toBeNull();
    expect(cw.forecastError).toMatch(/unreachable/);
    const w = weatherForDate(cw, today());
    expect(w).toMatchObject({ status: "forecast_unavailable", forecast: null, stats: null, climate: "missing" });
    expect(w.notes.join(" ")).toMatch(/forecast unavailable/);
  });
});
