/**
 * The map's markers per season, kept per isolate and data version (the marker list changes only
 * with an import, which bumps the version): each request asks Postgres one question — "is the
 * version still N?" — and only a changed version brings the markers again, in the same query
 * (src/data/queries.ts `seasonMarkersSince`). So a map request costs one small SQL round trip
 * whatever the number of routes, and the big read happens once per isolate and import.
 *
 * Memory: the markers' JSON text, ~160 bytes a route (27 MB for 168,000 rock routes), held once
 * per isolate and season. Concurrent requests of a season share one query.
 */
import type { Sql } from "../data/db";
import { seasonMarkersSince, type MarkerText, type Season } from "../data/queries";

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
    const { version, markers } = await seasonMarkersSince(this.sql, season, known?.version ?? null);
    if (markers) {
      this.loads++;
      this.bySeason.set(season, { version, markers });
      return markers;
    }
    return known!.markers;
  }
}

const caches = new WeakMap<Sql, MarkerCache>();

/** The isolate's marker cache for a database. */
export function markerCache(sql: Sql): MarkerCache {
  let cache = caches.get(sql);
  if (!cache) caches.set(sql, (cache = new MarkerCache(sql)));
  return cache;
}
