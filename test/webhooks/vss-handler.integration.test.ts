/** The VSS webhook end to end on DynamoDB Local: the summary is stored once, next to our view of the call. */
import { beforeAll, describe, expect, it } from "vitest";
import { createDocumentClient } from "../../src/store/dynamodb-client.js";
import { DynamoFlowVersionStore } from "../../src/store/dynamodb-flow-version-store.js";
import { DynamoSessionStore } from "../../src/store/dynamodb-session-store.js";
import { DynamoSummaryStore } from "../../src/store/dynamodb-summary-store.js";
import { authenticatorFromEnv } from "../../src/webhooks/auth.js";
import { MAX_WEBHOOK_BODY_BYTES } from "../../src/webhooks/http-handlers.js";
import { dynamoDbForTests } from "../support/dynamodb.js";
import { fixture } from "./fixtures.js";
import {
  compile,
  type Harness,
  harness,
  jsonOfSize,
  post,
  postSummary,
  proxyEvent,
  registry,
  SimulatedCall,
  uniqueNumber,
} from "./harness.js";

const NUMBER = uniqueNumber();
const PIN_FLOW = compile(`
flow: pin-line
numbers: ["${NUMBER}"]
start: pin
states:
  pin:
    ask:
      prompt: "Enter your PIN."
      into: pin
      digits: { min: 4, max: 4 }
      sensitive: true
      next: note
  note:
    set: { topic: billing }
    next: bye
  bye: { hangup: { say: "Thank you." } }
`);

let sessions: DynamoSessionStore;
let summaries: DynamoSummaryStore;
let versions: DynamoFlowVersionStore;

beforeAll(async () => {
  const ddb = await dynamoDbForTests();
  sessions = new DynamoSessionStore(ddb.doc);
  summaries = new DynamoSummaryStore(ddb.doc);
  versions = new DynamoFlowVersionStore(ddb.doc);
});

function newHarness(overrides: Partial<Parameters<typeof harness>[0]> = {}): Harness {
  return harness({ sessions, summaries, flows: registry([PIN_FLOW], versions), ...overrides });
}

async function completedCall(h: Harness): Promise<SimulatedCall> {
  const call = new SimulatedCall(NUMBER);
  const first = await post(h, call.received());
  const end = await post(h, call.completed("4321", first.answer.clientActionId));
  expect(end.answer.callflow.at(-1)).toEqual({ action: "hangup" });
  return call;
}

