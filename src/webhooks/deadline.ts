/**
 * The deadline of one VCA event. 8x8 waits about 2 s for an answer (API Gateway gives up at 3 s): every store call
 * and service request an event makes shares one budget, and when it runs out the caller hears the flow's fallback.
 * The budget is per event, not per request: a read that succeeds only on its last attempt leaves little for the
 * write that follows, instead of each getting the SDK's full three attempts.
 */
import type { FallbackWrite, ReadOptions, SessionRecord, SessionStore, StoreCallOptions } from "../store/ports.js";

/** The event's own work (reads, engine, writes, requests), from the moment the handler got the request. */
export const VCA_EVENT_BUDGET_MS = 1_300;
/** After the deadline, recording the fallback marker may delay the apology by at most this much. */
export const FALLBACK_MARKER_BUDGET_MS = 300;
/** Kept free before the Lambda's own timeout: answering and flushing logs and metrics. */
const LAMBDA_MARGIN_MS = 500;

/** An AbortSignal that fires when the event's budget is spent (sooner if the Lambda has less time left). */
export function eventDeadline(budgetMs = VCA_EVENT_BUDGET_MS, lambdaRemainingMs?: number): AbortSignal {
  const budget =
    lambdaRemainingMs === undefined
      ? budgetMs
      : Math.max(0, Math.min(budgetMs, lambdaRemainingMs - LAMBDA_MARGIN_MS - FALLBACK_MARKER_BUDGET_MS));
  return AbortSignal.timeout(budget);
}

function within<O extends StoreCallOptions>(options: O | undefined, signal: AbortSignal): O {
  return (options?.signal ? options : { ...options, signal }) as O;
}

/** The session store with every call bounded by `signal` (unless the call brings its own). */
export function sessionsWithin(store: SessionStore, signal: AbortSignal): SessionStore {
  return {
    get: (sessionId: string, now: Date, options?: ReadOptions) => store.get(sessionId, now, within(options, signal)),
    create: (record: SessionRecord, now: Date, options?: StoreCallOptions) =>
      store.create(record, now, within(options, signal)),
    replace: (prev: SessionRecord, next: SessionRecord, options?: StoreCallOptions) =>
      store.replace(prev, next, within(options, signal)),
    // written after the deadline, with a budget of its own (FALLBACK_MARKER_BUDGET_MS): never bound to this one
    markFallback: (write: FallbackWrite, options?: StoreCallOptions) => store.markFallback(write, options),
  };
}
