/**
 * The deadline of one VCA event. 8x8 waits about 2 s for an answer: every store call an event makes shares one
 * budget, and when it runs out the caller hears the flow's fallback. The budget is per event, not per request: a
 * read that succeeds only on its last attempt leaves little for the write that follows, instead of each getting the
 * SDK's full three attempts.
 *
 * Time spent outside the store does not count against it: a `fetch` request (bounded by its own timeout, at most
 * the flow's 5 s fetch budget per answer) and a wait for another delivery's claimed answer (MAX_CLAIM_WAIT_MS) run
 * with the clock stopped (`outside`), inside the VCA function's 10 s timeout.
 */
import type { FallbackWrite, ReadOptions, SessionRecord, SessionStore, StoreCallOptions } from "../store/ports.js";

/** The event's store work (reads, engine, writes), from the moment the handler got the request. */
export const VCA_EVENT_BUDGET_MS = 1_300;
/** After the deadline, recording the fallback marker may delay the apology by at most this much. */
export const FALLBACK_MARKER_BUDGET_MS = 300;
/** Kept free before the Lambda's own timeout: answering and flushing logs and metrics. */
const LAMBDA_MARGIN_MS = 500;

/** Why a store call was abandoned: the event's budget was spent. */
export class DeadlineExceeded extends Error {
  override readonly name = "DeadlineExceeded";
}

export class EventDeadline {
  private readonly controller = new AbortController();
  /** fires when the budget is spent: every store call of the event is bound to it */
  readonly signal: AbortSignal = this.controller.signal;
  private left: number;
  private since = 0;
  private timer: NodeJS.Timeout | undefined;
  private outsideDepth = 0;

  /** `budgetMs` of store work, fewer if the Lambda has less time left (`lambdaRemainingMs`). */
  constructor(budgetMs = VCA_EVENT_BUDGET_MS, lambdaRemainingMs?: number) {
    this.left =
      lambdaRemainingMs === undefined
        ? budgetMs
        : Math.max(0, Math.min(budgetMs, lambdaRemainingMs - LAMBDA_MARGIN_MS - FALLBACK_MARKER_BUDGET_MS));
    this.run();
  }

  /**
   * Run `work` with the clock stopped: a service request or a wait on another delivery, which bounds itself. Store
   * calls inside it are bounded by the SDK's own per-request limits.
   */
  async outside<T>(work: () => Promise<T>): Promise<T> {
    if (this.signal.aborted) throw this.signal.reason;
    if (this.outsideDepth++ === 0) this.pause();
    try {
      return await work();
    } finally {
      if (--this.outsideDepth === 0 && !this.signal.aborted) this.run();
    }
  }

  /** The event is answered: no timer left behind. */
  dispose(): void {
    clearTimeout(this.timer);
  }

  private run(): void {
    this.since = performance.now();
    this.timer = setTimeout(
      () => this.controller.abort(new DeadlineExceeded("the event's store budget is spent")),
      this.left,
    );
    this.timer.unref();
  }

  private pause(): void {
    clearTimeout(this.timer);
    this.left = Math.max(0, this.left - (performance.now() - this.since));
  }
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
