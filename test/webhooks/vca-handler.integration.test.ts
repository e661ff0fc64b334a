/**
 * The VCA webhook end to end: API Gateway event -> handler -> domain -> engine -> DynamoDB Local, and back.
 * Every 200 answer is checked against 8x8's callflow schema (see harness.post).
 */
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { APOLOGY_TEXT } from "../../src/engine/engine.js";
import { createDocumentClient } from "../../src/store/dynamodb-client.js";
import { DynamoFlowVersionStore } from "../../src/store/dynamodb-flow-version-store.js";
import { DynamoSessionStore } from "../../src/store/dynamodb-session-store.js";
import { DynamoSummaryStore } from "../../src/store/dynamodb-summary-store.js";
import { SESSIONS_TABLE, tableName } from "../../src/store/tables.js";
import { authenticatorFromEnv } from "../../src/webhooks/auth.js";
import { MAX_WEBHOOK_BODY_BYTES } from "../../src/webhooks/http-handlers.js";
import { prepareOutboundSession, UNROUTED_TEXT } from "../../src/webhooks/vca-service.js";
import { dynamoDbForTests, type TestDynamoDb } from "../support/dynamodb.js";
import {
  actions,
  compile,
  type Harness,
  harness,
  jsonOfSize,
  OFFICE_HOURS,
  post,
  proxyEvent,
  registry,
  SimulatedCall,
  SUNDAY,
  spoken,
  uniqueNumber,
} from "./harness.js";

const NUMBER = uniqueNumber();

/** Every state kind, reachable from the main menu. */
const EVERY_KIND = `
flow: every-kind
numbers: ["${NUMBER}"]
start: welcome
onError: sorry
keys: { "*": repeat }
states:
  welcome:
    say: "Welcome to the test line."
    next: jingle
  jingle:
    play: "https://example.com/jingle.mp3"
    next: tag
  tag:
    set: { queue: general }
    next: open
  open:
    hours:
      timezone: Asia/Singapore
      open: { mon-fri: "09:00-18:00" }
      then: main
      else: closed
  main:
    menu:
      prompt: "For your account press 1. For sales press 2. To leave press 9."
      options: { "1": account, "2": sales, "9": goodbye }
      noInput: "Sorry, I did not hear anything."
      noMatch: "That is not an option."
      attempts: 2
      onExhausted: goodbye
  account:
    ask:
      prompt: "Enter your 4 digit PIN, then press hash."
      into: pin
      digits: { min: 4, max: 4, terminator: "#" }
      sensitive: true
      next: route
  route:
    branch:
      - if: { var: pin, matches: "^9" }
        then: vip
      - else: confirmed
  vip: { transfer: { to: "+6560000001", record: true } }
  confirmed: { hangup: { say: "Thank you, your PIN is noted." } }
  sales: { transfer: { to: "+6560000002" } }
  goodbye: { hangup: { say: "Goodbye." } }
  closed: { hangup: { say: "We are closed." } }
  sorry: { hangup: { say: "Sorry, something went wrong." } }
`;

let ddb: TestDynamoDb;
let sessions: DynamoSessionStore;
let summaries: DynamoSummaryStore;
let versions: DynamoFlowVersionStore;
const machine = compile(EVERY_KIND);

function newHarness(overrides: Partial<Parameters<typeof harness>[0]> = {}): Harness {
  return harness({ sessions, summaries, flows: registry([machine], versions), ...overrides });
}

beforeAll(async () => {
  ddb = await dynamoDbForTests();
  sessions = new DynamoSessionStore(ddb.doc);
  summaries = new DynamoSummaryStore(ddb.doc);
  versions = new DynamoFlowVersionStore(ddb.doc);
});

