/** The API's small pure pieces: ids, boxes, cursors, the date window, ETags, CORS origins. */
import { describe, expect, it } from "vitest";
import { HttpError } from "../../../src/http/errors";
import { allowedOrigin } from "../../../src/http/cors";
import { decodeCursor, encodeCursor, forecastWindow, page, pathId, requireInWindow } from "../../../src/http/v2/params";
import { etagOf, matchesIfNoneMatch } from "../../../src/http/respond";
import { AccidentsQuery, BBoxParam, PredictBody, RoutesQuery } from "../../../src/http/v2/schemas";

const status = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e instanceof HttpError ? { status: e.status, field: e.field, message: e.message } : { status: -1 };
  }
  return { status: 0 };
};

describe("pathId", () => {
  it("accepts plain positive 32-bit integers only (400 naming the parameter otherwise)", () => {
    expect(pathId({ id: "1" })).toBe(1);
    expect(pathId({ id: "2147483647" })).toBe(2147483647);
    for (const bad of [undefined, "", "0", "01", "-1", "+1", "1.0", "1e3", "0x10", " 1", "2147483648", "٣", "1/2"]) {
      expect(
        status(() => pathId({ id: bad })),
        String(bad),
      ).toMatchObject({ status: 400, field: "id" });
    }
  });
});

describe("bbox", () => {
  it("parses minLon,minLat,maxLon,maxLat", () => {
    expect(BBoxParam.parse("-105.8,40.1,-105.5,40.4")).toEqual({ minLon: -105.8, minLat: 40.1, maxLon: -105.5, maxLat: 40.4 });
    expect(BBoxParam.parse("-180,-90,180,90")).toEqual({ minLon: -180, minLat: -90, maxLon: 180, maxLat: 90 });
  });
  it("rejects wrong shapes, out-of-range values and min >= max", () => {
    for (const bad of [
      "",
      "1,2,3",
      "1,2,3,4,5",
      "a,b,c,d",
      "1e1,0,20,1",
      "NaN,0,1,1",
      "0,0,0,0",
      "10,0,5,1",
      "0,10,1,5",
      "-180.5,0,1,1",
      "0,0,1,90.01",
      " 1,2,3,4",
      "1,,3,4",
    ]) {
      expect(BBoxParam.safeParse(bad).success, bad).toBe(false);
    }
  });
});

describe("query and body schemas", () => {
  it("defaults and case-insensitive types", () => {
    expect(RoutesQuery.parse({})).toEqual({ limit: 50 });
    expect(RoutesQuery.parse({ type: " Alpine ", limit: "200" })).toEqual({ type: "alpine", limit: 200 });
    expect(RoutesQuery.safeParse({ limit: "201" }).success).toBe(false);
    expect(RoutesQuery.safeParse({ other: "1" }).success).toBe(false);
    expect(AccidentsQuery.parse({ severity: "Fatal,minor,fatal" }).severity).toEqual(["fatal", "minor"]);
    expect(AccidentsQuery.safeParse({ severity: "fatal,,minor" }).success).toBe(false);
  });
  it("predict: numbers must be numbers, the type canonical, nothing extra", () => {
    const ok = { latitude: 40, longitude: -105, date: "2026-11-25", route_type: "ICE" };
    expect(PredictBody.parse(ok)).toEqual({ ...ok, route_type: "ice" });
    expect(PredictBody.parse({ ...ok, elevation_m: null }).elevation_m).toBeNull();
    for (const bad of [
      { ...ok, latitude: "40" },
      { ...ok, route_type: "big_wall" },
      { ...ok, x: 1 },
      { ...ok, date: "2026-02-29" },
      { ...ok, longitude: 180.1 },
    ]) {
      expect(PredictBody.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});

describe("the forecast window", () => {
  it("is today … today+6 in UTC, and the error names the field and the range", () => {
    const w = forecastWindow(new Date("2026-12-30T23:59:59Z"));
    expect(w).toEqual({ first: "2026-12-30", last: "2027-01-05" });
    expect(status(() => requireInWindow("2027-01-05", "date", w)).status).toBe(0);
    const e = status(() => requireInWindow("2027-01-06", "date", w));
    expect(e).toMatchObject({ status: 422, field: "date" });
    expect(e.message).toContain("2026-12-30 … 2027-01-05");
    expect(status(() => requireInWindow("2026-12-29", "start", w))).toMatchObject({ status: 422, field: "start" });
  });
});

describe("cursors", () => {
  it("round-trip, are opaque, and are bound to their listing", () => {
    const c = encodeCursor("r", 123);
    expect(c).not.toContain("123");
    expect(decodeCursor("r", c)).toBe(123);
    expect(decodeCursor("r", undefined)).toBeUndefined();
    for (const bad of [encodeCursor("a", 123), "%%%", "", btoa("r:0"), btoa("r:-1"), btoa("r:99999999999"), btoa("r:1 ")]) {
      expect(
        status(() => decodeCursor("r", bad)),
        bad,
      ).toMatchObject({ status: 400, field: "cursor" });
    }
  });
  it("page() returns the next cursor only when a further row exists", () => {
    const rows = [1, 2, 3].map((id) => ({ id }));
    expect(page("r", rows, 3)).toEqual({ items: rows, next: null });
    const p = page("r", rows, 2);
    expect(p.items).toEqual(rows.slice(0, 2));
    expect(decodeCursor("r", p.next!)).toBe(2);
  });
});

describe("ETag", () => {
  it("is a strong SHA-1 tag of the body; If-None-Match uses weak comparison and *", async () => {
    const tag = await etagOf('{"a":1}');
    expect(tag).toMatch(/^"[0-9a-f]{40}"$/);
    expect(await etagOf('{"a":1}')).toBe(tag);
    expect(await etagOf('{"a":2}')).not.toBe(tag);
    expect(matchesIfNoneMatch(tag, tag)).toBe(true);
    expect(matchesIfNoneMatch(`W/${tag}`, tag)).toBe(true);
    expect(matchesIfNoneMatch(`"x", ${tag}`, tag)).toBe(true);
    expect(matchesIfNoneMatch("*", tag)).toBe(true);
    expect(matchesIfNoneMatch(null, tag)).toBe(false);
    expect(matchesIfNoneMatch('"x"', tag)).toBe(false);
  });
});

describe("CORS origins", () => {
  it("wildcard allows all; a list echoes only listed origins", () => {
    expect(allowedOrigin(null, "*")).toBe("*");
    expect(allowedOrigin("https://a.example", ["https://a.example"])).toBe("https://a.example");
    expect(allowedOrigin("https://b.example", ["https://a.example"])).toBeNull();
    expect(allowedOrigin(null, ["https://a.example"])).toBeNull();
  });
});
