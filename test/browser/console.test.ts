/**
 * The operator console in a real headless Chromium against the whole local stack (wrangler dev,
 * Postgres with the shared data, Redis): sign-in, a run followed to 100 %, a run with a route that
 * really fails, the cache table, the schedule, the risk plot, and no request off loopback.
 *
 * The failing route is real data: a route row whose latitude is NaN, as a database could hold from
 * before the schema's range check (the check is re-added NOT VALID, as it would be over legacy
 * rows), so the engine throws "latitude and longitude must be finite numbers" on every attempt.
 *
 * Screenshots of each screen go to test/browser/artifacts/ (gitignored); with
 * CONSOLE_DOCS_SCREENSHOT=1 the runs screen is also written to docs/console.png.
 */
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isLoopback, openBrowser, ROOT, startConsoleStack, withSql, type Browsing, type ConsoleStack } from "./harness.ts";
import { keys } from "../../src/cache/keys";

// Functions passed to page.evaluate run in the page; Node's types have no DOM.
declare const document: any;
declare const window: any;

const TOP = 12;
const LOCAL_ZONE = "America/Denver";
const BROKEN_ROUTE = 990_001;
const TOKEN_KEY = "safeascent.console.adminToken";
const RISK_COLORS: Record<string, string> = { green: "#2e7d32", yellow: "#f9a825", orange: "#ef6c00", red: "#c62828" };

let s: ConsoleStack;
let b: Browsing;
const today = new Date().toISOString().slice(0, 10);

const admin = async (path: string, init: RequestInit = {}) => {
  const res = await fetch(`${s.baseUrl}${path}`, { ...init, headers: { Authorization: `Bearer ${s.token}`, ...init.headers } });
  return { status: res.status, body: (await res.json()) as any };
};
const text = async (selector: string) => ((await b.page.textContent(selector)) ?? "").trim();
const waitForText = (selector: string, pattern: RegExp) =>
  b.page.waitForFunction(
    ({ selector, source }) => new RegExp(source).test(document.querySelector(selector)?.textContent ?? ""),
    { selector, source: pattern.source },
    { timeout: 60_000 },
  );

/** The map index of a date, read straight from Redis: route id → "risk|color|computed". */
async function mapIndex(date: string): Promise<Record<string, string>> {
  return (await s.redis!.hgetall(keys.mapIndex(date))) ?? {};
}

// A missing browser (or stack) fails every test with the reason, rather than leaving them skipped.
let setupError: unknown;
beforeAll(async () => {
  try {
    await setUp();
  } catch (e) {
    setupError = e;
  }
}, 180_000);
beforeEach(() => {
  if (setupError) throw setupError;
});

async function setUp() {
  // Browser first: without it, fail at once, before starting a stack.
  b = await openBrowser({ timezoneId: LOCAL_ZONE });
  s = await startConsoleStack({ WARM_SCOPE: "top", TOP_ROUTES: String(TOP), ROUTES_PER_MESSAGE: "4", WARM_RETRY_BASE_SECONDS: "0" });
  if (!s.redis) throw new Error("the browser tests read the map index from a real Redis (REDIS_URL or 127.0.0.1:6379)");
  await withSql(s.databaseUrl, async (c) => {
    await c.query("BEGIN");
    await c.query("ALTER TABLE routes DROP CONSTRAINT routes_latitude_check");
    await c.query(
      "INSERT INTO routes (route_id, name, latitude, longitude, accident_count) VALUES ($1, 'Console test: corrupted latitude', 'NaN', -105.5, 0)",
      [BROKEN_ROUTE],
    );
    await c.query("ALTER TABLE routes ADD CONSTRAINT routes_latitude_check CHECK (latitude IS NULL OR latitude BETWEEN -90 AND 90) NOT VALID");
    await c.query("COMMIT");
  });
}

afterAll(async () => {
  await b?.close();
  await s?.close();
}, 60_000);