describe("a call through every state kind", () => {
  it("say, play, set and hours render before the first menu", async () => {
    const h = newHarness();
    const call = new SimulatedCall(NUMBER);
    const first = await post(h, call.received());
    expect(first.status).toBe(200);
    expect(actions(first.answer)).toEqual(["say", "playFile", "sayAndCapture"]);
    expect(first.answer.clientActionId).toMatch(/^main:/);
    expect(h.counts.CallsStarted).toBe(1);
    const stored = await sessions.get(call.sessionId, h.clock.now());
    expect(stored?.session.state).toBe("main");
    expect(stored?.session.vars.queue).toBe("general");
    expect(stored?.rev).toBe(1);
  });

  it("menu -> ask -> branch -> transfer with recording", async () => {
    const h = newHarness();
    const call = new SimulatedCall(NUMBER);
    const first = await post(h, call.received());
    const ask = await post(h, call.completed("1", first.answer.clientActionId));
    expect(actions(ask.answer)).toEqual(["sayAndCapture"]);
    expect(spoken(ask.answer)).toContain("PIN");
    const transfer = await post(h, call.completed("9876", ask.answer.clientActionId));
    expect(transfer.answer.callflow).toContainEqual({
      action: "makeCall",
      params: expect.objectContaining({ destination: "+6560000001", callRecording: true }),
    });
    const stored = await sessions.get(call.sessionId, h.clock.now());
    expect(stored?.session.status).toBe("ended");
    expect(stored?.session.path).toEqual(expect.arrayContaining(["main", "account", "route", "vip"]));
    expect(stored?.rev).toBe(3);
  });

  it("menu -> ask -> branch else -> hangup with last words", async () => {
    const h = newHarness();
    const call = new SimulatedCall(NUMBER);
    const first = await post(h, call.received());
    const ask = await post(h, call.completed("1", first.answer.clientActionId));
    const end = await post(h, call.completed("1234", ask.answer.clientActionId));
    expect(actions(end.answer)).toEqual(["say", "hangup"]);
    expect(spoken(end.answer)).toBe("Thank you, your PIN is noted.");
  });

  it("no input and no match use attempts, then onExhausted", async () => {
    const h = newHarness();
    const call = new SimulatedCall(NUMBER);
    const first = await post(h, call.received());
    const again = await post(h, call.completed(null, first.answer.clientActionId));
    expect(actions(again.answer)).toEqual(["say", "sayAndCapture"]);
    expect(spoken(again.answer)).toMatch(/^Sorry, I did not hear anything\./);
    expect(again.answer.clientActionId).not.toBe(first.answer.clientActionId);
    const out = await post(h, call.completed("7", again.answer.clientActionId));
    expect(actions(out.answer)).toEqual(["say", "say", "hangup"]);
    expect(spoken(out.answer)).toBe("That is not an option. | Goodbye.");
  });

  it("a global key repeats the prompt without using an attempt", async () => {
    const h = newHarness();
    const call = new SimulatedCall(NUMBER);
    const first = await post(h, call.received());
    const repeat = await post(h, call.completed("*", first.answer.clientActionId));
    expect(actions(repeat.answer)).toEqual(["sayAndCapture"]);
    const sales = await post(h, call.completed("2", repeat.answer.clientActionId));
    expect(sales.answer.callflow).toContainEqual({
      action: "makeCall",
      params: expect.objectContaining({ destination: "+6560000002" }),
    });
  });

  it("hours: out of hours goes to the closed state", async () => {
    const h = newHarness();
    h.clock.set(SUNDAY);
    const call = new SimulatedCall(NUMBER);
    const first = await post(h, call.received());
    expect(actions(first.answer)).toEqual(["say", "playFile", "say", "hangup"]);
    expect(spoken(first.answer)).toContain("We are closed.");
  });

  it("an event after the call ended is answered with a hangup", async () => {
    const h = newHarness();
    const call = new SimulatedCall(NUMBER);
    const first = await post(h, call.received());
    const end = await post(h, call.completed("9", first.answer.clientActionId));
    const late = await post(h, call.completed(null, end.answer.clientActionId));
    expect(late.answer.callflow).toEqual([{ action: "hangup" }]);
  });
});

describe("routing", () => {
  it("answers a number no flow owns with a clear message and stores nothing", async () => {
    const h = newHarness();
    const call = new SimulatedCall(uniqueNumber());
    const answered = await post(h, call.received());
    expect(answered.status).toBe(200);
    expect(answered.answer.callflow).toEqual([
      { action: "say", params: { text: UNROUTED_TEXT, voiceProfile: "en-GB-Emma" } },
      { action: "hangup" },
    ]);
    expect(h.counts.UnroutedCalls).toBe(1);
    expect(await sessions.get(call.sessionId, h.clock.now())).toBeUndefined();
  });
});

