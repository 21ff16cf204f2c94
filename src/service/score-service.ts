/**
 * The score service shared by the warming consumer and the API: a route and its dates in, one
 * `DailyScore` per date out. It composes the corpus cache, the weather service and the pure engine.
 *
 * Route elevation is its mountain's elevation (null when unknown → neutral elevation factor);
 * the route type is canonicalised by the engine (spec 4.1).
 */
import { scoreRouteDays, type ForecastDay, type PreparedCorpus, type RiskResult } from "../scoring";
import type { Route } from "../data/routes";
import { gridCell, weatherForDate, type CellWeather, type WeatherCallOptions, type WeatherService } from "../weather/weather-service";
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

export type RouteOutcome =
  | { route: Route; ok: true; scores: DailyScore[] }
  | { route: Route; ok: false; error: string };

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
      this.weather.forCells(routes.map((r) => gridCell(r.latitude, r.longitude)), sorted[0]!, sorted.at(-1)!, weather),
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
        route: { name: route.name, latitude: route.latitude, longitude: route.longitude, route_type: route.type, elevation_m: route.elevationM, grade: route.grade },
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
