/**
 * EventPublisher on EventBridge. PutEvents reports a partial failure in FailedEntryCount, not as an exception:
 * the failed entries (and only those) are sent again with backoff, up to `attempts` times in all; whatever still
 * fails is reported back by index, so the stream publisher can have exactly those records retried.
 */
import { type EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { CALL_COMPLETED, type CallCompletedDetail, EVENT_SOURCE } from "./event.js";
import type { EventPublisher } from "./publisher.js";

/** PutEvents takes at most 10 entries per request. */
export const PUT_EVENTS_MAX_ENTRIES = 10;

export interface EventBridgePublisherOptions {
  /** tries per entry, the first included (default 4) */
  attempts?: number;
  /** first backoff; doubled each time, with jitter (default 100 ms) */
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export class PublishError extends Error {
  override name = "PublishError";
  constructor(
    message: string,
    /** indexes (into the events given) that were not published */
    readonly failed: number[],
  ) {
    super(message);
  }
}

export class EventBridgePublisher implements EventPublisher {
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly client: Pick<EventBridgeClient, "send">,
    private readonly busName: string,
    options: EventBridgePublisherOptions = {},
  ) {
    this.attempts = Math.max(1, options.attempts ?? 4);
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async publish(events: readonly CallCompletedDetail[]): Promise<void> {
    const failed = await this.publishEach(events);
    if (failed.length > 0) {
      throw new PublishError(`${failed.length} of ${events.length} events were not accepted by EventBridge`, failed);
    }
  }

  /** Publishes what it can; returns the indexes of the events still not accepted after every attempt. */
  async publishEach(events: readonly CallCompletedDetail[]): Promise<number[]> {
    const failed: number[] = [];
    for (let start = 0; start < events.length; start += PUT_EVENTS_MAX_ENTRIES) {
      const batch = events.slice(start, start + PUT_EVENTS_MAX_ENTRIES).map((detail, i) => ({
        index: start + i,
        entry: this.entry(detail),
      }));
      failed.push(...(await this.putWithRetries(batch)));
    }
    return failed;
  }

  private entry(detail: CallCompletedDetail): PutEventsRequestEntry {
    return {
      EventBusName: this.busName,
      Source: EVENT_SOURCE,
      DetailType: CALL_COMPLETED,
      Detail: JSON.stringify(detail),
      Time: new Date(detail.endedAt),
    };
  }

  private async putWithRetries(batch: { index: number; entry: PutEventsRequestEntry }[]): Promise<number[]> {
    let pending = batch;
    for (let attempt = 1; pending.length > 0; attempt++) {
      let rejected: typeof pending;
      try {
        const result = await this.client.send(new PutEventsCommand({ Entries: pending.map((p) => p.entry) }));
        // Results are in request order; an entry with an ErrorCode was not accepted (throttled, internal error).
        rejected = (result.FailedEntryCount ?? 0) > 0 ? pending.filter((_, i) => result.Entries?.[i]?.ErrorCode) : [];
      } catch (error) {
        // The whole request failed (after the SDK's own retries): every entry in it is still pending.
        if (attempt >= this.attempts) throw error;
        rejected = pending;
      }
      if (rejected.length === 0 || attempt >= this.attempts) return rejected.map((p) => p.index);
      pending = rejected;
      await this.sleep(this.baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));
    }
    return [];
  }
}
