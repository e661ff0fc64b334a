/**
 * What 8x8 would send us during one call, for the tools that play the platform's part locally (`ivr replay`,
 * `ivr call`, the curl example `npm start` prints, tests). Shapes follow docs/8x8.md: VCA events with
 * `eventData.dtmf`, and a VSS summary once the call is over.
 */
import { randomUUID } from "node:crypto";
import type { CallflowAction } from "../engine/callflow.js";
import { maskPhone } from "../observability/masking.js";

/** A placeholder subaccount: 8x8 always sends one; nothing here depends on its value. */
export const LOCAL_SUBACCOUNT = "local-subaccount";
/** Caller used when none is given: a Singapore mobile-shaped number in a range no real subscriber holds. */
export const DEFAULT_CALLER = "+6590000001";
/** Destination for flows that list no inbound numbers (outbound-only flows). */
export const PLACEHOLDER_NUMBER = "+6500000000";

/** One call as 8x8 sees it: `caller` is the source (for an outbound call, our number) and `called` the
 * destination (for an outbound call, the person we rang), as src/webhooks/vca-event.ts reads them. */
export interface SimulatedCall {
  sessionId: string;
  callId: string;
  caller: string;
  called: string;
  direction: "INBOUND" | "OUTBOUND";
}

export function newSimulatedCall(init: {
  caller: string;
  called: string;
  direction?: "INBOUND" | "OUTBOUND";
  sessionId?: string;
}): SimulatedCall {
  return {
    sessionId: init.sessionId ?? randomUUID(),
    callId: randomUUID(),
    caller: init.caller,
    called: init.called,
    direction: init.direction ?? "INBOUND",
  };
}

/** The VCA 8x8 sends when the call is connected and waiting for our first callflow. */
export function callReceivedEvent(call: SimulatedCall, at: Date): Record<string, unknown> {
  return vcaEvent(call, at, { callStatus: "CALL_RECEIVED", eventData: {} });
}

/**
 * The VCA 8x8 sends when our last callflow's actions completed; `dtmf` is what sayAndCapture captured. An empty
 * `clientActionId` (a callflow sent by Send Callflow, which has none: an outbound call's first capture) is left out,
 * as 8x8 leaves it out.
 */
export function actionCompletedEvent(
  call: SimulatedCall,
  at: Date,
  clientActionId: string,
  dtmf: string | null,
): Record<string, unknown> {
  return vcaEvent(call, at, {
    callStatus: "ACTION_COMPLETED",
    ...(clientActionId !== "" && { clientActionId }),
    eventData: { dtmf },
  });
}

function vcaEvent(call: SimulatedCall, at: Date, fields: Record<string, unknown>): Record<string, unknown> {
  return {
    namespace: "VOICE",
    eventType: "CALL_ACTION",
    description: "Action request of a call",
    payload: {
      eventId: randomUUID(),
      callId: call.callId,
      sessionId: call.sessionId,
      subAccountId: LOCAL_SUBACCOUNT,
      callDirection: call.direction,
      callType: "PSTN",
      source: call.caller,
      destination: call.called,
      sourceFormat: "MSISDN",
      destinationFormat: "MSISDN",
      callDuration: 0,
      sipCode: 200,
      timestamp: at.toISOString(),
      ...fields,
    },
  };
}

/** The VSS 8x8 sends once the session is over (a call never answered has no connected time and lasts 0 s). */
export function sessionSummaryEvent(
  call: SimulatedCall,
  startedAt: Date,
  endedAt: Date,
  lastAction: string,
  sessionStatus = "COMPLETED",
): Record<string, unknown> {
  const answered = !["NO_ANSWER", "BUSY", "FAILED"].includes(sessionStatus);
  const duration = answered ? Math.max(0, Math.round((endedAt.getTime() - startedAt.getTime()) / 1000)) : 0;
  return {
    namespace: "VOICE",
    eventType: "SESSION_SUMMARY",
    description: "Session summary of a call",
    version: 5,
    payload: {
      sessionId: call.sessionId,
      subAccountId: LOCAL_SUBACCOUNT,
      sessionStatus,
      startTime: startedAt.toISOString(),
      endTime: endedAt.toISOString(),
      lastAction,
      callCount: 1,
      details: {
        callA: {
          callId: call.callId,
          callDirection: call.direction,
          callType: "PSTN",
          source: call.caller,
          destination: call.called,
          initiatedTimestamp: startedAt.toISOString(),
          ...(answered && { connectedTimestamp: startedAt.toISOString() }),
          disconnectedTimestamp: endedAt.toISOString(),
          callStatus: answered ? "COMPLETED" : sessionStatus,
          callDuration: duration,
        },
      },
    },
  };
}

