/**
 * The README's examples are code: its flow compiles clean and its scenarios pass, against the example flows,
 * on the real handlers and DynamoDB Local. A README that lies to a newcomer is a bug.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileFlowSource } from "../../src/language/index.js";
import { parseScenarioFile, runScenario, type TestRig } from "../../src/testing/index.js";
import { formatResult } from "../../src/testing/report.js";
import { dynamoDbForTests } from "../support/dynamodb.js";
import { runIvr } from "../support/ivr.js";
import { exampleFlowRig, exampleMachines } from "../support/rig.js";

const readme = readFileSync("README.md", "utf8");
const yamlBlocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);
const flowBlock = yamlBlocks.find((b) => /^states:/m.test(b));
const scenarioBlock = yamlBlocks.find((b) => /^scenarios:/m.test(b));
const machines = exampleMachines;
let rig: TestRig;

beforeAll(async () => {
  rig = await exampleFlowRig();
});

afterAll(async () => {
  await rig?.close();
});

describe("README", () => {
  it("shows the two commands first", () => {
    expect(readme.indexOf("npm install && npm start")).toBeLessThan(readme.indexOf("## "));
    expect(readme.indexOf("npm test")).toBeLessThan(readme.indexOf("## "));
  });

  it("dials outbound-only flows with --from, which they need (they have no number of their own)", () => {
    const dials = [...readme.matchAll(/npx ivr dial (\S+)([^\n]*)/g)];
    expect(dials.length).toBeGreaterThan(0);
    for (const [line, flow, rest] of dials) {
      const machine = machines.find((m) => m.flow === flow);
      if (flow === "<flow>") continue; // the commands table
      expect(machine, line).toBeDefined();
      if (machine?.numbers.length === 0) expect(rest, line).toMatch(/--from \+\d+/);
    }
  });

  it("shows `ivr replay`'s output as it really prints it", async () => {
    const example = /```sh\n\$ npx ivr (replay [^\n]+)\n```\n```json\n([\s\S]*?)```/.exec(readme);
    expect(example).not.toBeNull();
    const [, command, printed] = example as unknown as [string, string, string];
    const { endpoint } = await dynamoDbForTests();
    // acme-support looks the caller up in its CRM first: a closed loopback port here (no network in tests), the
    // same answer a newcomer gets without the example back end
    const env = { DYNAMODB_ENDPOINT: endpoint, CALLFLOW_SERVICE_URL_crm: "http://127.0.0.1:9" };
    const run = await runIvr(command.split(" "), { env });
    expect(run.code).toBe(0);
    // if the flow changed, paste this output into the README
    expect(run.stdout).toBe(printed);
  });

  it("has a flow example that compiles without errors or warnings", () => {
    expect(flowBlock).toBeDefined();
    const { machine, diagnostics } = compileFlowSource(flowBlock as string, "README.md");
    expect(diagnostics).toEqual([]);
    expect(machine?.flow).toBe("pizza");
  });

  it("has a scenario example that passes", async () => {
    expect(scenarioBlock).toBeDefined();
    const file = parseScenarioFile(scenarioBlock as string, "README.md", machines);
    expect(file.diagnostics).toEqual([]);
    // an example whose scenarios were lost (a YAML slip) would otherwise pass by running nothing
    expect(file.scenarios.length).toBeGreaterThan(0);
    for (const scenario of file.scenarios) {
      const result = await runScenario(rig, scenario);
      if (!result.passed) expect.fail(`\n${formatResult(result)}`);
    }
  });
});
