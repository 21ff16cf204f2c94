/**
 * What a run enqueues: messages of route ids, grouped by location.
 *
 * - `all`: the tick pages through the located routes in scoring-point order (keyset pagination,
 *   `pageSize` ids and points per query, never the catalogue at once) and packs whole locations
 *   into batches of at most `maxRoutes` routes; a location larger than that is split. A location cut
 *   by a page boundary is held back and joined with the next page, so its routes stay together.
 * - `top` / a list: the given ids in the given order, `routesPerMessage` a message (the consumer
 *   still scores routes that share a point together).
 */
import type { Sql } from "../data/db";
import { pageRoutePoints, type RoutePoint } from "../data/routes";
import { chunk } from "./messages";

export const PAGE_ROUTES = 10_000;

const samePoint = (a: RoutePoint, b: RoutePoint) => a.latitude === b.latitude && a.longitude === b.longitude && a.elevationFt === b.elevationFt;

/** Packs point groups (each a list of route ids at one point) into batches of at most `maxRoutes`. */
export class LocationPacker {
  private current: number[] = [];
  constructor(private readonly maxRoutes: number) {}

  /** Adds one location's routes; returns the batches completed by it. */
  add(group: readonly number[]): number[][] {
    const out: number[][] = [];
    if (group.length > this.maxRoutes) {
      if (this.current.length) out.push(this.current);
      const parts = chunk(group, this.maxRoutes);
      this.current = parts.pop()!;
      out.push(...parts);
    } else if (this.current.length + group.length > this.maxRoutes) {
      out.push(this.current);
      this.current = [...group];
    } else {
      this.current.push(...group);
    }
    return out;
  }

  /** The last, partly filled batch. */
  flush(): number[][] {
    const out = this.current.length ? [this.current] : [];
    this.current = [];
    return out;
  }
}

/** Splits point-ordered rows into groups of equal points. */
export function groupByPoint(rows: readonly RoutePoint[]): RoutePoint[][] {
  const groups: RoutePoint[][] = [];
  for (const row of rows) {
    const last = groups.at(-1);
    if (last && samePoint(last[0]!, row)) last.push(row);
    else groups.push([row]);
  }
  return groups;
}

/**
 * Every located route in location batches, page by page: `emit` receives the batches each page
 * completes (in order) and is awaited before the next page is read.
 */
export async function planCatalogue(
  sql: Sql,
  maxRoutes: number,
  emit: (batches: number[][]) => Promise<void>,
  pageSize = PAGE_ROUTES,
): Promise<{ routes: number; locations: number; pages: number }> {
  const packer = new LocationPacker(maxRoutes);
  let after: RoutePoint | null = null;
  let held: RoutePoint[] = [];
  let routes = 0;
  let locations = 0;
  let pages = 0;
  for (;;) {
    const page = await pageRoutePoints(sql, after, pageSize);
    pages++;
    const last = page.length < pageSize;
    const groups = groupByPoint([...held, ...page]);
    held = [];
    // The page's last location may continue on the next page: keep it back (unless it is all we have).
    if (!last && groups.length > 1) held = groups.pop()!;
    const batches: number[][] = [];
    for (const g of groups) {
      batches.push(...packer.add(g.map((r) => r.id)));
      routes += g.length;
      locations++;
    }
    if (last) batches.push(...packer.flush());
    if (batches.length) await emit(batches);
    if (last) break;
    after = page.at(-1)!;
  }
  return { routes, locations, pages };
}
