/**
 * The local stack end to end: the real handlers behind the HTTP server, on the run's shared DynamoDB Local, with
 * flows compiled from a temporary flows directory that the tests edit to exercise hot reload.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileFlowSource } from "../../src/language/index.js";
import { placeCall } from "../../src/local/phone.js";
import { type LocalServer, startLocalServer } from "../../src/local/server.js";
import { callReceivedEvent, newSimulatedCall } from "../../src/local/simulated-8x8.js";
import { DynamoSummaryStore } from "../../src/store/dynamodb-summary-store.js";
import { MAX_WEBHOOK_BODY_BYTES } from "../../src/webhooks/http-handlers.js";
import { dynamoDbForTests } from "../support/dynamodb.js";

const NUMBER = "+6531110000";
/** The webhooks' body limit (64 KB); the local server reads requests with the same one. */
const LIMIT = 64 * 1024;

function flowYaml(greeting: string): string {
  return `# yaml-language-server: $schema=../schema/flow.schema.json
flow: local-demo
numbers: ["${NUMBER}"]
start: welcome
states:
  welcome:
    say: "${greeting}"
    next: main
  main:
    menu:
      prompt: "For sales press 1. To hear this again press 2."
      options: { "1": sales, "2": main }
      onExhausted: bye
  sales:
    transfer: { to: "+6560000006", say: "Connecting you to sales." }
  bye:
    hangup: { say: "Goodbye." }
`;
}

let dir: string;
let server: LocalServer;
const printed: string[] = [];

