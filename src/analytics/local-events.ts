/**
 * The local stack's event bus: every `Call Completed` event is wrapped in the envelope EventBridge delivers to a
 * rule's target, printed, and kept (the most recent ones) for GET /events, so a developer sees exactly what a
 * consumer of the deployed bus gets.
 */
import { randomUUID } from "node:crypto";
import { CALL_COMPLETED, type CallCompletedDetail, type CallCompletedEnvelope, EVENT_SOURCE } from "./event.js";
import type { EventPublisher } from "./publisher.js";

export const LOCAL_ACCOUNT = "000000000000";
export const LOCAL_REGION = "local";
/** GET /events serves at most this many (the most recent). */
export const LOCAL_EVENTS_KEPT = 200;

export class LocalEventBus implements EventPublisher {
  private readonly kept: CallCompletedEnvelope[] = [];

  constructor(
    private readonly options: {
      /** each event as it is published (npm start prints it) */
      print?: (envelope: CallCompletedEnvelope) => void;
      now?: () => Date;
      limit?: number;
    } = {},
  ) {}

  async publish(events: readonly CallCompletedDetail[]): Promise<void> {
    for (const detail of events) {
      const envelope: CallCompletedEnvelope = {
        version: "0",
        id: randomUUID(),
        "detail-type": CALL_COMPLETED,
        source: EVENT_SOURCE,
        account: LOCAL_ACCOUNT,
        time: (this.options.now?.() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, "Z"),
        region: LOCAL_REGION,
        resources: [],
        detail,
      };
      this.kept.push(envelope);
      if (this.kept.length > (this.options.limit ?? LOCAL_EVENTS_KEPT)) this.kept.shift();
      this.options.print?.(envelope);
    }
  }

  /** Oldest first; filtered by session or flow; the last `limit`. */
  recent(filter: { sessionId?: string; flow?: string; limit?: number } = {}): CallCompletedEnvelope[] {
    const matching = this.kept.filter(
      (e) =>
        (filter.sessionId === undefined || e.detail.sessionId === filter.sessionId) &&
        (filter.flow === undefined || e.detail.flow === filter.flow),
    );
    return filter.limit !== undefined ? matching.slice(-filter.limit) : matching;
  }
}

/** How `npm start` prints an event: one headline, then the envelope as a consumer receives it. */
export function describeEvent(envelope: CallCompletedEnvelope): string {
  const d = envelope.detail;
  const where = d.outcomeState ? ` in ${d.outcomeState}` : "";
  const result = d.result ? ` (result: ${d.result})` : "";
  return `event ${envelope["detail-type"]}: ${d.flow} ${d.outcome}${where}${result}\n${JSON.stringify(envelope, null, 2)}`;
}