describe("exactly once", () => {
  it("a redelivered CALL_RECEIVED gets the identical answer and creates nothing new", async () => {
    const h = newHarness();
    const call = new SimulatedCall(NUMBER);
    const body = call.received();
    const first = await post(h, body);
    h.clock.advance(2_000); // 8x8 redelivers after a timeout, not in the same instant
    const second = await post(h, body);
    expect(second.text).toBe(first.text);
    expect((await sessions.get(call.sessionId, h.clock.now()))?.rev).toBe(1);
    expect(h.counts.DuplicateEvents).toBe(1);
    expect(h.counts.CallsStarted).toBe(1);
  });

  it("a redelivered capture gets the identical answer and advances once", async () => {
    const h = newHarness();
    const call = new SimulatedCall(NUMBER);
    const first = await post(h, call.received());
    const body = call.completed("1", first.answer.clientActionId);
    const a = await post(h, body);
    h.clock.advance(2_000);
    const b = await post(h, body);
    expect(b.text).toBe(a.text);
    expect(h.counts.DuplicateEvents).toBe(1);
    const stored = await sessions.get(call.sessionId, h.clock.now());
    expect(stored?.rev).toBe(2);
    expect(stored?.session.state).toBe("account");
  });

  it("20 concurrent deliveries of CALL_RECEIVED: one session, identical answers", async () => {
    const h = newHarness();
    const call = new SimulatedCall(NUMBER);
    const body = call.received();
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(h, body)));
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect((await sessions.get(call.sessionId, h.clock.now()))?.rev).toBe(1);
    expect(h.counts.Fallbacks ?? 0).toBe(0);
  });

  it("20 concurrent deliveries of one capture: one transition, identical answers", async () => {
    const h = newHarness();
    const call = new SimulatedCall(NUMBER);
    const first = await post(h, call.received());
    const body = call.completed("1", first.answer.clientActionId);
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(h, body)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect(answers[0]?.answer.clientActionId).toMatch(/^account:/);
    const stored = await sessions.get(call.sessionId, h.clock.now());
    expect(stored?.rev).toBe(2);
    expect(stored?.session.path.filter((s) => s === "account")).toHaveLength(1);
    expect(h.counts.Fallbacks ?? 0).toBe(0);
  });

  // Concurrent deliveries of one event compute identical records: the store tells its own retried request from a
  // rival's identical write by a per-request write id, so only the winner counts the call, visits and step.
  it("20 concurrent deliveries of CALL_RECEIVED count the call, its visits and its step once", async () => {
    const h = newHarness();
    const call = new SimulatedCall(NUMBER);
    const body = call.received();
    await Promise.all(Array.from({ length: 20 }, () => post(h, body)));
    const stored = await sessions.get(call.sessionId, h.clock.now());
    expect(h.steps).toHaveLength(1);
    expect(h.steps[0]?.visited).toEqual(stored?.session.path);
    expect(h.counts.StateVisits).toBe(h.steps[0]?.visited.length);
    expect(h.counts.CallsStarted).toBe(1);
    expect(h.counts.DuplicateEvents).toBe(19);
  });

  it("20 concurrent deliveries of one capture count its visits and its step once", async () => {
    const h = newHarness();
    const call = new SimulatedCall(NUMBER);
    const first = await post(h, call.received());
    const visitsBefore = h.counts.StateVisits ?? 0;
    expect(h.steps).toHaveLength(1);
    const body = call.completed("1", first.answer.clientActionId);
    await Promise.all(Array.from({ length: 20 }, () => post(h, body)));
    expect(h.steps).toHaveLength(2);
    expect(h.steps[1]?.visited).toEqual(["account"]);
    expect((h.counts.StateVisits ?? 0) - visitsBefore).toBe(1);
    expect(h.counts.CallsStarted).toBe(1);
    expect(h.counts.DuplicateEvents).toBe(19);
  });

  it("sequential redeliveries count the call, its visits and its steps once", async () => {
    const h = newHarness();
    const call = new SimulatedCall(NUMBER);
    const received = call.received();
    const first = await post(h, received);
    const capture = call.completed("1", first.answer.clientActionId);
    await post(h, capture);
    const counted = { ...h.counts };
    expect(counted.CallsStarted).toBe(1);
    expect(counted.StateVisits).toBe(h.steps[0]!.visited.length + 1);
    // the capture is a duplicate; the CALL_RECEIVED, no longer the last event, is answered as stale
    for (const body of [capture, received, received]) {
      h.clock.advance(2_000);
      await post(h, body);
    }
    expect(h.counts).toEqual({ ...counted, DuplicateEvents: 1, StaleEvents: 2 });
    expect(h.steps.map((step) => step.visited.at(-1))).toEqual(["main", "account"]);
  });

  it("a stale clientActionId never advances: the current prompt is re-issued", async () => {
    const h = newHarness();
    const call = new SimulatedCall(NUMBER);
    const first = await post(h, call.received());
    const ask = await post(h, call.completed("1", first.answer.clientActionId));
    // a new event (new eventId) answering the menu we already moved past
    const stale = await post(h, call.completed("2", first.answer.clientActionId));
    expect(stale.text).toBe(ask.text);
    const stored = await sessions.get(call.sessionId, h.clock.now());
    expect(stored?.rev).toBe(2);
    expect(stored?.session.state).toBe("account");
    expect(h.counts.StaleEvents).toBe(1);
  });

  it("two different events racing: one advances, the other is judged stale", async () => {
    const h = newHarness();
    const call = new SimulatedCall(NUMBER);
    const first = await post(h, call.received());
    // neither ends the call: "1" asks for the PIN, "*" repeats the menu
    const [a, b] = await Promise.all([
      post(h, call.completed("1", first.answer.clientActionId)),
      post(h, call.completed("*", first.answer.clientActionId)),
    ]);
    expect(a.text).toBe(b.text);
    expect(h.counts.StaleEvents).toBe(1);
    expect((await sessions.get(call.sessionId, h.clock.now()))?.rev).toBe(2);
  });
});

