/**
 * Operator surface (bearer token): trigger and watch warming runs, cache stats, the schedule, and
 * replaying dead-lettered work. Celery's `delay()/AsyncResult`, `inspect active`, `beat` and
 * flower, in a few endpoints.
 */
import { z } from "zod";
import { sleep } from "../async";
import type { AppContext } from "../context";
import { dateRange, todayUtc } from "../dates";
import { hashFromReply } from "../cache/client";
import { keys } from "../cache/keys";
import { mapEntryFresh, parseMapEntry, readMapEntries, readMapIndex } from "../cache/scores";
import { countLocatedRoutes, getRoutesByIds, selectTopRoutes } from "../data/routes";
import { nextFireTimes } from "../warming/schedule";
import { DLQ_KEY, type RunRecord } from "../warming/runs";
import { runStore, startRun } from "../warming/start-run";
import type { DeadLetter } from "../warming/consumer";
import { HttpError, unprocessable } from "./errors";
import { parseQuery } from "./validate";

const WarmQuery = z
  .object({
    wait: z.coerce.number().int().min(0).max(300).optional(),
    routes: z
      .string()
      .regex(/^\d+(,\d+)*$/, "must be a comma-separated list of route ids")
      .transform((s) => [...new Set(s.split(",").map(Number))])
      .refine((ids) => ids.length <= 1000, "at most 1000 routes")
      .refine((ids) => ids.every((id) => id >= 1 && id <= 2_147_483_647), "route ids must be between 1 and 2147483647")
      .optional(),
    top: z.coerce.number().int().min(1).max(10_000).optional(),
    scope: z.enum(["top", "all"], { message: 'must be "top" or "all"' }).optional(),
    force: z
      .enum(["true", "false", "1", "0"])
      .transform((v) => v === "true" || v === "1")
      .optional(),
  })
  .strict()
  .refine((q) => !(q.routes && q.top), { message: "give either routes or top, not both", path: ["routes"] })
  .refine((q) => !(q.scope && q.routes), { message: "give either routes or scope, not both", path: ["scope"] })
  .refine((q) => !(q.scope === "all" && q.top), { message: "top applies to scope=top only", path: ["top"] });

const MapQuery = z
  .object({
    date: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD")
      .optional(),
  })
  .strict();

/** Marks per answer: index entries are ~20 bytes and a row ~100, so 5,000 stay well under 1 MB. */
export const ADMIN_MAP_MAX_ROUTES = 5000;

export async function waitForRun(app: AppContext, runId: string, waitSeconds: number): Promise<RunRecord | null> {
  const store = runStore(app);
  const deadline = Date.now() + waitSeconds * 1000;
  let run = await store.get(runId);
  while (run && !run.finishedAt && Date.now() < deadline) {
    await sleep(250);
    run = await store.get(runId);
  }
  return run;
}

export async function triggerWarm(request: Request, app: AppContext, ctx?: ExecutionContext): Promise<Response> {
  const q = parseQuery(request, WarmQuery);
  if (q.routes) {
    const found = new Set((await getRoutesByIds(app.sql, q.routes)).map((r) => r.id));
    const unknown = q.routes.filter((id) => !found.has(id));
    if (unknown.length) throw unprocessable(`unknown or unlocatable route ids: ${unknown.join(",")}`, "routes");
  }
  const result = await startRun(app, {
    trigger: "manual",
    routeIds: q.routes,
    top: q.top,
    scope: q.scope ?? (q.top ? "top" : undefined),
    force: q.force,
    waitUntil: ctx ? (p) => ctx.waitUntil(p) : undefined,
  });
  if (!result.started && result.reason === "too_many_runs") {
    const max = app.config.warming.maxConcurrentRuns;
    return Response.json(
      {
        error: {
          code: "too_many_runs",
          message: `${result.liveRunIds.length} runs are live (at most ${max} at once, WARM_MAX_CONCURRENT_RUNS); wait for one to finish`,
          liveRunIds: result.liveRunIds,
        },
      },
      { status: 429, headers: { "Retry-After": "60" } },
    );
  }
  if (!result.started) {
    return Response.json(
      {
        error: {
          code: "run_in_progress",
          message: `run ${result.activeRunId} is in progress; add force=true to start anyway`,
          activeRunId: result.activeRunId,
        },
      },
      { status: 409 },
    );
  }
  const statusUrl = new URL(`/admin/runs/${result.run.id}`, request.url).toString();
  if (q.wait) {
    const run = await waitForRun(app, result.run.id, q.wait);
    return Response.json({ runId: result.run.id, statusUrl, run }, { status: run?.finishedAt ? 200 : 202 });
  }
  return Response.json({ runId: result.run.id, statusUrl, run: result.run }, { status: 202, headers: { Location: statusUrl } });
}

