/**
 * Prints the closing plain line CI reads: `N passed, N failed` with vitest's test counts, then
 * `, N skipped` when tests were skipped or todo, then `, N errors` when something failed outside a
 * test (a test file that could not load, an error in a hook, an unhandled error), so a broken file
 * never shows as `0 failed` without notice. No colours, always the last thing this reporter prints.
 */
import type { Reporter, SerializedError, TestModule, TestRunEndReason } from "vitest/node";

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>, _reason: TestRunEndReason) {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    let errors = unhandledErrors.length;
    for (const m of modules) {
      errors += m.errors().length;
      for (const suite of m.children.allSuites()) errors += suite.errors().length;
      for (const t of m.children.allTests()) {
        const s = t.result().state;
        if (s === "passed") passed++;
        else if (s === "failed") failed++;
        else skipped++;
      }
    }
    const line = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}${errors ? `, ${errors} errors` : ""}`;
    process.stdout.write(`\n${line}\n`);
  }
}
