/**
 * `ivr test` as users run it: a subprocess of bin/ivr.mjs on the run's shared DynamoDB Local.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dynamoDbForTests } from "../support/dynamodb.js";
import { runIvr } from "../support/ivr.js";

const FLOW = `flow: tiny
numbers: ["+6531119999"]
start: main
states:
  main:
    menu:
      prompt: "For sales press 1. For support press 2."
      options: { "1": sales, "2": support }
      noInput: "Sorry, I did not hear anything."
      onExhausted: bye
  sales:
    transfer: { to: "+6560000006" }
  support:
    transfer: { to: "+6560000007" }
  bye:
    hangup: { say: "Goodbye." }
`;

const PASSING = `flow: tiny
scenarios:
  - name: sales
    steps: [{ press: "1" }, { transferTo: "+6560000006" }]
  - name: silence until goodbye
    steps: [silence, silence, silence, { hears: Goodbye., action: hangup }]
`;

const FAILING = `flow: tiny
scenarios:
  - name: support is not sales
    steps:
      - press: "2"
      - transferTo: "+6560000006"
`;

let dir: string;
let endpoint: string;

function ivr(args: string[]) {
  return runIvr(["test", "--flows", dir, ...args], { env: { DYNAMODB_ENDPOINT: endpoint, NO_COLOR: "1" } });
}

beforeAll(async () => {
  ({ endpoint } = await dynamoDbForTests());
  dir = mkdtempSync(join(tmpdir(), "callflow-test-cli-"));
  writeFileSync(join(dir, "tiny.yaml"), FLOW);
  writeFileSync(join(dir, "tiny.test.yaml"), PASSING);
  writeFileSync(join(dir, "failing.scenarios.yaml"), FAILING);
  writeFileSync(join(dir, "typo.scenarios.yaml"), PASSING.replace("flow: tiny", "flow: tinny"));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("ivr test", () => {
  it("passes, prints each scenario and the coverage table naming what was not reached", async () => {
    const { code, stdout } = await ivr([join(dir, "tiny.test.yaml")]);
    expect(stdout).toContain("✓ sales");
    expect(stdout).toContain("✓ silence until goodbye");
    expect(stdout).toMatch(/tiny\s+3\/4\s+75%\s+3\/5\s+60%/);
    expect(stdout).toContain("state       support");
    expect(stdout).toContain("transition  main --2--> support");
    expect(stdout).toContain("transition  main --noMatch--> main");
    expect(stdout).toContain("Scenarios: 2 passed (2)");
    expect(code).toBe(0);
  });

  it("exits 1 under --min-coverage", async () => {
    const { code, stdout } = await ivr([join(dir, "tiny.test.yaml"), "--min-coverage", "100"]);
    expect(stdout).toContain("coverage of tiny is under 100%");
    expect(code).toBe(1);
  });

  it("exits 1 on a failing scenario and prints the diff", async () => {
    const { code, stdout } = await ivr([join(dir, "failing.scenarios.yaml")]);
    expect(stdout).toContain("✗ support is not sales");
    expect(stdout).toContain("- expected: +6560000006");
    expect(stdout).toContain("+ actual:   +6560000007");
    expect(code).toBe(1);
  });

  it("prints machine-readable JSON with --json", async () => {
    const { code, stdout } = await ivr([join(dir, "tiny.test.yaml"), join(dir, "failing.scenarios.yaml"), "--json"]);
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.passed).toBe(false);
    expect(report.scenarios.map((s: { name: string; passed: boolean }) => [s.name, s.passed])).toEqual([
      ["sales", true],
      ["silence until goodbye", true],
      ["support is not sales", false],
    ]);
    expect(report.coverage[0]).toMatchObject({ flow: "tiny", states: { total: 4, covered: 4, percent: 100 } });
  });

  it("refuses a scenario file naming an unknown flow, with a position and a suggestion", async () => {
    const { code, stderr } = await ivr([join(dir, "typo.scenarios.yaml")]);
    expect(stderr).toContain("typo.scenarios.yaml:1:7 error [scenario-reference] unknown flow 'tinny'");
    expect(stderr).toContain("did you mean 'tiny'?");
    expect(code).toBe(1);
  });
});
