/**
 * How a finished call ended, decided once when its summary arrives. Pure: the stored session, its fallback marker
 * and 8x8's summary status in, one outcome out.
 *
 * - `completed`: the flow ended the call by hanging up (a hangup state; also a menu or ask whose attempts ran out
 *   with no `onExhausted`, marked `exhausted`).
 * - `transferred`: a transfer state ended it (`to` is the target).
 * - `abandoned`: the caller hung up while the flow was still talking or waiting for keys, in `state`.
 * - `failed`: the caller was answered with the fallback (the session's fallback marker, PLAN contract 4), or 8x8
 *   reported the session ERROR/FAILED before the flow had ended it.
 * - `unreached`: an outbound call that never connected (no VCA ever reached the session and 8x8 reports BUSY,
 *   NO_ANSWER, FAILED, CANCELED or any status but COMPLETED). Not a call the IVR handled: `ivr report` counts it
 *   apart from `calls`, so containment stays completed / calls that connected.
 */
import type { VcaAnswer } from "../engine/callflow.js";
import type { CompiledMachine } from "../engine/machine.js";
import type { Session } from "../engine/session.js";

export const OUTCOME_KINDS = ["completed", "transferred", "abandoned", "failed"] as const;
export type HandledOutcomeKind = (typeof OUTCOME_KINDS)[number];
export type OutcomeKind = HandledOutcomeKind | "unreached";

export interface CallOutcome {
  kind: OutcomeKind;
  /** completed/transferred: the ending state; abandoned: where the caller hung up; failed: where the call was.
   * Absent for unreached. */
  state?: string;
  /** the `result` label of the hangup or transfer state that ended the call */
  result?: string;
  /** transferred: the number the call was transferred to (the flow's own configuration, not the caller's) */
  to?: string;
  /** completed: attempts ran out in a menu or ask without `onExhausted` (the flow hung up) */
  exhausted?: true;
  /** failed: the fallback answer (`fallback`) or 8x8 reporting the session in error (`error`) */
  cause?: "fallback" | "error";
  /** failed by the fallback: the onError state rendered, null for the built-in apology */
  fallbackState?: string | null;
}

export interface OutcomeInput {
  /** the session as stored when the summary arrived */
  session: Session;
  /** eventId of the last VCA that advanced the session: undefined when none ever did (an outbound call prepared
   * by `ivr dial` that nobody answered) */
  lastEventId?: string;
  lastAnswer?: VcaAnswer;
  fallback?: { state: string | null };
  /** 8x8's summary status: COMPLETED, BUSY, NO_ANSWER, FAILED, CANCELED, ERROR, ... */
  sessionStatus: string;
  /** the machine the call ran on, when it could be loaded: for the ending state's kind and result label */
  machine?: CompiledMachine;
}

/** Summary statuses that mean the call broke rather than ended (for a connected call the flow had not ended). */
const BROKEN = new Set(["ERROR", "FAILED"]);

export function classifyOutcome(input: OutcomeInput): CallOutcome {
  const { session, sessionStatus } = input;
  if (session.direction === "OUTBOUND" && input.lastEventId === undefined && sessionStatus !== "COMPLETED") {
    return { kind: "unreached" };
  }
  if (input.fallback) {
    return { kind: "failed", state: session.state, cause: "fallback", fallbackState: input.fallback.state };
  }
  if (session.status === "ended") return endedByFlow(input);
  if (BROKEN.has(sessionStatus)) return { kind: "failed", state: session.state, cause: "error" };
  return { kind: "abandoned", state: session.state };
}

function endedByFlow({ session, machine, lastAnswer }: OutcomeInput): CallOutcome {
  const state = session.state;
  const compiled = machine && Object.hasOwn(machine.states, state) ? machine.states[state] : undefined;
  if (compiled?.kind === "transfer") {
    return {
      kind: "transferred",
      state,
      to: compiled.to,
      ...(compiled.result !== undefined && { result: compiled.result }),
    };
  }
  if (compiled?.kind === "hangup") {
    return { kind: "completed", state, ...(compiled.result !== undefined && { result: compiled.result }) };
  }
  if (compiled?.kind === "menu" || compiled?.kind === "ask") return { kind: "completed", state, exhausted: true };
  // Without the machine (it could not be loaded) the last answer still says how the flow ended the call.
  const makeCall = lastAnswer?.callflow.find((a) => a.action === "makeCall");
  if (makeCall) return { kind: "transferred", state, to: makeCall.params.destination };
  return { kind: "completed", state };
}

/**
 * The call's duration: 8x8's own start and end times when both are given and in order, else from our session
 * start to when the summary arrived.
 */
export function callDurationMs(
  payload: { startTime?: unknown; endTime?: unknown },
  startedAt: string | undefined,
  receivedAt: string,
): number {
  const start = typeof payload.startTime === "string" ? Date.parse(payload.startTime) : Number.NaN;
  const end = typeof payload.endTime === "string" ? Date.parse(payload.endTime) : Number.NaN;
  if (Number.isFinite(start) && Number.isFinite(end) && end >= start) return end - start;
  const ours = startedAt === undefined ? Number.NaN : Date.parse(startedAt);
  const received = Date.parse(receivedAt);
  return Number.isFinite(ours) && received >= ours ? received - ours : 0;
}