/** Whether 8x8 would end our part of the call after this callflow: a hangup, or a transfer (makeCall bridges
 * the caller to another party and no further VCA asks us for the next step). */
export function callflowEndsCall(callflow: readonly CallflowAction[]): boolean {
  return callflow.some((a) => a.action === "hangup" || a.action === "makeCall");
}

/** The sayAndCapture this callflow waits on, if any (the caller's keys answer it). */
export function captureOf(callflow: readonly CallflowAction[]) {
  for (const a of callflow) if (a.action === "sayAndCapture") return a;
  return undefined;
}

/** The VSS `lastAction` name for the last action of a callflow (8x8 spells them in upper snake case). */
export function lastActionName(callflow: readonly CallflowAction[]): string {
  const last = callflow[callflow.length - 1];
  if (!last) return "NONE";
  return last.action.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

/** What a caller hears for each action, one line each, for the terminal phone. Transfer numbers are masked as in
 * our logs, so a pasted transcript or a screen share does not leak a colleague's number. */
export function describeAction(action: CallflowAction): string {
  switch (action.action) {
    case "say":
      return action.params.text;
    case "playFile":
      return `[plays ${action.params.fileUrl}]`;
    case "sayAndCapture":
      return action.params.promptMessage;
    case "makeCall":
      return `[transfer to ${maskPhone(action.params.destination)}${action.params.callRecording ? ", recorded" : ""}]`;
    case "hangup":
      return "[hangs up]";
  }
}

/** The keys a phone has. */
const PHONE_KEYS = /^[0-9*#]*$/;

/**
 * The one phone simulation every tool shares (`ivr call`, `ivr test`, `dial()`): what 8x8 reports when the caller,
 * prompted by a sayAndCapture, types `typed`. Spaces are ignored and nothing typed is no input (null); a key a
 * phone does not have is refused with the reason, and nothing is sent (a terminal phone asks again); otherwise
 * `simulateCapture` says what the capture keeps.
 */
export function captureInput(
  params: { minDigits?: number; maxDigits?: number; completeOnHash?: boolean },
  typed: string,
): { dtmf: string | null } | { refused: string } {
  const keys = typed.replace(/\s+/g, "");
  if (!PHONE_KEYS.test(keys)) return { refused: `a phone has only the keys 0-9, * and #, not '${typed.trim()}'` };
  return { dtmf: simulateCapture(params, keys) };
}

/**
 * What 8x8 reports for the keys a caller presses during a sayAndCapture: with completeOnHash, input ends at the
 * first `#` (reported with it, as 8x8 may); keys past maxDigits are not captured; fewer than minDigits is a failed
 * capture, reported as null (no input).
 */
export function simulateCapture(
  params: { minDigits?: number; maxDigits?: number; completeOnHash?: boolean },
  keys: string,
): string | null {
  const hash = params.completeOnHash === false ? -1 : keys.indexOf("#");
  let digits = hash >= 0 ? keys.slice(0, hash) : keys;
  let terminated = hash >= 0;
  const max = params.maxDigits ?? 25;
  if (digits.length > max) {
    digits = digits.slice(0, max); // input ended at maxDigits; later keys go nowhere
    terminated = false;
  }
  if (digits === "" && terminated) return "#"; // a lone `#`: a menu may offer it as an option
  if (digits.length < (params.minDigits ?? 1)) return null;
  return terminated ? `${digits}#` : digits;
}

/** The state a clientActionId names: ours are `<state>:<turn>`. */
export function stateOfClientActionId(clientActionId: string): string {
  const colon = clientActionId.lastIndexOf(":");
  return colon === -1 ? clientActionId : clientActionId.slice(0, colon);
}

/**
 * Does this answer carry a fetch's hold message? It then ends with a capture that only tells us when the message
 * has been heard: 8x8 reports it (dtmf null, or a key pressed meanwhile), and the request runs on that event.
 * The tools that play 8x8's part send that report at once, without asking the caller for keys.
 */
export function isHoldAnswer(
  answer: { clientActionId: string; callflow: readonly CallflowAction[] },
  holdStates: ReadonlySet<string> | readonly string[],
): boolean {
  if (answer.callflow.at(-1)?.action !== "sayAndCapture") return false;
  const state = stateOfClientActionId(answer.clientActionId);
  return Array.isArray(holdStates) ? holdStates.includes(state) : (holdStates as ReadonlySet<string>).has(state);
}

/** The fetch states of a flow that have a hold message (an answer can leave the call waiting in them). */
export function holdStatesOf(machine: {
  states: Record<string, { kind: string; hold?: readonly unknown[] }>;
}): string[] {
  return Object.entries(machine.states)
    .filter(([, state]) => state.kind === "fetch" && (state.hold?.length ?? 0) > 0)
    .map(([id]) => id);
}
