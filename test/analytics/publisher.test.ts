/**
 * The deployed publisher: the real @aws-sdk/client-eventbridge against a loopback server that speaks EventBridge's
 * PutEvents protocol and rejects chosen entries, as EventBridge does under throttling (FailedEntryCount > 0, no
 * exception). The stream handler is the real lambdas/publish-events.ts, fed the records DynamoDB Streams sends.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CallCompletedDetail } from "../../src/analytics/event.js";
import { EventBridgePublisher } from "../../src/analytics/eventbridge.js";
import { createLogger } from "../../src/observability/logger.js";
import type { SummaryRecord } from "../../src/store/ports.js";

interface Received {
  attempt: number;
  entries: { Source: string; DetailType: string; Detail: string; EventBusName: string }[];
}

/** PutEvents on loopback: `reject(detail, attempt)` says which entries fail (with a retryable error code). */
function fakeEventBridge(reject: (detail: CallCompletedDetail, attempt: number) => boolean) {
  const received: Received[] = [];
  const accepted = new Map<string, number>();
  const seen = new Map<string, number>();
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      expect(req.headers["x-amz-target"]).toBe("AWSEvents.PutEvents");
      const { Entries } = JSON.parse(body) as { Entries: Received["entries"] };
      received.push({ attempt: received.length + 1, entries: Entries });
      let failed = 0;
      const results = Entries.map((entry) => {
        const detail = JSON.parse(entry.Detail) as CallCompletedDetail;
        const attempt = (seen.get(detail.eventId) ?? 0) + 1;
        seen.set(detail.eventId, attempt);
        if (reject(detail, attempt)) {
          failed++;
          return { ErrorCode: "ThrottlingException", ErrorMessage: "Rate exceeded" };
        }
        accepted.set(detail.eventId, (accepted.get(detail.eventId) ?? 0) + 1);
        return { EventId: `ev-${detail.eventId}-${attempt}` };
      });
      res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify({ FailedEntryCount: failed, Entries: results }));
    });
  });
  return { server, received, accepted };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function client(endpoint: string): EventBridgeClient {
  return new EventBridgeClient({
    endpoint,
    region: "ap-southeast-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
}

function summary(n: number, overrides: Partial<SummaryRecord> = {}): SummaryRecord {
  return {
    sessionId: `s-${n}`,
    sessionStatus: "COMPLETED",
    body: JSON.stringify({ payload: { endTime: "2026-03-04T02:01:00Z" } }),
    endTime: "2026-03-04T02:01:00Z",
    flow: "support",
    version: "v1",
    path: ["main"],
    finalState: "main",
    vars: { caller: "+6591234567" },
    outcome: { kind: "abandoned", state: "main" },
    transitions: [],
    durationMs: 60_000,
    direction: "INBOUND",
    startedAt: "2026-03-04T02:00:00.000Z",
    caller: "+65****4567",
    called: "+65****0000",
    receivedAt: "2026-03-04T02:01:01.000Z",
    expiresAt: 2_000_000_000,
    ...overrides,
  };
}

/** What the summaries table's stream hands the Lambda for new items. */
function streamEvent(summaries: SummaryRecord[], extra: DynamoDBStreamEvent["Records"] = []): DynamoDBStreamEvent {
  return {
    Records: [
      ...summaries.map((s, i) => ({
        eventName: "INSERT" as const,
        dynamodb: {
          SequenceNumber: String(1000 + i),
          NewImage: marshall(s, { removeUndefinedValues: true }) as never,
        },
      })),
      ...extra,
    ],
  };
}

const noWait = { sleep: async () => {} };

describe("EventBridgePublisher", () => {
  const bridge = fakeEventBridge((detail, attempt) => detail.sessionId.endsWith("-3") && attempt === 1);
  let endpoint: string;
  beforeAll(async () => {
    endpoint = await listen(bridge.server);
  });
  afterAll(() => bridge.server.close());

  it("retries only the entries PutEvents rejected, and every event lands once", async () => {
    const publisher = new EventBridgePublisher(client(endpoint), "callflow-calls", noWait);
    const { callCompletedEvent } = await import("../../src/analytics/event.js");
    const events = [1, 2, 3, 4].map((n) => callCompletedEvent(summary(n)) as CallCompletedDetail);
    await publisher.publish(events);
    expect(bridge.received.map((r) => r.entries.length)).toEqual([4, 1]);
    expect(JSON.parse(bridge.received[1]?.entries[0]?.Detail ?? "{}").sessionId).toBe("s-3");
    for (const n of [1, 2, 3, 4]) expect(bridge.accepted.get(`call-completed:s-${n}`)).toBe(1);
    expect(bridge.received[0]?.entries[0]).toMatchObject({
      Source: "callflow",
      DetailType: "Call Completed",
      EventBusName: "callflow-calls",
    });
  });

  it("sends at most 10 entries per request", async () => {
    const many = fakeEventBridge(() => false);
    const url = await listen(many.server);
    const { callCompletedEvent } = await import("../../src/analytics/event.js");
    const events = Array.from({ length: 23 }, (_, n) => callCompletedEvent(summary(100 + n)) as CallCompletedDetail);
    await new EventBridgePublisher(client(url), "bus", noWait).publish(events);
    expect(many.received.map((r) => r.entries.length)).toEqual([10, 10, 3]);
    many.server.close();
  });
});

describe("lambdas/publish-events.ts (stream -> EventBridge)", () => {
  it("publishes each new summary, skips unknown sessions and other records, and reports still-failing ones for retry", async () => {
    const bridge = fakeEventBridge((detail) => detail.sessionId === "s-2"); // always throttled
    const url = await listen(bridge.server);
    process.env.EVENT_BUS_NAME = "callflow-calls";
    const { createPublishHandler } = await import("../../lambdas/publish-events.js");
    const handler = createPublishHandler({
      publisher: new EventBridgePublisher(client(url), "callflow-calls", { ...noWait, attempts: 3 }),
      logger: createLogger(),
    });
    const unknown = summary(9);
    delete unknown.flow;
    delete unknown.outcome;
    const result = await handler(
      streamEvent(
        [summary(1), summary(2), unknown],
        [{ eventName: "REMOVE", dynamodb: { SequenceNumber: "2000", OldImage: {} } }],
      ),
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "1001" }]);
    expect(bridge.accepted.get("call-completed:s-1")).toBe(1);
    expect(bridge.accepted.has("call-completed:s-9")).toBe(false);
    // s-2 was tried once per attempt, then handed back to Lambda's own retry
    expect(bridge.received.flatMap((r) => r.entries).filter((e) => e.Detail.includes('"s-2"'))).toHaveLength(3);
    bridge.server.close();
  });
});
