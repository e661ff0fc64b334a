import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

function ivr(...args: string[]) {
  const result = spawnSync(process.execPath, ["bin/ivr.mjs", ...args], { encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("ivr validate / ivr graph", () => {
  it("exits 0 with a summary for good flows", () => {
    const { status, stdout } = ivr(
      "validate",
      "test/fixtures/ok/every-kind.yaml",
      "test/fixtures/ok/contract-example.yaml",
    );
    expect(stdout.trim()).toBe("2 flows ok");
    expect(status).toBe(0);
  });

  it("exits 1 and prints every diagnostic, tsc-style, for broken ones", () => {
    const { status, stdout } = ivr(
      "validate",
      "test/fixtures/broken/unknown-target.yaml",
      "test/fixtures/broken/digits-range.yaml",
    );
    expect(status).toBe(1);
    expect(stdout).toContain(
      "test/fixtures/broken/unknown-target.yaml:8:23 error [unknown-target] state 'biling' does not exist",
    );
    expect(stdout).toContain("  hint: did you mean 'billing'?");
    expect(stdout).toContain("test/fixtures/broken/digits-range.yaml:9:22 error [digits-range]");
    expect(stdout.trim().split("\n").at(-1)).toBe("2 errors, 1 warning in 2 flows");
  });

  it("prints a Mermaid graph by default and DOT on request", () => {
    expect(ivr("graph", "test/fixtures/ok/contract-example.yaml").stdout).toMatch(/^flowchart TD\n/);
    expect(ivr("graph", "test/fixtures/ok/contract-example.yaml", "--format", "dot").stdout).toMatch(/^digraph /);
    expect(ivr("graph", "test/fixtures/ok/contract-example.yaml", "--format", "png").status).toBe(2);
  });
});
