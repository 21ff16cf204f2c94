/** WeatherService against the Open-Meteo stand-in (real HTTP, real wire format), without Redis. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOpenMeteo, type OpenMeteoServer } from "../../../dev/open-meteo";
import { addDays, todayUtc } from "../../../src/dates";
import { gridCell, WeatherService, weatherForDate } from "../../../src/weather/weather-service";

let meteo: OpenMeteoServer;
beforeAll(async () => {
  meteo = await startOpenMeteo({});
});
afterAll(async () => {
  await meteo.close();
});

const today = todayUtc();

describe("WeatherService", () => {
  it("fetches once per 0.01° cell and shares the window among callers with different dates", async () => {
    meteo.resetStats();
    const ws = new WeatherService({ forecastUrl: meteo.url, archiveUrl: meteo.url }, null);
    const a = gridCell(46.8523, -121.7603);
    const b = gridCell(46.8519, -121.7598); // same cell as a
    expect(a.key).toBe(b.key);
    const first = await ws.forCells([a, b], today, addDays(today, 6));
    expect(first.size).toBe(1);
    const second = await ws.forCells([a], addDays(today, 3), addDays(today, 3));
    expect(meteo.stats().forecast).toBe(1);
    expect(meteo.stats().archive).toBe(1);
    expect(ws.counters).toMatchObject({ forecastFetches: 1, archiveFetches: 1 });
    expect(second.get(a.key)!.forecast).toEqual(first.get(a.key)!.forecast);

    const w = weatherForDate(first.get(a.key), addDays(today, 2));
    expect(w.status).toBe("ok");
    expect(w.forecast!.map((d) => d.date)).toEqual(Array.from({ length: 7 }, (_, i) => addDays(today, i - 4)));
    expect(w.stats?.temperature).toHaveLength(2);
    expect(w.stats?.source).toBe("open_meteo_archive");
  });

  it("reports an unreachable source as a missing forecast (the spec's fallback), never a throw", async () => {
    const ws = new WeatherService({ forecastUrl: "http://127.0.0.1:9", archiveUrl: "http://127.0.0.1:9" }, null);
    const cell = gridCell(40, -105);
    const cw = (await ws.forCells([cell], today, today)).get(cell.key)!;
    expect(cw.forecast).toBeNull();
    expect(cw.forecastError).toMatch(/unreachable/);
    const w = weatherForDate(cw, today);
    expect(w.status).toBe("forecast_unavailable");
    expect(w.forecast).toBeNull();
    expect(w.stats).toBeNull();
    expect(w.notes.join(" ")).toMatch(/forecast unavailable/);
  });
});
