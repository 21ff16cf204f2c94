/**
 * The accident corpus is loaded once per isolate and data version: a stub `sql` stands in for Neon
 * here (the real query runs in the workerd tests against Postgres); it counts what is asked.
 */
import { describe, expect, it } from "vitest";
import { CorpusCache } from "../../../src/service/corpus-cache";
import type { Sql } from "../../../src/data/db";

function stubSql(state: { version: number; versionQueries: number; corpusQueries: number }): Sql {
  const query = async (text: string) => {
    if (text.includes("data_version")) {
      state.versionQueries++;
      return [{ version: String(state.version) }];
    }
    state.corpusQueries++;
    return [
      {
        accident_id: 1,
        date: "2020-07-01",
        latitude: 46.85,
        longitude: -121.76,
        elevation_ft: null,
        activity: "climbing",
        accident_type: "fall",
        tags: "alpine",
        injury_severity: "serious",
        weather: [],
      },
    ];
  };
  return { query };
}

describe("CorpusCache", () => {
  it("loads once, re-reads only the version within the recheck interval, reloads when an import bumps it", async () => {
    const state = { version: 1, versionQueries: 0, corpusQueries: 0 };
    let now = 0;
    const cache = new CorpusCache(stubSql(state), 30_000, () => now);

    const [a, b] = await Promise.all([cache.get(), cache.get()]); // concurrent callers share one load
    expect(a).toBe(b);
    expect(a.dataVersion).toBe(1);
    expect(state).toMatchObject({ versionQueries: 1, corpusQueries: 1 });

    now = 10_000;
    expect(await cache.get()).toBe(a); // within 30 s: no query at all
    expect(state).toMatchObject({ versionQueries: 1, corpusQueries: 1 });

    now = 40_000;
    expect(await cache.get()).toBe(a); // version unchanged: one cheap query, no reload
    expect(state).toMatchObject({ versionQueries: 2, corpusQueries: 1 });

    state.version = 2; // an import changed rows
    now = 80_000;
    const c = await cache.get();
    expect(c).not.toBe(a);
    expect(c.dataVersion).toBe(2);
    expect(state).toMatchObject({ versionQueries: 3, corpusQueries: 2 });
    expect(cache.loads).toBe(2);
  });
});