describe("the console in Chromium", () => {
  it("loads /admin/ without the token; the page holds no data and every JSON endpoint still wants the token", async () => {
    const page = await fetch(`${s.baseUrl}/admin/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(page.headers.get("content-security-policy")).toContain("connect-src 'self'");
    const html = await page.text();
    expect(html).toContain('id="signin-form"');
    expect(html).not.toContain(s.token);
    // Nothing in the static page comes from another origin.
    expect([...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((u) => /^(https?:)?\/\//.test(u!))).toEqual([]);
    for (const path of ["/admin/runs", "/admin/stats", "/admin/schedule", `/admin/map?date=${today}`]) {
      const res = await fetch(`${s.baseUrl}${path}`);
      expect(res.status, path).toBe(401);
    }
    expect((await fetch(`${s.baseUrl}/admin/warm`, { method: "POST" })).status).toBe(401);
  });

  it("sign-in: a wrong token is refused and not kept; the right one opens the console and stays in the tab only", async () => {
    const { page } = b;
    await page.goto(`${s.baseUrl}/admin/`);
    expect(await page.isVisible("#view-signin")).toBe(true);
    expect(await page.isHidden("#nav")).toBe(true);

    await page.fill("#token", "not-the-admin-token-000");
    await page.click("#signin-form button[type=submit]");
    await waitForText("#signin-error", /Wrong token/);
    expect(await text("#signin-error")).toContain("401");
    expect(await page.evaluate((k) => sessionStorage.getItem(k), TOKEN_KEY)).toBeNull();
    expect(await page.isHidden("#view-runs")).toBe(true);
    await b.screenshot("1-sign-in-wrong-token");

    await page.fill("#token", s.token);
    await page.click("#signin-form button[type=submit]");
    await page.waitForSelector("#view-runs:not([hidden])");
    expect(await page.isVisible("#nav")).toBe(true);
    expect(await page.evaluate((k) => sessionStorage.getItem(k), TOKEN_KEY)).toBe(s.token);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(await page.evaluate(() => document.cookie)).toBe("");
    expect(page.url()).not.toContain(s.token);
    expect(await page.inputValue("#token")).toBe("");
    // The token travels only in the Authorization header of the admin JSON calls.
    expect(b.requests.filter((r) => r.url.includes(s.token))).toEqual([]);
    const apiCalls = b.requests.filter((r) => new URL(r.url).pathname.match(/^\/admin\/(runs|stats|schedule|warm|map)/));
    expect(apiCalls.length).toBeGreaterThan(0);
    expect(apiCalls.filter((r) => r.authorization === `Bearer ${s.token}`).length).toBeGreaterThan(0);
    expect(b.requests.filter((r) => r.authorization && !new URL(r.url).pathname.startsWith("/admin/"))).toEqual([]);
  });

  it("starts a run of the top routes and follows its progress to 100 % and succeeded", async () => {
    const { page } = b;
    await waitForText("#runs-active", /No run in progress/);
    await page.fill("#warm-top", String(TOP));
    await page.click("#warm-submit");
    await waitForText("#warm-result", /Started run/);
    const runId = (await page.getAttribute("#warm-result a", "href"))!.replace("#/runs/", "");
    expect(runId).toMatch(/^\d{8}T\d{6}Z-\w+$/);

    const row = `#runs-body tr[data-run-id="${runId}"]`;
    const seen: number[] = [];
    await expect
      .poll(
        async () => {
          const value = await page.getAttribute(`${row} progress`, "value").catch(() => null);
          if (value !== null) seen.push(Number(value));
          return page.getAttribute(row, "data-status").catch(() => null);
        },
        { timeout: 60_000, interval: 150 },
      )
      .toBe("succeeded");
    expect(seen.length).toBeGreaterThan(0);
    expect(seen).toEqual([...seen].sort((x, y) => x - y)); // never goes backwards
    expect(Number(await page.getAttribute(`${row} progress`, "value"))).toBe(100);
    expect(await text(`${row} .pct`)).toBe("100 %");
    expect(await text(`${row} .badge`)).toBe("succeeded");
    expect(await text(`${row} td[data-label=Routes]`)).toBe(`${TOP} / ${TOP} done · 0 failed · 0 retrying`);
    expect(await text(`${row} td[data-label=Scores]`)).toBe(`${TOP * 7} / ${TOP * 7} done · 0 failed`);

    const server = await admin(`/admin/runs/${runId}`);
    expect(server.body).toMatchObject({ status: "succeeded", trigger: "manual", routes: { total: TOP, done: TOP, failed: 0 } });
    await waitForText("#runs-active", /No run in progress/);
    await b.screenshot("2-runs");
  });

  it("an action refused by the Worker shows its error: 409 while another run holds the lock", async () => {
    const { page } = b;
    const holder = "20300101T000000Z-c0ffee00";
    // "Another run": the one-run lock, its record and a live heartbeat (without the heartbeat the
    // Worker rightly treats the lock as abandoned and proceeds).
    await s.redis!.hset(keys.run(holder), {
      id: holder,
      trigger: "manual",
      scope: "top",
      dates: "[]",
      routes_total: "1",
      messages: "1",
      created_at: new Date().toISOString(),
    });
    await s.redis!.expire(keys.run(holder), 120);
    await s.redis!.set(keys.runAlive(holder), "1", "EX", 120);
    await s.redis!.set(keys.activeRun, holder, "EX", 120);
    try {
      await page.check("#warm-form input[name=mode][value=top]");
      await page.fill("#warm-top", "1");
      await page.click("#warm-submit");
      await waitForText("#warm-result", /Not started \(409\)/);
      expect(await text("#warm-result")).toContain(`run ${holder} is in progress`);
      expect(await page.getAttribute("#warm-result a", "href")).toBe(`#/runs/${holder}`);
      expect(await page.getAttribute("#warm-result", "class")).toContain("error");
    } finally {
      await s.redis!.del(keys.activeRun, keys.runAlive(holder), keys.run(holder));
    }
    // A mistake in the form is caught before any request, naming the field.
    const before = b.requests.length;
    await page.fill("#warm-routes", "12, abc");
    await page.click("#warm-submit");
    await waitForText("#warm-result", /not a route id/);
    expect(b.requests.slice(before).filter((r) => r.method === "POST")).toEqual([]);
  });

  it("a run with a failing route shows that route, its reason and the run's timeline", async () => {
    const { page } = b;
    const good = (await admin(`/admin/map?date=${today}`)).body.routes[0].id as number;
    await page.check("#warm-form input[name=mode][value=routes]");
    await page.fill("#warm-routes", `${good}, ${BROKEN_ROUTE}`);
    await page.click("#warm-submit");
    await waitForText("#warm-result", /Started run/);
    await page.click("#warm-result a");
    await page.waitForSelector("#view-run:not([hidden])");
    const runId = page.url().split("#/runs/")[1]!;

    // The page polls the run until it finishes (the broken route is retried twice first).
    await page.waitForSelector('#run-detail .badge[data-status="partial"]', { timeout: 60_000 });
    const failedRow = `#failed-routes tr[data-route-id="${BROKEN_ROUTE}"]`;
    expect(await text(`${failedRow} td.reason`)).toContain("latitude and longitude must be finite numbers"); // the engine's own reason
    expect(await page.locator("#failed-routes tbody tr").count()).toBe(1);
    expect(await text("#run-detail [data-fact=routes]")).toBe("1 / 2 done · 1 failed · 0 retrying · 0 pending");
    expect(await text("#run-detail [data-fact=scores]")).toBe("7 / 14 done · 7 failed");
    expect(await page.locator("#run-timeline li.reached").count()).toBe(3);
    expect(await page.locator("#run-timeline li[data-step=finished] time").getAttribute("datetime")).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await page.isVisible("#run-retry")).toBe(true);

    const server = await admin(`/admin/runs/${runId}`);
    expect(server.body.status).toBe("partial");
    expect(server.body.failedRoutes).toEqual([{ routeId: BROKEN_ROUTE, reason: "latitude and longitude must be finite numbers" }]);
    expect(await page.getAttribute("#run-timeline li[data-step=finished] time", "datetime")).toBe(server.body.finishedAt);
    await b.screenshot("3-run-with-failed-route");
  });

  it("replaying an empty dead-letter queue says there is nothing to replay", async () => {
    const { page } = b;
    await page.click("nav a[data-view=runs]");
    await page.waitForSelector("#view-runs:not([hidden])");
    await waitForText("#dlq-count", /^\d+$/);
    expect(await text("#dlq-count")).toBe("0");
    await page.click("#dlq-replay");
    await waitForText("#dlq-result", /No dead letters to replay/);
    await waitForText("#runs-active", /No run in progress/);
    await page.waitForSelector('#runs-body tr[data-status="partial"]');
    if (process.env.CONSOLE_DOCS_SCREENSHOT === "1") {
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(ROOT, "docs/console.png") });
    }
  });

  it("cache health: the 7 dates with cached vs expected keys, the counters, the last run, the schedule in UTC and local time", async () => {
    const { page } = b;
    await page.click("nav a[data-view=cache]");
    await page.waitForSelector("#cache-body tr");
    const stats = (await admin("/admin/stats")).body;
    const schedule = (await admin("/admin/schedule")).body;

    const rows = await page.$$eval("#cache-body tr", (trs) =>
      trs.map((tr) => ({
        date: tr.getAttribute("data-date"),
        cached: Number(tr.getAttribute("data-cached")),
        expected: Number(tr.getAttribute("data-expected")),
        text: tr.textContent,
      })),
    );
    expect(rows).toHaveLength(7);
    expect(rows.map((r) => r.date)).toEqual(stats.cache.dates.map((d: { date: string }) => d.date));
    expect(rows[0]!.date).toBe(today);
    for (const r of rows) {
      // The first run warmed every top route for every date.
      expect(r, r.date!).toMatchObject({ cached: TOP, expected: TOP });
      expect(r.text).toContain(`${TOP} / ${TOP}`);
    }
    expect(await text("#cache-summary")).toContain(`${TOP * 7} / ${TOP * 7} keys`);

    const counters = await page.$$eval("#counters-body tr", (trs) =>
      trs.map((tr) => ({
        hits: Number(tr.querySelector("[data-hits]")?.getAttribute("data-hits")),
        misses: Number(tr.querySelector("[data-misses]")?.getAttribute("data-misses")),
      })),
    );
    expect(counters).toEqual([
      { hits: stats.counters.today.hits, misses: stats.counters.today.misses },
      { hits: stats.counters.total.hits, misses: stats.counters.total.misses },
    ]);
    expect(await page.getAttribute("#last-run a", "title")).toBe(stats.lastRun.id);
    expect(await text("#last-run .badge")).toBe("partial");

    // The next four ticks: UTC as the Worker gave them, and the browser's zone (America/Denver).
    const ticks = await page.$$eval("#schedule-body tr", (trs) =>
      trs.map((tr) => ({
        iso: tr.getAttribute("data-tick"),
        utc: tr.querySelector("[data-zone=utc]")?.textContent,
        local: tr.querySelector("[data-zone=local]")?.textContent,
      })),
    );
    expect(ticks.map((t) => t.iso)).toEqual(schedule.next);
    expect(ticks).toHaveLength(4);
    for (const t of ticks) {
      const at = new Date(t.iso!);
      const offset = new Intl.DateTimeFormat("en-US", { timeZone: LOCAL_ZONE, timeZoneName: "longOffset" })
        .formatToParts(at)
        .find((p) => p.type === "timeZoneName")!.value;
      const [, sign, hh, mm] = /^GMT([+-])(\d\d):(\d\d)$/.exec(offset)!;
      const local = new Date(at.getTime() + (sign === "-" ? -1 : 1) * (Number(hh) * 60 + Number(mm)) * 60_000);
      const fmt = (d: Date) => `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)}`;
      expect(t.utc).toBe(`${fmt(at)} UTC`);
      expect(t.local).toMatch(new RegExp(`^${fmt(local)} M[SD]T$`));
    }
    expect(await text("#schedule-local-head")).toContain(LOCAL_ZONE);
    await b.screenshot("4-cache-health");
  });

  it("the risk plot draws one mark per warmed route, coloured by risk, with its score and API resource", async () => {
    const { page } = b;
    await page.click("nav a[data-view=map]");
    await page.waitForSelector("#risk-plot");
    const marks = async () =>
      page.$$eval("#risk-plot .mark", (els) =>
        els.map((el) => ({
          id: el.getAttribute("data-route-id")!,
          fill: el.getAttribute("fill"),
          risk: el.getAttribute("data-risk"),
          color: el.getAttribute("data-color"),
        })),
      );

    const index = await mapIndex(today);
    const drawn = await marks();
    expect(drawn.map((m) => m.id).sort()).toEqual(Object.keys(index).sort());
    expect(drawn.length).toBeGreaterThanOrEqual(TOP);
    expect(drawn.map((m) => m.id)).not.toContain(String(BROKEN_ROUTE));
    for (const m of drawn) {
      const [risk, color] = index[m.id]!.split("|");
      expect(m, m.id).toMatchObject({ risk, color, fill: RISK_COLORS[color!] });
    }
    // Marks are distinct positions (routes sharing a mountain's coordinates are spread apart).
    const positions = await page.$$eval("#risk-plot .mark", (els) => els.map((el) => `${el.getAttribute("cx")},${el.getAttribute("cy")}`));
    expect(new Set(positions).size).toBe(positions.length);

    // Focus (keyboard) or click shows the route, its score, colour and the native API resource.
    const pick = drawn[drawn.length - 1]!;
    await page.focus(`#risk-plot .mark[data-route-id="${pick.id}"]`);
    await page.waitForSelector(`#route-info[data-route-id="${pick.id}"]`);
    expect(await text("#route-info [data-fact=risk]")).toBe(Number(pick.risk).toFixed(1));
    expect(await text("#route-info [data-fact=color]")).toBe(pick.color);
    expect(await page.getAttribute("#route-link", "href")).toBe(`/api/v2/routes/${pick.id}/safety?date=${today}`);
    const other = drawn[0]!;
    await page.click(`#risk-plot .mark[data-route-id="${other.id}"]`, { force: true });
    await page.waitForSelector(`#route-info[data-route-id="${other.id}"]`);
    await b.screenshot("5-risk-map");

    // Another date of the window: its own index.
    const later = (await page.$$eval("#map-date option", (os) => os.map((o) => (o as unknown as { value: string }).value)))[3]!;
    await page.selectOption("#map-date", later);
    await waitForText("#map-summary", new RegExp(later));
    expect((await marks()).map((m) => m.id).sort()).toEqual(Object.keys(await mapIndex(later)).sort());
    expect(await page.locator("#map-legend .legend-item").count()).toBe(4);
  });

  it("reads on a phone: no sideways scrolling on the runs screen", async () => {
    const { page } = b;
    await page.setViewportSize({ width: 390, height: 844 });
    await page.click("nav a[data-view=runs]");
    await page.waitForSelector("#runs-body tr");
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await b.screenshot("6-runs-phone");
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("a token rejected mid-session ends it: back to sign-in with the reason, token removed", async () => {
    const { page } = b;
    await page.evaluate((k) => sessionStorage.setItem(k, "revoked-token-0123456789"), TOKEN_KEY);
    await page.click("#dlq-replay");
    await page.waitForSelector("#view-signin:not([hidden])");
    expect(await text("#signin-error")).toContain("rejected (401)");
    expect(await page.evaluate((k) => sessionStorage.getItem(k), TOKEN_KEY)).toBeNull();
    expect(await page.isHidden("#view-runs")).toBe(true);
  });

  it("nothing on the page was fetched from outside loopback, and the page raised no error", () => {
    expect(b.requests.length).toBeGreaterThan(10);
    const paths = new Set(b.requests.map((r) => new URL(r.url).pathname));
    for (const p of ["/admin/", "/admin/app.js", "/admin/console.css", "/admin/lib/api.js", "/admin/runs", "/admin/map"]) expect(paths, p).toContain(p);
    expect(b.requests.filter((r) => !isLoopback(r.url)).map((r) => r.url)).toEqual([]);
    expect(b.pageErrors).toEqual([]);
  });
});
