/**
 * The port the VSS domain (locally) and the stream publisher (deployed) hand `Call Completed` events to.
 * Adapters: src/analytics/local-events.ts (print + GET /events), src/analytics/eventbridge.ts (PutEvents).
 */
import type { CallCompletedDetail } from "./event.js";

export interface EventPublisher {
  /** Publish every event, or throw: the caller decides whether that is retried (the stream) or only logged. */
  publish(events: readonly CallCompletedDetail[]): Promise<void>;
}