/** Resolves once `predicate` holds for something printed, or fails after `ms`. */
async function waitForPrint(predicate: (line: string) => boolean, ms = 10_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const line = printed.find(predicate);
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`not printed within ${ms} ms; printed:\n${printed.join("\n")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  const { endpoint } = await dynamoDbForTests();
  dir = mkdtempSync(join(tmpdir(), "callflow-local-"));
  writeFileSync(join(dir, "local-demo.yaml"), flowYaml("Welcome to the demo."));
  server = await startLocalServer({
    port: 0,
    flowsDir: dir,
    dynamodbEndpoint: endpoint,
    reloadDebounceMs: 50,
    print: (text) => printed.push(...text.split("\n")),
  });
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("local server", () => {
  it("answers /health and lists flows with their numbers and versions", async () => {
    const health = await (await fetch(`${server.url}/health`)).json();
    expect(health).toMatchObject({ ok: true, flows: 1 });
    const { flows } = (await (await fetch(`${server.url}/flows`)).json()) as { flows: Record<string, unknown>[] };
    expect(flows).toEqual([expect.objectContaining({ flow: "local-demo", numbers: [NUMBER] })]);
    expect(flows[0]!.version).toMatch(/^[0-9a-f]{16}$/);
  });

  it("answers CALL_RECEIVED over HTTP through the real VCA handler", async () => {
    const call = newSimulatedCall({ caller: "+6590000001", called: NUMBER });
    const res = await fetch(`${server.url}/vca`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(callReceivedEvent(call, new Date())),
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { clientActionId: string; callflow: { action: string }[] };
    expect(answer.clientActionId).toMatch(/^main:/);
    expect(answer.callflow.map((a) => a.action)).toEqual(["say", "sayAndCapture"]);
  });

  it("maps errors like API Gateway: 400 from the handler, 404, 405, 413", async () => {
    const bad = await fetch(`${server.url}/vca`, { method: "POST", body: "{not json" });
    expect(bad.status).toBe(400);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/vca`)).status).toBe(405);
    const big = await fetch(`${server.url}/vca`, { method: "POST", body: "x".repeat(70 * 1024) });
    expect(big.status).toBe(413);
  });

  it("answers an oversized body with the handlers' own 413, on every POST route", async () => {
    for (const path of ["/vca", "/vss", "/local/dial"]) {
      const res = await fetch(`${server.url}${path}`, { method: "POST", body: "x".repeat(LIMIT + 1) });
      expect(res.status).toBe(413);
      expect(res.headers.get("connection")).toBe("close");
      expect(await res.json()).toEqual({ error: `body is larger than ${LIMIT} bytes` });
    }
    // exactly at the limit, the body reaches the handler (which finds it is not an 8x8 event)
    const atLimit = await fetch(`${server.url}/vca`, { method: "POST", body: "x".repeat(LIMIT) });
    expect(atLimit.status).toBe(400);
  });

  it("reads bodies with the webhooks' own limit", () => {
    expect(MAX_WEBHOOK_BODY_BYTES).toBe(LIMIT);
  });

  it("stops reading a huge chunked POST: 413, then the connection is closed", async () => {
    const { port } = new URL(server.url);
    const socket = connect(Number(port), "127.0.0.1");
    socket.on("error", () => {}); // writes after the server closed: EPIPE/ECONNRESET are the point
    let answer = "";
    socket.setEncoding("utf8");
    socket.on("data", (text: string) => {
      answer += text;
    });
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    await new Promise<void>((resolve) => socket.on("connect", () => resolve()));
    socket.write("POST /vca HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n");
    socket.write("Transfer-Encoding: chunked\r\n\r\n");
    // Up to 256 MB, as fast as the socket takes it, without ever reading what the server says.
    const chunk = `${(64 * 1024).toString(16)}\r\n${"x".repeat(64 * 1024)}\r\n`;
    let written = 0;
    let open = true;
    void closed.then(() => {
      open = false;
    });
    while (open && written < 256 * 1024 * 1024) {
      written += chunk.length;
      if (!socket.write(chunk)) {
        await Promise.race([new Promise((resolve) => socket.once("drain", resolve)), closed]);
      }
    }
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain(`{"error":"body is larger than ${LIMIT} bytes"}`);
    // the server stopped reading: the client could not push anywhere near the whole body before being cut off
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });

  it("places a whole call with the terminal phone and stores the summary", async () => {
    const heard: string[] = [];
    const keys = ["7", "2", "1"];
    const result = await placeCall({
      url: server.url,
      flow: "local-demo",
      caller: "+6590000001",
      hear: (line) => heard.push(line),
      readKeys: async () => keys.shift(),
    });
    expect(result).toMatchObject({ endedBy: "flow", lastAction: "MAKE_CALL", turns: 4 });
    expect(heard).toContain("Welcome to the demo.");
    expect(heard).toContain("Connecting you to sales.");
    expect(heard.at(-1)).toBe("[transfer to +65****0006]");

    const { doc } = await dynamoDbForTests();
    const summary = await new DynamoSummaryStore(doc).get(result.sessionId);
    expect(summary).toMatchObject({ sessionStatus: "COMPLETED", flow: "local-demo" });
  });

  it("reloads an edited flow, and keeps the previous machine when the edit is broken", async () => {
    const before = server.machines()[0]!.version;

    writeFileSync(join(dir, "local-demo.yaml"), flowYaml("Welcome to the new demo."));
    const reloaded = await waitForPrint((l) => l.startsWith("reloaded local-demo v"));
    const after = server.machines()[0]!.version;
    expect(after).not.toBe(before);
    expect(reloaded).toBe(`reloaded local-demo v${after}`);

    // a target that does not exist: the checker refuses it, with file:line:col, and the old machine stays
    writeFileSync(join(dir, "local-demo.yaml"), flowYaml("Broken.").replace('"1": sales', '"1": salez'));
    const error = await waitForPrint((l) => l.includes("[unknown-target]"));
    expect(error).toMatch(/local-demo\.yaml:\d+:\d+/);
    await waitForPrint((l) => l.includes("still serving the previous flows"));
    expect(server.machines()[0]!.version).toBe(after);

    const heard: string[] = [];
    await placeCall({
      url: server.url,
      flow: "local-demo",
      caller: "+6590000001",
      hear: (line) => heard.push(line),
      readKeys: async () => "1",
    });
    expect(heard).toContain("Welcome to the new demo.");
  });

  it("reloads after saves that replace the file by rename, twice (vim, sed -i)", async () => {
    for (const greeting of ["Renamed once.", "Renamed twice."]) {
      const temp = join(dir, ".local-demo.yaml.swp");
      writeFileSync(temp, flowYaml(greeting));
      renameSync(temp, join(dir, "local-demo.yaml"));
      const { version } = compileFlowSource(flowYaml(greeting), "local-demo.yaml").machine!;
      await waitForPrint((l) => l === `reloaded local-demo v${version}`);
      expect(server.machines()[0]!.version).toBe(version);
    }
  });
});
