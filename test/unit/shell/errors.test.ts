/**
 * Upstream-error typing: the Postgres adapter turns connection-class failures into
 * UpstreamUnavailable and leaves query errors (bugs) alone; the HTTP layer maps by instanceof.
 */
import { NeonDbError } from "@neondatabase/serverless";
import { describe, expect, it } from "vitest";
import { classifyPostgresError } from "../../../src/data/db";
import { isUnavailableSqlState, UpstreamUnavailable } from "../../../src/errors";
import { onError } from "../../../src/http/errors";

const pgError = (code: string, message = "boom") => Object.assign(new NeonDbError(message), { code });
const connectionError = (cause: unknown) => Object.assign(new NeonDbError(`Error connecting to database: ${cause}`), { sourceError: cause });

describe("classifyPostgresError", () => {
  it("types connection-class SQLSTATEs as UpstreamUnavailable(postgres)", () => {
    for (const code of ["08006", "08001", "57P01", "57P03", "53300", "55000", "57014"]) {
      const e = classifyPostgresError(pgError(code));
      expect(e, code).toBeInstanceOf(UpstreamUnavailable);
      expect((e as UpstreamUnavailable).service).toBe("postgres");
    }
  });

  it("types a failed fetch (network, timeout, 5xx) as UpstreamUnavailable", () => {
    expect(classifyPostgresError(connectionError(new TypeError("fetch failed")))).toBeInstanceOf(UpstreamUnavailable);
    expect(classifyPostgresError(connectionError(new DOMException("timed out", "TimeoutError")))).toBeInstanceOf(UpstreamUnavailable);
    expect(classifyPostgresError(new DOMException("The operation was aborted due to timeout", "TimeoutError"))).toBeInstanceOf(UpstreamUnavailable);
  });

  it("leaves query errors and our own bugs as they are, whatever their message says", () => {
    for (const code of ["22003", "42601", "23505", "42P01", "28P01"]) {
      const e = pgError(code, "connection timed out upstream"); // the text must not matter
      expect(classifyPostgresError(e)).toBe(e);
    }
    const bug = new TypeError("upstream timed out: Cannot read properties of undefined");
    expect(classifyPostgresError(bug)).toBe(bug);
  });

  it("isUnavailableSqlState covers the classes, not their neighbours", () => {
    expect(isUnavailableSqlState("55000")).toBe(true);
    expect(isUnavailableSqlState("55006")).toBe(false); // object in use: a real query error
    expect(isUnavailableSqlState("57000")).toBe(false);
  });
});

describe("onError maps by type, never by message text", () => {
  const request = new Request("http://edge.test/api/v2/routes");
  it("UpstreamUnavailable → 503 with Retry-After", async () => {
    const res = onError(new UpstreamUnavailable("postgres", new Error("x")), request as never);
    expect(res.status).toBe(503);
    expect(res.headers.get("Retry-After")).toBe("30");
  });

  it("a TypeError mentioning 'upstream' or 'timed out', or a Redis WRONGTYPE, is a 500", async () => {
    for (const e of [
      new TypeError("upstream timed out"),
      Object.assign(new Error("WRONGTYPE Operation against a key holding the wrong kind of value"), { name: "UpstashError" }),
    ]) {
      const res = onError(e, request as never);
      expect(res.status).toBe(500);
    }
  });
});
