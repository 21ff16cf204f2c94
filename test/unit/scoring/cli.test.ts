/**
 * tools/cli/score.ts end to end: `npx tsx tools/cli/score.ts …` on golden files, stdin and malformed files.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GOLDEN_DIR, REPO_ROOT, compareGolden, loadGoldenCases } from "./golden-compare";

function runCli(args: string[], input?: string) {
  const r = spawnSync("npx", ["tsx", "tools/cli/score.ts", ...args], {
    cwd: REPO_ROOT,
    input,
    encoding: "utf8",
    timeout: 60_000,
  });
  // npm may print its own config warnings on stderr; keep only the CLI's lines.
  const stderr = r.stderr
    .split("\n")
    .filter((l) => l.startsWith("score:") || l.startsWith("usage:"))
    .join("\n");
  return { status: r.status, stdout: r.stdout, stderr };
}

const tmp = mkdtempSync(path.join(tmpdir(), "score-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const golden = loadGoldenCases();
const small = golden.find((c) => c.name === "case-04.json") ?? golden[0]!;

describe("tools/cli/score.ts", () => {
  it("scores a golden file and prints `expected` with debug", () => {
    const r = runCli([small.file]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines.length).toBe(1);
    const out = JSON.parse(lines[0]!);
    expect(Object.keys(out)).toEqual(Object.keys(small.data.expected));
    expect(compareGolden(out, small.data.expected)).toEqual([]);
  });

  it("prints one line per file, in argument order, and reads '-' from stdin", () => {
    const other = golden.find((c) => c !== small)!;
    const r = runCli([small.file, "-"], readFileSync(other.file, "utf8"));
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines.length).toBe(2);
    expect(compareGolden(JSON.parse(lines[0]!), small.data.expected)).toEqual([]);
    expect(compareGolden(JSON.parse(lines[1]!), other.data.expected)).toEqual([]);
  });

  it("a malformed file: exit 2, message names the file and the field, other files still run", () => {
    const data = JSON.parse(readFileSync(small.file, "utf8"));
    delete data.input.accidents[2].latitude;
    data.input.route.elevation_m = "high";
    const bad = path.join(tmp, "bad-case.json");
    writeFileSync(bad, JSON.stringify(data));
    const notJson = path.join(tmp, "not-json.json");
    writeFileSync(notJson, "{ nope");
    const r = runCli([bad, small.file, notJson]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${bad}: field input.accidents[2].latitude: missing`);
    expect(r.stderr).toContain(`${bad}: field input.route.elevation_m:`);
    expect(r.stderr).toMatch(new RegExp(`${notJson.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: invalid JSON`));
    const lines = r.stdout.trim().split("\n");
    expect(lines.length).toBe(1);
    expect(compareGolden(JSON.parse(lines[0]!), small.data.expected)).toEqual([]);
  });

  it("an invalid target date or a missing file fails with exit 2", () => {
    const data = JSON.parse(readFileSync(small.file, "utf8"));
    data.input.target_date = "2025-02-30";
    const bad = path.join(tmp, "bad-date.json");
    writeFileSync(bad, JSON.stringify(data));
    const missing = path.join(GOLDEN_DIR, "does-not-exist.json");
    const r = runCli([bad, missing]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${bad}: field input.target_date:`);
    expect(r.stderr).toContain(`${missing}: cannot read`);
    expect(r.stdout).toBe("");
  });

  it("without arguments prints usage and exits 2", () => {
    const r = runCli([]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("usage:");
  });
});
