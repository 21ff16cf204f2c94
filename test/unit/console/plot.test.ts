/** The risk plot's geometry (public/admin/lib/plot.js). */
import { describe, expect, it } from "vitest";
import {
  boundsOf,
  colorCounts,
  degreeLabel,
  gridValues,
  layoutRoutes,
  projection,
  RISK_COLORS,
  riskFill,
  safetyResource,
  UNKNOWN_COLOR,
} from "../../../public/admin/lib/plot.js";

const box = { width: 800, height: 500, padding: 20 };
const at = (latitude: number, longitude: number, id = 0) => ({ id, latitude, longitude });

describe("projection", () => {
  it("puts north up and east right, inside the box, centred on the free axis", () => {
    const bounds = { minLat: 40, maxLat: 42, minLon: -106, maxLon: -104 };
    const p = projection(bounds, box);
    expect(p.y(42)).toBeCloseTo(20);
    expect(p.y(40)).toBeCloseTo(480);
    expect(p.x(-104)).toBeGreaterThan(p.x(-106));
    // Height-bound: the x span is centred.
    expect((p.x(-106) + p.x(-104)) / 2).toBeCloseTo(400);
  });
  it("knows what the whole box shows, for grid lines across it", () => {
    const bounds = { minLat: 40, maxLat: 42, minLon: -106, maxLon: -104 };
    const p = projection(bounds, box);
    expect(p.x(p.visible.minLon)).toBeCloseTo(0);
    expect(p.x(p.visible.maxLon)).toBeCloseTo(box.width);
    expect(p.y(p.visible.maxLat)).toBeCloseTo(0);
    expect(p.y(p.visible.minLat)).toBeCloseTo(box.height);
    expect(p.visible.minLon).toBeLessThan(bounds.minLon);
  });
  it("keeps the aspect: a degree of longitude is cos(latitude) of a degree of latitude", () => {
    const p = projection({ minLat: 59, maxLat: 61, minLon: 10, maxLon: 14 }, box);
    const lonDegree = p.x(11) - p.x(10);
    const latDegree = p.y(59) - p.y(60);
    expect(lonDegree / latDegree).toBeCloseTo(Math.cos((60 * Math.PI) / 180), 6);
  });
  it("widens a single point or a tight cluster instead of blowing it up", () => {
    expect(boundsOf([at(45, 7)])).toEqual({ minLat: 44.75, maxLat: 45.25, minLon: 6.75, maxLon: 7.25 });
    expect(boundsOf([at(89.9, 179.9)])).toEqual({ minLat: 89.65, maxLat: 90, minLon: 179.65, maxLon: 180 });
    expect(boundsOf([])).toBeNull();
    expect(boundsOf([at(NaN, 3)])).toBeNull();
  });
});

describe("layoutRoutes", () => {
  it("one position per located route, all inside the box", () => {
    const routes = [at(40, -105, 1), at(41, -104, 2), at(NaN, -104, 3), at(39.5, -106.2, 4)];
    const laid = layoutRoutes(routes, box);
    expect(laid.map((l) => l.route.id)).toEqual([1, 2, 4]);
    for (const { x, y } of laid) {
      expect(x).toBeGreaterThanOrEqual(box.padding - 1e-9);
      expect(x).toBeLessThanOrEqual(box.width - box.padding + 1e-9);
      expect(y).toBeGreaterThanOrEqual(box.padding - 1e-9);
      expect(y).toBeLessThanOrEqual(box.height - box.padding + 1e-9);
    }
    expect(laid.every((l) => !l.spread)).toBe(true);
  });
  it("spreads routes sharing a position so each keeps its own mark", () => {
    const shared = Array.from({ length: 12 }, (_, i) => at(40, -105, i + 1));
    const laid = layoutRoutes([...shared, at(42, -103, 99)], box, 15);
    const group = laid.filter((l) => l.route.id !== 99);
    expect(group.every((l) => l.spread)).toBe(true);
    let min = Infinity;
    for (let i = 0; i < group.length; i++) {
      for (let j = i + 1; j < group.length; j++) min = Math.min(min, Math.hypot(group[i]!.x - group[j]!.x, group[i]!.y - group[j]!.y));
    }
    expect(min).toBeGreaterThanOrEqual(14);
    // Near the true position (the box's corner here: the spiral is moved inside whole).
    const p = projection(boundsOf([...shared, at(42, -103)])!, box);
    const outer = 15 * 0.62 * Math.sqrt(12);
    for (const l of group) {
      expect(Math.hypot(l.x - p.x(-105), l.y - p.y(40))).toBeLessThan(3 * outer);
      expect(l.x).toBeGreaterThanOrEqual(0);
      expect(l.y).toBeLessThanOrEqual(box.height);
    }
  });
});

describe("grid, labels, colours, links", () => {
  it("grid lines at round steps", () => {
    expect(gridValues(39.2, 44.9)).toEqual([40, 42, 44]);
    expect(gridValues(39.2, 44.9, 8)).toEqual([40, 41, 42, 43, 44]);
    expect(gridValues(-125, -70)).toEqual([-120, -100, -80]);
    expect(gridValues(10.05, 10.3)).toEqual([10.05, 10.1, 10.15, 10.2, 10.25, 10.3]);
    expect(gridValues(3, 3)).toEqual([]);
  });
  it("degree labels with hemispheres", () => {
    expect(degreeLabel(40.5, "lat")).toBe("40.5°N");
    expect(degreeLabel(-33, "lat")).toBe("33°S");
    expect(degreeLabel(-105, "lon")).toBe("105°W");
    expect(degreeLabel(7, "lon")).toBe("7°E");
  });
  it("colour bands and counts; an unknown colour is grey and counted apart", () => {
    expect(riskFill("red")).toBe(RISK_COLORS.red);
    expect(riskFill("purple")).toBe(UNKNOWN_COLOR);
    expect(riskFill("constructor")).toBe(UNKNOWN_COLOR);
    expect(colorCounts([{ color: "red" }, { color: "red" }, { color: "green" }, { color: "purple" }])).toEqual({
      red: 2,
      orange: 0,
      yellow: 0,
      green: 1,
      other: 1,
    });
  });
  it("links a mark to the native score resource", () => {
    expect(safetyResource(42, "2026-12-03")).toBe("/api/v2/routes/42/safety?date=2026-12-03");
  });
});
