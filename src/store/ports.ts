/**
 * Ports: what the domain needs from storage. Adapters: src/store/dynamodb-*.ts (DynamoDB and DynamoDB Local).
 * The domain (src/webhooks) depends on these interfaces only.
 */
import type { CallOutcome } from "../analytics/outcome.js";
import type { CompiledMachine } from "../engine/machine.js";
import type { FetchEffect, Session, Transition } from "../engine/session.js";

/** One stored session item. */
export interface SessionRecord {
  session: Session;
  /** optimistic-locking revision: bumped by every write, checked by every conditional write */
  rev: number;
  /** eventId of the last VCA event that advanced (or created) the session */
  lastEventId?: string;
  /** the answer we gave to lastEventId, as the JSON text that was sent: a redelivery gets exactly these bytes */
  lastAnswer?: string;
  /** epoch seconds; DynamoDB TTL deletes lazily, so readers treat expiresAt <= now as absent */
  expiresAt: number;
  /** set once the VSS arrived */
  endedAt?: string;
  /**
   * Set when the caller was answered with the fallback (PLAN contract 4). Final: no session write succeeds once it
   * is there, and readers take a session carrying it as over (see sessionRecordFromItem).
   */
  fallback?: FallbackMarker;
  /** an event is performing a request with side effects (see FetchClaim); absent otherwise */
  claim?: FetchClaim;
  /**
   * Variables kept encrypted at rest (the flow's sensitive ones: src/store/var-encryption.ts). Writers set it from
   * the machine; readers get back the names that were sealed, so a write based on a read record keeps them sealed.
   */
  sensitive?: readonly string[];
}

/** When the fallback answer was sent: at (ISO), the session turn it answered, the onError state it rendered (null:
 * the built-in apology). */
export interface FallbackMarker {
  at: string;
  turn: number;
  state: string | null;
}

/**
 * "At most once per event": before a request other than GET is sent, the event claims the session with a
 * conditional write (rev + 1 and this marker). Other deliveries that find it wait for the claimant's answer; a claim
 * whose deadline passed without one means the outcome is unknown: the fetch's error route is taken from `effect`,
 * and the request is never sent again.
 */
export interface FetchClaim {
  /** unique per claim: the claimant recognises its own claim after an unrelated write (e.g. the VSS) */
  id: string;
  /** the event being answered */
  eventId: string;
  /** epoch milliseconds after which the claimant is presumed gone */
  deadline: number;
  /** the request in flight and where the walk stopped (to take the error route from) */
  effect: FetchEffect;
}

/** What markFallback writes: the marker, and what the caller heard, so the item says so whatever lands late. */
export interface FallbackWrite {
  sessionId: string;
  marker: FallbackMarker;
  /** the event answered with the fallback, and that answer: a redelivery of the event gets it again */
  eventId: string;
  answer: string;
  /**
   * The session as the caller heard it (ended where the fallback happened). Present: the item is written whether or not
   * it exists, covering a create that timed out and lands later. Absent (the session could not even be read): only
   * an existing item is marked.
   */
  session?: Session;
  expiresAt: number;
}

/** marked: this write put the marker; already: an earlier marker stays (the first fallback is the one heard);
 * absent: no session item to mark (and none given to write). */
export type FallbackOutcome = "marked" | "already" | "absent";

export type WriteOutcome = { ok: true; record: SessionRecord } | { ok: false; current: SessionRecord | undefined };

/** Per call: `signal` aborts the request (the event's deadline); an aborted call rejects at once. */
export interface StoreCallOptions {
  signal?: AbortSignal;
}

export interface ReadOptions extends StoreCallOptions {
  /** also return a record whose expiresAt has passed (the VSS of a call that outlived its TTL) */
  includeExpired?: boolean;
}