describe("expiry and versions", () => {
  it("an expired session gets the apology and a hangup", async () => {
    const h = newHarness({ sessionTtlSeconds: 60 });
    const call = new SimulatedCall(NUMBER);
    const first = await post(h, call.received());
    h.clock.advance(61_000);
    const late = await post(h, call.completed("1", first.answer.clientActionId));
    expect(late.status).toBe(200);
    expect(late.answer.callflow).toEqual([
      { action: "say", params: { text: APOLOGY_TEXT, voiceProfile: "en-GB-Emma" } },
      { action: "hangup" },
    ]);
    expect(late.answer.clientActionId).toBe("error:0");
    expect(h.counts.Fallbacks).toBe(1);
  });

  it("a call stays on the version it started on when the flow changes mid-call", async () => {
    const number = uniqueNumber();
    const flowId = `pinned-${Date.now()}`;
    const source = (word: string) => `
flow: ${flowId}
numbers: ["${number}"]
start: main
states:
  main:
    menu:
      prompt: "Press 1."
      options: { "1": done }
  done: { hangup: { say: "Version ${word}." } }
`;
    const v1 = compile(source("one"));
    const v2 = compile(source("two"));
    expect(v2.version).not.toBe(v1.version);
    await versions.put(v1);
    const flows = registry([v1], versions);
    const h = harness({ sessions, summaries, flows });
    const call = new SimulatedCall(number);
    const first = await post(h, call.received());

    flows.replace([v2]); // deploy v2 mid-call
    const end = await post(h, call.completed("1", first.answer.clientActionId));
    expect(spoken(end.answer)).toBe("Version one.");

    const fresh = new SimulatedCall(number);
    const next = await post(h, fresh.received());
    const freshEnd = await post(h, fresh.completed("1", next.answer.clientActionId));
    expect(spoken(freshEnd.answer)).toBe("Version two.");
  });

  it("a version that cannot be found falls back to the apology", async () => {
    const number = uniqueNumber();
    const lonely = compile(`
flow: lonely-${Date.now()}
numbers: ["${number}"]
start: main
states:
  main:
    menu:
      prompt: "Press 1."
      options: { "1": done }
  done: { hangup: {} }
`);
    const flows = registry([lonely], versions);
    const h = harness({ sessions, summaries, flows });
    const call = new SimulatedCall(number);
    const first = await post(h, call.received());
    flows.replace([]); // the version is neither current nor stored
    const answered = await post(h, call.completed("1", first.answer.clientActionId));
    expect(answered.status).toBe(200);
    expect(spoken(answered.answer)).toBe(APOLOGY_TEXT);
    expect(h.counts.Fallbacks).toBe(1);
  });
});

