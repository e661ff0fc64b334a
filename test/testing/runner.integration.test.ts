/**
 * The scenario runner and its report, on the real handlers and DynamoDB Local: passing and failing scenarios,
 * the diff a failure prints, hang-ups and summaries, and the TypeScript `dial` API.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  dial,
  hangUpAll,
  loadScenarioFile,
  parseScenarioFile,
  runScenario,
  type TestRig,
} from "../../src/testing/index.js";
import { formatResult, jsonReport } from "../../src/testing/report.js";
import { exampleFlowRig, exampleMachines } from "../support/rig.js";

const machines = exampleMachines;
const OPEN = new Date("2026-11-24T10:00:00+08:00"); // a Tuesday morning in Singapore
/** Acme's CRM does not know the caller (acme-support looks every caller up). */
const UNKNOWN_CALLER = [{ service: "crm", status: 404 }];
let rig: TestRig;

beforeAll(async () => {
  rig = await exampleFlowRig();
});

afterAll(async () => {
  await rig?.close();
  await hangUpAll();
});

function scenarios(yaml: string) {
  const file = parseScenarioFile(yaml, "inline.test.yaml", machines);
  expect(file.diagnostics).toEqual([]);
  return file.scenarios;
}

describe("a deliberately broken scenario", () => {
  it("fails at the step that differs, with expected and actual side by side and the call so far", async () => {
    const file = loadScenarioFile("test/fixtures/scenarios/broken.test.yaml", machines);
    const [broken, fine] = file.scenarios;
    const result = await runScenario(rig, broken!);
    expect(result.passed).toBe(false);
    expect(result.failure?.line).toBe(11);
    expect(result.failure?.mismatches).toEqual([
      { what: "transferTo", expected: "+6560000000", actual: "+6560000006" },
      { what: "recorded", expected: "true", actual: "false" },
    ]);
    const printed = formatResult(result);
    expect(printed).toContain("✗ sales is wrongly expected to be recorded at the operator's number");
    expect(printed).toContain("at test/fixtures/scenarios/broken.test.yaml:11: expect hears, transferTo, recorded");
    expect(printed).toMatch(/transferTo\n\s+- expected: \+6560000000\n\s+\+ actual: {3}\+6560000006/);
    expect(printed).toContain("> 3");
    expect(printed).toContain("< Connecting you to our sales team.");
    expect((await runScenario(rig, fine!)).passed).toBe(true);
  });

  it("names what was heard when the text differs", async () => {
    const [scenario] = scenarios(`flow: acme-support
defaults: { services: { crm: { status: 404 } } }
scenarios:
  - name: wrong greeting
    at: "2026-11-24T10:00:00+08:00"
    steps:
      - hears: ["Welcome to Acme", /opening hours/i]
`);
    const result = await runScenario(rig, scenario!);
    expect(result.failure?.mismatches).toHaveLength(1);
    expect(result.failure?.mismatches[0]).toMatchObject({ what: "hears", expected: '"Welcome to Acme"' });
    expect(result.failure?.mismatches[0]?.actual).toContain('"Thank you for calling Acme."');
  });

  it("reports a key pressed after the call ended as an error of that step", async () => {
    const [scenario] = scenarios(`flow: acme-support
defaults: { services: { crm: { status: 404 } } }
scenarios:
  - name: presses on after the transfer
    at: "2026-11-24T10:00:00+08:00"
    steps:
      - press: "3"
      - press: "1"
`);
    const result = await runScenario(rig, scenario!);
    expect(result.failure).toMatchObject({
      line: 8,
      step: 'press "1"',
      error: expect.stringMatching(/call has ended/),
    });
  });
});

describe("scenario features", () => {
  it("a caller hanging up mid-flow sends the session summary, which is checked", async () => {
    const [scenario] = scenarios(`flow: acme-support
defaults: { services: { crm: { status: 404 } } }
scenarios:
  - name: hangs up in the billing menu
    at: "2026-11-24T10:00:00+08:00"
    steps:
      - press: "1"
      - state: billing
      - hangup
      - ended: true
    summary:
      status: COMPLETED
      finalState: billing
      path: [welcome, lookup-caller, office-hours, main, billing]
`);
    const result = await runScenario(rig, scenario!);
    expect(result.failure).toBeUndefined();
  });

  it("a wrong summary expectation fails with the stored path", async () => {
    const [scenario] = scenarios(`flow: acme-support
defaults: { services: { crm: { status: 404 } } }
scenarios:
  - name: expects a path not taken
    at: "2026-11-24T10:00:00+08:00"
    steps:
      - press: "2"
    summary: { path: [main, billing] }
`);
    const result = await runScenario(rig, scenario!);
    expect(result.failure?.step).toBe("summary");
    expect(result.failure?.mismatches[0]).toMatchObject({ what: "summary.path" });
    expect(result.failure?.mismatches[0]?.actual).toContain("main → tech");
  });

  it("the JSON report carries failures with their transcript, and coverage", async () => {
    const [scenario] = scenarios(`flow: acme-support
defaults: { services: { crm: { status: 404 } } }
scenarios:
  - name: wrong state
    at: "2026-11-24T10:00:00+08:00"
    steps: [{ state: billing }]
`);
    const result = await runScenario(rig, scenario!);
    const json = jsonReport([result], rig.coverage.report());
    expect(json.passed).toBe(false);
    expect(json.scenarios[0]).toMatchObject({
      name: "wrong state",
      passed: false,
      failure: { mismatches: [{ what: "state", expected: "billing", actual: "main" }] },
    });
    expect(json.coverage.map((c) => c.flow).sort()).toEqual(machines.map((m) => m.flow).sort());
  });
});

describe("dial(): replays written in TypeScript", () => {
  it("places a call, presses keys and reads what the caller heard", async () => {
    const call = await dial("acme-support", { at: OPEN, services: UNKNOWN_CALLER });
    expect(call.heard()).toMatch(/For billing and payments, press 1/);
    expect(call.action).toBe("capture");
    await call.press("1");
    expect(call.heard()).toMatch(/^Billing\./);
    await call.silence();
    expect(call.heard()).toMatch(/Billing\./); // re-prompted after no input
    await call.press("2");
    expect(call.action).toBe("transfer");
    expect(call.transferTo).toBe("+6560000003");
    expect(await call.state()).toBe("disputes");
    const summary = await call.hangup();
    expect(summary).toMatchObject({ flow: "acme-support", finalState: "disputes", sessionStatus: "COMPLETED" });
  });

  it("applies the prompt's capture settings to the keys pressed, as 8x8 does", async () => {
    const call = await dial("acme-support", { at: OPEN, services: UNKNOWN_CALLER });
    await call.press("1");
    await call.press("1");
    // The account prompt takes 8 digits ended by #: the 9th key is not captured.
    await call.press("123456789#");
    expect(await call.vars()).toMatchObject({ account: "12345678" });
  });

  it("dials outbound flows as `ivr dial` does", async () => {
    const inputs = { patient: "Ann Lee", clinic: "Harbourfront Dental", time: "tomorrow at 10:30" };
    const call = await dial("appointment-reminder", { at: OPEN, inputs });
    expect(call.heard()).toContain("Hello Ann Lee.");
    expect(call.action).toBe("capture");
    expect((await call.session())?.session.direction).toBe("OUTBOUND");
  });

  it("refuses an unknown flow with the known ones", async () => {
    await expect(dial("acme-suport")).rejects.toThrow(/no flow "acme-suport" \(flows: .*acme-support/);
  });
});
