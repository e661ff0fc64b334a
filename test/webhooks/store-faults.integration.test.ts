/**
 * Fault injection on the VCA path with the production DynamoDB client settings (createDocumentClient's defaults,
 * as lambdas/runtime.ts uses them) and the production event deadline: a store that hangs must still get the caller an answer, HTTP 200 with the
 * fallback callflow, within 8x8's ~2 s. Hangs are simulated at the TCP/HTTP level (a server that accepts and never
 * answers, or a proxy in front of DynamoDB Local that swallows writes), so the real SDK timeouts and retries run.
 */
import { type AddressInfo, createServer as createTcpServer, type Server, type Socket } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { VcaAnswer } from "../../src/engine/callflow.js";
import { createFetchPerformer } from "../../src/integration/performer.js";
import { envSecrets } from "../../src/integration/secrets.js";
import { createLogger } from "../../src/observability/logger.js";
import { createMetrics } from "../../src/observability/metrics.js";
import { createDocumentClient } from "../../src/store/dynamodb-client.js";
import { DynamoFlowVersionStore } from "../../src/store/dynamodb-flow-version-store.js";
import { DynamoSessionStore } from "../../src/store/dynamodb-session-store.js";
import { DynamoSummaryStore } from "../../src/store/dynamodb-summary-store.js";
import { disagreements } from "../../src/testing/agreement.js";
import { VCA_EVENT_BUDGET_MS } from "../../src/webhooks/deadline.js";
import { fetchState, hangupState, machineOf, menuState } from "../engine/fixtures.js";
import { dynamoDbForTests } from "../support/dynamodb.js";
import { type FaultyProxy, faultyProxy, type Verdict } from "../support/faulty-proxy.js";
import { localStackWith } from "../support/local-stack.js";
import { json, startLoopbackService } from "../support/loopback-service.js";
import {
  compile,
  type Harness,
  harness,
  post,
  postSummary,
  registry,
  SimulatedCall,
  spoken,
  uniqueNumber,
} from "./harness.js";

/** 8x8 waits about 2 s for a VCA answer (../shared/8x8-voice-api.md). */
const ANSWER_BUDGET_MS = 2_000;

const NUMBER = uniqueNumber();
const FLOW_YAML = `
flow: faults
numbers: ["${NUMBER}"]
start: main
onError: sorry
states:
  main:
    menu:
      prompt: "For sales press 1."
      options: { "1": pin }
  pin:
    ask:
      prompt: "Enter your PIN."
      into: pin
      digits: { min: 4, max: 4 }
      next: bye
  bye: { hangup: { say: "Goodbye." } }
  sorry: { hangup: { say: "Sorry, our system is busy. Goodbye." } }
`;
const machine = compile(FLOW_YAML);

/** A harness whose every store talks to `endpoint` through a client configured exactly as in production. */
function harnessOn(endpoint: string): Harness {
  const doc = createDocumentClient({ endpoint });
  return harness({
    sessions: new DynamoSessionStore(doc),
    summaries: new DynamoSummaryStore(doc),
    flows: registry([machine], new DynamoFlowVersionStore(doc)),
    eventBudgetMs: VCA_EVENT_BUDGET_MS,
  });
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const startedAt = performance.now();
  const result = await work();
  return { result, ms: performance.now() - startedAt };
}

