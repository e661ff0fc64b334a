/**
 * Per-request log context (#10 defect 5): the local server handles requests concurrently, and every log line of a
 * request must carry that request's own sessionId, never another's, never none.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { LocalServer } from "../../src/local/server.js";
import { callReceivedEvent, newSimulatedCall } from "../../src/local/simulated-8x8.js";
import { dynamoDbForTests } from "../support/dynamodb.js";
import { type LocalStack, localStackWith, pressOneFlow } from "../support/local-stack.js";

const NUMBER = "+6531114444";
let stack: LocalStack;
let server: LocalServer;
const restore: Record<string, string | undefined> = {};

beforeAll(async () => {
  const { endpoint } = await dynamoDbForTests();
  // JSON lines on stdout, one per log item, as deployed
  for (const [key, value] of Object.entries({ LOG_LEVEL: "INFO", POWERTOOLS_DEV: "false" })) {
    restore[key] = process.env[key];
    process.env[key] = value;
  }
  stack = await localStackWith({ "log-demo": pressOneFlow("log-demo", NUMBER) }, { dynamodbEndpoint: endpoint });
  server = stack.server;
});

afterAll(async () => {
  await stack?.stop();
  for (const [key, value] of Object.entries(restore)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

describe("log lines under concurrency", () => {
  it("100 concurrent CALL_RECEIVED each log their own sessionId", async () => {
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      return true;
    });
    const calls = Array.from({ length: 100 }, () => newSimulatedCall({ caller: "+6590000001", called: NUMBER }));
    const events = calls.map((call) => callReceivedEvent(call, new Date()));
    try {
      const statuses = await Promise.all(
        events.map(async (event) => {
          const response = await fetch(`${server.url}/vca`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(event),
          });
          await response.text();
          return response.status;
        }),
      );
      expect(statuses.every((s) => s === 200)).toBe(true);
    } finally {
      write.mockRestore();
    }
    const expected = new Map(
      calls.map((call, i) => [String((events[i] as { payload: { eventId: string } }).payload.eventId), call.sessionId]),
    );
    const answered = lines
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((item) => item.message === "VCA answered");
    expect(answered).toHaveLength(100);
    const wrong = answered.filter((item) => item.sessionId !== expected.get(String(item.eventId)));
    expect(wrong.map((item) => ({ eventId: item.eventId, sessionId: item.sessionId ?? null }))).toEqual([]);
    // and each line names the request that produced it
    expect(new Set(answered.map((item) => item.requestId)).size).toBe(100);
  });
});
