/** The start-a-run form and the token field (public/admin/lib/warm-form.js, session.js). */
import { describe, expect, it } from "vitest";
import { MAX_ROUTE_IDS, parseRouteIds, warmQuery } from "../../../public/admin/lib/warm-form.js";
import { normaliseToken, TOKEN_KEY, tokenStore } from "../../../public/admin/lib/session.js";

describe("route id lists", () => {
  it("accepts commas, spaces and new lines; drops duplicates, keeps the order", () => {
    expect(parseRouteIds("101, 202 303\n101")).toEqual({ ok: true, ids: [101, 202, 303] });
    expect(parseRouteIds(" 7 ")).toEqual({ ok: true, ids: [7] });
  });
  it("names the mistake", () => {
    expect(parseRouteIds("")).toEqual({ ok: false, field: "routes", error: "give at least one route id" });
    expect(parseRouteIds("12, abc")).toMatchObject({ ok: false, error: expect.stringContaining('"abc" is not a route id') });
    expect(parseRouteIds("1.5")).toMatchObject({ ok: false, error: expect.stringContaining("not a route id") });
    expect(parseRouteIds("-4")).toMatchObject({ ok: false });
    expect(parseRouteIds("0")).toMatchObject({ ok: false, error: expect.stringContaining("out of range") });
    expect(parseRouteIds("2147483648")).toMatchObject({ ok: false, error: expect.stringContaining("out of range") });
    const many = Array.from({ length: MAX_ROUTE_IDS + 1 }, (_, i) => i + 1).join(",");
    expect(parseRouteIds(many)).toMatchObject({ ok: false, error: `at most ${MAX_ROUTE_IDS} route ids, got ${MAX_ROUTE_IDS + 1}` });
  });
});

describe("warmQuery", () => {
  it("top N, the configured top, a route list, with force", () => {
    expect(warmQuery({ mode: "top", top: "12" })).toEqual({ ok: true, query: { top: "12" }, summary: "the top 12 routes" });
    expect(warmQuery({ mode: "top", top: " " })).toEqual({ ok: true, query: {}, summary: "the configured top routes" });
    expect(warmQuery({ mode: "routes", routes: "3,1", force: true })).toEqual({
      ok: true,
      query: { routes: "3,1", force: "true" },
      summary: "2 routes (3, 1), forced",
    });
    expect(warmQuery({ mode: "routes", routes: "1 2 3 4 5 6" })).toMatchObject({ summary: "6 routes (1, 2, 3, 4, 5, …)" });
  });
  it("a bad top or list names its field; the other field is ignored", () => {
    expect(warmQuery({ mode: "top", top: "0", routes: "x" })).toEqual({ ok: false, field: "top", error: "top must be a whole number from 1 to 10000" });
    expect(warmQuery({ mode: "top", top: "10001" })).toMatchObject({ ok: false, field: "top" });
    expect(warmQuery({ mode: "top", top: "2.5" })).toMatchObject({ ok: false, field: "top" });
    expect(warmQuery({ mode: "routes", routes: "", top: "5" })).toMatchObject({ ok: false, field: "routes" });
  });
});

describe("the token", () => {
  it("is trimmed and may be pasted with its Bearer prefix", () => {
    expect(normaliseToken("  abc-123  ")).toEqual({ ok: true, token: "abc-123" });
    expect(normaliseToken("Bearer abc-123")).toEqual({ ok: true, token: "abc-123" });
  });
  it("must be a usable header value", () => {
    expect(normaliseToken("   ")).toMatchObject({ ok: false });
    expect(normaliseToken("two words")).toMatchObject({ ok: false, error: expect.stringContaining("visible ASCII") });
    expect(normaliseToken("tökén")).toMatchObject({ ok: false });
  });
  it("is kept under one key of the given storage and removed on sign-out", () => {
    const map = new Map<string, string>();
    const storage = {
      getItem: (k: string) => map.get(k) ?? null,
      setItem: (k: string, v: string) => void map.set(k, v),
      removeItem: (k: string) => void map.delete(k),
    };
    const store = tokenStore(storage);
    expect(store.get()).toBeNull();
    store.set("secret-token");
    expect([...map.entries()]).toEqual([[TOKEN_KEY, "secret-token"]]);
    expect(store.get()).toBe("secret-token");
    store.clear();
    expect(map.size).toBe(0);
  });
  it("an unavailable storage reads as signed out", () => {
    const broken = {
      getItem: () => {
        throw new Error("denied");
      },
      setItem: () => {
        throw new Error("denied");
      },
      removeItem: () => {
        throw new Error("denied");
      },
    };
    const store = tokenStore(broken);
    expect(store.get()).toBeNull();
    expect(() => store.clear()).not.toThrow();
    expect(() => store.set("x")).toThrow("denied");
  });
});
