/** Location batches: whole locations packed up to the batch size, large ones split, order kept. */
import { describe, expect, it } from "vitest";
import { groupByPoint, LocationPacker } from "../../../src/warming/plan";

describe("LocationPacker", () => {
  it("keeps a location's routes in one batch unless it is larger than a batch", () => {
    const p = new LocationPacker(5);
    const out = [...p.add([1, 2]), ...p.add([3, 4]), ...p.add([5, 6]), ...p.add([7, 8, 9, 10, 11, 12, 13]), ...p.add([14]), ...p.flush()];
    expect(out).toEqual([
      [1, 2, 3, 4],
      [5, 6],
      [7, 8, 9, 10, 11],
      [12, 13, 14],
    ]);
    expect(out.flat()).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
    expect(out.every((b) => b.length <= 5)).toBe(true);
  });

  it("groups point-ordered rows by exact point (elevation included)", () => {
    const row = (id: number, lat: number, lon: number, elevationFt: number) => ({ id, latitude: lat, longitude: lon, elevationFt });
    const groups = groupByPoint([row(1, 1, 1, 100), row(2, 1, 1, 100), row(3, 1, 1, 200), row(4, 1, 2, 200)]);
    expect(groups.map((g) => g.map((r) => r.id))).toEqual([[1, 2], [3], [4]]);
  });
});
