/**
 * `ivr replay` and `ivr call` as users run them: subprocesses of bin/ivr.mjs, on the run's shared DynamoDB Local.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalServer, startLocalServer } from "../../src/local/server.js";
import { createDocumentClient } from "../../src/store/dynamodb-client.js";
import { DynamoSessionStore } from "../../src/store/dynamodb-session-store.js";
import { dynamoDbForTests } from "../support/dynamodb.js";
import { runIvr } from "../support/ivr.js";

const FLOW = `flow: cli-demo
numbers: ["+6531112222"]
start: hours
states:
  hours:
    hours:
      timezone: Asia/Singapore
      open: { mon-fri: "09:00-18:00" }
      then: main
      else: closed
  main:
    menu:
      prompt: "For sales press 1."
      options: { "1": sales }
      noInput: "Sorry, I did not hear anything."
      onExhausted: closed
  sales:
    transfer: { to: "+6560000006" }
  closed:
    hangup: { say: "We are closed." }
`;

let dir: string;
let endpoint: string;
let server: LocalServer;

function ivr(args: string[], input = "") {
  return runIvr(args, { env: { DYNAMODB_ENDPOINT: endpoint, LOG_LEVEL: "" }, input });
}

beforeAll(async () => {
  ({ endpoint } = await dynamoDbForTests());
  dir = mkdtempSync(join(tmpdir(), "callflow-cli-"));
  writeFileSync(join(dir, "cli-demo.yaml"), FLOW);
  server = await startLocalServer({
    port: 0,
    flowsDir: dir,
    dynamodbEndpoint: endpoint,
    watch: false,
    print: () => {},
  });
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("ivr replay", () => {
  it("prints the contract JSON, and only that, on stdout", async () => {
    const { code, stdout } = await ivr([
      "replay",
      join(dir, "cli-demo.yaml"),
      "--dtmf",
      "-,1,9",
      "--at",
      "2026-03-02T10:00:00+08:00",
    ]);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(Object.keys(result)).toEqual(["flow", "version", "turns", "ended"]);
    expect(result.flow).toBe("cli-demo");
    expect(result.version).toMatch(/^[0-9a-f]{16}$/);
    expect(result.ended).toBe(true);
    expect(result.turns.map((t: { dtmf: string | null }) => t.dtmf)).toEqual([null, null, "1"]);
    expect(result.turns[1].callflow.map((a: { action: string }) => a.action)).toEqual(["say", "sayAndCapture"]);
    expect(result.turns[2].callflow).toEqual([
      { action: "makeCall", params: { source: "+6531112222", destination: "+6560000006" } },
    ]);
    expect(stdout).toBe(`${JSON.stringify(result, null, 2)}\n`);
  });

  it("--at freezes the clock: out of hours the call ends at once", async () => {
    const { code, stdout } = await ivr(["replay", join(dir, "cli-demo.yaml"), "--at", "2026-03-01T10:00:00+08:00"]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ ended: true, turns: [{ clientActionId: "closed:1" }] });
  });

  // inbound, and outbound (a flow with inputs: the session the replay dials for it)
  const REMINDER = join(import.meta.dirname, "..", "..", "flows", "appointment-reminder.yaml");
  const REMINDER_VARS = ["--var", "patient=Ann Lee", "--var", "clinic=Harbourfront Dental", "--var", "time=10:30"];
  it.each([
    ["cli-demo", () => [join(dir, "cli-demo.yaml")]],
    ["appointment-reminder", () => [REMINDER, ...REMINDER_VARS]],
  ])(
    "--at in the past: %s's session outlives the frozen clock, or DynamoDB Local would sweep it mid-call",
    async (flow, args) => {
      const { code, stderr } = await ivr(["replay", ...args(), "--at", "2025-03-03T10:00:00+08:00"]);
      expect(code).toBe(0);
      const sessionId = /session ([0-9a-f-]{36})/.exec(stderr)?.[1] as string;
      const stored = await new DynamoSessionStore(createDocumentClient({ endpoint })).get(sessionId, new Date());
      // read by the real clock: still there, a week and more after the instant the call was frozen at
      expect(stored?.session.flow).toBe(flow);
      expect(stored!.expiresAt * 1000).toBeGreaterThan(Date.now());
    },
  );

  it("prints checker errors with file:line:col and exits 1", async () => {
    const broken = join(dir, "broken.yaml");
    writeFileSync(broken, FLOW.replace('"1": sales', '"1": salez'));
    const { code, stdout, stderr } = await ivr(["replay", broken]);
    rmSync(broken);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/broken\.yaml:\d+:\d+.*\[unknown-target\]/);
  });

  it("refuses bad usage with exit 2", async () => {
    expect((await ivr(["replay", join(dir, "cli-demo.yaml"), "--dtmf", "1,x"])).code).toBe(2);
    expect((await ivr(["replay", join(dir, "cli-demo.yaml"), "--at", "2026-03-02T10:00:00"])).code).toBe(2);
  });
});

describe("ivr call", () => {
  it("plays a call from piped keys against the local server", async () => {
    // whatever the real clock says, the keys lead to an ending: open -> sales, closed -> goodbye at once
    const { code, stdout } = await ivr(["call", "cli-demo", "--url", server.url], "1\n");
    expect(code).toBe(0);
    expect(stdout).toMatch(/calling cli-demo on \+6531112222/);
    expect(stdout).toMatch(/\[transfer to \+65\*\*\*\*0006\]|We are closed\.\n\[hangs up\]/);
    expect(stdout).toMatch(/summary stored for session/);
  });

  it("--at sets the call's clock: the menu in office hours, the closed message on a Sunday", async () => {
    const open = await ivr(["call", "cli-demo", "--url", server.url, "--at", "2026-11-24T10:00:00+08:00"], "1\n");
    expect(open.stdout).toMatch(/as if it were 2026-11-24T02:00:00\.000Z/);
    expect(open.stdout).toMatch(/For sales press 1\.[\s\S]*\[transfer to \+65\*\*\*\*0006\]/);
    const closed = await ivr(["call", "cli-demo", "--url", server.url, "--at", "2026-11-22T10:00:00+08:00"]);
    expect(closed.stdout).toMatch(/We are closed\.\n\[hangs up\]/);
    expect((await ivr(["call", "cli-demo", "--url", server.url, "--at", "2026-11-24T10:00"])).code).toBe(2);
  });

  it("asks again for a key a phone does not have, and says that Ctrl-D hangs up", async () => {
    const at = ["--at", "2026-11-24T10:00:00+08:00"];
    const { code, stdout } = await ivr(["call", "cli-demo", "--url", server.url, ...at], "x\n12\n");
    expect(code).toBe(0);
    expect(stdout).toMatch(/Ctrl-D hangs up\)> x\n\[a phone has only the keys 0-9, \* and #, not 'x': try again\]/);
    // "12" at a one-key menu: 8x8 keeps the first key only, as `ivr test` does
    expect(stdout).toMatch(/\[transfer to \+65\*\*\*\*0006\]/);
    expect(stdout).toMatch(/summary stored for session/);
  });

  it("says how to start the server when none answers", async () => {
    const { code, stderr } = await ivr(["call", "cli-demo", "--url", "http://127.0.0.1:9"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/npm start/);
  });
});
