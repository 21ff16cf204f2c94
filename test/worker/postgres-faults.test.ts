/**
 * Postgres failures through the Worker's real driver path (inside workerd): the Neon stand-in's fault
 * switch answers as Neon does for a suspended / unreachable / restarting compute or a cancelled query,
 * and the API must answer 503 + Retry-After; a wrong password (a misconfiguration) is a 500, not a
 * "retry shortly". The faults are scoped to this file's connection string (`standin_scope`), so the
 * other test files sharing the stand-in are not affected.
 */
import { afterEach, describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { call } from "./api/helpers";
import { ErrorBody } from "../../src/http/v2/schemas";

const SCOPE = `postgres-faults-${crypto.randomUUID()}`;
const scoped = { ...env, DATABASE_URL: `${env.DATABASE_URL}?standin_scope=${SCOPE}` };
const faultUrl = `${new URL(env.NEON_HTTP_ENDPOINT!).origin}/__standin/fault`;

async function setFault(fault: Record<string, unknown>) {
  const res = await fetch(faultUrl, { method: "PUT", body: JSON.stringify({ ...fault, scope: SCOPE }) });
  expect(res.status).toBe(200);
}

afterEach(async () => {
  await fetch(`${faultUrl}?scope=${SCOPE}`, { method: "DELETE" });
});

describe("Postgres faults through the real driver", () => {
  it("a healthy stand-in answers the scoped connection string", async () => {
    expect((await call("/routes?limit=1", {}, scoped)).status).toBe(200);
  });

  for (const mode of ["control-plane-unavailable", "compute-unreachable", "cannot-connect-now", "admin-shutdown", "query-cancelled", "reset"]) {
    it(`${mode}: 503 upstream_unavailable with Retry-After`, async () => {
      await setFault({ mode });
      const res = await call("/routes?limit=1", {}, scoped);
      expect(res.status).toBe(503);
      expect(res.headers.get("Retry-After")).toBe("30");
      expect(ErrorBody.parse(await res.json()).error.code).toBe("upstream_unavailable");
    });
  }

  it("the fault is limited to its scope and its count", async () => {
    await setFault({ mode: "control-plane-unavailable", times: 1 });
    expect((await call("/routes?limit=1")).status).toBe(200); // other connection strings are not affected
    expect((await call("/routes?limit=1", {}, scoped)).status).toBe(503);
    expect((await call("/routes?limit=1", {}, scoped)).status).toBe(200);
  });

  it("a wrong password is a misconfiguration: 500 internal_error, not a retry-shortly 503", async () => {
    const url = new URL(env.DATABASE_URL);
    url.password = "not-the-password";
    const res = await call("/routes?limit=1", {}, { ...env, DATABASE_URL: url.toString() });
    expect(res.status).toBe(500);
    expect(ErrorBody.parse(await res.json()).error.code).toBe("internal_error");
  });
});
