/**
 * Weather for scoring, shared by the warming consumer and the API. The grid is in
 * src/weather/cells.ts, what the service answers (and its slice per date) in
 * src/weather/cell-weather.ts, the call budget in src/weather/budget.ts.
 *
 * Cells
 * - Forecast: 0.01° cells (lat/lon rounded to 2 dp, as the original's batch): routes in one cell
 *   share a forecast. Window today−6 … today+15 (22 days) whatever a caller asks inside it: it costs
 *   the same single weighted call per location as 7 days (weight = max(1, 6/10 × 22/14) = 1) and
 *   covers every date the API may ask (start_date ≤ today+2 → today+8).
 * - Climate: 0.1° cells. The archive is a reanalysis (ERA5-Land ≈ 0.1°, ERA5 0.25°): 0.01° cells
 *   inside one 0.1° cell read practically the same grid values, and a 5-year series of 3 variables
 *   weighs ≈ 39 calls, so sharing matters. One archive series gives all twelve months' statistics
 *   (spec 12.2) and the monthly volatility of v1 §3.11; only those are cached, never the series.
 *
 * Requests: one Open-Meteo request serves up to `FORECAST_BATCH` forecast cells, or as many climate
 * cells as fit in this isolate's minute budget (src/weather/budget.ts; 7 on the free plan, up to
 * `ARCHIVE_BATCH_MAX` with a key). Requests are paced by that budget (warming waits up to
 * `maxWaitMs`; the request path never waits), run one at a time (two with a key), and a 429 pauses
 * the isolate until the refusing window resets and is retried at most once per batch.
 *
 * Caching (Redis, de-duplicated in flight within the isolate; Redis trouble only costs a refetch):
 * forecast and hourly 6 h; climate 30 days + a per-cell jitter of up to 7 days (so cells do not
 * expire together); a failed climate fetch 5 minutes, with its reason. Keys: src/cache/keys.ts; every
 * call through the guarded CacheClient (a Redis outage only costs a refetch).
 *
 * Failures never throw: a missing forecast is the spec's no-forecast fallback (W = 0.5), missing
 * statistics mean no extreme amplification; each cell says which and why (`forecastStatus`,
 * `climateStatus`) and each date's slice says whether statistics were present (`climate`).
 *
 * Request path: `deadlineMs` answers within that time; what is not back is reported as "timeout"
 * (the fallback) while the fetch goes on in the background (`waitUntil`) to fill the cache.
 *
 * Archive window (documented deviation): the spec's window is [T−1824, T]. The archive lags the
 * present by ~5 days and T may be in the future, so a cell's series is the 1825 days ending 12 days
 * before the day it is fetched, reused for weeks and for every T; only the month weighting depends
 * on T. Monthly volatility likewise describes the cached 5 years, whatever the reference date.
 */
import type { ForecastDay, WeatherStats } from "../scoring";
import type { CacheClient } from "../cache/client";
import { keys as cacheKeys } from "../cache/keys";
import { addDays, todayUtc } from "../dates";
import { describeCause, isUpstreamUnavailable, UpstreamUnavailable } from "../errors";
import { log } from "../log";
import { CallBudget, COMMERCIAL_BUDGET, FREE_PLAN_BUDGET, type BudgetLimits } from "./budget";
import { climateCell, gridCell, type GridCell } from "./cells";
import { hoursOf, weatherForDate, type CellWeather, type FetchStatus, type HourlyWeather, type WeatherForDate } from "./cell-weather";
import { climateStatsByMonth, monthlyVolatility, type MonthlyStat } from "./climate-stats";
import {
  ARCHIVE_DAILY_VARIABLES,
  FORECAST_DAILY_VARIABLES,
  HOURLY_VARIABLES,
  fetchArchives,
  fetchDailyForecasts,
  fetchHourlyForecasts,
  requestWeight,
  WeatherRateLimited,
  type HourlySeries,
  type OpenMeteoSource,
} from "./open-meteo";

