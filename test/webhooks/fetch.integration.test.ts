/**
 * Fetch states through the real VCA handler, DynamoDB Local and a real HTTP service on loopback: the request goes
 * out at most once per event however 8x8 delivers it (50 concurrent deliveries, redeliveries, a claimant that
 * vanished), faults answer 200 with the flow's route, and secrets stay out of sessions and answers.
 */
import { randomUUID } from "node:crypto";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CompiledMachine } from "../../src/engine/machine.js";
import { createFetchPerformer } from "../../src/integration/performer.js";
import { envSecrets } from "../../src/integration/secrets.js";
import { createMetrics } from "../../src/observability/metrics.js";
import { DynamoFlowVersionStore } from "../../src/store/dynamodb-flow-version-store.js";
import { DynamoSessionStore } from "../../src/store/dynamodb-session-store.js";
import { DynamoSummaryStore } from "../../src/store/dynamodb-summary-store.js";
import type { SessionRecord } from "../../src/store/ports.js";
import { SESSIONS_TABLE, tableName } from "../../src/store/tables.js";
import type { FetchEvent } from "../../src/webhooks/fetch-effects.js";
import { fetchState, hangupState, machineOf, menuState, say, sayState } from "../engine/fixtures.js";
import { dynamoDbForTests, type TestDynamoDb } from "../support/dynamodb.js";
import { capturingLogger } from "../support/logger.js";
import { json, type LoopbackService, startLoopbackService } from "../support/loopback-service.js";
import { type Harness, harness, post, proxyEvent, registry, SimulatedCall, spoken, uniqueNumber } from "./harness.js";

const TOKEN = "tok-9f8e7d6c5b4a";
const NUMBER = uniqueNumber();
const START_NUMBER = uniqueNumber();

let ddb: TestDynamoDb;
let sessions: DynamoSessionStore;
let service: LoopbackService;
let payments = 0;

function bankMachine(url: string): CompiledMachine {
  return machineOf(
    {
      main: menuState({ "1": "pay", "2": "look", "3": "pay-held", "4": "slow", "5": "hang" }),
      pay: fetchState({
        method: "POST",
        path: ["/payments"],
        body: { amount: { text: ["42.00"] }, caller: { text: [{ var: "caller" }] } },
        into: { ref: ["reference"] },
        on: { "402": "declined" },
        next: "paid",
        onError: "failed",
        // generous: the handlers of 50 deliveries and the service share one process on a busy 2-core machine
        timeoutMs: 4000,
      }),
      "pay-held": fetchState({
        method: "POST",
        path: ["/payments"],
        body: { amount: { text: ["1.00"] } },
        hold: [say("One moment while I take that payment.")],
        into: { ref: ["reference"] },
        next: "paid",
        onError: "failed",
      }),
      slow: fetchState({ method: "POST", path: ["/slow"], next: "paid", onError: "failed", timeoutMs: 1500 }),
      hang: fetchState({ path: ["/hang"], timeoutMs: 700, next: "paid", onError: "failed" }),
      look: fetchState({ path: ["/balance"], into: { balance: ["balance"] }, next: "told", onError: "failed" }),
      paid: { ...hangupState(), say: [{ say: ["Paid, reference ", { var: "ref" }, "."] }] },
      told: { ...hangupState(), say: [{ say: ["Your balance is ", { var: "balance" }, "."] }] },
      declined: hangupState("Your card was declined."),
      failed: hangupState("The payment service is not answering. Please call again later."),
      sorry: hangupState("Sorry."),
    },
    {
      flow: "pay-line",
      numbers: [NUMBER],
      onError: "sorry",
      sensitive: ["ref"],
      services: {
        bank: { url, headers: { Authorization: ["Bearer ", { secret: "bankToken" }] }, timeoutMs: 2000 },
      },
      secrets: ["bankToken"],
    },
  );
}

/** A flow whose very first step is a POST: the session is created holding the claim. */
function greeterMachine(url: string): CompiledMachine {
  return machineOf(
    {
      register: fetchState({ method: "POST", path: ["/calls"], into: { name: ["firstName"] }, next: "hello" }),
      hello: sayState([{ say: ["Hello ", { var: "name" }, "."] }], "main"),
      main: menuState({ "1": "bye" }),
      bye: hangupState("Bye."),
      down: hangupState("Down."),
    },
    {
      flow: "greeter",
      numbers: [START_NUMBER],
      services: { bank: { url, headers: {}, timeoutMs: 2000 } },
    },
  );
}

let machines: CompiledMachine[];

