/**
 * The operator console: sign-in, runs (watch, start, replay), a run's page, cache health and the
 * risk plot. Plain ES modules, no build step; every figure comes from the admin JSON endpoints,
 * called with the tab's bearer token. Views are chosen by the URL hash (#/runs, #/runs/<id>,
 * #/cache, #/map), which never holds the token.
 */
import { ApiError, createApi, describeError } from "./lib/api.js";
import { byId, h, say, svg } from "./lib/dom.js";
import { coverage, formatDuration, formatInZone, formatPercent, formatRelative, scheduleRows, statusInfo } from "./lib/format.js";
import { COLOR_ORDER, colorCounts, degreeLabel, gridValues, layoutRoutes, boundsOf, projection, riskFill, safetyResource } from "./lib/plot.js";
import { isRunActive, mergeRuns, newestFirst, planRunsPoll, pollDelayMs, runCounts, runDurationMs, runProgress, runTimeline, shortRunId } from "./lib/runs.js";
import { normaliseToken, tokenStore } from "./lib/session.js";
import { warmQuery } from "./lib/warm-form.js";

/** @typedef {import("./lib/runs.js").Run} Run */

const store = tokenStore(window.sessionStorage);
const api = createApi({ fetch: (input, init) => window.fetch(input, init), getToken: () => store.get() });
const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
const VIEWS = ["signin", "runs", "run", "cache", "map"];

// ---------------------------------------------------------------- polling
// One poller at a time: a view change bumps the generation, which stops the previous loop.
let generation = 0;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let pollTimer;

/**
 * Calls `load` now and again after pollDelayMs (fast while `active()`, else every `idleMs`), until
 * the view changes.
 * @param {() => Promise<void>} load
 * @param {() => boolean} active
 * @param {number} [idleMs]
 */
function poll(load, active, idleMs) {
  stopPolling();
  const gen = generation;
  const loop = async () => {
    if (gen !== generation) return;
    if (!document.hidden) {
      try {
        await load();
        byId("updated").textContent = `updated ${formatInZone(new Date(), timeZone).slice(11)}`;
      } catch (e) {
        // Views report their own errors; an unexpected one must not stop the polling.
        if (handleSignOut(e)) return;
      }
    }
    if (gen !== generation) return;
    const isActive = active();
    const delay = pollDelayMs({ active: isActive, hidden: document.hidden }) ?? 2000;
    pollTimer = setTimeout(() => void loop().catch(() => undefined), !isActive && idleMs && !document.hidden ? idleMs : delay);
  };
  void loop().catch(() => undefined);
}

function stopPolling() {
  generation++;
  clearTimeout(pollTimer);
}

// ---------------------------------------------------------------- session and routing

/** A 401 anywhere ends the session: back to the sign-in form with the reason. */
function handleSignOut(/** @type {unknown} */ err) {
  const d = describeError(err);
  if (!d.signOut) return false;
  signOut(d.text);
  return true;
}

/** @param {string} [reason] */
function signOut(reason) {
  store.clear();
  stopPolling();
  if (location.hash) history.replaceState(null, "", location.pathname);
  showView("signin");
  say(byId("signin-error"), reason ?? "", reason ? "error" : "info");
  byId("token").focus();
}

