/**
 * Score golden-format case files with the engine.
 *
 *   npm run -s score -- <case.json> [more.json …]      ("-" reads standard input)
 *   npm run -s score -- --pretty case.json             (indented output)
 *
 * Each file is `{ "input": {...}, "expected"?: ... }`; only `input` is used. For each file one JSON
 * object shaped like the golden `expected` (with `debug`) is printed on its own line, in argument
 * order. A file that cannot be read, is not JSON, or has a missing/invalid field gets a message on
 * stderr naming the file and the field; the other files still run, and the exit code is 2.
 */
import { readFileSync } from "node:fs";
import { GoldenCaseSchema, formatIssuePath, scoreGoldenInput, type GoldenInput } from "../../src/scoring";

const MAX_ISSUES = 10;

function usage(): never {
  process.stderr.write("usage: npm run -s score -- [--pretty] <case.json|-> [more.json …]\n");
  process.exit(2);
}

/** zod's message, with "received undefined" spelled as a missing field. */
function describeIssue(issue: { code: string; message: string; expected?: unknown }): string {
  if (issue.code === "invalid_type" && /received undefined$/.test(issue.message)) {
    return `missing (expected ${String(issue.expected)})`;
  }
  return issue.message;
}

function readSource(arg: string): string {
  return arg === "-" ? readFileSync(0, "utf8") : readFileSync(arg, "utf8");
}

function main(argv: string[]): number {
  let pretty = false;
  const files: string[] = [];
  for (const a of argv) {
    if (a === "--pretty") pretty = true;
    else if (a === "--help" || a === "-h") usage();
    else if (a.startsWith("--")) {
      process.stderr.write(`score: unknown option ${a}\n`);
      usage();
    } else files.push(a);
  }
  if (files.length === 0) usage();
  let failed = 0;
  for (const file of files) {
    const label = file === "-" ? "<stdin>" : file;
    let text: string;
    try {
      text = readSource(file);
    } catch (e) {
      process.stderr.write(`score: ${label}: cannot read: ${(e as Error).message}\n`);
      failed++;
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      process.stderr.write(`score: ${label}: invalid JSON: ${(e as Error).message}\n`);
      failed++;
      continue;
    }
    const parsed = GoldenCaseSchema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues;
      for (const issue of issues.slice(0, MAX_ISSUES)) {
        process.stderr.write(`score: ${label}: field ${formatIssuePath(issue.path)}: ${describeIssue(issue)}\n`);
      }
      if (issues.length > MAX_ISSUES) process.stderr.write(`score: ${label}: … and ${issues.length - MAX_ISSUES} more issues\n`);
      failed++;
      continue;
    }
    try {
      const result = scoreGoldenInput(parsed.data.input as GoldenInput, { debug: true });
      process.stdout.write(`${JSON.stringify(result, null, pretty ? 2 : undefined)}\n`);
    } catch (e) {
      process.stderr.write(`score: ${label}: scoring failed: ${(e as Error).message}\n`);
      failed++;
    }
  }
  return failed > 0 ? 2 : 0;
}

process.exitCode = main(process.argv.slice(2));
