/**
 * Score history in Postgres (through the Worker's Neon adapter): first write of a day wins, oldest first,
 * pruning. Dates in 1990 so the global prune never touches rows other test files write.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { pruneHistory, readHistory, writeHistory } from "../../src/data/history";
import { seed, sql } from "./api/helpers";

const ROUTE = 900012;

beforeAll(async () => {
  await seed();
  await sql.query(`DELETE FROM score_history WHERE route_id = $1`, [ROUTE]);
});

describe("score_history", () => {
  it("keeps the first score of a day, reads oldest first at 1 dp, prunes by date", async () => {
    await writeHistory(sql, [
      { routeId: ROUTE, date: "1990-01-02", riskScore: 42.7, colorCode: "yellow", computedAt: "1990-01-02T00:05:00.000Z" },
      { routeId: ROUTE, date: "1990-01-01", riskScore: 12.3, colorCode: "green", computedAt: "1990-01-01T00:05:00.000Z" },
    ]);
    // A later run of the same day (or a redelivered message) does not overwrite it.
    await writeHistory(sql, [{ routeId: ROUTE, date: "1990-01-02", riskScore: 99.9, colorCode: "red", computedAt: "1990-01-02T06:05:00.000Z" }]);
    const rows = await readHistory(sql, ROUTE, "1989-12-01", "1990-12-31");
    expect(rows).toEqual([
      { routeId: ROUTE, date: "1990-01-01", riskScore: 12.3, colorCode: "green", computedAt: "1990-01-01T00:05:00.000Z" },
      { routeId: ROUTE, date: "1990-01-02", riskScore: 42.7, colorCode: "yellow", computedAt: "1990-01-02T00:05:00.000Z" },
    ]);
    expect(await readHistory(sql, ROUTE, "1990-01-02", "1990-01-02")).toHaveLength(1);
    await pruneHistory(sql, "1990-01-02");
    expect((await readHistory(sql, ROUTE, "1989-12-01", "1990-12-31")).map((r) => r.date)).toEqual(["1990-01-02"]);
    await sql.query(`DELETE FROM score_history WHERE route_id = $1`, [ROUTE]);
  });
});
