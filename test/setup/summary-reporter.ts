// Placeholder: prints the closing "N passed, N failed" line CI reads.
import type { Reporter, TestModule } from "vitest/node";
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>) {
    let passed = 0, failed = 0, skipped = 0;
    for (const m of modules) for (const t of m.children.allTests()) {
      const s = t.result().state;
      if (s === "passed") passed++; else if (s === "failed") failed++; else skipped++;
    }
    console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
  }
}