describe("VSS", () => {
  it("stores the summary with flow, version, path, final state and masked sensitive variables", async () => {
    const h = newHarness();
    const call = await completedCall(h);
    const answered = await postSummary(h, call.summary("COMPLETED"));
    expect(answered).toEqual({ status: 200, json: { ok: true, created: true } });

    const stored = await summaries.get(call.sessionId);
    expect(stored).toMatchObject({
      sessionId: call.sessionId,
      subAccountId: "test_account",
      sessionStatus: "COMPLETED",
      flow: "pin-line",
      version: PIN_FLOW.version,
      finalState: "bye",
    });
    expect(stored?.path).toEqual(["pin", "note", "bye"]);
    expect(stored?.vars?.pin).toBe("****");
    expect(stored?.vars?.topic).toBe("billing");
    expect(stored?.payload).toEqual(call.summary("COMPLETED"));
    expect(JSON.stringify(stored)).not.toContain("4321");
    expect((await sessions.get(call.sessionId, h.clock.now()))?.endedAt).toBeDefined();
    expect(h.counts.CallsEnded).toBe(1);
  });

  it("is idempotent: a redelivery answers 200 and changes nothing", async () => {
    const h = newHarness();
    const call = await completedCall(h);
    await postSummary(h, call.summary("COMPLETED"));
    const before = await summaries.get(call.sessionId);
    const sessionBefore = await sessions.get(call.sessionId, h.clock.now());
    h.clock.advance(5_000);
    const again = await postSummary(h, call.summary("ERROR"));
    expect(again).toEqual({ status: 200, json: { ok: true, created: false } });
    expect(await summaries.get(call.sessionId)).toEqual(before);
    expect(await sessions.get(call.sessionId, h.clock.now())).toEqual(sessionBefore);
    expect(h.counts.DuplicateEvents).toBe(1);
    expect(h.counts.CallsEnded).toBe(1);
  });

  it("keeps statuses and errorDetails exactly as sent, whatever the case of leg keys", async () => {
    const h = newHarness();
    const body = fixture("vss-error-voice-messaging");
    body.payload.sessionId = `it-vss-${Date.now()}`;
    expect((await postSummary(h, body)).status).toBe(200);
    const stored = await summaries.get(body.payload.sessionId);
    expect(stored?.sessionStatus).toBe("ERROR");
    expect((stored?.payload as typeof body | undefined)?.payload.errorDetails).toEqual({
      errorMsg: "No coverage available for requested area",
      errorCode: -2004,
    });
    // a session we never stored (e.g. a Send Callflow that failed before any VCA): no flow fields
    expect(stored?.flow).toBeUndefined();
  });

  it("a VCA after the summary hangs up", async () => {
    const h = newHarness();
    const call = new SimulatedCall(NUMBER);
    const first = await post(h, call.received());
    await postSummary(h, call.summary("COMPLETED")); // the caller hung up during the prompt
    const late = await post(h, call.completed("1234", first.answer.clientActionId));
    expect(late.answer.callflow).toEqual([{ action: "hangup" }]);
  });

  it("masks every variable when the flow version cannot be loaded", async () => {
    const h = newHarness();
    const call = await completedCall(h);
    const blind = newHarness({ flows: registry([]) });
    await postSummary(blind, call.summary());
    const stored = await summaries.get(call.sessionId);
    expect(Object.values(stored?.vars ?? {}).every((v) => v === "****")).toBe(true);
  });

  it("refuses malformed summaries with 400 and stores nothing", async () => {
    const h = newHarness();
    const body = fixture("vss-busy");
    body.payload.sessionId = `it-vss-bad-${Date.now()}`;
    delete body.payload.sessionStatus;
    expect(await postSummary(h, body)).toEqual({
      status: 400,
      json: { error: "payload.sessionStatus is required" },
    });
    expect(await summaries.get(body.payload.sessionId)).toBeUndefined();
    expect((await postSummary(h, "nope")).status).toBe(400);
  });

  it("refuses a summary over 64 KB with 413 and stores nothing", async () => {
    const h = newHarness();
    const body = fixture("vss-busy");
    body.payload.sessionId = `it-vss-big-${Date.now()}`;
    const result = await h.vss(proxyEvent(jsonOfSize(body, MAX_WEBHOOK_BODY_BYTES + 1)));
    expect(result.statusCode).toBe(413);
    expect(JSON.parse(result.body)).toEqual({ error: `body is larger than ${MAX_WEBHOOK_BODY_BYTES} bytes` });
    expect(await summaries.get(body.payload.sessionId)).toBeUndefined();
  });

  it("refuses an unauthenticated summary with 403", async () => {
    const h = newHarness({ auth: authenticatorFromEnv({ WEBHOOK_SECRET: "s" }, newHarness().deps.logger) });
    const body = fixture("vss-busy");
    body.payload.sessionId = `it-vss-auth-${Date.now()}`;
    expect((await postSummary(h, body, { authorization: "wrong" })).status).toBe(403);
    expect(await summaries.get(body.payload.sessionId)).toBeUndefined();
    expect((await postSummary(h, body, { authorization: "s" })).status).toBe(200);
  });

  it("answers 503 when the summary cannot be stored, so a redelivery can succeed", async () => {
    const dead = createDocumentClient({ endpoint: "http://127.0.0.1:9", maxAttempts: 1, requestTimeoutMs: 300 });
    const h = newHarness({ sessions: new DynamoSessionStore(dead), summaries: new DynamoSummaryStore(dead) });
    const answered = await postSummary(h, fixture("vss-busy"));
    expect(answered).toEqual({ status: 503, json: { error: "temporarily unavailable" } });
  });
});
