/**
 * The summaries table's stream -> `Call Completed` events on the stack's EventBridge bus. Wiring only: records are
 * parsed here, the work is in src/analytics/stream-publisher.ts.
 */

import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { EventBridgePublisher } from "../src/analytics/eventbridge.js";
import type { EventPublisher } from "../src/analytics/publisher.js";
import { publishSummaries, type StreamedSummary } from "../src/analytics/stream-publisher.js";
import { createLogger, type Logger } from "../src/observability/logger.js";
import type { SummaryRecord } from "../src/store/ports.js";

export function createPublishHandler(deps: { publisher: EventPublisher; logger: Logger }) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const items: StreamedSummary[] = [];
    for (const record of event.Records) {
      const image = record.dynamodb?.NewImage;
      const id = record.dynamodb?.SequenceNumber;
      if (record.eventName !== "INSERT" || !image || !id) continue;
      items.push({ id, summary: unmarshall(image as Record<string, AttributeValue>) as SummaryRecord });
    }
    const outcome = await publishSummaries(items, deps.publisher);
    const log = outcome.failedIds.length > 0 ? deps.logger.warn.bind(deps.logger) : deps.logger.info.bind(deps.logger);
    log("Call Completed events published", {
      records: event.Records.length,
      published: outcome.published,
      skipped: outcome.skipped,
      failed: outcome.failedIds.length,
    });
    return { batchItemFailures: outcome.failedIds.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

const busName = process.env.EVENT_BUS_NAME;
if (!busName) throw new Error("EVENT_BUS_NAME is not set");

export const handler = createPublishHandler({
  publisher: new EventBridgePublisher(new EventBridgeClient({}), busName),
  logger: createLogger(),
});
