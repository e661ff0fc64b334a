/**
 * Deployed, events leave off the caller's path: each new summary item reaches this through the summaries table's
 * DynamoDB stream (cdk/analytics.ts), at least once. The records of a batch that could not be published are
 * reported back, so Lambda retries from the first of them (ReportBatchItemFailures); past its retries the batch
 * goes to the on-failure queue, and the summaries stay in the table to be published again (docs/analytics.md).
 */
import type { SummaryRecord } from "../store/ports.js";
import { callCompletedEvent } from "./event.js";
import { PublishError } from "./eventbridge.js";
import type { EventPublisher } from "./publisher.js";

/** A new summary from the stream, and the record's id (its sequence number) to report it by. */
export interface StreamedSummary {
  id: string;
  summary: SummaryRecord;
}

export interface PublishOutcome {
  published: number;
  /** summaries of sessions we never knew (no flow): no event */
  skipped: number;
  /** ids of the records to retry; Lambda resumes from the lowest, so every later one is retried too */
  failedIds: string[];
}

export async function publishSummaries(
  items: readonly StreamedSummary[],
  publisher: EventPublisher,
): Promise<PublishOutcome> {
  const events = [];
  const ids: string[] = [];
  for (const { id, summary } of items) {
    const event = callCompletedEvent(summary);
    if (!event) continue;
    events.push(event);
    ids.push(id);
  }
  const skipped = items.length - events.length;
  if (events.length === 0) return { published: 0, skipped, failedIds: [] };
  let failed: number[] = [];
  try {
    await publisher.publish(events);
  } catch (error) {
    // A partial failure names the events still not accepted; anything else failed them all.
    failed = error instanceof PublishError ? error.failed : events.map((_, i) => i);
  }
  return { published: events.length - failed.length, skipped, failedIds: failed.map((i) => ids[i] as string) };
}
