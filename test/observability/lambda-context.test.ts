/** The Lambda context reaches the logs (#10 defect 5): request id and cold start on every line of an invocation. */
import type { Context } from "aws-lambda";
import { describe, expect, it, vi } from "vitest";
import { createLogger } from "../../src/observability/logger.js";
import { MemorySessionStore, MemorySummaryStore } from "../../src/store/memory.js";
import { compile, harness, proxyEvent, registry, SimulatedCall, uniqueNumber } from "../webhooks/harness.js";

function lambdaContext(awsRequestId: string, remainingMs = 2_900): Context {
  return {
    awsRequestId,
    functionName: "callflow-vca",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:ap-southeast-1:000000000000:function:callflow-vca",
    memoryLimitInMB: "1024",
    logGroupName: "/aws/lambda/callflow-vca",
    logStreamName: "stream",
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => remainingMs,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

describe("the Lambda context in the logs", () => {
  it("puts the invocation's request id and the cold-start flag on the handler's lines", async () => {
    const number = uniqueNumber();
    const machine = compile(`
flow: context-line
numbers: ["${number}"]
start: bye
states:
  bye: { hangup: { say: "Bye." } }
`);
    const sessions = new MemorySessionStore();
    const h = harness({ sessions, summaries: new MemorySummaryStore(sessions), flows: registry([machine]) });
    // as Lambda runs it: one JSON line per item, an on-demand container (Powertools reads both at construction)
    vi.stubEnv("POWERTOOLS_DEV", "false");
    vi.stubEnv("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
    h.deps.logger = createLogger({ logLevel: "INFO" });
    vi.unstubAllEnvs();
    const lines: Record<string, unknown>[] = [];
    const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      for (const line of String(chunk).split("\n")) if (line.startsWith("{")) lines.push(JSON.parse(line));
      return true;
    });
    try {
      const first = new SimulatedCall(number);
      expect((await h.vca(proxyEvent(first.received()), lambdaContext("req-1"))).statusCode).toBe(200);
      const second = new SimulatedCall(number);
      expect((await h.vca(proxyEvent(second.received()), lambdaContext("req-2"))).statusCode).toBe(200);
    } finally {
      write.mockRestore();
    }
    const answered = lines.filter((line) => line.message === "VCA answered");
    expect(answered.map((line) => [line.function_request_id, line.cold_start])).toEqual([
      ["req-1", true],
      ["req-2", false],
    ]);
  });
});