describe("malformed events", () => {
  it.each([
    ["not JSON", "{ this is not json", "body is not valid JSON"],
    ["an empty body", "", "body is empty"],
    ["a missing eventId", "missing-eventId", "payload.eventId is required"],
    ["bad DTMF", "bad-dtmf", "payload.eventData.dtmf must contain only the DTMF characters 0-9, * and #"],
    [
      "an unknown callStatus",
      "bad-status",
      "payload.callStatus must be one of CALL_RECEIVED, ACTION_COMPLETED, DTMF_RECEIVED",
    ],
  ])("%s -> 400 with the reason, nothing written", async (_name, kind, reason) => {
    const h = newHarness();
    const call = new SimulatedCall(NUMBER);
    let body: unknown = kind;
    if (kind === "missing-eventId") {
      const b = call.received() as { payload: Record<string, unknown> };
      delete b.payload.eventId;
      body = b;
    } else if (kind === "bad-dtmf") {
      body = call.completed("1x", "main:1");
    } else if (kind === "bad-status") {
      const b = call.received() as { payload: Record<string, unknown> };
      b.payload.callStatus = "CALL_RINGING";
      body = b;
    }
    const answered = await post(h, body);
    expect(answered.status).toBe(400);
    expect(JSON.parse(answered.text)).toEqual({ error: reason });
    expect(await sessions.get(call.sessionId, h.clock.now())).toBeUndefined();
    const scan = await ddb.doc.send(
      new ScanCommand({
        TableName: tableName(SESSIONS_TABLE),
        FilterExpression: "sessionId = :id",
        ExpressionAttributeValues: { ":id": call.sessionId },
      }),
    );
    expect(scan.Items ?? []).toHaveLength(0);
  });
});

describe("oversized bodies", () => {
  const LIMIT = MAX_WEBHOOK_BODY_BYTES;

  async function storedSession(sessionId: string) {
    const scan = await ddb.doc.send(
      new ScanCommand({
        TableName: tableName(SESSIONS_TABLE),
        FilterExpression: "sessionId = :id",
        ExpressionAttributeValues: { ":id": sessionId },
      }),
    );
    return scan.Items ?? [];
  }

  it("a body one byte over 64 KB -> 413 with the reason, before parsing, nothing written", async () => {
    const h = newHarness();
    const call = new SimulatedCall(NUMBER);
    const answered = await post(h, jsonOfSize(call.received() as { payload: Record<string, unknown> }, LIMIT + 1));
    expect(answered.status).toBe(413);
    expect(JSON.parse(answered.text)).toEqual({ error: `body is larger than ${LIMIT} bytes` });
    expect(await storedSession(call.sessionId)).toHaveLength(0);
    expect(h.counts).toEqual({});
  });

  it("a body of exactly 64 KB is served", async () => {
    const h = newHarness();
    const call = new SimulatedCall(NUMBER);
    const answered = await post(h, jsonOfSize(call.received() as { payload: Record<string, unknown> }, LIMIT));
    expect(answered.status).toBe(200);
    expect(await storedSession(call.sessionId)).toHaveLength(1);
  });

  it("counts bytes, not characters, and refuses before parsing (invalid JSON still gets 413)", async () => {
    const h = newHarness();
    const call = new SimulatedCall(NUMBER);
    // 2-byte characters: under the limit in characters, over it in bytes
    const text = jsonOfSize(call.received() as { payload: Record<string, unknown> }, LIMIT + 2, "é");
    expect(text.length).toBeLessThan(LIMIT);
    expect((await post(h, text)).status).toBe(413);
    expect((await post(h, `{${"x".repeat(LIMIT)}`)).status).toBe(413);
    expect(await storedSession(call.sessionId)).toHaveLength(0);
  });

  it("measures a base64-encoded body by its decoded size", async () => {
    const h = newHarness();
    const call = new SimulatedCall(NUMBER);
    const encoded = (bytes: number) => ({
      ...proxyEvent(""),
      body: Buffer.from(jsonOfSize(call.received() as { payload: Record<string, unknown> }, bytes)).toString("base64"),
      isBase64Encoded: true,
    });
    expect((await h.vca(encoded(LIMIT + 1))).statusCode).toBe(413);
    expect(await storedSession(call.sessionId)).toHaveLength(0);
    expect((await h.vca(encoded(LIMIT))).statusCode).toBe(200);
  });

  it("is checked before authentication, as the local server does while reading", async () => {
    const h = newHarness({ auth: authenticatorFromEnv({ WEBHOOK_SECRET: "let-me-in" }, newHarness().deps.logger) });
    const call = new SimulatedCall(NUMBER);
    const body = jsonOfSize(call.received() as { payload: Record<string, unknown> }, LIMIT + 1);
    expect((await post(h, body, { Authorization: "let-me-in" })).status).toBe(413);
    expect((await post(h, body)).status).toBe(413);
  });
});

