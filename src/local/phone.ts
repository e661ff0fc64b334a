/**
 * A phone in the terminal, against the running local server over HTTP: it plays 8x8's part (CALL_RECEIVED, then
 * ACTION_COMPLETED with the keys pressed, then the session summary) and prints what the caller would hear.
 */
import type { CallflowAction, SayAndCaptureAction, VcaAnswer } from "../engine/callflow.js";
import { didYouMean } from "../language/suggest.js";
import { shiftedClock } from "./clock.js";
import { LOCAL_CLOCK_HEADER } from "./request-clock.js";
import {
  actionCompletedEvent,
  callflowEndsCall,
  callReceivedEvent,
  captureInput,
  captureOf,
  describeAction,
  isHoldAnswer,
  lastActionName,
  newSimulatedCall,
  type SimulatedCall,
  sessionSummaryEvent,
} from "./simulated-8x8.js";

/** A flow as GET /flows lists it. */
export interface ServedFlow {
  flow: string;
  version: string;
  numbers: string[];
  description?: string;
  /** fetch states with a hold message (older servers list none) */
  holds?: string[];
}

export interface PhoneOptions {
  /** base URL of the local server, e.g. http://localhost:3000 */
  url: string;
  flow: string;
  caller: string;
  /** next line of keys typed by the caller; "" = no input (timeout); undefined = the caller hung up (EOF) */
  readKeys: (prompt: string) => Promise<string | undefined>;
  /** what the caller hears, one line per call */
  hear: (line: string) => void;
  /** extra headers for every request (e.g. the webhook secret when the server checks one) */
  headers?: Record<string, string>;
  /** values for the flow's inputs: the call is then placed outbound, as `ivr dial --var` places it */
  inputs?: Record<string, string>;
  /** the call's own clock starts at this instant and runs on (the server answers as if it were then) */
  at?: Date;
}

export interface PhoneResult {
  sessionId: string;
  turns: number;
  /** how the call ended: the flow hung up / transferred, or the caller hung up */
  endedBy: "flow" | "caller";
  lastAction: string;
}

export class PhoneError extends Error {
  override name = "PhoneError";
}

export async function listServedFlows(url: string): Promise<ServedFlow[]> {
  let res: Response;
  try {
    res = await fetch(new URL("/flows", url));
  } catch (err) {
    throw new PhoneError(`no local server answers at ${url} (${causeOf(err)}): start it with \`npm start\``);
  }
  if (!res.ok) throw new PhoneError(`GET ${url}/flows answered HTTP ${res.status}: is this the callflow local server?`);
  return ((await res.json()) as { flows: ServedFlow[] }).flows;
}

export async function placeCall(options: PhoneOptions): Promise<PhoneResult> {
  const flows = await listServedFlows(options.url);
  const target = flows.find((f) => f.flow === options.flow);
  if (!target) {
    const names = flows.map((f) => f.flow).join(", ") || "none";
    const close = didYouMean(
      options.flow,
      flows.map((f) => f.flow),
    );
    throw new PhoneError(
      `the server has no flow '${options.flow}'${close ? ` (did you mean '${close}'?)` : ""} (it serves: ${names})`,
    );
  }
  const withInputs = Object.keys(options.inputs ?? {}).length > 0;
  const phone = { ...options, clock: options.at ? shiftedClock(options.at) : () => new Date() };
  const started =
    target.numbers[0] && !withInputs ? await callIn(phone, target.numbers[0]) : await dialOut(phone, target);
  const { call } = started;
  let answer = started.answer;
  const startedAt = phone.clock();
  let turns = 1;
  let endedBy: PhoneResult["endedBy"] = "flow";
  const holds = target.holds ?? [];
  try {
    for (;;) {
      speak(options, answer.callflow);
      if (callflowEndsCall(answer.callflow)) break;
      if (isHoldAnswer(answer, holds)) {
        // A hold message: the caller just listens, and 8x8 reports it played; the flow's request runs then.
        answer = await postVca(phone, actionCompletedEvent(call, phone.clock(), answer.clientActionId, null));
        turns++;
        continue;
      }
      const capture = captureOf(answer.callflow);
      if (!capture) {
        // Only a blocking state ends an answer without hanging up; anything else is a server bug worth showing.
        throw new PhoneError(`the answer neither waits for keys nor ends the call: ${JSON.stringify(answer)}`);
      }
      const dtmf = await readCapture(options, capture.params);
      if (dtmf === undefined) {
        options.hear("[caller hangs up]");
        endedBy = "caller";
        break;
      }
      answer = await postVca(phone, actionCompletedEvent(call, phone.clock(), answer.clientActionId, dtmf));
      turns++;
    }
  } catch (err) {
    // The call is over for the caller either way: say so to the server, as 8x8 would, so no session stays open.
    await postVss(phone, call, startedAt, "SAY_AND_CAPTURE").catch(() => undefined);
    throw err;
  }

  const lastAction = endedBy === "caller" ? "SAY_AND_CAPTURE" : lastActionName(answer.callflow);
  await postVss(phone, call, startedAt, lastAction);
  return { sessionId: call.sessionId, turns, endedBy, lastAction };
}

