/**
 * docs/integration.md's walk-through is code: its flow compiles clean and its scenario file passes, so a flow
 * that reads a balance, routes a 404 and survives a hanging back end can be written from the docs alone.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileFlowSource } from "../../src/language/index.js";
import { parseScenarioFile, runScenario, TestRig } from "../../src/testing/index.js";
import { formatResult } from "../../src/testing/report.js";
import { dynamoDbForTests } from "../support/dynamodb.js";

const doc = readFileSync("docs/integration.md", "utf8");
const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);
const flowBlock = blocks.find((b) => /^flow: balance-line$/m.test(b) && /^states:/m.test(b)) as string;
const scenarioBlock = blocks.find((b) => /^scenarios:/m.test(b)) as string;
const { machine, diagnostics } = compileFlowSource(flowBlock ?? "", "docs/integration.md");
let rig: TestRig;

beforeAll(async () => {
  const { endpoint } = await dynamoDbForTests();
  rig = await TestRig.open({ machines: machine ? [machine] : [], endpoint });
});

afterAll(async () => {
  await rig?.close();
});

describe("docs/integration.md", () => {
  it("has a balance flow that compiles without errors or warnings", () => {
    expect(diagnostics).toEqual([]);
    expect(machine?.states.balance?.kind).toBe("fetch");
  });

  it("has scenarios for it that pass", async () => {
    const file = parseScenarioFile(scenarioBlock, "docs/integration.md", machine ? [machine] : []);
    expect(file.diagnostics).toEqual([]);
    expect(file.scenarios.length).toBeGreaterThanOrEqual(4);
    for (const scenario of file.scenarios) {
      const result = await runScenario(rig, scenario);
      if (!result.passed) expect.fail(`\n${formatResult(result)}`);
    }
    const [coverage] = rig.coverage.report();
    expect(coverage?.transitions.uncovered.filter((t) => t.startsWith("balance "))).toEqual([]);
  });
});
