/**
 * Route-type canonicalisation (spec 4.1) and accident-type inference (spec 4.2).
 */
import { CANONICAL_ROUTE_TYPES } from "./constants";
import type { AccidentRouteType, CanonicalRouteType } from "./types";

const CANONICAL_SET: ReadonlySet<string> = new Set(CANONICAL_ROUTE_TYPES);

/** The on-demand Mountain Project endpoint's exact-match table (spec 4.1 step 3). */
const ON_DEMAND_TABLE: ReadonlyMap<string, CanonicalRouteType> = new Map([
  ["yds", "trad"],
  ["traditional", "trad"],
  ["trad climb", "trad"],
  ["sport climb", "sport"],
  ["bouldering", "boulder"],
  ["ice climb", "ice"],
  ["ice climbing", "ice"],
  ["alpine climb", "alpine"],
  ["mountaineering", "alpine"],
  ["aid climb", "aid"],
  ["big wall", "aid"],
  ["snow", "alpine"],
  ["rock", "trad"],
  ["toprope", "sport"],
]);

export function isCanonicalRouteType(value: string): value is CanonicalRouteType {
  return CANONICAL_SET.has(value);
}

/**
 * Planned route type, on-demand mapping (spec 4.1): null/empty → trad; lower-cased and trimmed
 * canonical names as is; then the exact table; anything else (e.g. `big_wall`, `TR`,
 * `Trad, Sport`) → trad. This is the mapping the golden cases and `/predict` use.
 */
export function canonicalRouteType(raw: string | null | undefined): CanonicalRouteType {
  if (raw === null || raw === undefined || raw === "") return "trad";
  const t = raw.toLowerCase().trim();
  if (isCanonicalRouteType(t)) return t;
  return ON_DEMAND_TABLE.get(t) ?? "trad";
}

/** Substring order of the nightly batch job (appendix A / spec 4.1, last paragraph). */
const BATCH_ORDER: readonly CanonicalRouteType[] = ["sport", "trad", "boulder", "alpine", "ice", "mixed", "aid"];

/**
 * Planned route type, nightly-batch mapping (spec 4.1): the first of sport, trad, boulder, alpine,
 * ice, mixed, aid contained in the lower-cased string; otherwise (or null) trad. Returns null for a
 * type that is literally `unknown` (case-insensitive, trimmed), which the batch job skips.
 */
export function batchRouteType(raw: string | null | undefined): CanonicalRouteType | null {
  if (raw === null || raw === undefined) return "trad";
  const t = raw.toLowerCase();
  if (t.trim() === "unknown") return null;
  for (const type of BATCH_ORDER) if (t.includes(type)) return type;
  return "trad";
}

const HIGH_GRADES = ["5.11", "5.12", "5.13", "5.14", "5.15"];
const LOW_GRADES = ["5.1", "5.2", "5.3", "5.4", "5.5", "5.6", "5.7", "5.8", "5.9", "5.10"];

function containsAny(s: string, needles: readonly string[]): boolean {
  for (const n of needles) if (s.includes(n)) return true;
  return false;
}

function fromTags(tags: string): AccidentRouteType | null {
  if (containsAny(tags, ["ice climbing", "ice climb"])) return "ice";
  if (containsAny(tags, ["mixed climbing", "mixed climb"])) return "mixed";
  if (containsAny(tags, ["alpine", "mountaineering"])) return "alpine";
  if (containsAny(tags, ["sport climbing", "sport climb"])) return "sport";
  if (containsAny(tags, ["trad", "traditional climbing"])) return "trad";
  if (containsAny(tags, ["aid climbing", "aid climb"])) return "aid";
  if (tags.includes("boulder")) return "boulder";
  if (tags.includes("grade:")) {
    if (containsAny(tags, HIGH_GRADES)) {
      // The lower-grade check is not tried in this branch (spec 4.2 A.8).
      if (!tags.includes("trad")) return "sport";
    } else if (containsAny(tags, LOW_GRADES)) {
      if (!tags.includes("sport")) return "trad";
    }
  }
  if (tags.includes("roped")) return "trad"; // also matches "unroped"
  if (tags.includes("unroped") && tags.includes("solo")) return "alpine"; // unreachable, kept as specified
  return null;
}

function fromAccidentType(t: string): AccidentRouteType | null {
  if (containsAny(t, ["ice_climbing", "ice"])) return "ice";
  if (t.includes("avalanche")) return "alpine";
  if (t.includes("rockfall")) return "alpine";
  if (t.includes("roped_climbing")) return "trad";
  if (t.includes("rappel")) return "trad";
  if (t.includes("solo")) return "alpine";
  return null;
}

function fromActivity(a: string): AccidentRouteType | null {
  if (a.includes("backcountry")) return "alpine";
  if (containsAny(a, ["climber", "climbing"])) return "trad";
  if (a.includes("mountaineer")) return "alpine";
  if (a.includes("canyoneering")) return "trad";
  if (containsAny(a, ["hiker", "motorist", "rescuer", "ski", "rider"])) return a.includes("ski") ? "alpine" : "default";
  return null;
}

/**
 * Accident type inference (spec 4.2): rules A (tags), B (accident_type), C (activity), D
 * (`default`), first match wins; all three lower-cased, null = "". "contains" is substring search.
 */
export function inferAccidentType(
  activity: string | null | undefined,
  accidentType: string | null | undefined,
  tags: string | null | undefined,
): AccidentRouteType {
  const tg = (tags ?? "").toLowerCase();
  const at = (accidentType ?? "").toLowerCase();
  const ac = (activity ?? "").toLowerCase();
  if (tg.length > 0) {
    const r = fromTags(tg);
    if (r) return r;
  }
  if (at.length > 0) {
    const r = fromAccidentType(at);
    if (r) return r;
  }
  if (ac.length > 0) {
    const r = fromActivity(ac);
    if (r) return r;
  }
  return "default";
}
