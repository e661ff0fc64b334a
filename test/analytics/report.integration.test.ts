/**
 * `ivr report`'s aggregator on DynamoDB Local: calls placed through the real handlers (and summaries stored as the
 * VSS stores them) are counted exactly, per flow and version, read with Query on the by-flow index.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { buildReport, type FlowReport } from "../../src/analytics/report.js";
import { DynamoFlowVersionStore } from "../../src/store/dynamodb-flow-version-store.js";
import { DynamoSessionStore } from "../../src/store/dynamodb-session-store.js";
import { DynamoSummaryStore } from "../../src/store/dynamodb-summary-store.js";
import type { SummaryRecord } from "../../src/store/ports.js";
import { countingDocumentClient, dynamoDbForTests, uniqueId } from "../support/dynamodb.js";
import {
  compile,
  type Harness,
  harness,
  OFFICE_HOURS,
  post,
  postSummary,
  registry,
  SimulatedCall,
  uniqueNumber,
} from "../webhooks/harness.js";

const FLOW = `r${uniqueId("")
  .slice(1, 9)
  .replace(/[^a-z0-9]/g, "a")}`;
const NUMBER = uniqueNumber();
const machine = compile(`
flow: ${FLOW}
numbers: ["${NUMBER}"]
start: welcome
onError: sorry
states:
  welcome: { say: "Welcome.", next: main }
  main:
    menu:
      prompt: "Press 1 for news, 2 for an agent."
      options: { "1": news, "2": agent }
      attempts: 3
  news: { hangup: { say: "No news. Goodbye." } }
  agent: { transfer: { to: "+6560000001" } }
  sorry: { hangup: { say: "Sorry." } }
`);

let h: Harness;
let summaries: DynamoSummaryStore;
let flowVersions: DynamoFlowVersionStore;

async function call(keys: (string | null)[], status = "COMPLETED", duplicates = 0): Promise<void> {
  const sim = new SimulatedCall(NUMBER);
  let answer = (await post(h, sim.received())).answer;
  for (const key of keys) answer = (await post(h, sim.completed(key, answer.clientActionId))).answer;
  for (let i = 0; i <= duplicates; i++) expect((await postSummary(h, sim.summary(status))).status).toBe(200);
}

const WINDOW = { from: new Date(new Date(OFFICE_HOURS).getTime() - 3_600_000), to: new Date(OFFICE_HOURS) };

beforeAll(async () => {
  const { doc } = await dynamoDbForTests();
  summaries = new DynamoSummaryStore(doc);
  flowVersions = new DynamoFlowVersionStore(doc);
  await flowVersions.put(machine);
  h = harness({ sessions: new DynamoSessionStore(doc), summaries, flows: registry([machine], flowVersions) });
  h.clock.set(new Date(new Date(OFFICE_HOURS).getTime() - 60_000).toISOString());
  await call(["1"]); // completed in news
  await call(["1"], "COMPLETED", 2); // completed, its summary delivered three times: counted once
  await call(["2"]); // transferred
  await call([null, "2"]); // no input, then transferred
  await call([]); // abandoned in main
  await call([null, "9"]); // no input, no match, then abandoned in main
  await call([null, null, null]); // exhausted: the flow hangs up (completed, exhausted)
  await call(["1"], "ERROR"); // the flow had ended it: still completed
  await call([], "ERROR"); // 8x8 reports an error mid-call: failed
  // An outside-the-window call must not count.
  h.clock.set(new Date(new Date(OFFICE_HOURS).getTime() - 7_200_000).toISOString());
  await call(["1"]);
});

async function report(): Promise<FlowReport> {
  const { report } = await buildReport({ index: summaries, machines: flowVersions }, { flows: [FLOW], ...WINDOW });
  expect(report.flows).toHaveLength(1);
  return report.flows[0] as FlowReport;
}

describe("the report on DynamoDB Local", () => {
  it("counts calls and outcomes exactly (duplicates once, the window respected), with containment", async () => {
    const r = await report();
    expect(r).toMatchObject({ flow: FLOW, version: machine.version, calls: 9 });
    // completed: news three times (one summary sent three times, one in ERROR after the flow ended) and the
    // exhausted menu; abandoned: the two callers who hung up in the menu; failed: the call 8x8 reported in ERROR.
    expect(r.outcomes).toEqual({ completed: 4, transferred: 2, abandoned: 2, failed: 1 });
    expect(r.containmentRate).toBeCloseTo(4 / 9, 4);
    expect(r.durationMs).toEqual({ p50: 60_000, p90: 60_000 });
    expect(r.unreached).toEqual({ total: 0, byStatus: {} });
  });

  it("counts the funnel state by state: entered, left by each edge, abandoned here, noInput, noMatch, exhausted", async () => {
    const r = await report();
    expect(r.states.welcome).toMatchObject({ kind: "say", entered: 9, left: { next: 9 }, abandoned: 0 });
    expect(r.states.main).toMatchObject({
      kind: "menu",
      entered: 9,
      left: { "1": 3, "2": 2, exhausted: 1, noInput: 4, noMatch: 1 },
      abandoned: 2,
      failed: 1,
      ended: 1,
      noInput: 4,
      noMatch: 1,
      exhausted: 1,
    });
    expect(r.states.news).toMatchObject({ kind: "hangup", entered: 3, ended: 3 });
    expect(r.states.agent).toMatchObject({ kind: "transfer", entered: 2, ended: 2 });
    expect(r.states.sorry).toMatchObject({ entered: 0 });
    expect(r.edges).toContainEqual({ from: "main", to: "#hangup", on: "exhausted", count: 1 });
  });

  it("reads with Query on the by-flow index, never a Scan", async () => {
    const { doc, sent } = await countingDocumentClient();
    const counting = new DynamoSummaryStore(doc);
    await buildReport({ index: counting }, { flows: [FLOW], ...WINDOW });
    expect(sent.length).toBeGreaterThan(0);
    expect(new Set(sent)).toEqual(new Set(["QueryCommand"]));
  });

  it("keeps outbound calls that never connected out of calls, by status, and reads fetch latency from transitions", async () => {
    const flow = `${FLOW}-x`;
    const base: Omit<SummaryRecord, "sessionId" | "sessionStatus" | "outcome" | "transitions"> = {
      body: "{}",
      flow,
      version: "v1",
      receivedAt: new Date(new Date(OFFICE_HOURS).getTime() - 1_000).toISOString(),
      expiresAt: 4_000_000_000,
      durationMs: 1_000,
    };
    const put = (s: Partial<SummaryRecord>) =>
      summaries.putOnce({ ...base, sessionId: uniqueId(), sessionStatus: "COMPLETED", ...s } as SummaryRecord);
    await put({ sessionStatus: "NO_ANSWER", outcome: { kind: "unreached" } });
    await put({ sessionStatus: "NO_ANSWER", outcome: { kind: "unreached" } });
    await put({ sessionStatus: "BUSY", outcome: { kind: "unreached" } });
    for (const [on, ms] of [
      ["next", 100],
      ["next", 200],
      ["on:404", 300],
      ["onError", 2000],
    ] as const) {
      await put({
        outcome: { kind: "completed", state: "bye" },
        transitions: [
          { from: "lookup", to: on === "onError" ? "sorry" : "bye", on, at: 5, ms },
          ...(on === "onError" ? [{ from: "sorry", to: "bye", on: "next", at: 5 }] : []),
        ],
      });
    }
    const { report } = await buildReport({ index: summaries }, { flows: [flow], ...WINDOW });
    const r = report.flows[0] as FlowReport;
    expect(r.calls).toBe(4);
    expect(r.unreached).toEqual({ total: 3, byStatus: { BUSY: 1, NO_ANSWER: 2 } });
    expect(r.states.lookup?.fetch).toEqual({
      requests: 4,
      errors: 1,
      errorRate: 0.25,
      latencyMs: { p50: expect.closeTo(200, -1), p95: expect.closeTo(2000, -2) },
    });
  });
});
