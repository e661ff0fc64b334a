/**
 * The `Call Completed` event: one per finished call, built from its stored summary alone, so the local stack
 * (printed, GET /events) and the deployed publisher (DynamoDB stream -> EventBridge) send the same thing.
 * Consumers dedupe on `detail.eventId`, which depends only on the session: every redelivery carries the same one.
 */
import { MAX_PATH } from "../engine/transitions.js";
import { MASK, maskPhone } from "../observability/masking.js";
import type { SummaryRecord } from "../store/ports.js";
import type { CallOutcome, OutcomeKind } from "./outcome.js";

export const EVENT_SOURCE = "callflow";
export const CALL_COMPLETED = "Call Completed";
/** Bumped when a field changes meaning or goes away; new fields do not bump it. */
export const CALL_COMPLETED_SCHEMA_VERSION = 1;
/** EventBridge takes entries up to 256 KB: a larger detail keeps only its most recent transitions. */
export const MAX_DETAIL_BYTES = 200 * 1024;

export interface CallCompletedDetail {
  /** stable per call: dedupe on it (EventBridge's own envelope id differs on every publish) */
  eventId: string;
  schemaVersion: number;
  sessionId: string;
  flow: string;
  version: string;
  direction: "INBOUND" | "OUTBOUND" | null;
  outcome: OutcomeKind;
  /** the business label of the hangup/transfer state that ended the call, null when none */
  result: string | null;
  /** where it ended: the ending state, where the caller hung up, or where it failed (null: unreached) */
  outcomeState: string | null;
  /** transferred: the target */
  transferTo?: string;
  /** failed: the fallback (with the onError state rendered) or 8x8 reporting an error */
  failure?: { cause: "fallback" | "error"; fallbackState: string | null };
  /** the state the session was in last */
  finalState: string | null;
  /** 8x8's sessionStatus (COMPLETED, BUSY, NO_ANSWER, ...): campaigns retry on it */
  sessionStatus: string;
  startedAt: string | null;
  endedAt: string;
  durationMs: number;
  /** masked */
  caller: string | null;
  called: string | null;
  /** { from, to, on, at (ms since start), ms? (fetch latency) }, oldest first */
  transitions: { from: string; to: string; on: string; at: number; ms?: number }[];
  /** true when older transitions were dropped (the call took more than the session keeps, or the event's size) */
  transitionsTruncated?: true;
  /** the flow's variables, sensitive ones "****", the caller's and called numbers masked */
  vars: Record<string, string>;
}

/** The event for a stored summary; undefined for a summary of a session we never knew (no flow, no outcome). */
export function callCompletedEvent(summary: SummaryRecord): CallCompletedDetail | undefined {
  const { outcome, flow, version } = summary;
  if (!outcome || flow === undefined || version === undefined) return undefined;
  const detail: CallCompletedDetail = {
    eventId: `call-completed:${summary.sessionId}`,
    schemaVersion: CALL_COMPLETED_SCHEMA_VERSION,
    sessionId: summary.sessionId,
    flow,
    version,
    direction: summary.direction ?? null,
    outcome: outcome.kind,
    result: outcome.result ?? null,
    outcomeState: outcome.state ?? null,
    ...(outcome.to !== undefined && { transferTo: outcome.to }),
    ...failureOf(outcome),
    finalState: summary.finalState ?? null,
    sessionStatus: summary.sessionStatus,
    startedAt: summary.startedAt ?? null,
    endedAt: endedAt(summary),
    durationMs: summary.durationMs ?? 0,
    caller: summary.caller ?? null,
    called: summary.called ?? null,
    transitions: summary.transitions ?? [],
    // The session keeps the most recent MAX_PATH: at that length older ones may have been dropped.
    ...((summary.transitions?.length ?? 0) >= MAX_PATH && { transitionsTruncated: true as const }),
    vars: eventVars(summary.vars ?? {}),
  };
  return fitted(detail);
}

function failureOf(outcome: CallOutcome): Pick<CallCompletedDetail, "failure"> {
  if (outcome.kind !== "failed") return {};
  return { failure: { cause: outcome.cause ?? "error", fallbackState: outcome.fallbackState ?? null } };
}

function endedAt(summary: SummaryRecord): string {
  const end = summary.endTime;
  const parsed = end !== undefined ? Date.parse(end) : Number.NaN;
  return Number.isFinite(parsed) ? new Date(parsed).toISOString() : summary.receivedAt;
}

/** Stored summaries keep the built-in numbers as dialled (for support); an event leaves the account: mask them. */
const NUMBER_VARS = new Set(["caller", "called"]);

function eventVars(vars: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(vars)) {
    out[name] = NUMBER_VARS.has(name) && value !== MASK ? maskPhone(value) : value;
  }
  return out;
}

/** Keep the most recent transitions that fit EventBridge's entry size, halving until they do. */
function fitted(detail: CallCompletedDetail): CallCompletedDetail {
  let current = detail;
  while (Buffer.byteLength(JSON.stringify(current)) > MAX_DETAIL_BYTES && current.transitions.length > 0) {
    current = {
      ...current,
      transitions: current.transitions.slice(Math.ceil(current.transitions.length / 2)),
      transitionsTruncated: true,
    };
  }
  return current;
}

/** What EventBridge delivers to a rule's target: its envelope around our detail (the local stack shows this). */
export interface CallCompletedEnvelope {
  version: "0";
  id: string;
  "detail-type": typeof CALL_COMPLETED;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: CallCompletedDetail;
}