/** @param {string} name */
function showView(name) {
  for (const v of VIEWS) byId(`view-${v}`).hidden = v !== name;
  const signedIn = name !== "signin";
  byId("nav").hidden = !signedIn;
  byId("session").hidden = !signedIn;
  const current = name === "run" ? "runs" : name;
  for (const a of byId("nav").querySelectorAll("a")) {
    if (a.dataset.view === current) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  document.title = `${name === "signin" ? "Sign in" : (byId(`view-${name}`).querySelector("h1")?.textContent ?? "")} · SafeAscent Edge console`;
}

function route() {
  if (!store.get()) return signOut();
  const hash = location.hash || "#/runs";
  const run = /^#\/runs\/([\w-]{1,64})$/.exec(hash);
  if (run) return showRun(run[1] ?? "");
  if (hash === "#/cache") return showCache();
  if (hash === "#/map") return showMap();
  return showRuns();
}

byId("signin-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = /** @type {HTMLInputElement} */ (byId("token"));
  const error = byId("signin-error");
  const parsed = normaliseToken(input.value);
  if (!parsed.ok) return say(error, parsed.error, "error");
  say(error, "Checking…");
  try {
    await api.checkToken(parsed.token);
  } catch (e) {
    const wrong = e instanceof ApiError && e.status === 401;
    say(error, wrong ? "Wrong token: the Worker rejected it (401 Unauthorized). Check ADMIN_TOKEN and try again." : describeError(e).text, "error");
    input.select();
    return;
  }
  store.set(parsed.token);
  input.value = "";
  say(error, "");
  route();
});
byId("sign-out").addEventListener("click", () => signOut());
window.addEventListener("hashchange", route);
document.addEventListener("visibilitychange", () => {
  if (!document.hidden && store.get()) route();
});

// ---------------------------------------------------------------- shared bits

/** @param {unknown} status */
function badge(status) {
  const s = statusInfo(status);
  return h("span", { class: `badge tone-${s.tone}`, "data-status": s.label, title: s.known ? null : "status not known to this console version" }, s.label);
}

/** @param {Run} run */
function progressBar(run) {
  const p = runProgress(run);
  return h(
    "span",
    { class: "progress" },
    h("progress", { max: 100, value: p, "aria-label": `Run ${run.id} progress`, "data-run-progress": p }),
    h("span", { class: "pct" }, formatPercent(p)),
  );
}

/** @param {string | null | undefined} iso */
function timeCell(iso) {
  if (!iso) return h("span", { class: "muted" }, "—");
  return h(
    "time",
    { datetime: iso, title: formatInZone(iso, "UTC") },
    formatInZone(iso, timeZone),
    h("br"),
    h("span", { class: "muted small" }, formatRelative(iso, Date.now())),
  );
}

/** @param {string} id */
const runLink = (id) => h("a", { href: `#/runs/${id}`, title: id }, shortRunId(id));

/**
 * Shows an action's outcome in its message element; a 401 signs out instead.
 * @param {HTMLElement} el
 * @param {unknown} err
 */
function showActionError(el, err) {
  if (handleSignOut(err)) return;
  const d = describeError(err);
  const active = err instanceof ApiError ? err.body?.error?.activeRunId : undefined;
  say(el, `${d.text} `, "error", typeof active === "string" ? [h("a", { href: `#/runs/${active}` }, "Open the active run")] : []);
}

// ---------------------------------------------------------------- runs

/** @type {Map<string, string>} rendered JSON per run id, so unchanged rows are not rebuilt (focus stays) */
const renderedRows = new Map();
let runsActive = false;
/** @type {Run[]} */
let shownRuns = [];
/** @type {string | null} */
let activeRunId = null;
let lastFullListAt = 0;

/** After an action started a run: redraw the whole list at once and keep polling while runs run. */
function reloadRunsList() {
  renderedRows.clear();
  lastFullListAt = 0;
  poll(loadRuns, () => runsActive);
}

function showRuns() {
  showView("runs");
  lastFullListAt = 0;
  void refreshDeadLetters();
  void api
    .schedule()
    .then(({ body }) => {
      byId("warm-top-default").textContent = `top ${body.topRoutes}`;
    })
    .catch((e) => handleSignOut(e));
  poll(loadRuns, () => runsActive);
}

