/** Reading run records for display (public/admin/lib/runs.js): today's RunRecord, and older or newer shapes. */
import { describe, expect, it } from "vitest";
import {
  FULL_LIST_EVERY_MS,
  isRunActive,
  mergeRuns,
  newestFirst,
  planRunsPoll,
  pollDelayMs,
  runCounts,
  runDurationMs,
  runProgress,
  runTimeline,
  shortRunId,
  type Run,
} from "../../../public/admin/lib/runs.js";

const base: Run = {
  id: "20261201T180000Z-1a2b3c4d",
  status: "running",
  trigger: "manual",
  dates: ["2026-12-01"],
  routes: { total: 10, done: 6, failed: 1, retrying: 2, pending: 3 },
  scores: { total: 70, done: 42, failed: 7 },
  progressPercent: 70,
  failedRoutes: [{ routeId: 5, reason: "route latitude and longitude must be finite numbers" }],
  messages: 3,
  createdAt: "2026-12-01T18:00:00.000Z",
  startedAt: "2026-12-01T18:00:01.500Z",
  finishedAt: null,
  durationMs: null,
  error: null,
};

describe("run state", () => {
  it("is active while queued or running and not finished", () => {
    expect(isRunActive(base)).toBe(true);
    expect(isRunActive({ ...base, status: "queued", startedAt: null })).toBe(true);
    expect(isRunActive({ ...base, status: "succeeded", finishedAt: "2026-12-01T18:00:09.000Z" })).toBe(false);
    // An unknown status is shown, not polled forever.
    expect(isRunActive({ ...base, status: "abandoned" })).toBe(false);
  });
  it("progress: the server's figure clamped, else derived from the route counts", () => {
    expect(runProgress(base)).toBe(70);
    expect(runProgress({ ...base, progressPercent: 104 })).toBe(100);
    const { progressPercent: _p, ...noFigure } = base;
    expect(runProgress(noFigure)).toBe(70);
    expect(runProgress({ id: "x", routes: { total: 3, done: 1 } })).toBe(33.3);
    expect(runProgress({ id: "x", routes: { total: 0 }, finishedAt: "2026-12-01T18:00:00Z" })).toBe(100);
    expect(runProgress({ id: "x" })).toBe(0);
  });
  it("counts as texts, with missing fields as zero", () => {
    const c = runCounts(base);
    expect(c.routesText).toBe("6 / 10 done · 1 failed · 2 retrying");
    expect(c.scoresText).toBe("42 / 70 done · 7 failed");
    expect(c.routes.pending).toBe(3);
    expect(runCounts({ id: "x" }).routesText).toBe("0 / 0 done · 0 failed · 0 retrying");
    expect(runCounts({ id: "x", routes: { total: -1, done: NaN } }).routes).toEqual({ total: 0, done: 0, failed: 0, retrying: 0, pending: 0 });
  });
  it("duration: the server's once finished, else the clock since creation", () => {
    const now = Date.parse("2026-12-01T18:00:05.000Z");
    expect(runDurationMs(base, now)).toBe(5000);
    expect(runDurationMs({ ...base, finishedAt: "2026-12-01T18:00:09.000Z", durationMs: 9000 }, now)).toBe(9000);
    expect(runDurationMs({ ...base, finishedAt: "2026-12-01T18:00:09.000Z" }, now)).toBe(9000);
    expect(runDurationMs({ id: "x" }, now)).toBeNull();
  });
  it("timeline: created, started, finished with the time each step took", () => {
    expect(runTimeline(base)).toEqual([
      { step: "created", at: "2026-12-01T18:00:00.000Z", sincePreviousMs: null },
      { step: "started", at: "2026-12-01T18:00:01.500Z", sincePreviousMs: 1500 },
      { step: "finished", at: null, sincePreviousMs: null },
    ]);
    expect(runTimeline({ ...base, finishedAt: "2026-12-01T18:00:04.000Z" })[2]).toEqual({
      step: "finished",
      at: "2026-12-01T18:00:04.000Z",
      sincePreviousMs: 2500,
    });
  });
});

describe("lists and polling", () => {
  it("newest first by creation time, ties by id", () => {
    const a = { id: "a", createdAt: "2026-12-01T10:00:00Z" };
    const b = { id: "b", createdAt: "2026-12-01T12:00:00Z" };
    const c = { id: "c", createdAt: "2026-12-01T12:00:00Z" };
    expect(newestFirst([a, b, c]).map((r) => r.id)).toEqual(["c", "b", "a"]);
    expect(newestFirst([{ id: "old" }, a]).map((r) => r.id)).toEqual(["a", "old"]);
  });
  it("polls fast while a run is active, slowly otherwise, never while hidden", () => {
    expect(pollDelayMs({ active: true, hidden: false })).toBe(1000);
    expect(pollDelayMs({ active: false, hidden: false })).toBe(10_000);
    expect(pollDelayMs({ active: true, hidden: true })).toBeNull();
  });
  it("shortens run ids made by newRunId, leaves others alone", () => {
    expect(shortRunId("20261201T180000Z-1a2b3c4d")).toBe("12-01 18:00:00Z · 1a2b3c4d");
    expect(shortRunId("custom-id")).toBe("custom-id");
  });
});

describe("what the runs screen polls", () => {
  const done: Run = { ...base, id: "done", status: "succeeded", finishedAt: "2026-12-01T18:00:09.000Z" };
  const now = 1_000_000;
  it("the whole list at first, and at most every FULL_LIST_EVERY_MS while a run is watched", () => {
    expect(planRunsPoll({ runs: [], activeRunId: null, lastFullAt: 0, now })).toEqual({ kind: "full" });
    expect(planRunsPoll({ runs: [base, done], activeRunId: base.id, lastFullAt: now - 1000, now })).toEqual({ kind: "runs", ids: [base.id] });
    expect(planRunsPoll({ runs: [base, done], activeRunId: base.id, lastFullAt: now - FULL_LIST_EVERY_MS, now })).toEqual({ kind: "full" });
  });
  it("the whole list when nothing is watched, or the lock names a run not shown as active", () => {
    expect(planRunsPoll({ runs: [done], activeRunId: null, lastFullAt: now - 1000, now })).toEqual({ kind: "full" });
    expect(planRunsPoll({ runs: [base, done], activeRunId: "someone-else", lastFullAt: now - 1000, now })).toEqual({ kind: "full" });
  });
  it("at most five runs one by one", () => {
    const many = Array.from({ length: 8 }, (_, i) => ({ ...base, id: `r${i}` }));
    expect(planRunsPoll({ runs: many, activeRunId: "r0", lastFullAt: now - 1000, now })).toEqual({ kind: "runs", ids: ["r0", "r1", "r2", "r3", "r4"] });
  });
  it("merges fresher records in place", () => {
    const fresher = { ...base, progressPercent: 90 };
    expect(mergeRuns([done, base], [fresher, { id: "unknown" }])).toEqual([done, fresher]);
  });
});
