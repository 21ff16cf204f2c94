/**
 * Size budgets against Neon's HTTP limits, on the shared reference dataset (imported by the global
 * setup through the Neon stand-in): the import's largest `sql.transaction` request and the corpus
 * query's answer must each stay under half of Neon's limit (64 MB), so growth of the data shows up
 * here long before production answers 413/507. (The Upstash budget — the largest request of a warming
 * run of the top 200 routes under half of 10 MB — is asserted in test/worker/warming.test.ts.)
 */
import { describe, expect, inject, it } from "vitest";
import { NEON_MAX_REQUEST_BYTES, NEON_MAX_RESPONSE_BYTES, startNeonHttp } from "../../../dev/neon-http.ts";
import { loadAccidentInputs } from "../../../src/data/accidents.ts";
import { createSql } from "../../../src/data/db.ts";

describe("budgets against Neon's HTTP limits", () => {
  it("the largest import transaction (tools/data/importer.ts) is under half of Neon's request limit", () => {
    expect(inject("dataset")).toMatch(/^shared dataset \(\d+ routes\)$/);
    const bytes = inject("importMaxRequestBytes");
    expect(bytes).toBeGreaterThan(1_000_000); // the whole reference export went through
    expect(bytes).toBeLessThan(NEON_MAX_REQUEST_BYTES / 2);
    console.log(`budget: largest import request ${bytes} bytes = ${((100 * bytes) / NEON_MAX_REQUEST_BYTES).toFixed(1)} % of Neon's ${NEON_MAX_REQUEST_BYTES}`);
  });

  it("the corpus query's answer (src/data/accidents.ts, the Worker's call) is under half of Neon's response limit", async () => {
    const srv = await startNeonHttp({ databaseUrl: inject("databaseUrl"), webSocket: false });
    try {
      const accidents = await loadAccidentInputs(createSql(srv.connectionString, srv.endpoint));
      expect(accidents.length).toBeGreaterThan(1000);
      const { queries, maxResponseBytes } = srv.stats();
      expect(queries).toBe(1);
      expect(maxResponseBytes).toBeGreaterThan(1_000_000);
      expect(maxResponseBytes).toBeLessThan(NEON_MAX_RESPONSE_BYTES / 2);
      console.log(
        `budget: corpus answer ${maxResponseBytes} bytes for ${accidents.length} accidents = ${((100 * maxResponseBytes) / NEON_MAX_RESPONSE_BYTES).toFixed(1)} % of Neon's ${NEON_MAX_RESPONSE_BYTES}`,
      );
    } finally {
      await srv.close();
    }
  });
});