/**
 * What 8x8 reports for the caller's next keys (captureInput, shared with `ivr test`); keys a phone does not have
 * are refused and asked for again, without sending anything. undefined: the caller hung up.
 */
async function readCapture(
  options: PhoneOptions,
  params: SayAndCaptureAction["params"],
): Promise<string | null | undefined> {
  for (;;) {
    const line = await options.readKeys(keysPrompt(params.maxDigits, params.completeOnHash));
    if (line === undefined) return undefined;
    const input = captureInput(params, line);
    if ("dtmf" in input) return input.dtmf;
    options.hear(`[${input.refused}: try again]`);
  }
}

/** The phone during a call: the options, and the call's clock. */
type Phone = PhoneOptions & { clock: () => Date };

/** An inbound call: the caller rings the flow's first number; 8x8 sends CALL_RECEIVED. */
async function callIn(phone: Phone, called: string) {
  const call = newSimulatedCall({ caller: phone.caller, called });
  phone.hear(`calling ${phone.flow} on ${called} (session ${call.sessionId})${atNote(phone)}`);
  return { call, answer: await postVca(phone, callReceivedEvent(call, phone.clock())) };
}

function atNote(phone: PhoneOptions): string {
  return phone.at ? `, as if it were ${phone.at.toISOString()}` : "";
}

/**
 * An outbound-only flow has no number to ring (and inputs only travel with outbound calls), so the local server
 * plays `ivr dial`: it stores the session and returns what 8x8 would play once the person (us, at options.caller)
 * answers. Later events are the same VCAs.
 */
async function dialOut(options: Phone, target: ServedFlow) {
  const res = await post(options, "/local/dial", {
    flow: target.flow,
    to: options.caller,
    ...(options.inputs && { inputs: options.inputs }),
  });
  const text = await res.text();
  if (res.status === 400 && text.includes('"problems"')) {
    const { problems } = JSON.parse(text) as { problems: string[] };
    throw new PhoneError(`${target.flow} refuses these inputs (nothing was dialled):\n  ${problems.join("\n  ")}`);
  }
  if (res.status !== 200) throw new PhoneError(`POST /local/dial answered HTTP ${res.status}: ${text}`);
  const dialled = JSON.parse(text) as VcaAnswer & { sessionId: string; from: string };
  const call = newSimulatedCall({
    caller: dialled.from,
    called: options.caller,
    direction: "OUTBOUND",
    sessionId: dialled.sessionId,
  });
  options.hear(
    `${target.flow} is outbound only: it rings you at ${options.caller} (session ${call.sessionId})${atNote(options)}`,
  );
  return { call, answer: { clientActionId: dialled.clientActionId, callflow: dialled.callflow } };
}

function speak(options: PhoneOptions, callflow: readonly CallflowAction[]): void {
  for (const action of callflow) options.hear(describeAction(action));
}

function keysPrompt(maxDigits: number, completeOnHash: boolean): string {
  const what = maxDigits === 1 ? "a key" : `up to ${maxDigits} keys${completeOnHash ? " (# ends)" : ""}`;
  return `press ${what}, Enter to send (empty = no input, Ctrl-D hangs up)> `;
}

async function postVca(options: Phone, event: Record<string, unknown>): Promise<VcaAnswer> {
  const res = await post(options, "/vca", event);
  const text = await res.text();
  if (res.status !== 200) throw new PhoneError(`POST /vca answered HTTP ${res.status}: ${text}`);
  return JSON.parse(text) as VcaAnswer;
}

async function postVss(options: Phone, call: SimulatedCall, startedAt: Date, lastAction: string) {
  const res = await post(options, "/vss", sessionSummaryEvent(call, startedAt, options.clock(), lastAction));
  if (res.status !== 200) throw new PhoneError(`POST /vss answered HTTP ${res.status}: ${await res.text()}`);
}

async function post(options: Phone, path: string, body: unknown): Promise<Response> {
  // The call's clock travels with every request; only the local server reads it (request-clock.ts).
  const clock: Record<string, string> = options.at ? { [LOCAL_CLOCK_HEADER]: options.clock().toISOString() } : {};
  try {
    return await fetch(new URL(path, options.url), {
      method: "POST",
      headers: { "content-type": "application/json", ...options.headers, ...clock },
      body: JSON.stringify(body),
    });
  } catch (err) {
    throw new PhoneError(`POST ${path} failed (${causeOf(err)}): is \`npm start\` still running?`);
  }
}

function causeOf(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}