beforeAll(async () => {
  ddb = await dynamoDbForTests();
  sessions = new DynamoSessionStore(ddb.doc);
  service = await startLoopbackService({
    "/payments": async (req, res) => {
      payments++;
      // slow enough that every concurrent delivery arrives while the request is out
      await new Promise((resolve) => setTimeout(resolve, 300));
      const auth = req.headers.authorization === `Bearer ${TOKEN}`;
      json(res, auth ? 201 : 401, { reference: `R-${payments}` });
    },
    "/slow": async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 600));
      json(res, 200, {});
    },
    "/hang": () => undefined,
    "/balance": (_req, res) => json(res, 200, { balance: 1234.5 }),
    "/calls": async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      json(res, 200, { firstName: "Mei" });
    },
  });
  machines = [bankMachine(service.url), greeterMachine(service.url)];
  // One call first: a cold JVM and a cold JIT would otherwise be measured by the first concurrency test.
  const h = fetchHarness();
  const { call, clientActionId } = await atMain(h);
  await post(h, call.completed("1", clientActionId));
});

afterAll(async () => {
  await service?.close();
});

function fetchHarness(options: { fetcher?: boolean } = {}): Harness & { fetches: FetchEvent[] } {
  const fetches: FetchEvent[] = [];
  const h = harness({
    sessions,
    summaries: new DynamoSummaryStore(ddb.doc),
    flows: registry(machines, new DynamoFlowVersionStore(ddb.doc)),
    ...(options.fetcher !== false && {
      fetcher: createFetchPerformer({
        secrets: envSecrets({ CALLFLOW_SECRET_bankToken: TOKEN }),
        logger: capturingLogger().logger,
        metrics: createMetrics(),
        env: {},
      }),
    }),
    onFetch: (event) => fetches.push(event),
  });
  return Object.assign(h, { fetches });
}

async function atMain(h: Harness): Promise<{ call: SimulatedCall; clientActionId: string }> {
  const call = new SimulatedCall(NUMBER);
  const first = await post(h, call.received());
  return { call, clientActionId: first.answer.clientActionId };
}

async function rawItem(sessionId: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await ddb.doc.send(new GetCommand({ TableName: tableName(SESSIONS_TABLE), Key: { sessionId } }));
  return Item;
}