export const FORECAST_TTL_SECONDS = 6 * 3600;
export const HOURLY_TTL_SECONDS = 6 * 3600;
export const CLIMATE_TTL_SECONDS = 30 * 86_400;
const CLIMATE_TTL_JITTER_SECONDS = 7 * 86_400;
export const CLIMATE_FAILURE_TTL_SECONDS = 300;
export const FORECAST_PAST_DAYS = 6;
/**
 * The forecast window we ask for, in UTC days. Open-Meteo forecasts 16 days (today … today+15) and
 * keeps 92 past days, but counts them from the *place's* local date (timezone=auto): at the 00:00
 * UTC tick the Americas are still on yesterday, so UTC today+15 is out of range there and the whole
 * batch fails with a 400. One day's margin on both ends keeps every request valid in every time zone
 * (local dates are within a day of UTC), and still covers what the API needs (today+8 at most).
 */
export const FORECAST_LAST_DAY = 14;
const FORECAST_FIRST_REACHABLE_DAY = -91;
export const ARCHIVE_DAYS = 1825;
const ARCHIVE_LAG_DAYS = 12;
export const FORECAST_BATCH = 100;
export const ARCHIVE_BATCH_MAX = 20;
/** What the API passes: answer (with the fallback) after this long. */
export const DEFAULT_REQUEST_DEADLINE_MS = 2000;
const MEMO_MAX_SECONDS = 600;
const MAX_RATE_LIMIT_RETRIES = 1;

export interface MonthlyVolatility {
  source: "open_meteo_archive";
  /** The archive days the months were computed from (see the file comment). */
  windowStart: string;
  windowEnd: string;
  referenceDate: string;
  months: MonthlyStat[];
}

interface ClimateValue {
  windowStart: string;
  windowEnd: string;
  byMonth: Record<number, WeatherStats | null>;
  monthly: MonthlyStat[];
}

export interface WeatherCounters {
  /** HTTP requests to Open-Meteo, by kind. */
  forecastFetches: number;
  archiveFetches: number;
  hourlyFetches: number;
  /** Locations those requests carried. */
  forecastLocations: number;
  archiveLocations: number;
  /** Open-Meteo's weighted calls spent (its billing unit). */
  weight: number;
  rateLimited: number;
  deferred: number;
  redisHits: number;
  redisReads: number;
  redisWrites: number;
}

export interface WeatherCallOptions {
  /** Answer within this many ms; what is not back is "timeout" (the fallback). API: DEFAULT_REQUEST_DEADLINE_MS. */
  deadlineMs?: number;
  /** Keeps the background fetch alive after a deadline (ctx.waitUntil in the Worker). */
  waitUntil?: (p: Promise<unknown>) => void;
  /** How long the call budget and 429 backoff may wait (default: the service's, 0 with a deadline). */
  maxWaitMs?: number;
}

export interface WeatherServiceOptions {
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** This isolate's call budget (default: the free plan's without a key, the commercial one with). */
  budget?: BudgetLimits;
  /** Warming's patience for the call budget and 429 backoff (default 5 minutes). */
  maxWaitMs?: number;
  forecastTimeoutMs?: number;
  archiveTimeoutMs?: number;
  /** A namespace before every key (tests that must not see other tests' cached weather). */
  keyPrefix?: string;
}

class WeatherDeferred extends Error {
  override readonly name = "WeatherDeferred";
}

interface Cached<T> {
  value: T;
  expiresAt: number;
}

type Outcome<T> = { value: T; error: null; status: "ok" } | { value: null; error: string; status: FetchStatus };

const reasonOf = (e: unknown) => (e instanceof UpstreamUnavailable ? e.message : e instanceof WeatherDeferred ? e.message : describeCause(e));
const statusOf = (e: unknown): FetchStatus => (e instanceof WeatherDeferred ? "deferred" : "unavailable");

function hashSeconds(key: string, range: number): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return (h >>> 0) % range;
}

