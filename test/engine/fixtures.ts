/**
 * Hand-written compiled machines for engine tests (the engine must not depend on src/language), and a `step`
 * wrapper that checks what every test relies on: inputs are not mutated, the callflow is one 8x8 accepts, and an
 * answer ends with its capture (so no hangup can follow a sayAndCapture).
 */
import { expect } from "vitest";
import type { CallflowAction } from "../../src/engine/callflow.js";
import { newSession, transition } from "../../src/engine/engine.js";
import type {
  AskState,
  BranchState,
  Capture,
  CompiledMachine,
  CompiledState,
  Condition,
  FetchState,
  HangupState,
  HoursState,
  MenuState,
  Message,
  SayState,
  Template,
  TransferState,
} from "../../src/engine/machine.js";
import type { EngineEvent, Session, StepResult } from "../../src/engine/session.js";
import { assertValidCallflow } from "../support/callflow-schema.js";

export const VOICE = "en-GB-Emma";
export const NOW = new Date("2026-03-04T03:00:00Z"); // a Wednesday, 11:00 in Singapore
export const CALLER = "+6591234567";
export const OUR_NUMBER = "+6531234567";

export const say = (text: string): Message => ({ say: [text] });
export const tpl = (...parts: Template): Template => parts;

export const MENU_CAPTURE: Capture = {
  minDigits: 1,
  maxDigits: 1,
  completeOnHash: false,
  digitTimeoutMs: 3000,
  overallTimeoutMs: 5000,
};

export function sayState(text: string | Message[], next: string): SayState {
  return { kind: "say", voiceProfile: VOICE, messages: typeof text === "string" ? [say(text)] : text, next };
}

export function menuState(options: Record<string, string>, extra: Partial<MenuState> = {}): MenuState {
  return {
    kind: "menu",
    voiceProfile: VOICE,
    prompt: ["Press a key."],
    capture: MENU_CAPTURE,
    attempts: 3,
    noInput: [],
    noMatch: [],
    onExhausted: null,
    options,
    ...extra,
  };
}

export function askState(into: string, next: string, extra: Partial<AskState> = {}): AskState {
  const digits = extra.digits ?? { min: 4, max: 8, terminator: "#" as const };
  return {
    kind: "ask",
    voiceProfile: VOICE,
    prompt: ["Enter your number, then press hash."],
    capture: {
      minDigits: digits.min,
      maxDigits: digits.max + (digits.terminator ? 1 : 0),
      completeOnHash: digits.terminator === "#",
      digitTimeoutMs: 3000,
      overallTimeoutMs: 15000,
    },
    attempts: 3,
    noInput: [],
    invalid: [],
    onExhausted: null,
    into,
    digits,
    sensitive: false,
    next,
    ...extra,
  };
}

export function hangupState(text?: string): HangupState {
  return { kind: "hangup", voiceProfile: VOICE, say: text === undefined ? [] : [say(text)] };
}

export function transferState(to: string, extra: Partial<TransferState> = {}): TransferState {
  return { kind: "transfer", voiceProfile: VOICE, to, record: false, say: [], ...extra };
}

export function machineOf(
  states: Record<string, CompiledState>,
  extra: Partial<CompiledMachine> = {},
): CompiledMachine {
  return {
    flow: "test-flow",
    version: "0123456789abcdef",
    numbers: [OUR_NUMBER],
    start: Object.keys(states)[0] ?? "start",
    onError: null,
    keys: {},
    states,
    sensitive: [],
    ...extra,
  };
}

export function sessionFor(machine: CompiledMachine, direction: Session["direction"] = "INBOUND"): Session {
  return newSession(
    machine,
    direction === "INBOUND"
      ? { sessionId: "s-1", callId: "c-1", caller: CALLER, called: OUR_NUMBER, direction }
      : { sessionId: "s-1", callId: "c-1", caller: OUR_NUMBER, called: CALLER, direction },
    NOW,
  );
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Checks every answer the tests see, beyond 8x8's schema: a capture always ends the answer. */
export function assertAnswerShape(actions: CallflowAction[]): void {
  assertValidCallflow(actions);
  const captureAt = actions.findIndex((a) => a.action === "sayAndCapture");
  if (captureAt !== -1) expect(captureAt).toBe(actions.length - 1);
  const last = actions.at(-1)?.action;
  expect(["sayAndCapture", "makeCall", "hangup"]).toContain(last);
}

/** transition() on frozen inputs (any mutation throws), with the answer checked against 8x8's rules. */
export function step(machine: CompiledMachine, session: Session, event: EngineEvent, now = NOW): StepResult {
  const before = JSON.stringify({ machine, session });
  deepFreeze(machine);
  deepFreeze(session);
  const result = transition(machine, session, event, now);
  assertAnswerShape(result.actions);
  expect(JSON.stringify({ machine, session })).toBe(before);
  return result;
}

/** Starts a call and feeds it inputs (null = no input); returns every step. */
export function call(
  machine: CompiledMachine,
  inputs: (string | null)[] = [],
  options: { now?: Date; direction?: Session["direction"] } = {},
): StepResult[] {
  const steps: StepResult[] = [];
  let session = sessionFor(machine, options.direction);
  let result = step(machine, session, { type: "start" }, options.now);
  steps.push(result);
  for (const digits of inputs) {
    session = result.session;
    result = step(machine, session, { type: "input", digits }, options.now);
    steps.push(result);
  }
  return steps;
}

/** The last step of a call. */
export function lastOf(steps: StepResult[]): StepResult {
  const last = steps.at(-1);
  if (!last) throw new Error("no steps");
  return last;
}

/** Spoken texts and prompts of an answer, in order ("say:", "ask:", "play:", "call:", "hangup"). */
export function script(actions: CallflowAction[]): string[] {
  return actions.map((a) => {
    if (a.action === "say") return `say:${a.params.text}`;
    if (a.action === "sayAndCapture") return `ask:${a.params.promptMessage}`;
    if (a.action === "playFile") return `play:${a.params.fileUrl}`;
    if (a.action === "makeCall") {
      return `call:${a.params.source}->${a.params.destination}${a.params.callRecording ? " rec" : ""}`;
    }
    return "hangup";
  });
}

export function hoursState(
  timezone: string,
  open: [number, number][][],
  closedOn: string[] = [],
  targets: { open: string; closed: string } = { open: "open", closed: "closed" },
): HoursState {
  // biome-ignore lint/suspicious/noThenProperty: the compiled machine's field name (src/engine/machine.ts)
  return { kind: "hours", voiceProfile: VOICE, timezone, open, closedOn, then: targets.open, else: targets.closed };
}

export function branchState(cases: [Condition, string][], otherwise: string): BranchState {
  return {
    kind: "branch",
    voiceProfile: VOICE,
    // biome-ignore lint/suspicious/noThenProperty: the compiled machine's field name (src/engine/machine.ts)
    cases: cases.map(([condition, target]) => ({ if: condition, then: target })),
    else: otherwise,
  };
}

/** A GET to service `bank` at /balance: next `done`, onError `down`, no hold, no routes. */
export function fetchState(extra: Partial<FetchState> = {}): FetchState {
  return {
    kind: "fetch",
    voiceProfile: VOICE,
    service: "bank",
    method: "GET",
    path: ["/balance"],
    query: {},
    timeoutMs: 2000,
    hold: [],
    into: {},
    sensitive: [],
    on: {},
    next: "done",
    onError: "down",
    ...extra,
  };
}