export async function listRuns(app: AppContext): Promise<Response> {
  const store = runStore(app);
  // Reading is also when a run without heartbeat is found out (marked abandoned, its lock freed).
  const runs = await store.list(50, { reap: true });
  const activeRunId = await store.activeRunId();
  return Response.json({ activeRunId, runs });
}

export async function getRun(id: string, app: AppContext): Promise<Response> {
  if (!/^[\w-]{1,64}$/.test(id)) throw new HttpError(400, "bad_request", "run id is malformed", "id");
  const run = await runStore(app).get(id, { reap: true });
  if (!run) throw new HttpError(404, "not_found", `no run ${id} (runs are kept ${app.config.runTtlSeconds} s)`);
  return Response.json(run);
}

/**
 * Cache health. "cached" comes from the /map index (safety_map:v1:{date}), never from EXISTS on
 * score keys: for scope `top`, one HMGET per date of the top routes' entries, counting entries
 * whose score key has not expired; for scope `all`, HLEN per date, i.e. routes indexed for that
 * date since the hash last expired (an upper bound: expired fallback entries and API write-backs
 * count too). "expected" is the top routes, or every located route (one COUNT).
 */
export async function stats(app: AppContext): Promise<Response> {
  const store = runStore(app);
  const { scope, forecastDays, topRoutes } = app.config.warming;
  const dates = dateRange(todayUtc(), forecastDays);
  let perDate: { date: string; cached: number; expected: number }[];
  let scopeRoutes: number;
  if (scope === "all") {
    scopeRoutes = await countLocatedRoutes(app.sql);
    const lengths = await app.cache.exec<number[]>("stats_map_len", (p) => {
      for (const d of dates) p.hlen(keys.mapIndex(d));
    });
    perDate = dates.map((date, i) => ({ date, cached: Math.min(Number(lengths[i] ?? 0), scopeRoutes), expected: scopeRoutes }));
  } else {
    const ids = (await selectTopRoutes(app.sql, topRoutes)).map((r) => r.id);
    scopeRoutes = ids.length;
    const nowS = Math.floor(Date.now() / 1000);
    perDate = await Promise.all(
      dates.map(async (date) => {
        const entries = await readMapEntries(app.cache, date, ids);
        const cached = entries.filter((raw) => {
          const e = parseMapEntry(raw);
          return e !== null && mapEntryFresh(e, nowS);
        }).length;
        return { date, cached, expected: ids.length };
      }),
    );
  }
  const [counters, runs, activeRunId, deadLetters, liveRuns] = await Promise.all([
    app.cache.run("stats_counters", (r) => r.hgetall(keys.cacheCounters)) as Promise<unknown>,
    store.list(1),
    store.activeRunId(),
    app.cache.run("stats_dlq", (r) => r.llen(DLQ_KEY)),
    app.cache.run("stats_live", (r) => r.zcard(keys.liveRuns)),
  ]);
  const c = hashFromReply(counters);
  const day = todayUtc();
  return Response.json({
    cache: {
      scope,
      countedFrom: scope === "all" ? "map index HLEN per date (upper bound)" : "map index entries of the top routes, unexpired",
      topRoutes: scope === "top" ? scopeRoutes : undefined,
      scopeRoutes,
      dates: perDate,
      cachedKeys: perDate.reduce((s, d) => s + d.cached, 0),
      expectedKeys: perDate.reduce((s, d) => s + d.expected, 0),
    },
    counters: {
      // computed: engine runs of the public API on a miss (single-flight keeps it below misses).
      today: { hits: Number(c[`${day}:hit`] ?? 0), misses: Number(c[`${day}:miss`] ?? 0), computed: Number(c[`${day}:computed`] ?? 0) },
      total: { hits: Number(c["total:hit"] ?? 0), misses: Number(c["total:miss"] ?? 0), computed: Number(c["total:computed"] ?? 0) },
    },
    lastRun: runs[0] ?? null,
    activeRunId,
    liveRuns: Number(liveRuns),
    deadLetters,
    // Cloudflare does not expose a queue's backlog to the Worker; see the dashboard or `wrangler queues info`.
    queueBacklog: null,
    corpus: app.corpus.stats(),
    weather: app.weather.counters,
    warmingWeather: app.warming.weather.counters,
  });
}

export function schedule(app: AppContext): Response {
  const { cron, watchdogCron, scope, topRoutes, routesPerMessage, batchRoutes, forecastDays, stallSeconds, maxConcurrentRuns, replayDelaySeconds } =
    app.config.warming;
  const now = new Date();
  return Response.json({
    cron,
    timezone: "UTC",
    next: nextFireTimes(cron, now, 4).map((d) => d.toISOString()),
    watchdog: { cron: watchdogCron, next: nextFireTimes(watchdogCron, now, 1)[0]?.toISOString() ?? null },
    scope,
    topRoutes,
    routesPerMessage,
    batchRoutes,
    forecastDays,
    stallSeconds,
    maxConcurrentRuns,
    replayDelaySeconds,
  });
}