async function loadRuns() {
  const plan = planRunsPoll({ runs: shownRuns, activeRunId, lastFullAt: lastFullListAt, now: Date.now() });
  try {
    if (plan.kind === "full") {
      const { body } = await api.runs();
      shownRuns = newestFirst(Array.isArray(body.runs) ? body.runs : []);
      activeRunId = body.activeRunId ? String(body.activeRunId) : null;
      lastFullListAt = Date.now();
    } else {
      const fresh = await Promise.all(plan.ids.map(async (id) => /** @type {Run} */ ((await api.run(id)).body)));
      shownRuns = mergeRuns(shownRuns, fresh);
      // A watched run finished: the lock is free (or another run holds it): re-read the list next.
      if (fresh.some((r) => !isRunActive(r))) lastFullListAt = 0;
    }
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) throw e;
    say(byId("runs-error"), describeError(e).text, "error");
    return;
  }
  say(byId("runs-error"), "");
  const runs = shownRuns;
  runsActive = Boolean(activeRunId) || runs.some(isRunActive);
  const activeLine = byId("runs-active");
  activeLine.replaceChildren(...(activeRunId ? ["Run in progress: ", runLink(activeRunId)] : ["No run in progress."]));
  byId("runs-empty").hidden = runs.length > 0;

  const tbody = byId("runs-body");
  const rows = runs.map((run) => {
    const key = JSON.stringify(run) + (isRunActive(run) ? Date.now() : "");
    const existing = /** @type {HTMLTableRowElement | null} */ (tbody.querySelector(`tr[data-run-id="${CSS.escape(run.id)}"]`));
    if (existing && renderedRows.get(run.id) === key) return existing;
    renderedRows.set(run.id, key);
    return runRow(run);
  });
  tbody.replaceChildren(...rows);
}

/** @param {Run} run */
function runRow(run) {
  const c = runCounts(run);
  return h(
    "tr",
    { "data-run-id": run.id, "data-status": statusInfo(run.status).label },
    h("td", { "data-label": "Run" }, runLink(run.id)),
    h("td", { "data-label": "Status" }, badge(run.status)),
    h("td", { "data-label": "Trigger" }, run.trigger ?? "—"),
    h("td", { "data-label": "Progress" }, progressBar(run)),
    h("td", { "data-label": "Routes" }, c.routesText),
    h("td", { "data-label": "Scores" }, c.scoresText),
    h("td", { "data-label": "Created" }, timeCell(run.createdAt)),
    h("td", { "data-label": "Duration" }, formatDuration(runDurationMs(run, Date.now()))),
  );
}

async function refreshDeadLetters() {
  try {
    const { body } = await api.stats();
    byId("dlq-count").textContent = String(body.deadLetters ?? 0);
  } catch (e) {
    if (!handleSignOut(e)) byId("dlq-count").textContent = "?";
  }
}

byId("warm-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = /** @type {HTMLFormElement} */ (event.currentTarget);
  const result = byId("warm-result");
  const mode = /** @type {HTMLInputElement | null} */ (form.querySelector('input[name="mode"]:checked'))?.value === "routes" ? "routes" : "top";
  const q = warmQuery({
    mode,
    top: /** @type {HTMLInputElement} */ (byId("warm-top")).value,
    routes: /** @type {HTMLInputElement} */ (byId("warm-routes")).value,
    force: /** @type {HTMLInputElement} */ (byId("warm-force")).checked,
  });
  if (!q.ok) {
    say(result, q.error, "error");
    byId(q.field === "top" ? "warm-top" : "warm-routes").focus();
    return;
  }
  const button = /** @type {HTMLButtonElement} */ (byId("warm-submit"));
  button.disabled = true;
  say(result, `Starting a run of ${q.summary}…`);
  try {
    const { body } = await api.warm(q.query);
    const run = body.run ?? {};
    const plural = (/** @type {unknown} */ n, /** @type {string} */ word) => `${n ?? "?"} ${word}${n === 1 ? "" : "s"}`;
    say(
      result,
      `Started run ${body.runId}: ${plural(run.routes?.total, "route")} in ${plural(run.messages, "message")} (${statusInfo(run.status).label}). `,
      "ok",
      [h("a", { href: `#/runs/${body.runId}` }, "Watch it")],
    );
    reloadRunsList();
  } catch (e) {
    showActionError(result, e);
  } finally {
    button.disabled = false;
  }
});

for (const id of ["warm-top", "warm-routes"]) {
  // Typing in a field selects its mode.
  byId(id).addEventListener("input", () => {
    const radio = /** @type {HTMLInputElement | null} */ (
      byId("warm-form").querySelector(`input[name="mode"][value="${id === "warm-top" ? "top" : "routes"}"]`)
    );
    if (radio) radio.checked = true;
  });
}