export interface SessionStore {
  /** The live record, or undefined when absent or expired. */
  get(sessionId: string, now: Date, options?: ReadOptions): Promise<SessionRecord | undefined>;
  /** Create when absent (or expired). On conflict returns the current record, read by the same request
   * (ReturnValuesOnConditionCheckFailure: ALL_OLD). */
  create(record: SessionRecord, now: Date, options?: StoreCallOptions): Promise<WriteOutcome>;
  /** Replace `prev` with `next` only if the stored rev is still prev.rev; next.rev must be prev.rev + 1.
   * On conflict returns the current record without a second read. */
  replace(prev: SessionRecord, next: SessionRecord, options?: StoreCallOptions): Promise<WriteOutcome>;
  /**
   * Fence the session after a fallback answer: the marker, the event and its answer, and (when given) the session
   * as heard, written unconditionally but for an earlier marker, bumping rev. Every create and replace is
   * conditional on the item's absence or on rev and no marker, so a write that was in flight when the fallback was
   * answered either lands before this (and is overwritten) or after it (and fails its condition).
   */
  markFallback(write: FallbackWrite, options?: StoreCallOptions): Promise<FallbackOutcome>;
}

export interface FlowVersionStore {
  /** Store a compiled machine under (flow, version); idempotent. */
  put(machine: CompiledMachine): Promise<void>;
  get(flow: string, version: string, options?: StoreCallOptions): Promise<CompiledMachine | undefined>;
}

/** A stored Voice Session Summary. */
export interface SummaryRecord {
  sessionId: string;
  subAccountId?: string;
  sessionStatus: string;
  /**
   * The body as 8x8 sent it, as text: one string attribute DynamoDB always accepts, whatever the summary holds
   * (numbers past 2^53 or below 1e-130, empty or `__proto__` keys, deep nesting), within the 64 KB body limit.
   */
  body: string;
  /** 8x8's `payload.endTime`, when it is a string (the Call Completed event's time) */
  endTime?: string;
  /** from our own session: the flow, version, visited path and final state, with sensitive variables masked */
  flow?: string;
  version?: string;
  path?: string[];
  finalState?: string;
  vars?: Record<string, string>;
  /** analytics (absent when the session was unknown): how the call ended, the transitions the funnel counts,
   * how long it lasted, and who called, masked. The `Call Completed` event is built from these alone. */
  outcome?: CallOutcome;
  transitions?: Transition[];
  durationMs?: number;
  direction?: Session["direction"];
  startedAt?: string;
  /** masked like the logs mask numbers (+65****0001) */
  caller?: string;
  called?: string;
  /** the session's fallback marker: the caller was answered with the fallback, whatever else the session says */
  fallback?: FallbackMarker;
  /** the sort key of the summaries' by-flow index (SUMMARIES_BY_FLOW_INDEX): when the summary arrived */
  receivedAt: string;
  expiresAt: number;
}

/** What `ivr report` reads of a summary: the by-flow index's projection (SUMMARIES_BY_FLOW_INDEX). */
export type ReportItem = Pick<
  SummaryRecord,
  | "sessionId"
  | "flow"
  | "version"
  | "receivedAt"
  | "outcome"
  | "transitions"
  | "durationMs"
  | "sessionStatus"
  | "direction"
>;

/** The summaries by flow and time, for reports: a Query on an index, page by page, never a Scan. */
export interface SummaryIndex {
  /** Summaries of `flow` received in [from, to] (ISO-8601), oldest first, one page at a time. */
  byFlow(flow: string, from: string, to: string): AsyncIterable<ReportItem[]>;
}

/** The session a summary ends, at the revision the summary was built from. */
export interface SessionEnd {
  sessionId: string;
  rev: number;
  endedAt: string;
}

export interface SummaryStore {
  /**
   * Store once: a redelivery returns { created: false } and changes nothing. With `end`, the session is marked
   * ended (endedAt, rev + 1) in the same transaction, only if it is still at `end.rev`: a session is never ended
   * without its summary, and a summary always describes the revision it ended. When the session moved on since it
   * was read, nothing is written and `sessionChanged` is true (read it again and rebuild the summary).
   */
  putOnce(
    summary: SummaryRecord,
    end?: SessionEnd,
    options?: StoreCallOptions,
  ): Promise<{ created: boolean; sessionChanged?: boolean }>;
  get(sessionId: string, options?: StoreCallOptions): Promise<SummaryRecord | undefined>;
}