export class WeatherService {
  readonly counters: WeatherCounters = {
    forecastFetches: 0,
    archiveFetches: 0,
    hourlyFetches: 0,
    forecastLocations: 0,
    archiveLocations: 0,
    weight: 0,
    rateLimited: 0,
    deferred: 0,
    redisHits: 0,
    redisReads: 0,
    redisWrites: 0,
  };
  readonly budget: CallBudget;
  private readonly memo = new Map<string, Cached<unknown>>();
  private readonly inFlight = new Map<string, Promise<Outcome<unknown>>>();
  private readonly keys: WeatherKeys;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly opts: Required<Pick<WeatherServiceOptions, "maxWaitMs" | "forecastTimeoutMs" | "archiveTimeoutMs">>;

  constructor(
    private readonly source: OpenMeteoSource,
    private readonly cache: CacheClient | null,
    options: WeatherServiceOptions | (() => number) = {},
  ) {
    const o = typeof options === "function" ? { now: options } : options;
    this.now = o.now ?? Date.now;
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.budget = new CallBudget(o.budget ?? (source.apiKey ? COMMERCIAL_BUDGET : FREE_PLAN_BUDGET));
    this.keys = weatherKeys(o.keyPrefix ?? "");
    this.opts = { maxWaitMs: o.maxWaitMs ?? 300_000, forecastTimeoutMs: o.forecastTimeoutMs ?? 10_000, archiveTimeoutMs: o.archiveTimeoutMs ?? 15_000 };
  }

  /** The forecast window: today−6 (or firstDate−6 if earlier) … today+15, within the forecast's reach. */
  private forecastWindow(firstDate: string) {
    const today = todayUtc(new Date(this.now()));
    const earliest = addDays(today, FORECAST_FIRST_REACHABLE_DAY);
    const wanted = addDays(firstDate < today ? firstDate : today, -FORECAST_PAST_DAYS);
    return { start: wanted < earliest ? earliest : wanted, end: addDays(today, FORECAST_LAST_DAY) };
  }

  /**
   * Weather for several routes' cells over one date window: one Redis read and one write for all,
   * and as few Open-Meteo requests as the batches allow. Never throws.
   */
  async forCells(cells: readonly GridCell[], firstDate: string, lastDate: string, opts: WeatherCallOptions = {}): Promise<Map<string, CellWeather>> {
    // One window whatever the dates (within reach): lastDate beyond today+15 simply has no rows.
    void lastDate;
    const window = this.forecastWindow(firstDate);
    const unique = [...new Map(cells.map((c) => [c.key, c])).values()];
    const work = this.load(unique, window, this.waitLimit(opts));
    if (opts.deadlineMs === undefined) return work;
    return this.withDeadline(work, opts, () => this.fromMemo(unique, window, "timeout"), "forCells");
  }

  /** The slice for one date of one cell, as `weatherForDate` (convenience for single routes). */
  async forDate(latitude: number, longitude: number, date: string, opts: WeatherCallOptions = {}): Promise<WeatherForDate> {
    const cell = gridCell(latitude, longitude);
    return weatherForDate((await this.forCells([cell], date, date, opts)).get(cell.key), date);
  }

  /** Hourly forecast of a point for one local date (v1 §3.12), or null when it cannot be had. */
  async hourly(latitude: number, longitude: number, date: string, opts: WeatherCallOptions = {}): Promise<HourlyWeather | null> {
    const today = todayUtc(new Date(this.now()));
    const standard = { start: addDays(today, -1), end: addDays(today, FORECAST_LAST_DAY) };
    if (date > standard.end || date < addDays(today, FORECAST_FIRST_REACHABLE_DAY)) return null; // beyond the forecast's reach
    const window = date >= standard.start ? standard : { start: date, end: date };
    const cell = gridCell(latitude, longitude);
    const key = this.keys.hourly(cell.key, window.start, window.end);
    const maxWaitMs = this.waitLimit(opts);
    const work = (async () => {
      await this.readRedis([key], { [key]: HOURLY_TTL_SECONDS });
      const outcome = await this.cached(key, HOURLY_TTL_SECONDS, async () => {
        const [series] = await this.call("hourly", requestWeight(HOURLY_VARIABLES.length, dayCount(window.start, window.end), 1), maxWaitMs, () =>
          fetchHourlyForecasts(this.source, [cell], window.start, window.end, { timeoutMs: this.opts.forecastTimeoutMs, now: this.now }),
        );
        return series!;
      });
      return outcome.value ? hoursOf(outcome.value as HourlySeries, date) : null;
    })();
    if (opts.deadlineMs === undefined) return work;
    return this.withDeadline(
      work,
      opts,
      () => {
        const hit = this.memoGet(key);
        return hit ? hoursOf(hit.value as HourlySeries, date) : null;
      },
      "hourly",
    );
  }

