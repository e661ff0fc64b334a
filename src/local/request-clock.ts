/**
 * A call's own clock on the local stack. `ivr call --at` (and the studio's phone) place calls "as if it were
 * Tuesday 10:00" for flows with `hours` states, through the real webhooks: each event they post carries the
 * instant in a header, and the handlers' clock reads that instant while the request is handled (the local router
 * runs every route so). Only the local server honours the header; 8x8 never sends it and the deployed handlers
 * use the real clock.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { IncomingMessage } from "node:http";

export const LOCAL_CLOCK_HEADER = "x-callflow-clock";

const pinned = new AsyncLocalStorage<Date>();

/** Runs `handle` with the clock the request asks for (an ISO-8601 instant in LOCAL_CLOCK_HEADER), if any. */
export function atRequestTime<T>(req: IncomingMessage, handle: () => T): T {
  const value = req.headers[LOCAL_CLOCK_HEADER];
  const at = typeof value === "string" ? new Date(value) : undefined;
  return at && !Number.isNaN(at.getTime()) ? pinned.run(at, handle) : handle();
}

/** The handlers' clock: the request's own instant when it set one, else `base`. */
export function requestClock(base: () => Date): () => Date {
  return () => {
    const at = pinned.getStore();
    return at ? new Date(at) : base();
  };
}
