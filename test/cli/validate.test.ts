/** `ivr validate` with folders: a folder stands for its flows, scenario files excepted. */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

function ivr(args: string[]) {
  const run = spawnSync(process.execPath, ["bin/ivr.mjs", "validate", ...args], { encoding: "utf8" });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("ivr validate", () => {
  it("takes a folder (its *.yaml flows, not its *.test.yaml scenarios)", () => {
    const { code, stdout } = ivr(["flows"]);
    expect(stdout.trim()).toBe("3 flows ok");
    expect(code).toBe(0);
  });

  it("fails on a folder of broken flows, with every file's diagnostics", () => {
    const { code, stdout } = ivr(["test/fixtures/broken"]);
    expect(stdout).toMatch(/test\/fixtures\/broken\/unknown-target\.yaml:\d+:\d+ error \[unknown-target\]/);
    expect(stdout).toMatch(/test\/fixtures\/broken\/yaml-syntax\.yaml:\d+:\d+ error/);
    expect(code).toBe(1);
  });
});