describe("authentication", () => {
  it("refuses a wrong or missing header with 403 and writes nothing", async () => {
    const h = newHarness({ auth: authenticatorFromEnv({ WEBHOOK_SECRET: "let-me-in" }, newHarness().deps.logger) });
    const call = new SimulatedCall(NUMBER);
    const wrong = await post(h, call.received(), { Authorization: "guess" });
    expect(wrong.status).toBe(403);
    expect(JSON.parse(wrong.text)).toEqual({ error: "forbidden" });
    const missing = await post(h, call.received());
    expect(missing.status).toBe(403);
    expect(await sessions.get(call.sessionId, h.clock.now())).toBeUndefined();
    const right = await post(h, call.received(), { Authorization: "let-me-in" });
    expect(right.status).toBe(200);
  });
});

describe("store failures", () => {
  it("an unreachable DynamoDB still answers 200 with the flow's onError callflow", async () => {
    const dead = createDocumentClient({ endpoint: "http://127.0.0.1:9", maxAttempts: 1, requestTimeoutMs: 300 });
    const h = newHarness({ sessions: new DynamoSessionStore(dead) });
    const call = new SimulatedCall(NUMBER);
    const first = await post(h, call.received());
    expect(first.status).toBe(200);
    expect(first.answer.callflow).toEqual([
      { action: "say", params: expect.objectContaining({ text: "Sorry, something went wrong." }) },
      { action: "hangup" },
    ]);
    expect(first.answer.clientActionId).toBe("error:0");
    const next = await post(h, call.completed("1", "main:1"));
    expect(next.status).toBe(200);
    // No session could be read, but the number called names the flow: its onError, not the built-in apology.
    expect(spoken(next.answer)).toBe("Sorry, something went wrong.");
    expect(h.counts.Fallbacks).toBe(2);
  });

  it("a fault in the handler itself, after validation, answers 200 with the apology and counts a fallback", async () => {
    const h = newHarness();
    const info = h.deps.logger.info.bind(h.deps.logger);
    vi.spyOn(h.deps.logger, "info").mockImplementation((message: unknown, ...rest: unknown[]) => {
      if (message === "VCA answered") throw new Error("log sink failed");
      (info as (...args: unknown[]) => void)(message, ...rest);
    });
    const answered = await post(h, new SimulatedCall(NUMBER).received());
    expect(answered.status).toBe(200);
    expect(answered.answer.clientActionId).toBe("error:0");
    expect(spoken(answered.answer)).toBe(APOLOGY_TEXT);
    expect(h.counts.Fallbacks).toBe(1);
  });

  it("a missing table answers 200 with the fallback too", async () => {
    const h = newHarness({ sessions: new DynamoSessionStore(ddb.doc, "no-such-table") });
    const call = new SimulatedCall(NUMBER);
    const first = await post(h, call.received());
    expect(first.status).toBe(200);
    expect(actions(first.answer)).toEqual(["say", "hangup"]);
  });
});

