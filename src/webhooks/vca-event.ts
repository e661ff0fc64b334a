/**
 * The 8x8 VCA wire format -> the one event shape the domain works with. 8x8 has moved the captured digits
 * around across doc versions (payload.dtmf in 2023, payload.eventData as a string in 2025, payload.eventData.dtmf
 * now); this is the single place that knows.
 */
import type { VcaRequest } from "./validation.js";

export type CallStatus = VcaRequest["payload"]["callStatus"];

export interface VcaEvent {
  eventId: string;
  sessionId: string;
  callId: string;
  callStatus: CallStatus;
  direction: "INBOUND" | "OUTBOUND";
  /** payload.source */
  caller: string;
  /** payload.destination */
  called: string;
  /** captured DTMF; null when nothing was captured (or the event carries no capture) */
  digits: string | null;
  /** absent on the first event of a call */
  clientActionId?: string;
  subAccountId?: string;
}

/**
 * The captured digits, wherever this payload version put them: the first placement that holds digits, in the order
 * eventData (a string), eventData.dtmf, payload.dtmf. An empty or null placement never hides a later one (a payload
 * with `eventData: ""` or `{ "dtmf": null }` next to `dtmf: "1"` was seen). No digits anywhere is no input.
 */
export function extractDigits(payload: VcaRequest["payload"]): string | null {
  const { eventData } = payload;
  const placements = [
    typeof eventData === "string" ? eventData : undefined,
    eventData !== null && typeof eventData === "object" ? eventData.dtmf : undefined,
    payload.dtmf,
  ];
  for (const digits of placements) if (typeof digits === "string" && digits !== "") return digits;
  return null;
}

/** Normalise a validated VCA request. */
export function toVcaEvent(request: VcaRequest): VcaEvent {
  const p = request.payload;
  const event: VcaEvent = {
    eventId: p.eventId,
    sessionId: p.sessionId,
    callId: p.callId,
    callStatus: p.callStatus,
    direction: p.callDirection,
    caller: p.source,
    called: p.destination,
    digits: extractDigits(p),
  };
  if (typeof p.clientActionId === "string" && p.clientActionId !== "") event.clientActionId = p.clientActionId;
  if (p.subAccountId !== undefined) event.subAccountId = p.subAccountId;
  return event;
}
