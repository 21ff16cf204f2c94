/**
 * The route modal's analysis tabs (§3.11–3.13): score history and weather volatility, hourly
 * climbing windows, and ascent analytics (no tick data: the no-ascents shape with the route's own
 * accidents by month).
 */
import { pyRound } from "../../scoring";
import { readHistory, type HistoryRow } from "../../data/history";
import { routeAccidentMonths } from "../../data/queries";
import { addDays, todayUtc } from "../../dates";
import { gridCell } from "../../weather/cells";
import type { HourlyWeather } from "../../weather/cell-weather";
import { compactScores, inWindow, scorableWindow } from "../../service/route-scores";
import { routeScoreOptions, weatherBudget } from "../budget";
import type { AppRequest } from "../context";
import { countTally } from "../counting";
import { jsonWithEtag } from "../respond";
import { parseQuery, queryParams } from "./params";
import { pointOf, routeRecordOf } from "./routes";
import { TargetDateQuery, TrendsQuery, type AscentAnalyticsT, type HistoricalTrendsT, type TimeOfDayT } from "./schemas";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const ANALYSIS_CACHE_CONTROL = "public, max-age=300";

// ------------------------------------------------------------------------ historical trends

export function trendOf(rows: readonly { riskScore: number }[]): HistoricalTrendsT["trend"] {
  if (rows.length < 7) return null;
  const mean = (xs: readonly { riskScore: number }[]) => xs.reduce((s, r) => s + r.riskScore, 0) / xs.length;
  const first = mean(rows.slice(0, 7));
  const last = mean(rows.slice(-7));
  const diff = last - first;
  const direction = diff > 5 ? "increasing" : diff < -5 ? "decreasing" : "stable";
  const change = direction === "stable" ? "about the same as" : `${pyRound(Math.abs(diff), 1)} points ${diff > 0 ? "higher" : "lower"} than`;
  return { direction, description: `The last 7 days average ${pyRound(last, 1)}, ${change} the first 7 (${pyRound(first, 1)}).` };
}

function summaryOf(rows: readonly HistoryRow[]): HistoricalTrendsT["summary"] {
  if (!rows.length) return null;
  const risks = rows.map((r) => r.riskScore);
  return {
    avg_risk: pyRound(risks.reduce((a, b) => a + b, 0) / risks.length, 1),
    min_risk: pyRound(Math.min(...risks), 1),
    max_risk: pyRound(Math.max(...risks), 1),
  };
}

const r2 = (v: number | null) => (v === null ? null : pyRound(v, 2));

/** GET /mp-routes/{mp_route_id}/historical-trends?days=&target_date= */
export async function historicalTrends(req: AppRequest, _env: unknown, ctx: ExecutionContext): Promise<Response> {
  const q = parseQuery(req, TrendsQuery);
  const route = await routeRecordOf(req);
  const today = todayUtc();
  // The string as sent: the tab refetches whenever reference_date differs from it.
  const referenceDate = q.target_date === undefined ? today : queryParams(req).target_date!;
  const located = route.latitude !== null && route.longitude !== null;
  const [rows, months, currentRow] = await Promise.all([
    readHistory(req.app.sql, route.id, addDays(today, -q.days), today),
    located ? req.app.weather.monthlyVolatility(route.latitude!, route.longitude!, q.target_date ?? today, weatherBudget(ctx)) : null,
    located && inWindow(q.target_date ?? today, scorableWindow())
      ? req.app.weather
          .forCells([gridCell(route.latitude!, route.longitude!)], q.target_date ?? today, q.target_date ?? today, weatherBudget(ctx))
          .then((m) => [...m.values()][0]?.forecast?.find((r) => r.date === (q.target_date ?? today)) ?? null)
      : null,
  ]);
  const weatherVolatility: HistoricalTrendsT["weather_volatility"] = months
    ? {
        available: true,
        reference_date: referenceDate,
        source: "open_meteo_archive",
        lookback_years: 5,
        temporal_decay: { model: "cyclical_month_exponential", decay_constant_months: 2.0 },
        current_values: {
          temperature: currentRow?.temperature_2m_mean === null || currentRow === null ? null : pyRound(currentRow.temperature_2m_mean, 1),
          precipitation: r2(currentRow?.precipitation_sum ?? null),
          wind_speed: r2(currentRow?.wind_speed_10m_max ?? null),
        },
        months: months.months.map((m) => ({
          month: m.month,
          month_label: MONTHS[m.month - 1]!,
          temperature_mean: r2(m.temperature.mean),
          temperature_std: r2(m.temperature.std),
          temperature_sample_count: m.temperature.sampleCount,
          precipitation_mean: r2(m.precipitation.mean),
          precipitation_std: r2(m.precipitation.std),
          precipitation_sample_count: m.precipitation.sampleCount,
          wind_speed_mean: r2(m.wind_speed.mean),
          wind_speed_std: r2(m.wind_speed.std),
          wind_speed_sample_count: m.wind_speed.sampleCount,
        })),
      }
    : { available: false, reference_date: referenceDate, message: "Weather volatility is not available for this route." };
  const body: HistoricalTrendsT = {
    route_id: route.id,
    route_name: route.name,
    reference_date: referenceDate,
    historical_predictions: rows.map((r) => ({ date: r.date, risk_score: r.riskScore, color_code: r.colorCode })),
    ...(rows.length ? { days_available: rows.length } : {}),
    summary: summaryOf(rows),
    trend: trendOf(rows),
    weather_volatility: weatherVolatility,
    ...(rows.length ? {} : { message: "No stored score history for this route." }),
  };
  return jsonWithEtag(req, body, { "Cache-Control": ANALYSIS_CACHE_CONTROL });
}