/** Re-enqueues dead-lettered routes as one new run (trigger "dlq-replay"); invalid letters are returned. */
export async function replayDeadLetters(app: AppContext): Promise<Response> {
  const raw = (await app.cache.run("dlq_read", (r) => r.lrange(DLQ_KEY, 0, 999))) as unknown[];
  const letters = raw.map((entry): DeadLetter => {
    try {
      const l = (typeof entry === "string" ? JSON.parse(entry) : entry) as DeadLetter;
      if (Array.isArray(l?.routeIds)) return l;
    } catch {
      // fall through: kept as an unreadable letter below
    }
    return { runId: null, routeIds: [], dates: [], reason: "unreadable dead letter", deadAt: "", body: entry };
  });
  const replayable = letters.filter((l) => l.routeIds.length > 0);
  const invalid = letters.filter((l) => l.routeIds.length === 0);
  const routeIds = [...new Set(replayable.flatMap((l) => l.routeIds))];
  let run: RunRecord | null = null;
  if (routeIds.length) {
    // Each letter is one message again (a location batch keeps its routes together).
    const result = await startRun(app, { trigger: "dlq-replay", batches: replayable.map((l) => l.routeIds) });
    if (!result.started) {
      return Response.json(
        {
          error: {
            code: "run_in_progress",
            message: `run ${"activeRunId" in result ? result.activeRunId : ""} is in progress; replay after it`,
            activeRunId: "activeRunId" in result ? result.activeRunId : undefined,
          },
        },
        { status: 409 },
      );
    }
    run = result.run;
    if (run.status === "failed") {
      // Nothing was enqueued: keep the letters for the next replay.
      return Response.json(
        { error: { code: "replay_failed", message: run.error ?? "replay could not be enqueued", runId: run.id } },
        { status: 503, headers: { "Retry-After": "30" } },
      );
    }
  }
  // Remove exactly what was read; letters that arrived meanwhile stay.
  if (raw.length) await app.cache.run("dlq_trim", (r) => r.ltrim(DLQ_KEY, raw.length, -1));
  return Response.json({ replayedLetters: replayable.length, routes: routeIds.length, run, invalidLetters: invalid }, { status: run ? 202 : 200 });
}

/**
 * GET /admin/map?date=: the warmed routes of a date for the console's risk plot: the live entries of
 * the per-date index `safety_map:v1:{date}` (one HGETALL) joined with one route query for names and
 * coordinates. Riskiest first when there are more than ADMIN_MAP_MAX_ROUTES (truncated: true).
 * Entries whose route is gone or unlocatable are counted in `unlocated`; stale or malformed entries
 * (their score key has expired) in `stale`.
 */
export async function warmedMap(request: Request, app: AppContext): Promise<Response> {
  const q = parseQuery(request, MapQuery);
  const dates = dateRange(todayUtc(), app.config.warming.forecastDays);
  const date = q.date ?? dates[0]!;
  if (!dates.includes(date)) {
    throw unprocessable(`date must be one of the warmed dates ${dates[0]} … ${dates.at(-1)} (UTC), got ${date}`, "date");
  }
  const index = await readMapIndex(app.cache, date);
  const nowSeconds = Math.floor(Date.now() / 1000);
  const live: { id: number; risk: number; color: string; expiresAt: number }[] = [];
  let stale = 0;
  for (const [id, raw] of index) {
    const e = parseMapEntry(raw);
    if (!e || !mapEntryFresh(e, nowSeconds) || !Number.isInteger(id) || id < 1) stale++;
    else live.push({ id, risk: e.risk, color: e.color, expiresAt: e.expiresAt });
  }
  live.sort((a, b) => b.risk - a.risk || a.id - b.id);
  const kept = live.slice(0, ADMIN_MAP_MAX_ROUTES);
  const routes = new Map(
    (
      await getRoutesByIds(
        app.sql,
        kept.map((e) => e.id),
      )
    ).map((r) => [r.id, r]),
  );
  const out = kept.flatMap((e) => {
    const r = routes.get(e.id);
    if (!r || !Number.isFinite(r.latitude) || !Number.isFinite(r.longitude)) return [];
    return [
      {
        id: e.id,
        name: r.name,
        mountain: r.mountainName,
        latitude: r.latitude,
        longitude: r.longitude,
        risk: e.risk,
        color: e.color,
        expiresAt: new Date(e.expiresAt * 1000).toISOString(),
      },
    ];
  });
  return Response.json({
    date,
    dates,
    routes: out,
    stale,
    unlocated: kept.length - out.length,
    truncated: live.length > kept.length,
  });
}
