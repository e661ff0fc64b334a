/**
 * Issue #12's "done when", as a newcomer does it: the local stack up, a few calls placed (the terminal phone's
 * code path and `ivr replay`), then `ivr report` shows them, correctly counted, in every format; and GET /events
 * serves the Call Completed events the server printed.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CallCompletedEnvelope } from "../../src/analytics/event.js";
import type { Report } from "../../src/analytics/report.js";
import { placeCall } from "../../src/local/phone.js";
import { type LocalServer, startLocalServer } from "../../src/local/server.js";
import { dynamoDbForTests } from "../support/dynamodb.js";
import { runIvr } from "../support/ivr.js";

const FLOW = `report-demo-${randomUUID().slice(0, 8)}`;
const NUMBER = `+659${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
const YAML = `flow: ${FLOW}
numbers: ["${NUMBER}"]
start: welcome
states:
  welcome: { say: "Welcome.", next: main }
  main:
    menu:
      prompt: "For news press 1. For sales press 2."
      options: { "1": news, "2": sales }
  news: { hangup: { say: "No news today. Goodbye." } }
  sales: { transfer: { to: "+6560000006" } }
`;

let dir: string;
let server: LocalServer;
const printed: string[] = [];
/** The CLI finds the stack through its server, not through the test run's DYNAMODB_ENDPOINT. */
const viaServer = { env: { DYNAMODB_ENDPOINT: "" } };

async function phone(keys: string[]): Promise<void> {
  const queue = [...keys];
  await placeCall({
    url: server.url,
    flow: FLOW,
    caller: "+6590000001",
    hear: () => {},
    readKeys: async () => queue.shift(),
  });
}

beforeAll(async () => {
  const { endpoint } = await dynamoDbForTests();
  dir = mkdtempSync(join(tmpdir(), "callflow-report-"));
  writeFileSync(join(dir, `${FLOW}.yaml`), YAML);
  server = await startLocalServer({
    port: 0,
    flowsDir: dir,
    dynamodbEndpoint: endpoint,
    watch: false,
    print: (text) => printed.push(text),
  });
  await phone(["1"]); // completed
  await phone(["2"]); // transferred
  await phone([]); // the caller hangs up at the menu: abandoned
  // A scripted replay against the running stack: its call is stored there and its summary posted to /vss.
  const replay = await runIvr(["replay", join(dir, `${FLOW}.yaml`), "--dtmf", "1"], {
    env: { IVR_URL: server.url, DYNAMODB_ENDPOINT: "" },
  });
  expect(replay.code, replay.stderr).toBe(0);
  expect(replay.stderr).toMatch(/call completed in news/);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the local stack's analytics", () => {
  it("prints each Call Completed event and serves the recent ones on GET /events", async () => {
    const res = await fetch(`${server.url}/events?flow=${FLOW}`);
    const { events } = (await res.json()) as { events: CallCompletedEnvelope[] };
    expect(events.map((e) => e.detail.outcome)).toEqual(["completed", "transferred", "abandoned", "completed"]);
    expect(events[0]).toMatchObject({ source: "callflow", "detail-type": "Call Completed", version: "0" });
    expect(events[0]?.detail.caller).toBe("+65****0001");
    expect(printed.filter((line) => line.startsWith(`event Call Completed: ${FLOW}`))).toHaveLength(4);
    expect((await fetch(`${server.url}/events?limit=0`)).status).toBe(400);
  });

  it("ivr report --json counts them exactly", async () => {
    const { code, stdout, stderr } = await runIvr(["report", "--url", server.url, "--json", "--flow", FLOW], viaServer);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as Report;
    expect(report.flows).toHaveLength(1);
    expect(report.flows[0]).toMatchObject({
      flow: FLOW,
      calls: 4,
      outcomes: { completed: 2, transferred: 1, abandoned: 1, failed: 0 },
      containmentRate: 0.5,
      states: { main: { entered: 4, abandoned: 1 }, news: { entered: 2 }, sales: { entered: 1 } },
    });
  });

  it("ivr report prints the table, the Mermaid graph and the HTML page", async () => {
    const html = join(dir, "report.html");
    const table = await runIvr(["report", "--url", server.url, "--html", html], viaServer);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`${FLOW} v[0-9a-f]{16}`));
    expect(table.stdout).toMatch(/calls 4 +completed 2 +transferred 1 +abandoned 1 +failed 0 +containment 50\.0%/);
    expect(table.stdout).toMatch(/main +menu +4 +1 +25\.0%/);
    const page = readFileSync(html, "utf8");
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain("<svg");
    expect(page).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);

    const mermaid = await runIvr(["report", "--url", server.url, "--format", "mermaid"], viaServer);
    expect(mermaid.code, mermaid.stderr).toBe(0);
    expect(mermaid.stdout).toContain("```mermaid\nflowchart TD");
    expect(mermaid.stdout).toMatch(/main \(menu\)<br\/>entered 4<br\/>abandoned 1 \(25\.0%\)/);
    expect(mermaid.stdout).toMatch(/\|"1: 2 \(50%\)"\|/);
  });
});
