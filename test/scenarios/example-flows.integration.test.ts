/**
 * The scenario files next to the example flows (flows/*.test.yaml), one vitest test per scenario, on the real
 * handlers and the run's DynamoDB Local: a flow change that breaks a scenario fails `npm test`. Then the coverage
 * they reach together, which must be every state and every transition.
 *
 * Every scenario runs once, before the tests (beforeAll), and each test reads its own result: the coverage test
 * holds whatever order the tests run in and whichever of them a filter (-t) selects.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  loadScenarioFile,
  runScenarios,
  type Scenario,
  type ScenarioResult,
  scenarioFilesIn,
  type TestRig,
} from "../../src/testing/index.js";
import { formatCoverage, formatResult } from "../../src/testing/report.js";
import { exampleFlowRig, exampleMachines } from "../support/rig.js";

const machines = exampleMachines;
const files = scenarioFilesIn(["flows"]).map((file) => loadScenarioFile(file, machines));
const scenarios = files.flatMap((f) => f.scenarios);

let rig: TestRig;
const results = new Map<Scenario, ScenarioResult>();

beforeAll(async () => {
  rig = await exampleFlowRig();
  const all = await runScenarios(rig, scenarios);
  for (const [i, result] of all.entries()) results.set(scenarios[i] as Scenario, result);
});

afterAll(async () => {
  await rig?.close();
});

describe("example flow scenarios", () => {
  it("every example flow has a scenario file", () => {
    const tested = new Set(files.map((f) => f.flow));
    expect(machines.map((m) => m.flow).filter((flow) => !tested.has(flow))).toEqual([]);
  });

  for (const file of files) {
    describe(file.file, () => {
      it("is a valid scenario file", () => {
        expect(file.diagnostics).toEqual([]);
      });
      for (const scenario of file.scenarios) {
        it(scenario.name, () => {
          const result = results.get(scenario);
          if (!result) expect.fail("the scenario did not run");
          if (!result.passed) expect.fail(`\n${formatResult(result)}`);
        });
      }
    });
  }

  it("reach every state and every transition of every example flow", () => {
    expect(results.size).toBe(scenarios.length);
    const coverage = rig.coverage.report();
    const incomplete = coverage.filter((c) => c.states.uncovered.length + c.transitions.uncovered.length > 0);
    if (incomplete.length > 0) expect.fail(`\n${formatCoverage(coverage)}`);
  });
});
