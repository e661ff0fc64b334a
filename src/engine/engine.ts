/**
 * The engine's public surface:
 *
 * - `newSession(machine, init, now)` makes a session positioned before the start state (nothing rendered yet).
 * - `transition(machine, session, event, now)` is pure: no I/O, no clock but `now`, no randomness; its inputs are
 *   never mutated. It returns the actions for one VCA answer (the non-blocking states from the current point, in
 *   order, up to and including a blocking or ending state), the new session, and what was visited. It throws an
 *   `EngineError` on internal faults (a machine or session that does not hold together).
 * - `fallbackActions(machine, session, now)` renders the flow's `onError` state (or a built-in apology and a
 *   hangup) for when anything fails during a live call. It never throws.
 *
 * - A walk that reaches a `fetch` returns a step with `effect` set: the request to make (the engine does no I/O).
 *   `resume(machine, step, outcome, now)` continues the same answer with the response (or the failure), and may
 *   return another effect; a step without `effect` is finished. A fetch with a hold message (`say`) instead ends
 *   the answer with it, the session waiting in the fetch; the next event (whatever digits it carries) returns the
 *   effect.
 *
 * `clientActionId` is `<state>:<turn>` (e.g. `main:3`): the state the answer leaves the call in, and the number of
 * answers so far.
 */
import type { CallflowAction } from "./callflow.js";
import { interpretInput } from "./capture.js";
import { EngineError } from "./errors.js";
import { builtInApology } from "./fallback.js";
import { extractInto, FETCH_STATUS, routeOutcome, statusText } from "./fetch.js";
import type { AskState, CompiledMachine, FetchState, MenuState } from "./machine.js";
import { holdActions, messageActions, messageForAttempt } from "./render.js";
import type { Continuation, EngineEvent, FetchOutcome, Session, StepResult } from "./session.js";
import { appendTransitions, MAX_PATH } from "./transitions.js";
import { type Draft, draftOf, end, reprompt, stateOf, walkFrom } from "./walk.js";

export { EngineError } from "./errors.js";
export { APOLOGY_TEXT, APOLOGY_VOICE, fallbackActions, fallbackStep } from "./fallback.js";
export { FETCH_STATUS, templateText } from "./fetch.js";
export { HOLD_CAPTURE } from "./render.js";
export { MAX_SPEECH_CHARS } from "./templates.js";
export { MAX_MENU_HISTORY, MAX_STEPS_PER_ANSWER } from "./walk.js";

/** Edge target when attempts run out and the state has no `onExhausted`: the implicit hangup (not a state id). */
export const IMPLICIT_HANGUP = "#hangup";
/** Edge target of a failed fetch when neither it nor the flow has an `onError`: the built-in apology (not a state). */
export const IMPLICIT_APOLOGY = "#apology";
export { MAX_PATH };

export interface SessionInit {
  sessionId: string;
  callId?: string;
  caller: string;
  called: string;
  direction: Session["direction"];
  /** values of the flow's declared `inputs` (outbound calls), already checked (src/outbound/inputs.ts) */
  inputs?: Readonly<Record<string, string>>;
  contact?: Session["contact"];
}

export function newSession(machine: CompiledMachine, init: SessionInit, now: Date): Session {
  const vars: Record<string, string> = {};
  // Every declared input is a variable from the first state on: "" when an optional one was not given (the
  // checker treats all of them as assigned). Built-ins are set after, so an input can never shadow one.
  for (const name of Object.keys(machine.inputs ?? {})) vars[name] = init.inputs?.[name] ?? "";
  vars.caller = init.caller;
  vars.called = init.called;
  vars.sessionId = init.sessionId;
  if (init.callId !== undefined) vars.callId = init.callId;
  // Built-in and always assigned: "" until a fetch sets it.
  vars[FETCH_STATUS] = "";
  return {
    sessionId: init.sessionId,
    ...(init.callId !== undefined && { callId: init.callId }),
    flow: machine.flow,
    version: machine.version,
    state: machine.start,
    clientActionId: "",
    turn: 0,
    status: "active",
    failures: 0,
    vars,
    path: [],
    transitions: [],
    menus: [],
    caller: init.caller,
    called: init.called,
    direction: init.direction,
    startedAt: now.toISOString(),
    ...(init.contact !== undefined && { contact: init.contact }),
  };
}

