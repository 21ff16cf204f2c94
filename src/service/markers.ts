/**
 * The map's markers per season, kept per isolate and data version (the marker list changes only
 * with an import, which bumps the version): each request asks Postgres one question — "is the
 * version still N?" (src/data/queries.ts `dataVersionSince`) — so a map request costs one small SQL
 * round trip whatever the number of routes, and the markers are read once per isolate and import.
 *
 * That read comes in `parts` parallel slices of at most `ROUTES_PER_PART` routes (route_id modulo
 * parts), so no single reply exceeds ~7 MB — under the Neon HTTP endpoint's response limit (10 MB
 * in Neon's changelog) at any catalogue size: 168,000 routes are 5 queries of ~6 MB.
 *
 * Memory: the markers' JSON text, ~160 bytes a route (27 MB for 168,000 rock routes), held once
 * per isolate and season. Concurrent requests of a season share one refresh.
 */
import type { Sql } from "../data/db";
import { dataVersionSince, seasonMarkersPart, type MarkerText, type Season } from "../data/queries";

/** Routes per markers query: ~40 KB of reply per 1,000 routes on top of ~160 B a route → ≤ ~7 MB. */
export const ROUTES_PER_PART = 40_000;

export class MarkerCache {
  private readonly bySeason = new Map<Season, { version: number; markers: MarkerText }>();
  private readonly pending = new Map<Season, Promise<MarkerText>>();
  /** How many times the markers themselves were read (for tests and stats). */
  loads = 0;

  constructor(private readonly sql: Sql) {}

  get(season: Season): Promise<MarkerText> {
    const inFlight = this.pending.get(season);
    if (inFlight) return inFlight;
    const work = this.refresh(season).finally(() => this.pending.delete(season));
    this.pending.set(season, work);
    return work;
  }

  private async refresh(season: Season): Promise<MarkerText> {
    const known = this.bySeason.get(season);
    const { version, routeCount } = await dataVersionSince(this.sql, known?.version ?? null);
    if (routeCount === null) return known!.markers;
    const parts = Math.max(1, Math.ceil(routeCount / ROUTES_PER_PART));
    const slices = await Promise.all(Array.from({ length: parts }, (_, i) => seasonMarkersPart(this.sql, season, i, parts)));
    const markers: MarkerText = {
      count: slices.reduce((n, s) => n + s.count, 0),
      lines: slices
        .map((s) => s.lines)
        .filter((l) => l !== "")
        .join("\n"),
    };
    this.loads++;
    this.bySeason.set(season, { version, markers });
    return markers;
  }
}

const caches = new WeakMap<Sql, MarkerCache>();

/** The isolate's marker cache for a database. */
export function markerCache(sql: Sql): MarkerCache {
  let cache = caches.get(sql);
  if (!cache) caches.set(sql, (cache = new MarkerCache(sql)));
  return cache;
}
