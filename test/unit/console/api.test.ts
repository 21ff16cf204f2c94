/**
 * The console's API client (public/admin/lib/api.js): what it sends and how the Worker's error
 * answers become messages. `fetch` is a recording function answering like the Worker does.
 */
import { describe, expect, it } from "vitest";
import { ApiError, createApi, describeError } from "../../../public/admin/lib/api.js";

type Call = { url: string; init: RequestInit };

function fakeFetch(respond: (url: string) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return respond(url);
  }) as unknown as typeof globalThis.fetch;
  return { fetch, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });

describe("requests", () => {
  it("send the stored token as a bearer header, never in the URL, without cookies or caching", async () => {
    const { fetch, calls } = fakeFetch(() => json(202, { runId: "r1" }));
    const api = createApi({ fetch, getToken: () => "tok-123" });
    const res = await api.warm({ routes: "1,2", force: "true" });
    expect(res).toEqual({ status: 202, body: { runId: "r1" } });
    expect(calls).toHaveLength(1);
    const { url, init } = calls[0]!;
    expect(url).toBe("/admin/warm?routes=1%2C2&force=true");
    expect(url).not.toContain("tok-123");
    expect(init.method).toBe("POST");
    expect((init.headers as Record<string, string>).Authorization).toBe("Bearer tok-123");
    expect((init as { credentials?: string }).credentials).toBe("omit");
    expect(init.cache).toBe("no-store");
  });
  it("map and run paths; checkToken uses the token it is given, not the stored one", async () => {
    const { fetch, calls } = fakeFetch(() => json(200, {}));
    const api = createApi({ fetch, getToken: () => "stored", base: "http://127.0.0.1:8787" });
    await api.map("2026-12-03");
    await api.map();
    await api.run("20261201T180000Z-ab/cd");
    await api.checkToken("candidate");
    expect(calls.map((c) => c.url)).toEqual([
      "http://127.0.0.1:8787/admin/map?date=2026-12-03",
      "http://127.0.0.1:8787/admin/map",
      "http://127.0.0.1:8787/admin/runs/20261201T180000Z-ab%2Fcd",
      "http://127.0.0.1:8787/admin/schedule",
    ]);
    expect((calls[3]!.init.headers as Record<string, string>).Authorization).toBe("Bearer candidate");
  });
  it("nothing is sent without a token", async () => {
    const { fetch, calls } = fakeFetch(() => json(200, {}));
    await expect(createApi({ fetch, getToken: () => null }).runs()).rejects.toMatchObject({ status: 401 });
    expect(calls).toHaveLength(0);
  });
});

describe("errors", () => {
  it("carry the Worker's code, message, field and Retry-After", async () => {
    const answers: Record<string, Response> = {
      "/admin/runs": json(401, { error: { code: "unauthorized", message: "Admin bearer token required" } }),
      "/admin/warm?top=5": json(409, { error: { code: "run_in_progress", message: "run R is in progress; add force=true to start anyway", activeRunId: "R" } }),
      "/admin/dlq/replay": json(503, { error: { code: "replay_failed", message: "enqueue failed" } }, { "Retry-After": "30" }),
      "/admin/map?date=x": json(422, { error: { code: "invalid_value", message: "date: must be a date YYYY-MM-DD", field: "date" } }),
      "/admin/stats": new Response("<html>bad gateway</html>", { status: 502 }),
    };
    const { fetch } = fakeFetch((url) => answers[url]!);
    const api = createApi({ fetch, getToken: () => "t" });
    const caught = async (p: Promise<unknown>) =>
      p.then(
        () => {
          throw new Error("resolved");
        },
        (e: unknown) => e as ApiError,
      );

    const e401 = await caught(api.runs());
    expect(e401).toBeInstanceOf(ApiError);
    expect(e401).toMatchObject({ status: 401, code: "unauthorized" });
    expect(describeError(e401)).toEqual({ text: "The admin token was rejected (401). Sign in again.", signOut: true, status: 401 });

    const e409 = await caught(api.warm({ top: "5" }));
    expect(e409).toMatchObject({ status: 409, code: "run_in_progress" });
    expect(describeError(e409).text).toBe('Not started (409): run R is in progress. Tick "force" to start anyway, or wait for it to finish.');
    expect(describeError(e409).signOut).toBe(false);

    const e503 = await caught(api.replayDeadLetters());
    expect(e503).toMatchObject({ status: 503, retryAfterSeconds: 30 });
    expect(describeError(e503).text).toBe("A backing service is unavailable (503): enqueue failed. Retry in 30 s.");

    const e422 = await caught(api.map("x"));
    expect(e422).toMatchObject({ status: 422, field: "date" });
    expect(describeError(e422).text).toBe("date: must be a date YYYY-MM-DD (field: date) — HTTP 422");

    const e502 = await caught(api.stats());
    expect(e502).toMatchObject({ status: 502, code: "http_502", message: "HTTP 502" });
  });
  it("a Worker that does not answer is status 0, not a sign-out", async () => {
    const fetch = (async () => {
      throw new TypeError("Failed to fetch");
    }) as unknown as typeof globalThis.fetch;
    const err = await createApi({ fetch, getToken: () => "t" })
      .stats()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 0, code: "network_error" });
    expect(describeError(err)).toEqual({ text: "The Worker did not answer (Failed to fetch). Is the Worker running?", signOut: false, status: 0 });
    expect(describeError(new Error("boom"))).toEqual({ text: "Unexpected error: boom", signOut: false, status: -1 });
  });
});