describe("a POST is sent at most once per event", () => {
  it("50 concurrent deliveries of one event: the back end counts 1 request, every delivery gets the same answer", async () => {
    const h = fetchHarness();
    const { call, clientActionId } = await atMain(h);
    const body = call.completed("1", clientActionId, randomUUID());
    const before = payments;
    const answers = await Promise.all(Array.from({ length: 50 }, () => post(h, body)));
    const sent = payments - before;
    process.stderr.write(`50 concurrent deliveries of one event: the back end received ${sent} request(s)\n`);
    expect(sent).toBe(1);
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([200]));
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect(spoken(answers[0]!.answer)).toBe(`Paid, reference R-${payments}.`);
    expect(h.fetches).toHaveLength(1);

    // a redelivery later: the stored answer, nothing sent
    const again = await post(h, body);
    expect(again.text).toBe(answers[0]!.text);
    expect(payments - before).toBe(1);

    const stored = (await sessions.get(call.sessionId, h.clock.now())) as SessionRecord;
    expect(stored.claim).toBeUndefined();
    expect(stored.rev).toBe(3); // created, claimed, answered
    expect(stored.session.vars.ref).toBe("****"); // sensitive `into`, masked once the call ended
  });

  it("the request carries Idempotency-Key <sessionId>:<turn>:<state>; the secret reaches the header only", async () => {
    const h = fetchHarness();
    const { call, clientActionId } = await atMain(h);
    const answered = await post(h, call.completed("1", clientActionId));
    const request = service.received.filter((r) => r.url === "/payments").at(-1);
    expect(request?.headers["idempotency-key"]).toBe(`${call.sessionId}:2:pay`);
    expect(JSON.parse(request?.body ?? "{}")).toEqual({ amount: "42.00", caller: call.caller });
    const item = JSON.stringify(await rawItem(call.sessionId));
    expect(item).not.toContain(TOKEN);
    expect(answered.text).not.toContain(TOKEN);
    expect(h.fetches.at(-1)).toEqual({
      sessionId: call.sessionId,
      flow: "pay-line",
      version: machines[0]!.version,
      state: "pay",
      service: "bank",
      method: "POST",
      pathTemplate: "/payments",
      status: 201,
      route: "next",
      to: "paid",
      durationMs: expect.any(Number),
    });
  });

  it("a POST before the first answer: 20 concurrent CALL_RECEIVED, one request, one session", async () => {
    const h = fetchHarness();
    const call = new SimulatedCall(START_NUMBER);
    const body = call.received();
    const before = service.count("/calls");
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(h, body)));
    expect(service.count("/calls") - before).toBe(1);
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect(spoken(answers[0]!.answer)).toBe("Hello Mei. | Press a key.");
    const stored = await sessions.get(call.sessionId, h.clock.now());
    expect(stored?.session.state).toBe("main");
  });

  it("after a hold message, 50 concurrent deliveries of the completion send one request", async () => {
    const h = fetchHarness();
    const { call, clientActionId } = await atMain(h);
    const held = await post(h, call.completed("3", clientActionId));
    expect(held.answer.callflow.at(-1)).toMatchObject({
      action: "sayAndCapture",
      params: { promptMessage: "One moment while I take that payment.", maxDigits: 1 },
    });
    expect(held.answer.clientActionId).toBe("pay-held:2");
    const before = payments;
    const body = call.completed(null, held.answer.clientActionId);
    const answers = await Promise.all(Array.from({ length: 50 }, () => post(h, body)));
    expect(payments - before).toBe(1);
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect(spoken(answers[0]!.answer)).toMatch(/^Paid, reference R-\d+\.$/);
  });

  it("a claim whose sender vanished: a redelivery takes the error route and sends nothing", async () => {
    const h = fetchHarness();
    const { call, clientActionId } = await atMain(h);
    const record = (await sessions.get(call.sessionId, h.clock.now())) as SessionRecord;
    // What a delivery leaves behind when its Lambda dies with the request in flight: a claim, no answer.
    const { transition } = await import("../../src/engine/engine.js");
    const eventId = randomUUID();
    const step = transition(machines[0]!, record.session, { type: "input", digits: "1" }, h.clock.now());
    const claim = { id: randomUUID(), eventId, deadline: Date.now() - 1, effect: step.effect! };
    expect((await sessions.replace(record, { ...record, rev: record.rev + 1, claim })).ok).toBe(true);

    const before = payments;
    const answer = await post(h, call.completed("1", clientActionId, eventId));
    expect(spoken(answer.answer)).toBe("The payment service is not answering. Please call again later.");
    expect(payments).toBe(before);
    const stored = (await sessions.get(call.sessionId, h.clock.now())) as SessionRecord;
    expect(stored).toMatchObject({ lastEventId: eventId, rev: record.rev + 2 });
    expect(stored.claim).toBeUndefined();
    // a redelivery hears that answer again; the call is over for any other event
    expect((await post(h, call.completed("1", clientActionId, eventId))).text).toBe(answer.text);
    expect((await post(h, call.completed("2", clientActionId))).answer.callflow).toEqual([{ action: "hangup" }]);
  });

  it("the session summary arriving while the request is out does not lose the answer", async () => {
    const h = fetchHarness();
    const { call, clientActionId } = await atMain(h);
    const pending = post(h, call.completed("4", clientActionId));
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await h.vss(proxyEvent(call.summary()))).statusCode).toBe(200);
    const answered = await pending;
    expect(spoken(answered.answer)).toBe("Paid, reference .");
    const stored = (await sessions.get(call.sessionId, h.clock.now())) as SessionRecord;
    expect(stored.lastAnswer).toBe(answered.text);
    expect(stored.endedAt).toBeDefined();
    expect(stored.claim).toBeUndefined();
  });
});

describe("a GET", () => {
  it("needs no claim: concurrent deliveries may each read, the session advances once with one answer", async () => {
    const h = fetchHarness();
    const { call, clientActionId } = await atMain(h);
    const body = call.completed("2", clientActionId);
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(h, body)));
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect(spoken(answers[0]!.answer)).toBe("Your balance is 1234.5.");
    const stored = (await sessions.get(call.sessionId, h.clock.now())) as SessionRecord;
    expect(stored.rev).toBe(2);
  });
});

describe("faults answer 200 with the flow's route", () => {
  it("a service that hangs: the fetch's onError, within its timeout", async () => {
    const h = fetchHarness();
    const { call, clientActionId } = await atMain(h);
    const started = performance.now();
    const answered = await post(h, call.completed("5", clientActionId));
    expect(answered.status).toBe(200);
    expect(spoken(answered.answer)).toBe("The payment service is not answering. Please call again later.");
    expect(performance.now() - started).toBeLessThan(700 + 1500);
    expect(h.fetches.at(-1)).toMatchObject({ status: null, error: "timeout", route: "onError", to: "failed" });
    expect((await sessions.get(call.sessionId, h.clock.now()))?.session.vars.fetchStatus).toBe("");
  });

  it("no fetch performer configured: the error route, not a 5xx", async () => {
    const h = fetchHarness({ fetcher: false });
    const { call, clientActionId } = await atMain(h);
    const answered = await post(h, call.completed("2", clientActionId));
    expect(answered.status).toBe(200);
    expect(spoken(answered.answer)).toBe("The payment service is not answering. Please call again later.");
  });
});