byId("dlq-replay").addEventListener("click", async () => {
  const result = byId("dlq-result");
  const button = /** @type {HTMLButtonElement} */ (byId("dlq-replay"));
  button.disabled = true;
  say(result, "Replaying…");
  try {
    const { body } = await api.replayDeadLetters();
    const invalid = Array.isArray(body.invalidLetters) ? body.invalidLetters.length : 0;
    const dropped = invalid ? ` ${invalid} unreadable letter${invalid === 1 ? "" : "s"} removed.` : "";
    if (body.run) {
      say(
        result,
        `Replayed ${body.replayedLetters} dead letter${body.replayedLetters === 1 ? "" : "s"} as run ${body.run.id} (${body.routes} routes).${dropped} `,
        "ok",
        [h("a", { href: `#/runs/${body.run.id}` }, "Watch it")],
      );
    } else {
      say(result, `No dead letters to replay.${dropped}`, "ok");
    }
    reloadRunsList();
  } catch (e) {
    showActionError(result, e);
  } finally {
    button.disabled = false;
    void refreshDeadLetters();
  }
});

// ---------------------------------------------------------------- one run

/** @param {string} id */
function showRun(id) {
  showView("run");
  byId("run-title").textContent = `Run ${id}`;
  byId("run-detail").replaceChildren(h("p", { class: "muted" }, "Loading…"));
  /** @type {Run | null} */
  let current = null;
  poll(
    async () => {
      try {
        current = /** @type {Run} */ ((await api.run(id)).body);
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) throw e;
        say(byId("run-error"), describeError(e).text, "error");
        current = null;
        return;
      }
      say(byId("run-error"), "");
      renderRun(current);
    },
    () => current !== null && isRunActive(current),
  );
}

/** @param {Run} run */
function renderRun(run) {
  const c = runCounts(run);
  const failed = Array.isArray(run.failedRoutes) ? run.failedRoutes : [];
  const retry = h("p", { id: "run-retry-result", class: "message", role: "status", "aria-live": "polite", hidden: true });
  const timeline = runTimeline(run).map((t) =>
    h(
      "li",
      { "data-step": t.step, class: t.at ? "reached" : "pending" },
      h("strong", {}, t.step),
      " ",
      t.at ? h("time", { datetime: t.at }, `${formatInZone(t.at, timeZone)} · ${formatInZone(t.at, "UTC")}`) : h("span", { class: "muted" }, "not yet"),
      t.sincePreviousMs !== null ? h("span", { class: "muted" }, ` (+${formatDuration(t.sincePreviousMs)})`) : null,
    ),
  );

  byId("run-detail").replaceChildren(
    h(
      "div",
      { class: "grid two" },
      h(
        "div",
        { class: "card" },
        h("h2", {}, "Status"),
        h("p", {}, badge(run.status), " ", h("span", { class: "muted" }, `trigger: ${run.trigger ?? "—"}`)),
        progressBar(run),
        h(
          "dl",
          { class: "facts" },
          h("dt", {}, "Routes"),
          h("dd", { "data-fact": "routes" }, `${c.routesText} · ${c.routes.pending} pending`),
          h("dt", {}, "Scores"),
          h("dd", { "data-fact": "scores" }, c.scoresText),
          h("dt", {}, "Messages"),
          h("dd", {}, String(run.messages ?? "—")),
          h("dt", {}, "Dates"),
          h("dd", {}, Array.isArray(run.dates) && run.dates.length ? `${run.dates[0]} … ${run.dates.at(-1)} (${run.dates.length})` : "—"),
          h("dt", {}, "Duration"),
          h("dd", { "data-fact": "duration" }, formatDuration(runDurationMs(run, Date.now()))),
        ),
        run.error ? h("p", { class: "message error", "data-fact": "error" }, `Error: ${run.error}`) : null,
      ),
      h("div", { class: "card" }, h("h2", {}, "Timeline"), h("ol", { class: "timeline", id: "run-timeline" }, timeline)),
    ),
    h(
      "div",
      { class: "card" },
      h("h2", {}, `Failed routes (${failed.length})`),
      failed.length === 0
        ? h("p", { class: "muted" }, isRunActive(run) ? "None so far." : "None.")
        : h(
            "div",
            { class: "table-wrap" },
            h(
              "table",
              { id: "failed-routes" },
              h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Route"), h("th", { scope: "col" }, "Reason"))),
              h(
                "tbody",
                {},
                failed.map((f) => h("tr", { "data-route-id": f.routeId }, h("td", {}, String(f.routeId)), h("td", { class: "reason" }, f.reason))),
              ),
            ),
          ),
      failed.length > 0 && !isRunActive(run)
        ? h(
            "button",
            {
              type: "button",
              id: "run-retry",
              onclick: async () => {
                say(retry, "Starting…");
                try {
                  const { body } = await api.warm({ routes: failed.map((f) => f.routeId).join(",") });
                  say(retry, `Started run ${body.runId} for the ${failed.length} failed route${failed.length === 1 ? "" : "s"}. `, "ok", [
                    h("a", { href: `#/runs/${body.runId}` }, "Watch it"),
                  ]);
                } catch (e) {
                  showActionError(retry, e);
                }
              },
            },
            "Run the failed routes again",
          )
        : null,
      retry,
    ),
  );
}

