/**
 * Shared by the /api/v1 tests (inside workerd, against real Redis and Postgres holding the shared
 * SafeAscent dataset, which the global setup imports).
 *
 * Routes: score-computing tests use real dataset routes the warming tests never warm (outside the
 * top 200 that warming.test.ts fills, see `quietRoutes`), each file its own, and delete the keys
 * they create. Dates: the map test owns UTC yesterday's map index (nobody else writes it).
 */
import { env } from "cloudflare:workers";
import { keys } from "../../../src/cache/keys";
import { dateRange } from "../../../src/dates";
import { selectTopRoutes } from "../../../src/data/routes";
import { call as callWorker, redis, sql } from "../api/helpers";

export const V1 = "http://edge.test/api/v1";
export { env, redis, sql };

/** One request through the Worker's fetch handler, under /api/v1 (or any absolute URL). */
export const call = (path: string, init: RequestInit = {}, workerEnv: typeof env = env) =>
  callWorker(path.startsWith("http") ? path : `${V1}${path}`, init, workerEnv);

export async function json<T = any>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/**
 * `count` located routes of the real dataset that the warming tests never touch: taken from the
 * end of the warming order (the top 200 are warmed), skipping `skip` of them so files stay apart.
 */
export async function quietRoutes(skip: number, count: number, filter: (type: string | null) => boolean = () => true) {
  const all = (await selectTopRoutes(sql, 10_000)).filter((r) => r.id < 900_000);
  return all
    .slice(250)
    .filter((r) => filter(r.type))
    .slice(skip, skip + count);
}

/** Deletes the score keys (compact, detail), their locks and the forecast locks of routes for dates. */
export async function clearRouteKeys(routeIds: readonly number[], dates: readonly string[]): Promise<void> {
  const scoreKeys = routeIds.flatMap((id) => dates.flatMap((d) => [keys.score(id, d), keys.scoreDetail(id, d)]));
  const all = [...scoreKeys, ...scoreKeys.map((k) => keys.lock(k))];
  for (const id of routeIds) {
    for (let n = 1; n <= 7; n++)
      for (let i = 0; i + n <= dates.length; i++)
        all.push(
          keys.lock(
            dates
              .slice(i, i + n)
              .map((d) => keys.score(id, d))
              .join("|"),
          ),
        );
  }
  for (let i = 0; i < all.length; i += 500) await redis.del(...all.slice(i, i + 500));
  for (const d of dates) await redis.hdel(keys.mapIndex(d), ...routeIds.map(String));
}

export const days = (start: string, n: number) => dateRange(start, n);

// ------------------------------------------------------------------ the UI's reads, as data

/**
 * What a UI path must hold: JSON types separated by "|" ("int" is an integer number). A path is
 * dot-separated; `[]` walks every element of an array. Children of a value that is (allowed to be)
 * null are not checked — the UI does not read them then.
 */
export type UiPaths = Record<string, string>;

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "number";
  if (typeof v === "boolean") return "bool";
  return typeof v;
}

const matches = (v: unknown, spec: string) =>
  spec.split("|").some((t) => {
    const actual = typeOf(v);
    return t === actual || (t === "number" && actual === "int" && Number.isFinite(v as number));
  });

/** The values at a path (every array element for `[]`), or `undefined` where a segment is missing. */
function resolve(root: unknown, path: string): { at: string; value: unknown }[] {
  let frontier: { at: string; value: unknown }[] = [{ at: "$", value: root }];
  for (const seg of path.split(".")) {
    const isArray = seg.endsWith("[]");
    const key = isArray ? seg.slice(0, -2) : seg;
    const next: { at: string; value: unknown }[] = [];
    for (const { at, value } of frontier) {
      if (value === null) continue; // a null parent: the UI does not read its children
      const v = value !== undefined && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
      if (!isArray) next.push({ at: `${at}.${key}`, value: v });
      else if (Array.isArray(v)) v.forEach((x, i) => next.push({ at: `${at}.${key}[${i}]`, value: x }));
      else if (v === null)
        continue; // a null array (allowed by its own path's type): nothing to walk
      else next.push({ at: `${at}.${key}`, value: v === undefined ? undefined : { notAnArray: v } });
    }
    frontier = next;
  }
  return frontier;
}

/**
 * Walks a response the way the UI reads it: every path must resolve (never undefined) to a value
 * of one of its types. Returns the failures (empty: the UI finds what it reads) and how many
 * values each path checked.
 */
export function walkUi(body: unknown, paths: UiPaths): { failures: string[]; checked: Record<string, number> } {
  const failures: string[] = [];
  const checked: Record<string, number> = {};
  // Parents first, so "x[]" being an array is checked before "x[].y".
  for (const [path, spec] of Object.entries(paths)) {
    const values = resolve(body, path);
    checked[path] = values.length;
    for (const { at, value } of values) {
      if (value === undefined) failures.push(`${at}: missing (UI expects ${spec})`);
      else if (value && typeof value === "object" && "notAnArray" in (value as object)) failures.push(`${at}: expected an array`);
      else if (!matches(value, spec)) failures.push(`${at}: ${typeOf(value)} where the UI expects ${spec}`);
    }
  }
  return { failures, checked };
}
