/**
 * The risk plot's geometry: routes drawn by position with a plain equirectangular projection
 * (longitude scaled by the cosine of the mid latitude, so shapes are not stretched), fitted into a
 * box with the aspect kept; grid lines at round degrees. No map tiles: it works offline.
 * (Routes on both sides of the antimeridian would be drawn far apart; the data has none.)
 */

/** The score colour bands' CSS colours (the Worker's color_code values). */
export const RISK_COLORS = Object.freeze({ green: "#2e7d32", yellow: "#f9a825", orange: "#ef6c00", red: "#c62828" });
export const UNKNOWN_COLOR = "#757575";
export const COLOR_ORDER = /** @type {const} */ (["red", "orange", "yellow", "green"]);

/** @param {string} color */
export function riskFill(color) {
  return Object.hasOwn(RISK_COLORS, color) ? RISK_COLORS[/** @type {keyof typeof RISK_COLORS} */ (color)] : UNKNOWN_COLOR;
}

/**
 * @typedef {{ latitude: number, longitude: number }} Located
 * @typedef {{ width: number, height: number, padding: number }} Box
 * @typedef {{ minLat: number, maxLat: number, minLon: number, maxLon: number }} Bounds
 */

/**
 * The routes' bounds, widened to at least `minSpanDeg` so one route (or a tight cluster) is not
 * blown up to fill the box. Null for no routes.
 * @param {readonly Located[]} points
 * @param {number} [minSpanDeg]
 * @returns {Bounds | null}
 */
export function boundsOf(points, minSpanDeg = 0.5) {
  const ok = points.filter((p) => Number.isFinite(p.latitude) && Number.isFinite(p.longitude));
  if (ok.length === 0) return null;
  let minLat = Infinity,
    maxLat = -Infinity,
    minLon = Infinity,
    maxLon = -Infinity;
  for (const p of ok) {
    minLat = Math.min(minLat, p.latitude);
    maxLat = Math.max(maxLat, p.latitude);
    minLon = Math.min(minLon, p.longitude);
    maxLon = Math.max(maxLon, p.longitude);
  }
  /** @param {number} lo @param {number} hi @param {number} limit */
  const widen = (lo, hi, limit) => {
    const span = hi - lo;
    if (span >= minSpanDeg) return [lo, hi];
    const mid = (lo + hi) / 2;
    return [Math.max(-limit, mid - minSpanDeg / 2), Math.min(limit, mid + minSpanDeg / 2)];
  };
  [minLat, maxLat] = widen(minLat, maxLat, 90);
  [minLon, maxLon] = widen(minLon, maxLon, 180);
  return { minLat, maxLat, minLon, maxLon };
}

/**
 * A projection of `bounds` into `box`: north up, aspect kept, centred.
 * @param {Bounds} bounds
 * @param {Box} box
 */
export function projection(bounds, box) {
  const midLat = ((bounds.minLat + bounds.maxLat) / 2) * (Math.PI / 180);
  const kx = Math.max(Math.cos(midLat), 0.05);
  const spanX = (bounds.maxLon - bounds.minLon) * kx;
  const spanY = bounds.maxLat - bounds.minLat;
  const innerW = box.width - 2 * box.padding;
  const innerH = box.height - 2 * box.padding;
  const scale = Math.min(innerW / spanX, innerH / spanY);
  const offsetX = box.padding + (innerW - spanX * scale) / 2;
  const offsetY = box.padding + (innerH - spanY * scale) / 2;
  return {
    /** @param {number} longitude */
    x: (longitude) => offsetX + (longitude - bounds.minLon) * kx * scale,
    /** @param {number} latitude */
    y: (latitude) => offsetY + (bounds.maxLat - latitude) * scale,
    /** What the whole box shows (wider than `bounds` along the free axis), for the grid lines.
     * @type {Bounds} */
    visible: {
      minLon: bounds.minLon - offsetX / (kx * scale),
      maxLon: bounds.minLon + (box.width - offsetX) / (kx * scale),
      minLat: bounds.maxLat - (box.height - offsetY) / scale,
      maxLat: bounds.maxLat + offsetY / scale,
    },
  };
}

