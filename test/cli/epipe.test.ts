/**
 * `ivr` writing into a pipe whose reader has gone (`ivr graph flow.yaml | head -1`, a pager quit early) must not
 * die with an EPIPE stack trace; it stops writing quietly and keeps its own exit status.
 */
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";

interface Run {
  status: number | null;
  stderr: string;
}

/** Run `ivr` with a stdout whose reading end is closed before the command gets to write anything. */
function ivrIntoClosedPipe(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/ivr.mjs", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    // Starting tsx takes far longer than this: every write the command makes finds no reader.
    child.stdout.destroy();
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (text: string) => {
      stderr += text;
    });
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stderr }));
  });
}

describe("ivr into a closed pipe", () => {
  it("ivr graph: no stack trace, exit 0", async () => {
    const { status, stderr } = await ivrIntoClosedPipe("graph", "test/fixtures/ok/contract-example.yaml");
    expect(stderr).toBe("");
    expect(status).toBe(0);
  });

  it("ivr --help (written by the entry point itself): no stack trace, exit 0", async () => {
    const { status, stderr } = await ivrIntoClosedPipe("--help");
    expect(stderr).toBe("");
    expect(status).toBe(0);
  });

  it("keeps the command's own exit status: ivr validate on a broken flow still exits 1", async () => {
    const { status, stderr } = await ivrIntoClosedPipe("validate", "test/fixtures/broken/unknown-target.yaml");
    expect(stderr).not.toContain("EPIPE");
    expect(status).toBe(1);
  });
});
