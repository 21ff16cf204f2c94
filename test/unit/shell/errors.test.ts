import { describe, expect, it } from "vitest";
import { isUnavailable } from "../../../src/http/router";

const pgError = (code: string, message = "boom") => Object.assign(new Error(message), { name: "NeonDbError", code });

describe("isUnavailable: which errors are 503 (a backing service is down) rather than 500", () => {
  it("treats connection failures as unavailable", () => {
    expect(isUnavailable(new Error("Error connecting to database: TypeError: fetch failed"))).toBe(true);
    expect(isUnavailable(Object.assign(new Error("Failed to fetch"), { name: "UpstashError" }))).toBe(true);
    expect(isUnavailable(new Error("connect ECONNREFUSED 127.0.0.1:5432"))).toBe(true);
    expect(isUnavailable(pgError("08006"))).toBe(true);
    expect(isUnavailable(pgError("57P01"))).toBe(true);
    expect(isUnavailable(pgError("53300"))).toBe(true);
  });

  it("treats query errors with a SQLSTATE as bugs, not outages", () => {
    expect(isUnavailable(pgError("22003", "value out of range for type integer"))).toBe(false);
    expect(isUnavailable(pgError("42601", "syntax error at or near"))).toBe(false);
    expect(isUnavailable(pgError("23505", "duplicate key value violates unique constraint"))).toBe(false);
    expect(isUnavailable(new TypeError("Cannot read properties of undefined"))).toBe(false);
  });
});