// ------------------------------------------------------------------------ time of day

type Hour = NonNullable<TimeOfDayT["hourly_data"]>[number];
type Window = TimeOfDayT["climbing_windows"][number];

const DAYLIGHT_FIRST_HOUR = 6;
const DAYLIGHT_LAST_HOUR = 18;

/** §3.12's adjustment of the day's score for one hour's weather (null values add nothing). */
export function hourlyAdjustment(h: HourlyWeather["hours"][number]): number {
  let a = 0;
  const { temperature: t, precipitation: p, wind_speed: w, wind_gusts: g, visibility: v } = h;
  if (t !== null) a += t < -15 ? 15 : t < -5 ? 8 : t > 30 ? 5 : 0;
  if (p !== null) a += p > 5 ? 20 : p > 1 ? 10 : p > 0.2 ? 3 : 0;
  if (g !== null && g > 20) a += 15;
  else if (w !== null) a += w > 15 ? 10 : w > 10 ? 5 : 0;
  if (v !== null) a += v < 1000 ? 10 : v < 5000 ? 5 : 0;
  return a;
}

function hourConditions(h: HourlyWeather["hours"][number]): string {
  const parts: string[] = [];
  const { temperature: t, precipitation: p, wind_speed: w, cloud_cover: c } = h;
  if (t !== null) parts.push(t < -10 ? "Very Cold" : t < 0 ? "Freezing" : t < 10 ? "Cold" : t < 20 ? "Mild" : "Warm");
  if (p !== null && p > 5) parts.push("Heavy Precipitation");
  else if (p !== null && p > 1) parts.push("Precipitation");
  else if (p !== null && p > 0.2) parts.push("Light Precipitation");
  else if (c !== null && c > 70) parts.push("Cloudy");
  else if (c !== null && c < 30) parts.push("Clear");
  if (w !== null && w > 15) parts.push("Very Windy");
  else if (w !== null && w > 10) parts.push("Windy");
  return parts.length ? parts.join(", ") : "Unknown";
}

/** The hours and climbing windows of §3.12 from the day's score and the hourly forecast. */
export function analyseHours(baseRisk: number, weather: HourlyWeather): { hours: Hour[]; windows: Window[] } {
  const hours: Hour[] = weather.hours.map((h) => {
    const risk = pyRound(Math.min(100, Math.max(0, baseRisk + hourlyAdjustment(h))), 1);
    const daylight = h.hour >= DAYLIGHT_FIRST_HOUR && h.hour <= DAYLIGHT_LAST_HOUR;
    const ok = (v: number | null, limit: number) => v === null || v < limit;
    return {
      hour: h.hour,
      time: h.time,
      risk_score: risk,
      temperature: h.temperature,
      precipitation: h.precipitation,
      wind_speed: h.wind_speed,
      wind_gusts: h.wind_gusts,
      cloud_cover: h.cloud_cover,
      visibility: h.visibility,
      conditions_summary: hourConditions(h),
      is_daylight: daylight,
      is_climbable: daylight && risk < 70 && ok(h.precipitation, 5) && ok(h.wind_speed, 20) && ok(h.wind_gusts, 20),
    };
  });
  const windows: Window[] = [];
  let run: Hour[] = [];
  const close = () => {
    if (run.length >= 2) {
      const counts = new Map<string, number>();
      for (const h of run) counts.set(h.conditions_summary, (counts.get(h.conditions_summary) ?? 0) + 1);
      const conditions = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
      windows.push({
        start_hour: run[0]!.hour,
        end_hour: run.at(-1)!.hour,
        duration_hours: run.length,
        avg_risk: pyRound(run.reduce((s, h) => s + h.risk_score, 0) / run.length, 1),
        conditions,
      });
    }
    run = [];
  };
  for (const h of hours) {
    if (h.is_climbable && (run.length === 0 || h.hour === run.at(-1)!.hour + 1)) run.push(h);
    else {
      close();
      if (h.is_climbable) run.push(h);
    }
  }
  close();
  windows.sort((a, b) => a.avg_risk - b.avg_risk || a.start_hour - b.start_hour);
  return { hours, windows };
}