describe("outbound sessions", () => {
  const REMINDER = `
flow: reminder-test
start: confirm
states:
  confirm:
    menu:
      prompt: "You have an appointment tomorrow. Press 1 to confirm, 2 to cancel."
      options: { "1": confirmed, "2": cancelled }
  confirmed: { hangup: { say: "Confirmed. Goodbye." } }
  cancelled: { hangup: { say: "Cancelled. Goodbye." } }
`;

  it("continues a session prepared by ivr dial, whose first event carries no clientActionId", async () => {
    const reminder = compile(REMINDER);
    const flows = registry([reminder], versions);
    const h = harness({ sessions, summaries, flows });
    const call = new SimulatedCall("+6568888888", "+6598888888", "OUTBOUND");
    const { callflow: initial } = await prepareOutboundSession(
      { sessions, flows },
      {
        flow: "reminder-test",
        sessionId: call.sessionId,
        caller: "+6568888888",
        called: "+6598888888",
        now: h.clock.now(),
      },
    );
    expect(initial.map((a) => a.action)).toEqual(["sayAndCapture"]);
    const body = call.completed("1", undefined);
    const answered = await post(h, body);
    expect(spoken(answered.answer)).toBe("Confirmed. Goodbye.");
    // a redelivery of the first event is a duplicate
    expect((await post(h, body)).text).toBe(answered.text);
    expect((await sessions.get(call.sessionId, h.clock.now()))?.rev).toBe(2);
  });

  it("takes an event without a clientActionId as answering the current prompt, at every turn (#10 defect 10)", async () => {
    const reminder = compile(
      REMINDER.replace("confirmed: { hangup", "confirmed: { say: Noted., next: confirm }\n  x: { hangup"),
    );
    const flows = registry([reminder], versions);
    const h = harness({ sessions, summaries, flows });
    const call = new SimulatedCall("+6568888888", "+6598888888", "OUTBOUND");
    await prepareOutboundSession(
      { sessions, flows },
      {
        flow: "reminder-test",
        sessionId: call.sessionId,
        caller: "+6568888888",
        called: "+6598888888",
        now: h.clock.now(),
      },
    );
    const answered = await post(h, call.completed("1", undefined));
    expect(spoken(answered.answer)).toMatch(/^Noted\. \| You have an appointment/);
    // An observed 2025 payload has no clientActionId at all: the second capture answers the prompt just sent.
    const second = call.completed("2", undefined);
    const later = await post(h, second);
    expect(spoken(later.answer)).toBe("Cancelled. Goodbye.");
    // exactly once is still by eventId: a redelivery is a duplicate, not a third step
    expect((await post(h, second)).text).toBe(later.text);
    expect(h.counts.StaleEvents ?? 0).toBe(0);
    expect((await sessions.get(call.sessionId, h.clock.now()))?.rev).toBe(3);
  });

  it("takes only a present, different clientActionId as stale (inbound too)", async () => {
    const h = newHarness();
    const call = new SimulatedCall(machine.numbers[0] as string);
    const first = await post(h, call.received());
    expect(first.answer.clientActionId).toMatch(/^main:/);
    const stale = await post(h, call.completed("1", "welcome:0"));
    expect(stale.text).toBe(first.text);
    expect(h.counts.StaleEvents).toBe(1);
    const missing = await post(h, call.completed("1", undefined));
    expect(missing.answer.clientActionId).toMatch(/^account:/);
  });

  it("answers an outbound CALL_RECEIVED with the prepared prompt, not by routing the number called", async () => {
    const reminder = compile(REMINDER);
    const flows = registry([reminder], versions);
    const h = harness({ sessions, summaries, flows });
    const call = new SimulatedCall("+6568888888", "+6598888888", "OUTBOUND");
    const { callflow: initial } = await prepareOutboundSession(
      { sessions, flows },
      {
        flow: "reminder-test",
        sessionId: call.sessionId,
        caller: "+6568888888",
        called: "+6598888888",
        now: h.clock.now(),
      },
    );
    const received = await post(h, call.received());
    expect(received.answer.callflow).toEqual(initial);
    // the first capture may still come without a clientActionId
    const answered = await post(h, call.completed("2", undefined));
    expect(spoken(answered.answer)).toBe("Cancelled. Goodbye.");
    // an outbound CALL_RECEIVED for a session nobody prepared gets the apology
    const stranger = new SimulatedCall("+6568888888", "+6598888888", "OUTBOUND");
    expect(spoken((await post(h, stranger.received())).answer)).toBe(APOLOGY_TEXT);
  });

  it("refuses to prepare a session twice or for an unknown flow", async () => {
    const reminder = compile(REMINDER);
    const flows = registry([reminder]);
    const input = {
      flow: "reminder-test",
      sessionId: `it-${Date.now()}`,
      caller: "+6568888888",
      called: "+6598888888",
      now: new Date(OFFICE_HOURS),
    };
    await prepareOutboundSession({ sessions, flows }, input);
    const later = { ...input, now: new Date(input.now.getTime() + 5_000) };
    await expect(prepareOutboundSession({ sessions, flows }, later)).rejects.toThrow(/already exists/);
    await expect(prepareOutboundSession({ sessions, flows }, { ...input, flow: "nope" })).rejects.toThrow(
      /unknown flow/,
    );
  });
});