// ---------------------------------------------------------------- cache health

function showCache() {
  showView("cache");
  // /admin/stats reads the top routes and checks 7 × N keys: every 30 s is plenty.
  poll(loadCache, () => false, 30_000);
}

async function loadCache() {
  let stats, schedule;
  try {
    [{ body: stats }, { body: schedule }] = await Promise.all([api.stats(), api.schedule()]);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) throw e;
    say(byId("cache-error"), describeError(e).text, "error");
    return;
  }
  say(byId("cache-error"), "");
  const cache = stats.cache ?? {};
  /** @type {{ date: string, cached: number, expected: number }[]} */
  const dates = Array.isArray(cache.dates) ? cache.dates : [];
  const total = coverage(cache.cachedKeys ?? 0, cache.expectedKeys ?? 0);
  byId("cache-summary").textContent =
    `${total.text} keys (${formatPercent(total.percent)}) for the top ${cache.topRoutes ?? "?"} routes over ${dates.length} dates.`;
  byId("cache-body").replaceChildren(
    ...dates.map((d) => {
      const cov = coverage(d.cached, d.expected);
      return h(
        "tr",
        { "data-date": d.date, "data-cached": d.cached, "data-expected": d.expected },
        h("th", { scope: "row" }, d.date),
        h("td", {}, h("span", { class: `badge tone-${cov.tone}` }, cov.text)),
        h(
          "td",
          {},
          h("meter", { min: 0, max: 100, low: 50, high: 99, optimum: 100, value: cov.percent, "aria-label": `Coverage on ${d.date}` }),
          " ",
          formatPercent(cov.percent),
        ),
      );
    }),
  );

  const counters = stats.counters ?? {};
  /** @param {string} label @param {{ hits?: number, misses?: number, computed?: number }} c */
  const counterRow = (label, c = {}) => {
    const hits = c.hits ?? 0,
      misses = c.misses ?? 0;
    return h(
      "tr",
      { "data-counter": label },
      h("th", { scope: "row" }, label),
      h("td", { "data-hits": hits }, String(hits)),
      h("td", { "data-misses": misses }, String(misses)),
      h("td", {}, String(c.computed ?? 0)),
      h("td", {}, hits + misses ? formatPercent((hits / (hits + misses)) * 100) : "—"),
    );
  };
  byId("counters-body").replaceChildren(counterRow("today (UTC)", counters.today), counterRow("total", counters.total));

  const last = stats.lastRun;
  byId("last-run").replaceChildren(
    ...(last
      ? [
          h("p", {}, runLink(last.id), " ", badge(last.status), " ", h("span", { class: "muted" }, `trigger: ${last.trigger ?? "—"}`)),
          progressBar(last),
          h(
            "p",
            { class: "muted" },
            last.finishedAt
              ? `finished ${formatInZone(last.finishedAt, timeZone)} (${formatRelative(last.finishedAt, Date.now())}), took ${formatDuration(last.durationMs)}`
              : `created ${formatRelative(last.createdAt, Date.now())}, still ${statusInfo(last.status).label}`,
          ),
          h("p", { class: "muted" }, `Dead letters waiting: ${stats.deadLetters ?? 0}`),
        ]
      : [h("p", { class: "muted" }, "No run in the last 24 hours.")]),
  );

  byId("schedule-summary").textContent =
    `cron "${schedule.cron}" (UTC): the top ${schedule.topRoutes} routes, ${schedule.routesPerMessage} per message, ${schedule.forecastDays} forecast days.`;
  byId("schedule-local-head").textContent = `Your time zone (${timeZone})`;
  byId("schedule-body").replaceChildren(
    ...scheduleRows(Array.isArray(schedule.next) ? schedule.next : [], timeZone, Date.now()).map((r) =>
      h("tr", { "data-tick": r.iso }, h("td", { "data-zone": "utc" }, r.utc), h("td", { "data-zone": "local" }, r.local), h("td", {}, r.relative)),
    ),
  );
}

