/**
 * One scripted call, event by event, through a VCA handler: what `ivr replay` prints. The handler is passed in
 * (the real one, on DynamoDB), so this module only plays 8x8's part: CALL_RECEIVED (or, for an outbound call, the
 * session `ivr dial` would store), then one ACTION_COMPLETED per keypress entry, each echoing the clientActionId of
 * the answer before it.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import type { CallflowAction, VcaAnswer } from "../engine/callflow.js";
import { syntheticEvent } from "./apigw-adapter.js";
import {
  actionCompletedEvent,
  callflowEndsCall,
  callReceivedEvent,
  isHoldAnswer,
  lastActionName,
  newSimulatedCall,
  type SimulatedCall,
  sessionSummaryEvent,
} from "./simulated-8x8.js";

export interface ReplayTurn {
  /** what 8x8 reported for the event this turn answers (null: the first event, or no input) */
  dtmf: string | null;
  clientActionId: string;
  callflow: CallflowAction[];
}

export interface ReplayResult {
  flow: string;
  version: string;
  turns: ReplayTurn[];
  /** the last answer ends the call (a hangup, or a transfer) */
  ended: boolean;
  /** --dtmf entries not sent because the call had already ended */
  unused: (string | null)[];
  /** the simulated call, and when it started: for the session summary that ends it (`summaryEvent`) */
  call: SimulatedCall;
  startedAt: Date;
}

export interface ReplayInput {
  flow: string;
  version: string;
  /** --dtmf entries in order; null = no input */
  dtmf: (string | null)[];
  caller: string;
  called: string;
  /** the clock for event timestamps (the handler's own clock is set by the caller) */
  now: () => Date;
  /** fetch states with a hold message: an answer waiting in one is reported as heard at once (dtmf null), without
   * using a --dtmf entry, as 8x8 does once the message has played */
  holds?: readonly string[];
  /**
   * Place the call outbound, as `ivr dial` does: this stores the session under the given sessionId (with the
   * flow's inputs) and returns the first answer, which 8x8 would play after makeCall. `caller` is then our number
   * and `called` the person rung.
   */
  dialOut?: (sessionId: string) => Promise<VcaAnswer>;
}

export class ReplayError extends Error {
  override name = "ReplayError";
}

export type VcaHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/** Bounds the holds a replay follows on its own (a flow cannot reasonably hold more often). */
const MAX_TURNS = 500;

export async function replayCall(handler: VcaHandler, input: ReplayInput): Promise<ReplayResult> {
  const direction = input.dialOut ? "OUTBOUND" : "INBOUND";
  const call = newSimulatedCall({ caller: input.caller, called: input.called, direction });
  const startedAt = input.now();
  const turns: ReplayTurn[] = [];

  const holds = input.holds ?? [];
  const send = async (event: Record<string, unknown>, dtmf: string | null) => {
    let answer = await post(handler, event, turns.length);
    turns.push({ dtmf, clientActionId: answer.clientActionId, callflow: answer.callflow });
    while (isHoldAnswer(answer, holds) && turns.length < MAX_TURNS) {
      const heard = actionCompletedEvent(call, input.now(), answer.clientActionId, null);
      answer = await post(handler, heard, turns.length);
      turns.push({ dtmf: null, clientActionId: answer.clientActionId, callflow: answer.callflow });
    }
    return answer;
  };

  // An outbound call's first answer goes out with Send Callflow (it cannot hold for a fetch: see renderOutboundStart).
  let answer: VcaAnswer;
  if (input.dialOut) {
    answer = await input.dialOut(call.sessionId);
    turns.push({ dtmf: null, clientActionId: answer.clientActionId, callflow: answer.callflow });
  } else answer = await send(callReceivedEvent(call, input.now()), null);
  let next = 0;
  while (next < input.dtmf.length && !callflowEndsCall(answer.callflow)) {
    const dtmf = input.dtmf[next++] ?? null;
    const event = actionCompletedEvent(call, input.now(), answer.clientActionId, dtmf);
    // Send Callflow has no clientActionId: the first capture of an outbound call comes back without one.
    if (input.dialOut && turns.length === 1) delete (event.payload as Record<string, unknown>).clientActionId;
    answer = await send(event, dtmf);
  }
  return {
    flow: input.flow,
    version: input.version,
    turns,
    ended: callflowEndsCall(answer.callflow),
    unused: input.dtmf.slice(next),
    call,
    startedAt,
  };
}

/**
 * The Voice Session Summary 8x8 sends once the replayed call is over: after the flow hung up or transferred, or,
 * when the script ran out while the flow still waited for keys, after the caller hung up (during the capture).
 */
export function summaryEvent(result: ReplayResult, endedAt: Date): Record<string, unknown> {
  const last = result.turns.at(-1)?.callflow ?? [];
  const lastAction = result.ended ? lastActionName(last) : "SAY_AND_CAPTURE";
  return sessionSummaryEvent(result.call, result.startedAt, endedAt, lastAction);
}

async function post(handler: VcaHandler, body: unknown, turn: number): Promise<VcaAnswer> {
  const result = await handler(syntheticEvent("POST", "/vca", JSON.stringify(body)));
  if (result.statusCode !== 200) {
    throw new ReplayError(`the VCA handler answered turn ${turn} with HTTP ${result.statusCode}: ${result.body}`);
  }
  const answer = JSON.parse(result.body) as VcaAnswer;
  if (typeof answer.clientActionId !== "string" || !Array.isArray(answer.callflow)) {
    throw new ReplayError(`the VCA handler answered turn ${turn} with no callflow: ${result.body}`);
  }
  return answer;
}

const DTMF = /^[0-9*#]{1,25}$/;

/** `--dtmf 1,12345678#,-` -> ["1", "12345678#", null]. Throws on anything 8x8 could not report. */
export function parseDtmfList(values: readonly string[]): (string | null)[] {
  const entries: (string | null)[] = [];
  for (const value of values) {
    for (const raw of value.split(",")) {
      const entry = raw.trim();
      if (entry === "-") entries.push(null);
      else if (DTMF.test(entry)) entries.push(entry);
      else throw new ReplayError(`--dtmf entry '${entry}' is not 1 to 25 of 0-9 * # (or - for no input)`);
    }
  }
  return entries;
}

/** The printed form: the contract's JSON, nothing else. */
export function replayJson(result: ReplayResult): string {
  const { flow, version, turns, ended } = result;
  return `${JSON.stringify({ flow, version, turns, ended }, null, 2)}\n`;
}