  /** Monthly weather volatility of a point (v1 §3.11) from its climate cell's archive, or null. */
  async monthlyVolatility(latitude: number, longitude: number, referenceDate: string, opts: WeatherCallOptions = {}): Promise<MonthlyVolatility | null> {
    const cc = climateCell(latitude, longitude);
    const toResult = (v: ClimateValue | null) =>
      v ? { source: "open_meteo_archive" as const, windowStart: v.windowStart, windowEnd: v.windowEnd, referenceDate, months: v.monthly } : null;
    const work = this.climateFor([cc], this.waitLimit(opts)).then((m) => toResult(m.get(cc.key)?.value ?? null));
    if (opts.deadlineMs === undefined) return work;
    return this.withDeadline(work, opts, () => toResult((this.memoGet(this.keys.climate(cc.key))?.value as ClimateValue) ?? null), "monthlyVolatility");
  }

  // ---- loading ------------------------------------------------------------------------------------

  private waitLimit(opts: WeatherCallOptions): number {
    return opts.maxWaitMs ?? (opts.deadlineMs !== undefined ? 0 : this.opts.maxWaitMs);
  }

  private async withDeadline<T>(work: Promise<T>, opts: WeatherCallOptions, onTimeout: () => T, what: string): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), opts.deadlineMs)));
    const first = await Promise.race([work, late]);
    if (timer !== undefined) clearTimeout(timer);
    if (first !== "late") return first;
    log.info("weather_deadline", { what, deadlineMs: opts.deadlineMs });
    opts.waitUntil?.(work.catch(() => undefined));
    return onTimeout();
  }

  private async load(cells: GridCell[], window: { start: string; end: string }, maxWaitMs: number): Promise<Map<string, CellWeather>> {
    const climateCells = [...new Map(cells.map((c) => climateCell(c.latitude, c.longitude)).map((c) => [c.key, c])).values()];
    const fKeys = cells.map((c) => this.keys.forecast(c.key, window.start, window.end));
    await this.readRedis(
      [...fKeys, ...climateCells.flatMap((c) => [this.keys.climate(c.key), this.keys.climateFailure(c.key)])],
      this.climateTtls(climateCells),
    );

    const toStore: [string, unknown, number][] = [];
    const [forecasts, climates] = await Promise.all([
      this.batched(
        cells,
        (c) => this.keys.forecast(c.key, window.start, window.end),
        FORECAST_TTL_SECONDS,
        FORECAST_BATCH,
        (batch) =>
          this.call("forecast", requestWeight(FORECAST_DAILY_VARIABLES.length, dayCount(window.start, window.end), batch.length), maxWaitMs, () =>
            fetchDailyForecasts(this.source, batch, window.start, window.end, { timeoutMs: this.opts.forecastTimeoutMs, now: this.now }),
          ),
        toStore,
      ),
      this.climateFor(climateCells, maxWaitMs, toStore),
    ]);
    await this.writeRedis(toStore);

    return new Map(
      cells.map((cell, i) => {
        const f = forecasts[i]!;
        const c = climates.get(climateCell(cell.latitude, cell.longitude).key)!;
        return [
          cell.key,
          {
            cell,
            forecast: f.value as ForecastDay[] | null,
            forecastStatus: f.status,
            forecastError: f.error,
            climateByMonth: c.value?.byMonth ?? null,
            climateStatus: c.status,
            climateError: c.error,
          },
        ];
      }),
    );
  }

  /** What the memo has right now (the deadline answer). */
  private fromMemo(cells: GridCell[], window: { start: string; end: string }, missing: FetchStatus): Map<string, CellWeather> {
    return new Map(
      cells.map((cell) => {
        const f = this.memoGet(this.keys.forecast(cell.key, window.start, window.end));
        const cc = climateCell(cell.latitude, cell.longitude);
        const c = this.memoGet(this.keys.climate(cc.key));
        const failed = this.memoGet(this.keys.climateFailure(cc.key));
        const late = "weather not back within the request's time budget (fallback)";
        return [
          cell.key,
          {
            cell,
            forecast: (f?.value as ForecastDay[]) ?? null,
            forecastStatus: f ? "ok" : missing,
            forecastError: f ? null : late,
            climateByMonth: (c?.value as ClimateValue | undefined)?.byMonth ?? null,
            climateStatus: c ? "ok" : failed ? "unavailable" : missing,
            climateError: c ? null : failed ? String(failed.value) : late,
          },
        ];
      }),
    );
  }

  /** Climate statistics per climate cell: cache, recent failure, or archive batches sized by the budget. */
  private async climateFor(cells: GridCell[], maxWaitMs: number, toStore?: [string, unknown, number][]): Promise<Map<string, Outcome<ClimateValue>>> {
    const store = toStore ?? [];
    if (!toStore)
      await this.readRedis(
        cells.flatMap((c) => [this.keys.climate(c.key), this.keys.climateFailure(c.key)]),
        this.climateTtls(cells),
      );
    const out = new Map<string, Outcome<ClimateValue>>();
    const wanted: GridCell[] = [];
    for (const c of cells) {
      const failed = this.memoGet(this.keys.climateFailure(c.key));
      if (failed && !this.memoGet(this.keys.climate(c.key)))
        out.set(c.key, { value: null, error: `${String(failed.value)} (cached failure)`, status: "unavailable" });
      else wanted.push(c);
    }
    const end = addDays(todayUtc(new Date(this.now())), -ARCHIVE_LAG_DAYS);
    const start = addDays(end, -(ARCHIVE_DAYS - 1));
    const perLocation = requestWeight(ARCHIVE_DAILY_VARIABLES.length, ARCHIVE_DAYS, 1);
    const results = await this.batched(
      wanted,
      (c) => this.keys.climate(c.key),
      (c) => CLIMATE_TTL_SECONDS + hashSeconds(c.key, CLIMATE_TTL_JITTER_SECONDS),
      this.budget.batchSize(perLocation, ARCHIVE_BATCH_MAX),
      async (batch) => {
        const series = await this.call("archive", perLocation * batch.length, maxWaitMs, () =>
          fetchArchives(this.source, batch, start, end, { timeoutMs: this.opts.archiveTimeoutMs, now: this.now }),
        );
        return series.map(
          (daily): ClimateValue => ({ windowStart: start, windowEnd: end, byMonth: climateStatsByMonth(daily), monthly: monthlyVolatility(daily) }),
        );
      },
      store,
    );
    wanted.forEach((c, i) => {
      const r = results[i] as Outcome<ClimateValue>;
      if (r.status === "unavailable") {
        // Remember the failure briefly: the next batches of this run do not ask again.
        this.memoSet(this.keys.climateFailure(c.key), r.error, CLIMATE_FAILURE_TTL_SECONDS);
        store.push([this.keys.climateFailure(c.key), r.error, CLIMATE_FAILURE_TTL_SECONDS]);
        log.warn("weather_climate_unavailable", { cell: c.key, reason: r.error });
      }
      out.set(c.key, r);
    });
    if (!toStore) await this.writeRedis(store);
    return out;
  }

  /**
   * Memo → in flight → fetch in batches. Each item joins an in-flight fetch of the same key or is
   * fetched in a batch of at most `batchSize`; results keep the items' order.
   */
  private async batched<T>(
    items: GridCell[],
    keyOf: (c: GridCell) => string,
    ttl: number | ((c: GridCell) => number),
    batchSize: number,
    fetchBatch: (batch: GridCell[]) => Promise<T[]>,
    toStore: [string, unknown, number][],
  ): Promise<Outcome<T>[]> {
    const pending: Promise<Outcome<unknown>>[] = [];
    const toFetch: { cell: GridCell; index: number; resolve: (o: Outcome<unknown>) => void }[] = [];
    items.forEach((cell, index) => {
      const key = keyOf(cell);
      const hit = this.memoGet(key);
      if (hit) return void (pending[index] = Promise.resolve({ value: hit.value, error: null, status: "ok" }));
      const flying = this.inFlight.get(key);
      if (flying) return void (pending[index] = flying);
      let resolve!: (o: Outcome<unknown>) => void;
      const p = new Promise<Outcome<unknown>>((r) => (resolve = r)).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, p);
      pending[index] = p;
      toFetch.push({ cell, index, resolve });
    });
    const batches: (typeof toFetch)[] = [];
    for (let i = 0; i < toFetch.length; i += batchSize) batches.push(toFetch.slice(i, i + batchSize));
    // Batches run concurrently; the call budget and the concurrency cap pace them.
    await Promise.all(
      batches.map(async (batch) => {
        try {
          const values = await fetchBatch(batch.map((b) => b.cell));
          batch.forEach((b, i) => {
            const key = keyOf(b.cell);
            const seconds = typeof ttl === "function" ? ttl(b.cell) : ttl;
            this.memoSet(key, values[i], seconds);
            toStore.push([key, values[i], seconds]);
            b.resolve({ value: values[i], error: null, status: "ok" });
          });
        } catch (e) {
          if (e instanceof WeatherDeferred) this.counters.deferred += batch.length;
          for (const b of batch) b.resolve({ value: null, error: reasonOf(e), status: statusOf(e) });
        }
      }),
    );
    return (await Promise.all(pending)) as Outcome<T>[];
  }

  /**
   * One Open-Meteo request within the call budget: waits for budget (up to `maxWaitMs`, else
   * deferred), holds a concurrency slot, and after a 429 pauses the isolate until the refusing
   * window resets and retries at most MAX_RATE_LIMIT_RETRIES times. Never a retry storm.
   */
  private async call<T>(kind: "forecast" | "archive" | "hourly", weight: number, maxWaitMs: number, request: () => Promise<T>): Promise<T> {
    const giveUpAt = this.now() + maxWaitMs;
    // The slot first, then the budget: requests go out one after another, each booked in the
    // minute it is sent in.
    await this.budget.acquire();
    try {
      for (let attempt = 0; ; attempt++) {
        for (let waitMs = this.budget.reserve(weight, this.now()); waitMs > 0; waitMs = this.budget.reserve(weight, this.now())) {
          if (this.now() + waitMs > giveUpAt)
            throw new WeatherDeferred(`weather deferred: the Open-Meteo call budget frees up in ${Math.ceil(waitMs / 1000)} s`);
          await this.sleep(waitMs);
        }
        if (kind === "forecast") this.counters.forecastFetches++;
        else if (kind === "archive") this.counters.archiveFetches++;
        else this.counters.hourlyFetches++;
        this.counters.weight += weight;
        try {
          const result = await request();
          if (kind === "forecast") this.counters.forecastLocations += (result as unknown[]).length;
          if (kind === "archive") this.counters.archiveLocations += (result as unknown[]).length;
          return result;
        } catch (e) {
          if (!(e instanceof WeatherRateLimited)) throw e;
          this.counters.rateLimited++;
          this.budget.pause(this.now() + e.retryAfterSeconds * 1000);
          log.warn("weather_rate_limited", {
            kind,
            window: e.window,
            retryAfterSeconds: e.retryAfterSeconds,
            attempt,
            willRetry: attempt < MAX_RATE_LIMIT_RETRIES && this.now() + e.retryAfterSeconds * 1000 <= giveUpAt,
          });
          // Retried once, and only when the window resets within the caller's patience (a minute,
          // a concurrency slot); an hourly or daily refusal is reported at once.
          if (attempt >= MAX_RATE_LIMIT_RETRIES || this.now() + e.retryAfterSeconds * 1000 > giveUpAt) throw e;
        }
      }
    } finally {
      this.budget.release();
    }
  }

  // ---- cache plumbing ---------------------------------------------------------------------------

  private climateTtls(cells: GridCell[]): Record<string, number> {
    return Object.fromEntries(
      cells.flatMap((c) => [
        [this.keys.climate(c.key), CLIMATE_TTL_SECONDS],
        [this.keys.climateFailure(c.key), CLIMATE_FAILURE_TTL_SECONDS],
      ]),
    );
  }

  private async readRedis(keys: string[], ttls: Record<string, number>) {
    const wanted = keys.filter((k) => !this.memoGet(k));
    if (!wanted.length || !this.cache) return;
    try {
      this.counters.redisReads++;
      const values = await this.cache.run("weather_read", (r) => r.mget<(string | null)[]>(...wanted));
      values.forEach((v, i) => {
        if (v === null || v === undefined) return;
        this.counters.redisHits++;
        const key = wanted[i]!;
        this.memoSet(key, JSON.parse(v), ttls[key] ?? FORECAST_TTL_SECONDS);
      });
    } catch (e) {
      if (!isUpstreamUnavailable(e, "redis")) throw e;
      // Degraded: Redis unavailable, fetch from the source.
    }
  }

  private async writeRedis(toStore: [string, unknown, number][]) {
    if (!toStore.length || !this.cache) return;
    try {
      this.counters.redisWrites++;
      await this.cache.exec("weather_write", (p) => {
        for (const [k, v, ttl] of toStore) p.set(k, JSON.stringify(v), { ex: ttl });
      });
    } catch (e) {
      if (!isUpstreamUnavailable(e, "redis")) throw e;
      // Degraded: the values are still memoised in this isolate.
    }
  }

  private async cached(key: string, ttlSeconds: number, load: () => Promise<unknown>): Promise<Outcome<unknown>> {
    const toStore: [string, unknown, number][] = [];
    const [outcome] = await this.batched(
      [{ latitude: 0, longitude: 0, key }],
      () => key,
      ttlSeconds,
      1,
      async () => [await load()],
      toStore,
    );
    await this.writeRedis(toStore);
    return outcome!;
  }

  private memoGet(key: string): Cached<unknown> | undefined {
    const hit = this.memo.get(key);
    if (hit && hit.expiresAt > this.now()) return hit;
    if (hit) this.memo.delete(key);
    return undefined;
  }

  private memoSet(key: string, value: unknown, ttlSeconds: number) {
    if (this.memo.size >= 2000) this.memo.delete(this.memo.keys().next().value!);
    this.memo.set(key, { value, expiresAt: this.now() + Math.min(ttlSeconds, MEMO_MAX_SECONDS) * 1000 });
  }
}

/** The service's keys (built in src/cache/keys.ts), under an optional test namespace. */
function weatherKeys(prefix: string) {
  return {
    forecast: (cell: string, start: string, end: string) => prefix + cacheKeys.weatherForecast(cell, start, end),
    hourly: (cell: string, start: string, end: string) => prefix + cacheKeys.weatherHourly(cell, start, end),
    climate: (cell: string) => prefix + cacheKeys.weatherClimate(cell),
    climateFailure: (cell: string) => prefix + cacheKeys.weatherClimateFailure(cell),
  };
}
type WeatherKeys = ReturnType<typeof weatherKeys>;

const dayCount = (start: string, end: string) => Math.round((Date.parse(end) - Date.parse(start)) / 86_400_000) + 1;