const hh = (h: number) => `${String(h).padStart(2, "0")}:00`;

/** GET /mp-routes/{mp_route_id}/time-of-day?target_date= */
export async function timeOfDay(req: AppRequest, _env: unknown, ctx: ExecutionContext): Promise<Response> {
  const q = parseQuery(req, TargetDateQuery);
  const route = await routeRecordOf(req);
  const point = pointOf(route);
  const date = q.target_date;
  const scorable = inWindow(date, scorableWindow());
  const [base, hourly] = await Promise.all([
    scorable ? compactScores(req.app, route.id, [date], routeScoreOptions(req, ctx)) : null,
    scorable ? req.app.weather.hourly(point.latitude, point.longitude, date, weatherBudget(ctx)) : null,
  ]);
  if (base) countTally(req.app, ctx, base.read.tally);
  const baseRisk = base ? base.scores[0]!.risk_score : null;
  const head = { route_id: route.id, route_name: route.name, target_date: date, base_daily_risk: baseRisk };
  if (baseRisk === null || !hourly || hourly.hours.length === 0) {
    // Never [] (the UI would draw empty charts) and never hours made up from daily data.
    const body: TimeOfDayT = {
      ...head,
      hourly_data: null,
      climbing_windows: [],
      best_window: null,
      recommendation: "Hourly weather is not available; no climbing windows computed.",
    };
    return jsonWithEtag(req, body, { "Cache-Control": "public, max-age=60" });
  }
  const { hours, windows } = analyseHours(baseRisk, hourly);
  const best = windows[0] ?? null;
  const body: TimeOfDayT = {
    ...head,
    hourly_data: hours,
    climbing_windows: windows,
    best_window: best,
    recommendation: best
      ? `Best window: ${hh(best.start_hour)}–${hh(best.end_hour + 1)} local time (${best.duration_hours} h, average risk ${best.avg_risk}).`
      : "No climbing window today: no run of 2 or more daylight hours with acceptable risk and weather.",
  };
  return jsonWithEtag(req, body, { "Cache-Control": ANALYSIS_CACHE_CONTROL });
}

// ------------------------------------------------------------------------ ascents

const BOULDER_TYPES = new Set(["boulder", "bouldering"]);

/** GET /mp-routes/{mp_route_id}/ascent-analytics : no tick data in this backend; the route's own accidents by month. */
export async function ascentAnalytics(req: AppRequest): Promise<Response> {
  const route = await routeRecordOf(req);
  const { total, byMonth } = await routeAccidentMonths(req.app.sql, route.id);
  const head = { route_id: route.id, route_name: route.name, route_type: route.type, total_ascents: 0, total_accidents: total, overall_accident_rate: 0.0 };
  let body: AscentAnalyticsT;
  if (BOULDER_TYPES.has((route.type ?? "").trim().toLowerCase())) {
    body = {
      ...head,
      monthly_stats: [],
      best_month: null,
      worst_month: null,
      has_data: false,
      excluded_reason: "Boulder problems are excluded from ascent analytics.",
      message: "No ascent (tick) data is available for this route.",
    };
  } else {
    body = {
      ...head,
      monthly_stats: MONTHS.map((month, i) => ({ month, month_num: i + 1, ascent_count: 0, accident_count: byMonth.get(i + 1) ?? 0, accident_rate: 0.0 })),
      best_month: null,
      worst_month: null,
      peak_month: null,
      has_data: false,
      message: "No ascent (tick) data is available for this route.",
    };
  }
  return jsonWithEtag(req, body, { "Cache-Control": ANALYSIS_CACHE_CONTROL });
}