describe("a DynamoDB that accepts connections and never answers", () => {
  let blackHole: Server;
  const sockets = new Set<Socket>();
  let h: Harness;

  beforeAll(async () => {
    blackHole = createTcpServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => blackHole.listen(0, "127.0.0.1", resolve));
    h = harnessOn(`http://127.0.0.1:${(blackHole.address() as AddressInfo).port}`);
  });

  afterAll(() => {
    for (const socket of sockets) socket.destroy();
    blackHole.close();
  });

  it("answers CALL_RECEIVED with the flow's onError callflow, 200, within 2 s", async () => {
    const call = new SimulatedCall(NUMBER);
    const { result, ms } = await timed(() => post(h, call.received()));
    expect(result.status).toBe(200);
    expect(result.answer.clientActionId).toBe("error:0");
    expect(spoken(result.answer)).toBe("Sorry, our system is busy. Goodbye.");
    expect(result.answer.callflow.at(-1)).toEqual({ action: "hangup" });
    expect(ms).toBeLessThan(ANSWER_BUDGET_MS);
  });

  it("answers a capture (its session cannot be read) with the onError of the flow owning the number, 200, within 2 s", async () => {
    const call = new SimulatedCall(NUMBER);
    const fallbacksBefore = h.counts.Fallbacks ?? 0;
    const { result, ms } = await timed(() => post(h, call.completed("1", "main:1")));
    expect(result.status).toBe(200);
    // The session is unknown, but the number called says which flow the caller is in: its own apology is used.
    expect(spoken(result.answer)).toBe("Sorry, our system is busy. Goodbye.");
    expect(result.answer.callflow.at(-1)).toEqual({ action: "hangup" });
    expect(ms).toBeLessThan(ANSWER_BUDGET_MS);
    expect((h.counts.Fallbacks ?? 0) - fallbacksBefore).toBe(1);
  });
});

describe("a DynamoDB that stops taking writes in the middle of a call", () => {
  let proxy: FaultyProxy;

  beforeAll(async () => {
    // Every PutItem is held forever: the session is read fine, and then the write that would advance it hangs
    // (the longest path through the handler: one read, then a write timing out on every attempt).
    proxy = await faultyProxy((await dynamoDbForTests()).endpoint, (operation) =>
      operation === "PutItem" ? "drop" : "forward",
    );
  });

  afterAll(() => proxy.close());

  it("answers the capture with the flow's onError callflow, 200, within 2 s, and stores what the caller heard", async () => {
    // The call starts while DynamoDB is healthy, through the tests' own client: on a loaded machine the 400 ms
    // budget could fail this setup step, which is not what is under test.
    const { doc } = await dynamoDbForTests();
    const healthy = harness({
      sessions: new DynamoSessionStore(doc),
      summaries: new DynamoSummaryStore(doc),
      flows: registry([machine]),
    });
    const call = new SimulatedCall(NUMBER);
    const first = await post(healthy, call.received());
    expect(first.answer.clientActionId).toMatch(/^main:/);

    const h = harnessOn(proxy.url);
    const { result, ms } = await timed(() => post(h, call.completed("1", first.answer.clientActionId)));
    expect(result.status).toBe(200);
    expect(result.answer.clientActionId).toMatch(/^error:/);
    expect(spoken(result.answer)).toBe("Sorry, our system is busy. Goodbye.");
    expect(ms).toBeLessThan(ANSWER_BUDGET_MS);
    expect(h.counts.Fallbacks).toBe(1);

    // The step never got stored; the fallback marker (an UpdateItem, which this proxy lets through) says the call
    // ended in the onError state with that answer (contract 4).
    const stored = await new DynamoSessionStore(doc).get(call.sessionId, h.clock.now());
    expect(disagreements(result.answer, stored)).toEqual([]);
    expect(stored?.fallback).toMatchObject({ turn: 1, state: "sorry" });
    expect(stored?.session).toMatchObject({ state: "main", status: "ended" });
  });
});

