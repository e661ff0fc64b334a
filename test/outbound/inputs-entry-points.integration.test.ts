/**
 * Inputs at the entry points that run without the flow language: scenario files and the TestRig, and the call
 * placement `ivr dial` and the dispatcher share, against a loopback fake 8x8 and DynamoDB Local.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputsError } from "../../src/outbound/inputs.js";
import { placeOutboundCall } from "../../src/outbound/place-call.js";
import { DynamoSessionStore } from "../../src/store/dynamodb-session-store.js";
import { parseScenarioFile, runScenario, TestRig } from "../../src/testing/index.js";
import { VoiceApiClient } from "../../src/voice-api/client.js";
import { NOW } from "../engine/fixtures.js";
import { dynamoDbForTests } from "../support/dynamodb.js";
import { Fake8x8 } from "../voice-api/fake-8x8.js";
import { REMINDER_FROM, reminderMachine } from "./fixtures.js";

const machine = reminderMachine();
let rig: TestRig;
let fake: Fake8x8;

beforeAll(async () => {
  const { endpoint } = await dynamoDbForTests();
  rig = await TestRig.open({ machines: [machine], endpoint });
  fake = await new Fake8x8().start();
});

afterAll(async () => {
  await rig?.close();
  await fake?.stop();
});

describe("scenario files", () => {
  const file = (body: string) => parseScenarioFile(`flow: reminder\n${body}`, "reminder.test.yaml", [machine]);

  it("place the call outbound with the defaults' inputs and the scenario's own on top", async () => {
    const { scenarios, diagnostics } = file(`defaults:
  inputs: { patient: "Ann Lee", clinic: "Harbourfront", time: "10:30" }
scenarios:
  - name: the reminder speaks the inputs
    inputs: { time: "11:45", pin: "1234" }
    steps:
      - hears: "Hello Ann Lee. Your appointment at Harbourfront is at 11:45."
        vars: { patient: "Ann Lee", pin: "1234" }
      - press: "1"
      - hears: "Thank you"
    summary: { vars: { pin: "****", time: "11:45" } }
`);
    expect(diagnostics).toEqual([]);
    expect(scenarios[0]?.inputs).toEqual({ patient: "Ann Lee", clinic: "Harbourfront", time: "11:45", pin: "1234" });
    const result = await runScenario(rig, scenarios[0]!);
    expect(result.failure).toBeUndefined();
  });

  it("fail at dial with the flow's reasons when the inputs are refused", async () => {
    const { scenarios } = file(`scenarios:
  - name: no patient
    inputs: { time: "soon" }
    steps: [{ action: capture }]
`);
    const result = await runScenario(rig, scenarios[0]!);
    expect(result.failure?.step).toBe("dial");
    expect(result.failure?.error).toMatch(
      /the call was refused: flow reminder: input 'patient' is required; input 'time' does not match/,
    );
  });

  it("point at an input the flow does not declare", () => {
    const { diagnostics } = file(`scenarios:
  - name: typo
    inputs: { patinet: "Ann" }
    steps: [silence]
`);
    expect(diagnostics).toEqual([
      expect.objectContaining({ line: 4, rule: "scenario-reference", message: "unknown input 'patinet'" }),
    ]);
    expect(diagnostics[0]?.hint).toMatch(/patient/);
  });
});

describe("placeOutboundCall", () => {
  const api = () => new VoiceApiClient({ apiKey: "k", subAccountId: "acme", baseUrl: fake.baseUrl, maxRetries: 0 });

  it("sends the first answer with the inputs filled in and stores the session with them", async () => {
    const { doc } = await dynamoDbForTests();
    const sessions = new DynamoSessionStore(doc);
    const before = fake.requests.length;
    const placed = await placeOutboundCall(
      { api: api(), sessions },
      {
        machine,
        from: REMINDER_FROM,
        to: "+6590000123",
        inputs: { patient: "Ann Lee", time: "10:30", pin: "4321" },
        now: NOW,
        validUntil: new Date(NOW.getTime() + 60_000),
      },
    );
    const body = fake.requests[before]?.body as { callflow: { action: string; params: { text?: string } }[] };
    expect(body.callflow[0]?.action).toBe("makeCall");
    expect(body.callflow[1]?.params.text).toBe("Hello Ann Lee. Your appointment at  is at 10:30.");
    const record = await sessions.get(placed.sessionId, NOW);
    expect(record?.session.vars).toMatchObject({ patient: "Ann Lee", clinic: "", time: "10:30", pin: "4321" });
  });

  it("refuses bad inputs before sending anything to 8x8", async () => {
    const { doc } = await dynamoDbForTests();
    const before = fake.requests.length;
    await expect(
      placeOutboundCall(
        { api: api(), sessions: new DynamoSessionStore(doc) },
        { machine, from: REMINDER_FROM, to: "+6590000123", inputs: {}, now: NOW, validUntil: NOW },
      ),
    ).rejects.toThrow(InputsError);
    expect(fake.requests.length).toBe(before);
  });
});
