/**
 * Golden-case comparison per ALGORITHM.md ("Comparison rules"): abs 1e-6 on risk_score,
 * metadata.total_influence_sum and every debug number; ±1 in the last digit of the rounded
 * top-list fields; the top list compared on entries with influence > 0 (tie-tolerant) plus length.
 * Returns a list of human-readable differences (empty = match).
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const GOLDEN_DIR = path.resolve(REPO_ROOT, "../shared/spec/golden");

export interface GoldenFile {
  name: string;
  file: string;
  data: { input: any; expected: any };
}

export function loadGoldenCases(): GoldenFile[] {
  return readdirSync(GOLDEN_DIR)
    .filter((f) => /^case-.*\.json$/.test(f))
    .sort()
    .map((name) => {
      const file = path.join(GOLDEN_DIR, name);
      return { name, file, data: JSON.parse(readFileSync(file, "utf8")) };
    });
}

const ABS_TOL = 1e-6;

function close(a: unknown, b: unknown, tol = ABS_TOL): boolean {
  return typeof a === "number" && typeof b === "number" && Math.abs(a - b) <= tol;
}

/** Deep comparison with numeric tolerance; records paths of differences. */
export function deepCompare(actual: unknown, expected: unknown, where: string, out: string[], tol = ABS_TOL): void {
  if (typeof expected === "number") {
    if (!close(actual, expected, tol)) out.push(`${where}: expected ${expected}, got ${JSON.stringify(actual)}`);
    return;
  }
  if (expected === null || typeof expected !== "object") {
    if (actual !== expected) out.push(`${where}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    return;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) {
      out.push(`${where}: expected an array, got ${JSON.stringify(actual)?.slice(0, 80)}`);
      return;
    }
    if (actual.length !== expected.length) out.push(`${where}: expected length ${expected.length}, got ${actual.length}`);
    for (let k = 0; k < Math.min(actual.length, expected.length); k++) deepCompare(actual[k], expected[k], `${where}[${k}]`, out, tol);
    return;
  }
  if (actual === null || typeof actual !== "object" || Array.isArray(actual)) {
    out.push(`${where}: expected an object, got ${JSON.stringify(actual)?.slice(0, 80)}`);
    return;
  }
  const a = actual as Record<string, unknown>;
  const e = expected as Record<string, unknown>;
  for (const key of Object.keys(e)) {
    if (!(key in a)) out.push(`${where}.${key}: missing`);
    else deepCompare(a[key], e[key], `${where}.${key}`, out, tol);
  }
  for (const key of Object.keys(a)) if (!(key in e)) out.push(`${where}.${key}: unexpected key`);
}

/** Decimal places of each rounded top-list field. */
const TOP_DECIMALS: Record<string, number> = {
  total_influence: 4,
  distance_km: 1,
  spatial_weight: 3,
  temporal_weight: 3,
  elevation_weight: 3,
  weather_weight: 3,
  route_type_weight: 3,
  severity_weight: 3,
  grade_weight: 3,
};

function topEntryDiffs(a: any, e: any): string[] {
  const diffs: string[] = [];
  for (const key of Object.keys(e)) {
    const dp = TOP_DECIMALS[key];
    if (dp !== undefined) {
      const tol = 10 ** -dp * (1 + 1e-9);
      if (!close(a?.[key], e[key], tol)) diffs.push(`${key}: expected ${e[key]}, got ${a?.[key]}`);
    } else if (a?.[key] !== e[key]) diffs.push(`${key}: expected ${e[key]}, got ${a?.[key]}`);
  }
  for (const key of Object.keys(a ?? {})) if (!(key in e)) diffs.push(`${key}: unexpected`);
  return diffs;
}

/** Top list: same length; the multiset of entries with influence > 0 matches (by accident id). */
export function compareTopList(actual: any[], expected: any[], out: string[]): void {
  if (!Array.isArray(actual)) {
    out.push("top_contributing_accidents: not an array");
    return;
  }
  if (actual.length !== expected.length) out.push(`top_contributing_accidents: length ${actual.length}, expected ${expected.length}`);
  const positive = expected.filter((e) => e.total_influence > 0);
  const byId = new Map<unknown, any[]>();
  for (const a of actual) byId.set(a.accident_id, [...(byId.get(a.accident_id) ?? []), a]);
  for (const e of positive) {
    const candidates = byId.get(e.accident_id) ?? [];
    const k = candidates.findIndex((a) => topEntryDiffs(a, e).length === 0);
    if (k < 0) {
      const why = candidates.length ? topEntryDiffs(candidates[0], e).join("; ") : "absent";
      out.push(`top_contributing_accidents: accident ${e.accident_id} (influence ${e.total_influence}): ${why}`);
    } else candidates.splice(k, 1);
  }
  // Entries with influence > 0 in ours must be the ones expected (beyond rounding to 0.0000).
  const expectedIds = new Set(positive.map((e) => e.accident_id));
  for (const a of actual) {
    if (a.total_influence > 0 && !expectedIds.has(a.accident_id)) {
      out.push(`top_contributing_accidents: unexpected positive entry ${a.accident_id} (${a.total_influence})`);
    }
  }
  // The top list must be sorted by influence (descending) in ours.
  for (let k = 1; k < actual.length; k++) {
    if (actual[k].total_influence > actual[k - 1].total_influence + 1e-12) {
      out.push(`top_contributing_accidents: not sorted at ${k}`);
      break;
    }
  }
}

/** Full golden comparison of a result against `expected`. */
export function compareGolden(actual: any, expected: any): string[] {
  const out: string[] = [];
  const { top_contributing_accidents: eTop, ...eRest } = expected;
  const { top_contributing_accidents: aTop, ...aRest } = actual;
  deepCompare(aRest, eRest, "result", out);
  compareTopList(aTop, eTop, out);
  return out;
}
