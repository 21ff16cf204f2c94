/**
 * Reading warming runs (GET /admin/runs, /admin/runs/:id) for display. Only the RunRecord fields of
 * src/warming/runs.ts are relied on, and each defensively: a newer Worker may add statuses and
 * fields, an older one may lack some.
 */
import { clampPercent } from "./format.js";

/**
 * @typedef {{ total?: number, done?: number, failed?: number, retrying?: number, pending?: number }} RouteCounts
 * @typedef {{ total?: number, done?: number, failed?: number }} ScoreCounts
 * @typedef {{
 *   id: string, status?: string, trigger?: string, dates?: string[],
 *   routes?: RouteCounts, scores?: ScoreCounts, progressPercent?: number,
 *   failedRoutes?: { routeId: number, reason: string }[], messages?: number,
 *   createdAt?: string, startedAt?: string | null, finishedAt?: string | null,
 *   durationMs?: number | null, error?: string | null,
 * }} Run
 */

/** @param {unknown} n */
const count = (n) => (typeof n === "number" && Number.isFinite(n) && n >= 0 ? n : 0);

/**
 * Still to watch: not finished and queued or running. (A status this page does not know, without a
 * finish time, is not polled forever; the server's activeRunId still drives fast polling.)
 * @param {Run} run
 */
export function isRunActive(run) {
  return !run.finishedAt && (run.status === "queued" || run.status === "running");
}

/**
 * Progress 0…100: the server's figure, else derived from the route counts.
 * @param {Run} run
 */
export function runProgress(run) {
  if (typeof run.progressPercent === "number" && Number.isFinite(run.progressPercent)) return clampPercent(run.progressPercent);
  const r = run.routes ?? {};
  const total = count(r.total);
  if (total === 0) return run.finishedAt ? 100 : 0;
  return clampPercent(((count(r.done) + count(r.failed)) / total) * 100);
}

/**
 * The counts as short texts for the table and the run page.
 * @param {Run} run
 */
export function runCounts(run) {
  const r = run.routes ?? {};
  const s = run.scores ?? {};
  return {
    routes: { total: count(r.total), done: count(r.done), failed: count(r.failed), retrying: count(r.retrying), pending: count(r.pending) },
    scores: { total: count(s.total), done: count(s.done), failed: count(s.failed) },
    routesText: `${count(r.done)} / ${count(r.total)} done · ${count(r.failed)} failed · ${count(r.retrying)} retrying`,
    scoresText: `${count(s.done)} / ${count(s.total)} done · ${count(s.failed)} failed`,
  };
}

/**
 * Duration so far: the server's once finished, else since creation (a running run's clock).
 * @param {Run} run
 * @param {number} nowMs
 * @returns {number | null}
 */
export function runDurationMs(run, nowMs) {
  if (typeof run.durationMs === "number" && Number.isFinite(run.durationMs)) return run.durationMs;
  const created = run.createdAt ? Date.parse(run.createdAt) : NaN;
  if (Number.isNaN(created)) return null;
  const end = run.finishedAt ? Date.parse(run.finishedAt) : nowMs;
  return Number.isNaN(end) ? null : Math.max(0, end - created);
}

/**
 * The run's timeline: created, started, finished, each with the time spent since the step before
 * (queued for …, ran for …). Steps not reached yet have `at: null`.
 * @param {Run} run
 * @returns {{ step: "created" | "started" | "finished", at: string | null, sincePreviousMs: number | null }[]}
 */
export function runTimeline(run) {
  /** @type {("created" | "started" | "finished")[]} */
  const steps = ["created", "started", "finished"];
  const times = [run.createdAt ?? null, run.startedAt ?? null, run.finishedAt ?? null];
  return steps.map((step, i) => {
    const at = times[i] ?? null;
    const prev = i > 0 ? times[i - 1] : null;
    const sincePreviousMs = at && prev ? Math.max(0, Date.parse(at) - Date.parse(prev)) : null;
    return { step, at, sincePreviousMs: Number.isNaN(sincePreviousMs) ? null : sincePreviousMs };
  });
}

/**
 * Newest first by creation time (the server sends them so; this keeps the order stable when a
 * poll merges a run in).
 * @template {Run} T
 * @param {readonly T[]} runs
 * @returns {T[]}
 */
export function newestFirst(runs) {
  const t = (/** @type {Run} */ r) => (r.createdAt ? Date.parse(r.createdAt) : 0) || 0;
  return [...runs].sort((a, b) => t(b) - t(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/**
 * How often to poll: fast while a run is active, slowly otherwise, not at all while the tab is hidden.
 * @param {{ active: boolean, hidden: boolean }} state
 * @returns {number | null} milliseconds, or null for "do not poll"
 */
export function pollDelayMs({ active, hidden }) {
  if (hidden) return null;
  return active ? 1000 : 10_000;
}

/** The full list is re-read at most this often while runs are watched (50 runs ≈ 150 Redis commands). */
export const FULL_LIST_EVERY_MS = 10_000;

/**
 * What the runs screen reads on its next poll: the whole list (GET /admin/runs), or only the runs
 * still in progress (GET /admin/runs/:id, 3 Redis commands each), so a second-by-second progress
 * bar does not re-read 50 runs a second.
 * @param {{ runs: readonly Run[], activeRunId: string | null, lastFullAt: number, now: number }} state
 * @returns {{ kind: "full" } | { kind: "runs", ids: string[] }}
 */
export function planRunsPoll({ runs, activeRunId, lastFullAt, now }) {
  if (now - lastFullAt >= FULL_LIST_EVERY_MS) return { kind: "full" };
  const ids = runs.filter(isRunActive).map((r) => r.id);
  if (activeRunId && !ids.includes(activeRunId)) {
    // The lock names a run the list does not show as active (new, or just finished): re-read all.
    return { kind: "full" };
  }
  return ids.length ? { kind: "runs", ids: ids.slice(0, 5) } : { kind: "full" };
}

/**
 * The list with some runs replaced by fresher records (same order; unknown ids ignored).
 * @template {Run} T
 * @param {readonly T[]} runs
 * @param {readonly T[]} fresh
 * @returns {T[]}
 */
export function mergeRuns(runs, fresh) {
  const byId = new Map(fresh.map((r) => [r.id, r]));
  return runs.map((r) => byId.get(r.id) ?? r);
}

/** A short form of a run id ("20261201T180000Z-1a2b3c4d" → "12-01 18:00:00Z · 1a2b3c4d"; the time is UTC).
 * @param {string} id
 */
export function shortRunId(id) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-(\w+)$/.exec(id);
  return m ? `${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}Z · ${m[7]}` : id;
}
