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
    expect(JSON.parse(stored?.body ?? "null")).toEqual(call.summary("COMPLETED"));
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
    expect(JSON.parse(stored?.body ?? "null").payload.errorDetails).toEqual({
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

  it("ends the session only once the summary is safe: a summary that cannot be written leaves it open", async () => {
    const h = newHarness();
    const call = await completedCall(h);
    const { doc } = await dynamoDbForTests();
    const broken = newHarness({ summaries: new DynamoSummaryStore(doc, "no-such-summaries-table") });
    expect((await postSummary(broken, call.summary())).status).toBeGreaterThanOrEqual(500);
    expect((await sessions.get(call.sessionId, h.clock.now()))?.endedAt).toBeUndefined();
    // the redelivery then finds the session as it was, and stores the summary with our view of the call
    expect(await postSummary(h, call.summary())).toEqual({ status: 200, json: { ok: true, created: true } });
    expect((await summaries.get(call.sessionId))?.finalState).toBe("bye");
    expect((await sessions.get(call.sessionId, h.clock.now()))?.endedAt).toBeDefined();
  });
});

/** A summary body as text, with `legA` spliced in verbatim as details.callA (numbers JavaScript cannot hold). */
function rawSummary(sessionId: string, legA: string): string {
  return `{"namespace":"VOICE","eventType":"SESSION_SUMMARY","version":5,"payload":{"sessionId":"${sessionId}","sessionStatus":"COMPLETED","lastAction":"HANGUP","details":{"callA":${legA}}}}`;
}

describe("summaries DynamoDB cannot hold as a map (#10 defect 1)", () => {
  const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;
  const poison: Record<string, string> = {
    "an integer past 2^53": '{"callDuration":9007199254740993}',
    "a number DynamoDB cannot represent": '{"callQuality":{"mos":1e-200}}',
    "an empty key": '{"":1}',
    "a __proto__ key": '{"__proto__":{"polluted":true},"callStatus":"COMPLETED"}',
    "31 levels of nesting": nested(31),
    "64 levels of nesting": nested(62),
  };

  for (const [what, legA] of Object.entries(poison)) {
    it(`stores ${what} as sent, ends the session, and a redelivery is a duplicate`, async () => {
      const h = newHarness();
      const call = await completedCall(h);
      const text = rawSummary(call.sessionId, legA);
      const first = await h.vss(proxyEvent(text));
      expect({ status: first.statusCode, json: JSON.parse(first.body) }).toEqual({
        status: 200,
        json: { ok: true, created: true },
      });
      const stored = await summaries.get(call.sessionId);
      expect(stored?.body).toBe(text);
      expect(stored).toMatchObject({ sessionStatus: "COMPLETED", flow: "pin-line", finalState: "bye" });
      expect((await sessions.get(call.sessionId, h.clock.now()))?.endedAt).toBeDefined();
      const again = await h.vss(proxyEvent(text));
      expect(JSON.parse(again.body)).toEqual({ ok: true, created: false });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  }

  for (const levels of [200, 3_000, 30_000]) {
    it(`refuses ${levels} levels of nesting with 400 and a reason, without overflowing the stack`, async () => {
      const h = newHarness();
      const call = await completedCall(h);
      const deep = `${"[".repeat(levels)}${"]".repeat(levels)}`;
      const result = await h.vss(proxyEvent(rawSummary(call.sessionId, `{"x":${deep}}`)));
      expect(result.statusCode).toBe(400);
      expect(JSON.parse(result.body)).toEqual({ error: "body is nested deeper than 100 levels" });
      expect(await summaries.get(call.sessionId)).toBeUndefined();
      expect((await sessions.get(call.sessionId, h.clock.now()))?.endedAt).toBeUndefined();
    });
  }
});