// ---------------------------------------------------------------- risk map

const PLOT = { width: 800, height: 520, padding: 36 };
/** @type {string | undefined} */
let mapDate;

function showMap() {
  showView("map");
  stopPolling();
  void loadMap(mapDate);
}

byId("map-form").addEventListener("submit", (event) => {
  event.preventDefault();
  void loadMap(/** @type {HTMLSelectElement} */ (byId("map-date")).value || undefined);
});
byId("map-date").addEventListener("change", () => void loadMap(/** @type {HTMLSelectElement} */ (byId("map-date")).value || undefined));

/**
 * @typedef {{ id: number, name: string, mountain: string | null, latitude: number, longitude: number, risk: number, color: string, expiresAt: string }} MapRoute
 */

/** @param {string | undefined} date */
async function loadMap(date) {
  let body;
  try {
    ({ body } = await api.map(date));
  } catch (e) {
    if (handleSignOut(e)) return;
    say(byId("map-error"), describeError(e).text, "error");
    return;
  }
  say(byId("map-error"), "");
  mapDate = body.date;
  const select = /** @type {HTMLSelectElement} */ (byId("map-date"));
  select.replaceChildren(...(body.dates ?? [body.date]).map((/** @type {string} */ d) => h("option", { value: d, selected: d === body.date }, d)));
  /** @type {MapRoute[]} */
  const routes = Array.isArray(body.routes) ? body.routes : [];
  const notes = [
    body.stale ? `${body.stale} expired` : "",
    body.unlocated ? `${body.unlocated} without coordinates` : "",
    body.truncated ? "only the riskiest shown" : "",
  ].filter(Boolean);
  byId("map-summary").textContent =
    `${routes.length} warmed route${routes.length === 1 ? "" : "s"} on ${body.date}${notes.length ? ` (${notes.join(", ")})` : ""}.`;
  drawPlot(routes, body.date);
  const counts = colorCounts(routes);
  byId("map-legend").replaceChildren(
    ...COLOR_ORDER.map((c) => h("span", { class: "legend-item", "data-color": c }, svgSwatch(c), ` ${c} ${counts[c]}`)),
    counts.other ? ` · other ${counts.other}` : "",
  );
  byId("map-list-summary").textContent = `All ${routes.length} routes as a list`;
  byId("map-list-body").replaceChildren(
    ...routes.map((r) =>
      h(
        "tr",
        {},
        h("td", {}, `${r.name} (#${r.id})`),
        h("td", {}, r.risk.toFixed(1)),
        h("td", {}, r.color),
        h("td", {}, h("a", { href: safetyResource(r.id, body.date) }, "safety")),
      ),
    ),
  );
}

/** @param {string} color */
function svgSwatch(color) {
  return svg("svg", { width: 12, height: 12, viewBox: "0 0 12 12", "aria-hidden": "true" }, svg("circle", { cx: 6, cy: 6, r: 5, fill: riskFill(color) }));
}