export function transition(machine: CompiledMachine, session: Session, event: EngineEvent, now: Date): StepResult {
  if (session.flow !== machine.flow || session.version !== machine.version) {
    throw new EngineError(
      `session is on ${session.flow}@${session.version}, machine is ${machine.flow}@${machine.version}`,
    );
  }
  if (session.status === "ended") {
    // 8x8 may still report an action of an ended call: nothing is left to do but end it.
    return { session: copySession(session), actions: [{ action: "hangup" }], visited: [], edges: [] };
  }
  const draft = draftOf(session, machine.start, now);
  if (event.type === "start") {
    if (session.turn === 0) walkFrom(machine, draft, machine.start);
    // A second start (a duplicated CALL_RECEIVED): say the current prompt again rather than restart the call.
    else repeatWaiting(machine, session, draft);
  } else {
    const held = heldFetch(machine, session);
    // The hold message has been heard (any digits pressed meanwhile are ignored): now the request is made.
    if (held) walkFrom(machine, draft, session.state, true);
    else answerInput(machine, session, draft, event.digits);
  }
  return settle(session, draft);
}

/**
 * Continues an answer that stopped at a fetch, with what the request produced. Pure, like `transition`; `step` is
 * not mutated. The fetch's route: an `on` code or class, `next` for any other 2xx, else `onError` (the fetch's,
 * else the flow's, else the built-in apology and a hangup). `durationMs`, how long the request took, is kept on
 * the fetch's edge (`ms`) for analytics; absent when no request was made.
 */
export function resume(
  machine: CompiledMachine,
  step: StepResult,
  outcome: FetchOutcome,
  now: Date,
  durationMs?: number,
): StepResult {
  if (!step.effect) throw new EngineError("resume: the step has no fetch to resume");
  const continuation = step.effect.continuation;
  const { session } = continuation;
  if (session.flow !== machine.flow || session.version !== machine.version) {
    throw new EngineError(
      `continuation is on ${session.flow}@${session.version}, machine is ${machine.flow}@${machine.version}`,
    );
  }
  const draft = draftFromContinuation(continuation, now);
  const from = continuation.state;
  const state = stateOf(machine, from);
  if (state.kind !== "fetch") throw new EngineError(`resume: state "${from}" is not a fetch`);
  draft.vars[FETCH_STATUS] = statusText(outcome);
  const route = routeOutcome(state, outcome);
  const ms = durationMs === undefined ? {} : { ms: Math.round(durationMs) };
  if ("to" in route) {
    if (!("error" in outcome)) Object.assign(draft.vars, extractInto(state, outcome.body));
    draft.edges.push({ from, to: route.to, on: route.on, ...ms });
    walkFrom(machine, draft, route.to);
  } else {
    takeOnError(machine, draft, from, state, ms);
  }
  return settle(session, draft);
}

/** `onError` out of a fetch: its own target, else the flow's, else the built-in apology (no state to render). */
function takeOnError(
  machine: CompiledMachine,
  draft: Draft,
  from: string,
  state: FetchState,
  ms: { ms?: number },
): void {
  const target = state.onError ?? machine.onError;
  draft.edges.push({ from, to: target ?? IMPLICIT_APOLOGY, on: "onError", ...ms });
  if (target !== null) {
    walkFrom(machine, draft, target);
    return;
  }
  draft.actions.push(...builtInApology());
  end(draft, from);
}

/** The fetch the session waits in after its hold message, if it does. */
function heldFetch(machine: CompiledMachine, session: Session): FetchState | undefined {
  if (session.turn === 0) return undefined;
  const state = stateOf(machine, session.state);
  return state.kind === "fetch" ? state : undefined;
}

/** What the caller heard last, again: the prompt of the menu/ask, or the hold message of the fetch. */
function repeatWaiting(machine: CompiledMachine, session: Session, draft: Draft): void {
  const held = heldFetch(machine, session);
  if (!held) {
    reprompt(draft, session.state, waitingState(machine, session));
    return;
  }
  draft.state = session.state;
  draft.visited.push(session.state);
  draft.path.push(session.state);
  draft.actions.push(...holdActions(held, draft.vars));
}

