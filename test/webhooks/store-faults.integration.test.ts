/**
 * Fault injection on the VCA path with the production DynamoDB client settings (createDocumentClient's defaults,
 * as lambdas/runtime.ts uses them): a store that hangs must still get the caller an answer, HTTP 200 with the
 * fallback callflow, within 8x8's ~2 s. Hangs are simulated at the TCP/HTTP level (a server that accepts and never
 * answers, or a proxy in front of DynamoDB Local that swallows writes), so the real SDK timeouts and retries run.
 */
import { createServer as createHttpServer, type Server as HttpServer, request } from "node:http";
import { type AddressInfo, createServer as createTcpServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDocumentClient } from "../../src/store/dynamodb-client.js";
import { DynamoFlowVersionStore } from "../../src/store/dynamodb-flow-version-store.js";
import { DynamoSessionStore } from "../../src/store/dynamodb-session-store.js";
import { DynamoSummaryStore } from "../../src/store/dynamodb-summary-store.js";
import { dynamoDbForTests } from "../support/dynamodb.js";
import { compile, type Harness, harness, post, registry, SimulatedCall, spoken, uniqueNumber } from "./harness.js";

/** 8x8 waits about 2 s for a VCA answer (../shared/8x8-voice-api.md). */
const ANSWER_BUDGET_MS = 2_000;

const NUMBER = uniqueNumber();
const machine = compile(`
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
`);

/** A harness whose every store talks to `endpoint` through a client configured exactly as in production. */
function harnessOn(endpoint: string): Harness {
  const doc = createDocumentClient({ endpoint });
  return harness({
    sessions: new DynamoSessionStore(doc),
    summaries: new DynamoSummaryStore(doc),
    flows: registry([machine], new DynamoFlowVersionStore(doc)),
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

/**
 * An HTTP proxy in front of DynamoDB Local that holds every PutItem forever: the session is read fine, and then the
 * write that would advance it hangs (the longest path through the handler: one read, then a write timing out on
 * every attempt).
 */
async function writeSwallowingProxy(target: string): Promise<{ server: HttpServer; url: string }> {
  const upstream = new URL(target);
  const server = createHttpServer((req, res) => {
    if (String(req.headers["x-amz-target"]).endsWith(".PutItem")) {
      req.resume(); // read and drop the request; never answer
      return;
    }
    const forwarded = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on("error", () => res.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe("a DynamoDB that stops taking writes in the middle of a call", () => {
  let proxy: Awaited<ReturnType<typeof writeSwallowingProxy>>;

  beforeAll(async () => {
    proxy = await writeSwallowingProxy((await dynamoDbForTests()).endpoint);
  });

  afterAll(async () => {
    proxy.server.closeAllConnections();
    await new Promise((resolve) => proxy.server.close(resolve));
  });

  it("answers the capture with the flow's onError callflow, 200, within 2 s, and leaves the session as it was", async () => {
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

    const stored = await new DynamoSessionStore(doc).get(call.sessionId, h.clock.now());
    expect(stored?.rev).toBe(1);
    expect(stored?.session.state).toBe("main");
  });
});