/**
 * @param {MapRoute[]} routes
 * @param {string} date
 */
function drawPlot(routes, date) {
  const root = svg("svg", {
    viewBox: `0 0 ${PLOT.width} ${PLOT.height}`,
    id: "risk-plot",
    role: "group",
    "aria-label": `Warmed routes on ${date} by position, coloured by risk`,
  });
  const bounds = boundsOf(routes);
  if (bounds) {
    const p = projection(bounds, PLOT);
    const grid = svg("g", { class: "grid", "aria-hidden": "true" });
    for (const lat of gridValues(p.visible.minLat, p.visible.maxLat)) {
      const y = p.y(lat);
      grid.append(svg("line", { x1: 0, x2: PLOT.width, y1: y, y2: y }), svg("text", { x: 4, y: y - 3 }, degreeLabel(lat, "lat")));
    }
    for (const lon of gridValues(p.visible.minLon, p.visible.maxLon)) {
      const x = p.x(lon);
      grid.append(svg("line", { x1: x, x2: x, y1: 0, y2: PLOT.height }), svg("text", { x: x + 3, y: PLOT.height - 4 }, degreeLabel(lon, "lon")));
    }
    root.append(grid);
  } else {
    root.append(
      svg("text", { x: PLOT.width / 2, y: PLOT.height / 2, "text-anchor": "middle", class: "empty" }, "No warmed routes for this date yet: start a run."),
    );
  }
  // Riskiest drawn last, so they stay on top where marks overlap.
  const marks = svg("g", { class: "marks" });
  for (const { route, x, y } of layoutRoutes(
    [...routes].sort((a, b) => a.risk - b.risk),
    PLOT,
  )) {
    const label = `${route.name}: risk ${route.risk.toFixed(1)} (${route.color})`;
    const select = () => showRouteInfo(route, date);
    marks.append(
      svg(
        "circle",
        {
          cx: x,
          cy: y,
          r: 7,
          class: "mark",
          fill: riskFill(route.color),
          tabindex: 0,
          role: "button",
          "aria-label": label,
          "data-route-id": route.id,
          "data-color": route.color,
          "data-risk": route.risk,
          onclick: select,
          onfocus: select,
          onmouseenter: select,
          onkeydown: /** @type {EventListener} */ (
            (e) => {
              const key = /** @type {KeyboardEvent} */ (e).key;
              if (key === "Enter" || key === " ") {
                e.preventDefault();
                select();
              }
            }
          ),
        },
        svg("title", {}, label),
      ),
    );
  }
  root.append(marks);
  byId("map-plot").replaceChildren(root);
}

/**
 * @param {MapRoute} route
 * @param {string} date
 */
function showRouteInfo(route, date) {
  const href = safetyResource(route.id, date);
  for (const m of byId("map-plot").querySelectorAll(".mark.selected")) m.classList.remove("selected");
  byId("map-plot").querySelector(`.mark[data-route-id="${route.id}"]`)?.classList.add("selected");
  byId("map-info").replaceChildren(
    h("h2", {}, route.name),
    h(
      "dl",
      { class: "facts", id: "route-info", "data-route-id": route.id },
      h("dt", {}, "Route id"),
      h("dd", {}, String(route.id)),
      h("dt", {}, "Mountain"),
      h("dd", {}, route.mountain ?? "—"),
      h("dt", {}, "Risk score"),
      h("dd", { "data-fact": "risk" }, route.risk.toFixed(1)),
      h("dt", {}, "Colour"),
      h("dd", { "data-fact": "color" }, svgSwatch(route.color), ` ${route.color}`),
      h("dt", {}, "Position"),
      h("dd", {}, `${route.latitude.toFixed(3)}, ${route.longitude.toFixed(3)}`),
      h("dt", {}, "Cached until"),
      h("dd", {}, formatInZone(route.expiresAt, timeZone)),
    ),
    h("p", {}, h("a", { href, id: "route-link" }, `GET ${href}`)),
  );
}

route();
