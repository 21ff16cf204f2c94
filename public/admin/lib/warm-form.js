/**
 * The "start a run" form → the query of POST /admin/warm, checked with the Worker's own limits so
 * a slip is caught before the request (the Worker checks again and its message is shown as is).
 */

export const MAX_ROUTE_IDS = 1000;
export const MAX_TOP = 10_000;
const MAX_ROUTE_ID = 2_147_483_647;

/**
 * "101, 202 303" → [101, 202, 303] (commas, spaces or new lines between ids; duplicates dropped).
 * @param {string} text
 * @returns {{ ok: true, ids: number[] } | { ok: false, field: "routes", error: string }}
 */
export function parseRouteIds(text) {
  const tokens = text.split(/[\s,;]+/).filter(Boolean);
  if (tokens.length === 0) return { ok: false, field: "routes", error: "give at least one route id" };
  /** @type {number[]} */
  const ids = [];
  for (const t of tokens) {
    if (!/^\d{1,10}$/.test(t)) return { ok: false, field: "routes", error: `"${t.slice(0, 20)}" is not a route id (whole numbers only)` };
    const id = Number(t);
    if (id < 1 || id > MAX_ROUTE_ID) return { ok: false, field: "routes", error: `route id ${t} is out of range (1 … ${MAX_ROUTE_ID})` };
    if (!ids.includes(id)) ids.push(id);
  }
  if (ids.length > MAX_ROUTE_IDS) return { ok: false, field: "routes", error: `at most ${MAX_ROUTE_IDS} route ids, got ${ids.length}` };
  return { ok: true, ids };
}

/**
 * @typedef {{ mode: "top" | "routes", top?: string, routes?: string, force?: boolean }} WarmForm
 * @typedef {{ ok: true, query: Record<string, string>, summary: string } | { ok: false, field: "top" | "routes", error: string }} WarmQuery
 */

/**
 * The form's values → the query parameters, or the first mistake naming its field.
 * @param {WarmForm} form
 * @returns {WarmQuery}
 */
export function warmQuery(form) {
  /** @type {Record<string, string>} */
  const query = {};
  let summary;
  if (form.mode === "routes") {
    const parsed = parseRouteIds(form.routes ?? "");
    if (!parsed.ok) return parsed;
    query.routes = parsed.ids.join(",");
    summary = `${parsed.ids.length} route${parsed.ids.length === 1 ? "" : "s"} (${parsed.ids.slice(0, 5).join(", ")}${parsed.ids.length > 5 ? ", …" : ""})`;
  } else {
    const raw = (form.top ?? "").trim();
    if (raw !== "") {
      if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_TOP) {
        return { ok: false, field: "top", error: `top must be a whole number from 1 to ${MAX_TOP}` };
      }
      query.top = String(Number(raw));
      summary = `the top ${Number(raw)} routes`;
    } else {
      summary = "the configured top routes";
    }
  }
  if (form.force) query.force = "true";
  return { ok: true, query, summary: form.force ? `${summary}, forced` : summary };
}