const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));

/**
 * Each route with its position in the box (routes without finite coordinates are left out).
 * Routes at the very same position (many take their mountain's coordinates) are spread on a small
 * sunflower spiral around it, `spacing` apart, so each keeps a mark of its own to hover and click.
 * @template {Located} T
 * @param {readonly T[]} routes
 * @param {Box} box
 * @param {number} [spacing] distance between spread marks, in box units (about a mark's diameter)
 * @returns {{ route: T, x: number, y: number, spread: boolean }[]}
 */
export function layoutRoutes(routes, box, spacing = 15) {
  const bounds = boundsOf(routes);
  if (!bounds) return [];
  const p = projection(bounds, box);
  const located = routes.filter((r) => Number.isFinite(r.latitude) && Number.isFinite(r.longitude));
  /** @type {Map<string, number>} how many routes share each position so far */
  const seen = new Map();
  /** @type {Map<string, number>} */
  const sizes = new Map();
  const key = (/** @type {Located} */ r) => `${r.latitude},${r.longitude}`;
  for (const r of located) sizes.set(key(r), (sizes.get(key(r)) ?? 0) + 1);
  return located.map((route) => {
    const k = key(route);
    const x = p.x(route.longitude);
    const y = p.y(route.latitude);
    if ((sizes.get(k) ?? 1) === 1) return { route, x: round2(x), y: round2(y), spread: false };
    const i = seen.get(k) ?? 0;
    seen.set(k, i + 1);
    // Sunflower spiral: equal areas per mark, the first one next to the true position. A spiral
    // that would leave the box is moved in whole, so its marks keep their spacing.
    const outer = spacing * 0.62 * Math.sqrt((sizes.get(k) ?? 1) - 0.5);
    const cx = clamp(x, Math.min(outer, box.width / 2), Math.max(box.width - outer, box.width / 2));
    const cy = clamp(y, Math.min(outer, box.height / 2), Math.max(box.height - outer, box.height / 2));
    const radius = spacing * 0.62 * Math.sqrt(i + 0.5);
    const angle = i * GOLDEN_ANGLE;
    return { route, x: round2(cx + radius * Math.cos(angle)), y: round2(cy + radius * Math.sin(angle)), spread: true };
  });
}

/** @param {number} v @param {number} lo @param {number} hi */
const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

/** @param {number} v */
const round2 = (v) => Math.round(v * 100) / 100;

/**
 * Round grid values between lo and hi: a step of 1, 2 or 5 × 10^k degrees giving about `target` lines.
 * @param {number} lo
 * @param {number} hi
 * @param {number} [target]
 */
export function gridValues(lo, hi, target = 5) {
  const span = hi - lo;
  if (!(span > 0)) return [];
  const raw = span / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out = [];
  // Integer multiples of the step (no accumulated float error; a bound on a line counts as inside).
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) out.push(Math.round(k * step * 1e6) / 1e6);
  return out;
}

/**
 * "40.5°N", "105°W".
 * @param {number} value
 * @param {"lat" | "lon"} axis
 */
export function degreeLabel(value, axis) {
  const hemi = axis === "lat" ? (value >= 0 ? "N" : "S") : value >= 0 ? "E" : "W";
  return `${Math.abs(value)}°${hemi}`;
}

/**
 * Routes per colour band, in the legend's order (riskiest first); unknown colours under "other".
 * @param {readonly { color: string }[]} routes
 */
export function colorCounts(routes) {
  /** @type {Record<string, number>} */
  const counts = { red: 0, orange: 0, yellow: 0, green: 0, other: 0 };
  for (const r of routes) counts[Object.hasOwn(RISK_COLORS, r.color) ? r.color : "other"]++;
  return counts;
}

/**
 * The native API resource of a route's score for a date (the console links each mark to it).
 * @param {number} routeId
 * @param {string} date
 */
export function safetyResource(routeId, date) {
  return `/api/v2/routes/${encodeURIComponent(String(routeId))}/safety?date=${encodeURIComponent(date)}`;
}
