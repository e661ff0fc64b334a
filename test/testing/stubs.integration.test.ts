/**
 * Scenario stubs: services answered in-process per scenario (status, JSON body, delay, faults), the requests a
 * flow made asserted, a request no stub answers failing the scenario by name, and hold messages reported by
 * "8x8" without a key press. Hand-made machines: the engine and the runner do not need the flow language.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CompiledMachine } from "../../src/engine/machine.js";
import { parseScenarioFile, runScenario, TestRig } from "../../src/testing/index.js";
import { fetchState, hangupState, machineOf, menuState, say } from "../engine/fixtures.js";

const machine: CompiledMachine = machineOf(
  {
    main: menuState({ "1": "verify", "2": "held" }, { prompt: ["Press 1 to check your card."] }),
    verify: fetchState({
      method: "POST",
      path: ["/cards/", { var: "caller" }, "/verify"],
      query: { lang: ["en"] },
      body: { pin: { text: ["1234"] } },
      into: { balance: ["balance"] },
      on: { "404": "unknown", "4xx": "refused" },
      next: "speak",
      onError: "down",
      timeoutMs: 400,
    }),
    held: fetchState({ hold: [say("One moment please.")], into: { balance: ["balance"] }, next: "speak" }),
    speak: { ...hangupState(), say: [{ say: ["Your balance is ", { var: "balance" }, "."] }] },
    unknown: hangupState("We do not know that card."),
    refused: hangupState("That was refused."),
    down: hangupState("The bank is not answering."),
  },
  {
    flow: "stub-test",
    numbers: ["+6531239999"],
    services: { bank: { url: "https://bank.acme.example/v1", headers: {}, timeoutMs: 2000 } },
  },
);

let rig: TestRig;

beforeAll(async () => {
  rig = await TestRig.open({ machines: [machine] });
});

afterAll(async () => {
  await rig?.close();
});

function parse(scenarios: string) {
  return parseScenarioFile(
    `flow: stub-test\ndefaults:\n  caller: "+6591110000"\nscenarios:\n${scenarios}`,
    "inline.test.yaml",
    [machine],
  );
}

async function run(scenarios: string) {
  const file = parse(scenarios);
  expect(file.diagnostics).toEqual([]);
  return runScenario(rig, file.scenarios[0]!);
}

describe("stubbed services", () => {
  it("answer with a status and a JSON body, and the requests made are asserted", async () => {
    const result = await run(`
  - name: a known card
    services:
      bank:
        - { method: POST, path: /cards/+6591110000/verify, body: { balance: 42.5 } }
    steps:
      - press: "1"
      - hears: "Your balance is 42.5."
        requests:
          - service: bank
            method: POST
            path: /cards/%2B6591110000/verify
            query: { lang: en }
            body: { pin: "1234" }
`);
    expect(result.failure).toBeUndefined();
    expect(result.passed).toBe(true);
  });

  it("routes by status; a timeout, a refused connection and a delay past the timeout take onError", async () => {
    const cases: [string, string][] = [
      ["{ status: 404 }", "We do not know that card."],
      ["{ status: 403 }", "That was refused."],
      ["{ status: 500 }", "The bank is not answering."],
      ["{ fault: timeout }", "The bank is not answering."],
      ["{ fault: network }", "The bank is not answering."],
      ["{ delay: 1.5, body: { balance: 1 } }", "The bank is not answering."],
      ['{ text: "<html>down</html>" }', "The bank is not answering."],
    ];
    for (const [stub, heard] of cases) {
      const result = await run(`
  - name: "stub ${stub.replaceAll('"', "")}"
    services: { bank: ${stub} }
    steps:
      - press: "1"
      - hears: "${heard}"
`);
      expect(result.failure, stub).toBeUndefined();
    }
  });

  it("a stub marked once answers one request; the next stub answers the next", async () => {
    const result = await run(`
  - name: first refused, then fine
    services:
      bank:
        - { status: 403, once: true }
        - { body: { balance: 7 } }
    steps:
      - press: "1"
      - hears: "That was refused."
`);
    expect(result.passed).toBe(true);
  });

  it("a request no stub answers fails the scenario, naming it", async () => {
    const result = await run(`
  - name: nothing stubbed
    steps:
      - press: "1"
      - hears: "anything"
`);
    expect(result.passed).toBe(false);
    expect(result.failure?.error).toBe(
      "no stub answers bank POST /cards/%2B6591110000/verify?lang=en: add one under `services:` (the request got a network error)",
    );
  });

  it("a request that differs from the one expected is shown next to it", async () => {
    const result = await run(`
  - name: wrong body expected
    services: { bank: { body: { balance: 1 } } }
    steps:
      - press: "1"
      - requests: [{ method: POST, body: { pin: "9999" } }]
`);
    expect(result.failure?.mismatches).toEqual([
      {
        what: "requests[0].body",
        expected: '{"method":"POST","body":{"pin":"9999"}}',
        actual: 'bank POST /cards/%2B6591110000/verify?lang=en {"pin":"1234"}',
      },
    ]);
  });

  it("a hold message is heard, reported as played at once, and the request made on that report", async () => {
    const result = await run(`
  - name: hold then balance
    services: { bank: { path: /balance, body: { balance: 3 } } }
    steps:
      - press: "2"
      - hears: ["One moment please.", "Your balance is 3."]
        requests: [{ service: bank, method: GET, path: /balance }]
        action: hangup
`);
    expect(result.failure).toBeUndefined();
    expect(result.turns.map((t) => t.dtmf)).toEqual([undefined, "2", null]);
  });
});

describe("scenario files name only services the flow declares", () => {
  it("an unknown service gets a did-you-mean", () => {
    const file = parse(`
  - name: typo
    services: { bnak: { status: 200 } }
    steps: [{ press: "1" }]
`);
    expect(file.diagnostics).toMatchObject([
      { rule: "scenario-reference", message: "unknown service 'bnak'", hint: expect.stringContaining("bank") },
    ]);
  });
});
