/**
 * The score service shared by the warming consumer and the API: a route and its dates in, one
 * `DailyScore` per date out. It composes the corpus cache, the weather service and the pure engine.
 *
 * Route elevation is its mountain's elevation (null when unknown → neutral elevation factor);
 * the route type is canonicalised by the engine (spec 4.1).
 *
 * Warming uses the compact path (`loadInputs` + `scoreCompact`): routes at the same scoring point
 * (latitude, longitude and elevation after the mountain fallback) are one location and are scored
 * together by `scoreLocationDaysCompact`, which shares the place, day and route-type work and
 * returns only what the compact cache value holds; every field equals the full path's. The API
 * keeps the full path (`computeRouteForecast(s)`) for explanations.
 */
import {
  scoreLocationDaysCompact,
  scoreRouteDays,
  type CompactRiskResult,
  type DayRequest,
  type ForecastDay,
  type PreparedCorpus,
  type RiskResult,
} from "../scoring";
import type { ScoreFacts } from "../cache/scores";
import type { Route } from "../data/routes";
import { gridCell } from "../weather/cells";
import { weatherForDate, type CellWeather } from "../weather/cell-weather";
import type { WeatherCallOptions, WeatherService } from "../weather/weather-service";
import type { CorpusCache } from "./corpus-cache";

/** What is cached under safety_score:{route_id}:{date} and served by the API. */
export interface DailyScore extends Omit<RiskResult, "debug"> {
  route_id: number;
  route_name: string;
  date: string;
  weather: {
    status: "ok" | "forecast_unavailable";
    /** Whether climate statistics were available (without them: no extreme-weather amplification). */
    climate_available: boolean;
    notes: string[];
    /** The forecast rows T−6 … T the score used (null when unavailable). */
    days: ForecastDay[] | null;
  };
  computed_at: string;
  data_version: number;
}

export type RouteOutcome = { route: Route; ok: true; scores: DailyScore[] } | { route: Route; ok: false; error: string };

/** A warmed route: its compact facts per date (what `scoreWrite` stores), or why it failed. */
export type CompactOutcome = { route: Route; ok: true; scores: ScoreFacts[] } | { route: Route; ok: false; error: string };

/** Everything the compact path needs besides the routes: loaded once per batch. */
export interface ScoringInputs {
  corpus: PreparedCorpus;
  dataVersion: number;
  dates: readonly string[];
  weatherByCell: Map<string, CellWeather>;
  computedAt: string;
}

/** Weather cells per weather-service call on the warming path. */
export const WEATHER_CELLS_PER_CALL = 100;

/** The scoring point of a route: routes with equal keys are one location. */
export const locationKey = (r: Route) => `${r.latitude}|${r.longitude}|${r.elevationM ?? "none"}`;

export class ScoreService {
  constructor(
    private readonly corpus: CorpusCache,
    private readonly weather: WeatherService,
  ) {}

  /** All dates of one route; throws if the route cannot be scored. */
  async computeRouteForecast(route: Route, dates: readonly string[], weather: WeatherCallOptions = {}): Promise<DailyScore[]> {
    const [outcome] = await this.computeRouteForecasts([route], dates, weather);
    if (!outcome!.ok) throw new Error(outcome!.error);
    return outcome!.scores;
  }

  /**
   * Several routes at once: one corpus, one weather lookup for all their grid cells. One route's
   * failure is returned as its outcome and never affects the others. `weather` carries the API's
   * deadline (answer with the fallback after ~2 s) and waitUntil; warming passes nothing.
   */
  async computeRouteForecasts(routes: readonly Route[], dates: readonly string[], weather: WeatherCallOptions = {}): Promise<RouteOutcome[]> {
    if (routes.length === 0) return [];
    const sorted = [...dates].sort();
    const [snapshot, weatherByCell] = await Promise.all([
      this.corpus.get(),
      this.weather.forCells(
        routes.map((r) => gridCell(r.latitude, r.longitude)),
        sorted[0]!,
        sorted.at(-1)!,
        weather,
      ),
    ]);
    const computedAt = new Date().toISOString();
    return routes.map((route): RouteOutcome => {
      try {
        const cw = weatherByCell.get(gridCell(route.latitude, route.longitude).key);
        const scores = this.scoreRoute(route, dates, cw, snapshot.corpus, snapshot.dataVersion, computedAt);
        return { route, ok: true, scores };
      } catch (e) {
        return { route, ok: false, error: e instanceof Error ? e.message : String(e) };
      }
    });
  }