describe("a deadline for the whole event (#10 defect 3)", () => {
  it("answers a slow read followed by a hung write within 2 s", async () => {
    const { doc, endpoint } = await dynamoDbForTests();
    const healthy = harness({
      sessions: new DynamoSessionStore(doc),
      summaries: new DynamoSummaryStore(doc),
      flows: registry([machine]),
    });
    const call = new SimulatedCall(NUMBER);
    const first = await post(healthy, call.received());
    // This call's reads succeed only on the SDK's third attempt (each earlier one times out), and its writes hang.
    let reads = 0;
    const proxy = await faultyProxy(endpoint, (operation, body) => {
      if (!body.includes(call.sessionId)) return "forward";
      if (operation === "GetItem") return ++reads < 3 ? "drop" : "forward";
      return operation === "PutItem" ? "drop" : "forward";
    });
    try {
      const h = harnessOn(proxy.url);
      const { result, ms } = await timed(() => post(h, call.completed("1", first.answer.clientActionId)));
      expect(reads).toBe(3);
      expect(result.status).toBe(200);
      expect(spoken(result.answer)).toBe("Sorry, our system is busy. Goodbye.");
      expect(ms).toBeLessThan(ANSWER_BUDGET_MS);
    } finally {
      await proxy.close();
    }
  });

  it("holds for the local stack too: npm start's store client falls back within 2 s", async () => {
    const { endpoint } = await dynamoDbForTests();
    const proxy = await faultyProxy(endpoint);
    const stack = await localStackWith({ faults: FLOW_YAML }, { dynamodbEndpoint: proxy.url });
    const { server } = stack;
    try {
      proxy.rule = () => "drop"; // DynamoDB Local stops answering
      const call = new SimulatedCall(NUMBER);
      const { result, ms } = await timed(async () => {
        const response = await fetch(`${server.url}/vca`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(call.received()),
        });
        return { status: response.status, answer: (await response.json()) as VcaAnswer };
      });
      expect(result.status).toBe(200);
      expect(spoken(result.answer)).toBe("Sorry, our system is busy. Goodbye.");
      expect(ms).toBeLessThan(ANSWER_BUDGET_MS);
    } finally {
      proxy.rule = () => "forward";
      await stack.stop();
      await proxy.close();
    }
  });
});

/**
 * Late writes (#10 defect 2): a write the handler gave up on at its deadline still reaches DynamoDB afterwards (a
 * paused DynamoDB Local resumes; a request retransmitted late). The proxy holds such writes and lets them land
 * after the caller heard the fallback: what is stored must still say what the caller heard.
 */