function answerInput(machine: CompiledMachine, session: Session, draft: Draft, digits: string | null): void {
  const from = session.state;
  const state = waitingState(machine, session);
  const { input, outcome } = interpretInput(machine, state, digits);
  // A sensitive value lives under its own (masked) name only, never in the unmasked built-in.
  draft.vars.lastInput = state.kind === "ask" && state.sensitive ? "" : input;

  switch (outcome.kind) {
    case "goto":
      if (outcome.assign) draft.vars[outcome.assign.name] = outcome.assign.value;
      draft.edges.push({ from, to: outcome.to, on: outcome.on });
      walkFrom(machine, draft, outcome.to);
      return;
    case "repeat":
      draft.edges.push({ from, to: from, on: outcome.on });
      reprompt(draft, from, state);
      return;
    case "back": {
      // The current menu is the last entry of the history; the one before it is where `back` goes.
      if (draft.menus.at(-1) === from) draft.menus.pop();
      const previous = draft.menus.pop();
      draft.edges.push({ from, to: previous ?? from, on: outcome.on });
      if (previous === undefined) reprompt(draft, from, state);
      else walkFrom(machine, draft, previous);
      return;
    }
    case "failure": {
      draft.failures = session.failures + 1;
      const message = messageForAttempt(outcome.messages, draft.failures);
      draft.actions.push(...messageActions(message, state.voiceProfile, draft.vars));
      if (draft.failures < state.attempts) {
        draft.edges.push({ from, to: from, on: outcome.on });
        reprompt(draft, from, state);
        return;
      }
      draft.edges.push({ from, to: state.onExhausted ?? IMPLICIT_HANGUP, on: "exhausted" });
      if (state.onExhausted !== null) {
        walkFrom(machine, draft, state.onExhausted);
        return;
      }
      draft.actions.push({ action: "hangup" });
      end(draft, from);
      return;
    }
  }
}

/** The menu or ask the session is waiting in; anything else means the session does not fit the machine. */
function waitingState(machine: CompiledMachine, session: Session): MenuState | AskState {
  const state = stateOf(machine, session.state);
  if (session.turn === 0 || (state.kind !== "menu" && state.kind !== "ask")) {
    throw new EngineError(`session ${session.sessionId} is not waiting for input (state "${session.state}")`);
  }
  return state;
}

/** A finished step, or, when the walk stopped at a fetch, the effect with everything needed to resume. */
function settle(session: Session, draft: Draft): StepResult {
  const result = finish(session, draft);
  const request = draft.request;
  if (!request) return result;
  const continuation: Continuation = {
    session,
    state: draft.state,
    status: draft.status,
    failures: draft.failures,
    vars: draft.vars,
    path: draft.path,
    menus: draft.menus,
    actions: draft.actions,
    visited: draft.visited,
    edges: draft.edges,
    steps: draft.steps,
  };
  return { ...result, effect: { kind: "fetch", request, continuation } };
}

function draftFromContinuation(c: Continuation, now: Date): Draft {
  const draft = draftOf(c.session, c.state, now);
  draft.state = c.state;
  draft.status = c.status;
  draft.failures = c.failures;
  draft.vars = { ...c.vars };
  draft.path = [...c.path];
  draft.menus = [...c.menus];
  draft.actions = [...c.actions];
  draft.visited = [...c.visited];
  draft.edges = [...c.edges];
  draft.steps = c.steps;
  return draft;
}

function finish(session: Session, draft: Draft): StepResult {
  const turn = session.turn + 1;
  const actions: CallflowAction[] = draft.actions;
  const path = draft.path.length > MAX_PATH ? draft.path.slice(-MAX_PATH) : draft.path;
  const transitions = appendTransitions(session, draft.edges, draft.now);
  return {
    session: {
      ...session,
      state: draft.state,
      clientActionId: `${draft.state}:${turn}`,
      turn,
      status: draft.status,
      failures: draft.failures,
      vars: draft.vars,
      path,
      transitions,
      menus: draft.menus,
    },
    actions,
    visited: draft.visited,
    edges: draft.edges,
  };
}

function copySession(session: Session): Session {
  return {
    ...session,
    vars: { ...session.vars },
    path: [...session.path],
    transitions: [...(session.transitions ?? [])],
    menus: [...session.menus],
  };
}