  /** Corpus and weather for the routes' cells over `dates` (one weather lookup for all cells). */
  async loadInputs(routes: readonly Route[], dates: readonly string[]): Promise<ScoringInputs> {
    const sorted = [...dates].sort();
    // At most WEATHER_CELLS_PER_CALL cells per weather call: one Open-Meteo batch, and its Redis
    // read and write stay well under 1 MB (a cell's cached forecast is ~8 KB).
    const cells = [...new Map(routes.map((r) => gridCell(r.latitude, r.longitude)).map((c) => [c.key, c])).values()];
    const [snapshot, ...parts] = await Promise.all([
      this.corpus.get(),
      ...Array.from({ length: Math.ceil(cells.length / WEATHER_CELLS_PER_CALL) }, (_, i) =>
        this.weather.forCells(cells.slice(i * WEATHER_CELLS_PER_CALL, (i + 1) * WEATHER_CELLS_PER_CALL), sorted[0]!, sorted.at(-1)!),
      ),
    ]);
    const weatherByCell = new Map<string, CellWeather>(parts.flatMap((m) => [...m]));
    return { corpus: snapshot.corpus, dataVersion: snapshot.dataVersion, dates, weatherByCell, computedAt: new Date().toISOString() };
  }

  /**
   * The routes' compact scores, location by location (routes at one point scored together). A
   * location that fails fails its routes only; the others are unaffected.
   */
  scoreCompact(inputs: ScoringInputs, routes: readonly Route[]): CompactOutcome[] {
    const byLocation = new Map<string, Route[]>();
    for (const route of routes) {
      const key = locationKey(route);
      const list = byLocation.get(key);
      if (list) list.push(route);
      else byLocation.set(key, [route]);
    }
    const outcomes = new Map<number, CompactOutcome>();
    for (const group of byLocation.values()) {
      try {
        const scores = this.scoreLocation(inputs, group);
        group.forEach((route, i) => outcomes.set(route.id, { route, ok: true, scores: scores[i]! }));
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        for (const route of group) outcomes.set(route.id, { route, ok: false, error });
      }
    }
    return routes.map((r) => outcomes.get(r.id)!);
  }

  /** One location's routes (same point) on the inputs' dates: [route][date]. */
  scoreLocation(inputs: ScoringInputs, routes: readonly Route[]): ScoreFacts[][] {
    const first = routes[0]!;
    const cw = inputs.weatherByCell.get(gridCell(first.latitude, first.longitude).key);
    const weather = inputs.dates.map((date) => weatherForDate(cw, date));
    const days: DayRequest[] = inputs.dates.map((date, i) => ({ targetDate: date, forecast: weather[i]!.forecast, weatherStats: weather[i]!.stats }));
    const results: CompactRiskResult[][] = scoreLocationDaysCompact(inputs.corpus, {
      location: { latitude: first.latitude, longitude: first.longitude, elevation_m: first.elevationM },
      routes: routes.map((r) => ({ route_type: r.type, grade: r.grade })),
      days,
    });
    return routes.map((route, r) =>
      results[r]!.map(
        (result, d): ScoreFacts => ({
          route_id: route.id,
          route_name: route.name,
          date: inputs.dates[d]!,
          risk_score: result.risk_score,
          color_code: result.color_code,
          num_contributing_accidents: result.num_contributing_accidents,
          weather: { status: weather[d]!.status, climate_available: weather[d]!.climate === "present" },
          computed_at: inputs.computedAt,
          data_version: inputs.dataVersion,
        }),
      ),
    );
  }

  /** Warming's one call: `loadInputs` then `scoreCompact`. */
  async computeCompactForecasts(routes: readonly Route[], dates: readonly string[]): Promise<CompactOutcome[]> {
    if (routes.length === 0) return [];
    return this.scoreCompact(await this.loadInputs(routes, dates), routes);
  }

  /** One route's dates: the route-level work (pre-filter, distance, type weights) is done once. */
  scoreRoute(
    route: Route,
    dates: readonly string[],
    cw: CellWeather | undefined,
    corpus: PreparedCorpus,
    dataVersion: number,
    computedAt: string,
  ): DailyScore[] {
    const weather = dates.map((date) => weatherForDate(cw, date));
    const results = scoreRouteDays(
      corpus,
      {
        route: {
          name: route.name,
          latitude: route.latitude,
          longitude: route.longitude,
          route_type: route.type,
          elevation_m: route.elevationM,
          grade: route.grade,
        },
        days: dates.map((date, i) => ({ targetDate: date, forecast: weather[i]!.forecast, weatherStats: weather[i]!.stats })),
      },
      { debug: false },
    );
    return results.map((result, i) => {
      const { debug: _debug, ...output } = result;
      const w = weather[i]!;
      return {
        route_id: route.id,
        route_name: route.name,
        date: dates[i]!,
        ...output,
        weather: { status: w.status, climate_available: w.climate === "present", notes: w.notes, days: w.forecast },
        computed_at: computedAt,
        data_version: dataVersion,
      };
    });
  }
}