describe("writes that land after the caller heard the fallback", () => {
  let proxy: FaultyProxy;
  let h: Harness;
  let healthy: Harness;
  let sessions: DynamoSessionStore;
  let summaries: DynamoSummaryStore;

  beforeAll(async () => {
    const { doc, endpoint } = await dynamoDbForTests();
    proxy = await faultyProxy(endpoint);
    h = harnessOn(proxy.url);
    sessions = new DynamoSessionStore(doc);
    summaries = new DynamoSummaryStore(doc);
    healthy = harness({ sessions, summaries, flows: registry([machine]) });
  });

  afterAll(() => proxy.close());

  /** Misbehave for this call's requests only (other test files share DynamoDB Local). */
  function forCall(call: SimulatedCall, verdicts: Record<string, Verdict>): void {
    proxy.rule = (operation, body) => (body.includes(call.sessionId) ? (verdicts[operation] ?? "forward") : "forward");
  }

  async function storedAgrees(call: SimulatedCall, heard: VcaAnswer, withinMs = 0): Promise<string[]> {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const record = await sessions.get(call.sessionId, h.clock.now(), { includeExpired: true });
      const why = disagreements(heard, record);
      if (why.length === 0 || Date.now() >= deadline) return why;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The call reaches the PIN prompt on a healthy store; returns the menu answer to press 1 on. */
  async function atMenu(call: SimulatedCall): Promise<VcaAnswer> {
    return (await post(healthy, call.received())).answer;
  }

  afterEach(() => {
    proxy.rule = () => "forward";
  });

  it("a step's write landing after its fallback marker fails: the session stays as heard", async () => {
    const call = new SimulatedCall(NUMBER);
    const menu = await atMenu(call);
    forCall(call, { PutItem: "hold" });
    const heard = (await post(h, call.completed("1", menu.clientActionId))).answer;
    expect(spoken(heard), JSON.stringify(heard)).toBe("Sorry, our system is busy. Goodbye.");
    expect(proxy.held()).toBeGreaterThan(0);
    await proxy.release(); // the write that would have moved the call to the PIN prompt lands now
    expect(await storedAgrees(call, heard)).toEqual([]);
  });

  it("a step's write landing before the marker is overwritten by it: the session says what was heard", async () => {
    const call = new SimulatedCall(NUMBER);
    const menu = await atMenu(call);
    forCall(call, { PutItem: "hold", UpdateItem: "hold" });
    const heard = (await post(h, call.completed("1", menu.clientActionId))).answer;
    await proxy.release(); // in arrival order: the step's write(s), then the marker
    expect(await storedAgrees(call, heard)).toEqual([]);
  });

  it("a marker that could not be written is retried until it lands, after the late write", async () => {
    const call = new SimulatedCall(NUMBER);
    const menu = await atMenu(call);
    forCall(call, { PutItem: "hold", UpdateItem: "drop" });
    const heard = (await post(h, call.completed("1", menu.clientActionId))).answer;
    proxy.rule = () => "forward"; // DynamoDB is back
    await proxy.release();
    expect(await storedAgrees(call, heard, 10_000)).toEqual([]);
  });

  it("a new call's create landing after its apology leaves a session that says it heard the fallback", async () => {
    const call = new SimulatedCall(NUMBER);
    forCall(call, { PutItem: "hold" });
    const heard = (await post(h, call.received())).answer;
    expect(heard.clientActionId).toBe("error:0");
    await proxy.release();
    expect(await storedAgrees(call, heard)).toEqual([]);
  });

  it("the summary says so too: fallback marker, final state, and the session ended", async () => {
    const call = new SimulatedCall(NUMBER);
    const menu = await atMenu(call);
    forCall(call, { PutItem: "hold" });
    const heard = (await post(h, call.completed("1", menu.clientActionId))).answer;
    await proxy.release();
    expect((await postSummary(h, call.summary("COMPLETED"))).status).toBe(200);
    const record = await sessions.get(call.sessionId, h.clock.now(), { includeExpired: true });
    const summary = await summaries.get(call.sessionId);
    expect(disagreements(heard, record, summary)).toEqual([]);
    expect(summary?.finalState).toBe("main");
    expect(summary?.outcome).toMatchObject({ kind: "failed", cause: "fallback", fallbackState: "sorry" });
    expect(record?.endedAt).toBeDefined();
  });
});

describe("the deadline and service requests", () => {
  it("does not count a fetch's time against the store budget: a 1.8 s request still takes the flow's route", async () => {
    const service = await startLoopbackService({
      "/slow": async (_req, res) => {
        await new Promise((resolve) => setTimeout(resolve, 1_800));
        json(res, 200, { ok: true });
      },
    });
    try {
      const number = uniqueNumber();
      const flow = machineOf(
        {
          main: menuState({ "1": "check" }),
          check: fetchState({ path: ["/slow"], timeoutMs: 3_000, next: "done", onError: "failed" }),
          done: hangupState("Checked."),
          failed: hangupState("The service did not answer."),
          sorry: hangupState("Sorry."),
        },
        {
          flow: "slow-line",
          numbers: [number],
          onError: "sorry",
          services: { bank: { url: service.url, headers: {}, timeoutMs: 3_000 } },
        },
      );
      const { doc } = await dynamoDbForTests();
      const h = harness({
        sessions: new DynamoSessionStore(doc),
        summaries: new DynamoSummaryStore(doc),
        flows: registry([flow]),
        eventBudgetMs: VCA_EVENT_BUDGET_MS,
        fetcher: createFetchPerformer({
          secrets: envSecrets({}),
          logger: createLogger(),
          metrics: createMetrics(),
          env: {},
        }),
      });
      const call = new SimulatedCall(number);
      const first = await post(h, call.received());
      const { result, ms } = await timed(() => post(h, call.completed("1", first.answer.clientActionId)));
      expect(spoken(result.answer)).toBe("Checked.");
      expect(ms).toBeGreaterThan(1_800);
    } finally {
      await service.close();
    }
  });
});
