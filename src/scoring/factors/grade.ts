/**
 * Grade factor G (spec 7.6) and grade parsing.
 */
import { GRADE_MIN_WEIGHT, GRADE_SIGMA } from "../constants";

/** YDS core table: 5.0–5.9 → 0–9; 5.N, 5.Na–d for N = 10…15. Input already trimmed and lower-cased. */
function ydsCore(g: string): number | null {
  let m = /^5\.([0-9])$/.exec(g);
  if (m) return Number(m[1]);
  m = /^5\.(1[0-5])([abcd])?$/.exec(g);
  if (m) {
    const n = Number(m[1]);
    if (m[2] === undefined) return n + 0.5;
    return n + "abcd".indexOf(m[2]) * 0.25;
  }
  return null;
}

/** A bare grade (5.0–5.9 or 5.10–5.15 without a letter) — the only forms a +/- may follow. */
function ydsBare(g: string): number | null {
  return /^5\.\d+$/.test(g) ? ydsCore(g) : null;
}

function parseYds(grade: string): number | null {
  const g = grade.trim().toLowerCase();
  const core = ydsCore(g);
  if (core !== null) return core;
  if (g.endsWith("+")) {
    const base = ydsBare(g.slice(0, -1));
    if (base !== null) return base + 0.25;
  }
  if (g.endsWith("-")) {
    const base = ydsBare(g.slice(0, -1));
    if (base !== null) return base - 0.25;
  }
  if (g.includes("/")) {
    const parts = g.split("/");
    if (parts.length === 2) {
      const first = parseYds(parts[0]!);
      const baseMatch = /^5\.\d+/.exec(parts[0]!);
      if (baseMatch && first !== null) {
        const second = parseYds(baseMatch[0] + parts[1]!);
        if (second !== null) return (first + second) / 2;
      }
    }
  }
  return null;
}

/**
 * Route grade → difficulty number (spec 7.6), or null when unparseable. First rule that produces a
 * number wins: YDS (`5.`), V-scale, WI/AI/M, A/C aid, then the YDS rule again with `5.` prefixed.
 * Examples: 5.8→8, 5.9+→9.25, 5.10-→10.25, 5.10→10.5, 5.10b/c→10.375, V5→12, VB→9.5, WI4→9.6,
 * AI3→9.8, M6→10, A2→10.4, 10a→10; `5.9 C2`, `Class 4`, `Grade IV 5.4` → null.
 * Edge forms the spec leaves open (`5.10a+`, `5.9/10`, `V` without digits) are unparseable.
 */
export function parseGrade(grade: string | null | undefined): number | null {
  if (typeof grade !== "string") return null;
  const g = grade.trim();
  if (g === "") return null;
  const upper = g.toUpperCase();
  if (g.toLowerCase().startsWith("5.")) {
    const r = parseYds(g);
    if (r !== null) return r;
  }
  if (upper.startsWith("V")) {
    const m = /^V(\d+)/.exec(upper);
    if (m) return 10.0 + Number(m[1]) * 0.4;
    if (upper === "VB") return 10.0 - 0.5;
  }
  if (upper.startsWith("WI") || upper.startsWith("AI") || upper.startsWith("M")) {
    let m = /^WI(\d+)/.exec(upper);
    if (m) return 6 + (Number(m[1]) - 1) * 1.2;
    m = /^AI(\d+)/.exec(upper);
    if (m) return 7 + (Number(m[1]) - 1) * 1.4;
    m = /^M(\d+)/.exec(upper);
    if (m) return 7 + (Number(m[1]) - 1) * 0.6;
  }
  if ((upper.startsWith("A") || upper.startsWith("C")) && /^[AC][0-9]/.test(upper)) {
    const m = /^[AC](\d+)/.exec(upper)!;
    return 8 + Number(m[1]) * 1.2;
  }
  return parseYds(`5.${g}`);
}

/**
 * G = max(0.25, exp(−Δ²/(2σ²))), Δ = |route − accident| difficulty, σ = 3.0/1.18; 1 when either
 * difficulty is unknown (null or NaN).
 */
export function gradeWeight(routeDifficulty: number | null, accidentDifficulty: number | null): number {
  if (routeDifficulty === null || accidentDifficulty === null) return 1.0;
  if (Number.isNaN(routeDifficulty) || Number.isNaN(accidentDifficulty)) return 1.0;
  const diff = Math.abs(accidentDifficulty - routeDifficulty);
  return Math.max(GRADE_MIN_WEIGHT, Math.exp(-(diff * diff) / (2 * (GRADE_SIGMA * GRADE_SIGMA))));
}
