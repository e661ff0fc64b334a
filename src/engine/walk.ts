import { conditionHolds } from "./conditions.js";
import { EngineError } from "./errors.js";
import { renderRequest } from "./fetch.js";
import { isOpen } from "./hours.js";
import type { AskState, CompiledMachine, CompiledState, MenuState } from "./machine.js";
import { cachedPattern } from "./patterns.js";
import { captureAction, holdActions, makeCallAction, messageActions } from "./render.js";
import type { FetchRequest, Session, StepResult, WalkState } from "./session.js";
import { renderTemplate } from "./templates.js";

/**
 * Guard against a loop of non-blocking states in a hand-made machine (the checker rejects them in compiled
 * flows): far more states than any real answer walks through, far fewer than would hurt.
 */
export const MAX_STEPS_PER_ANSWER = 1000;
/** `session.menus` keeps this many entries (enough history for `back`, bounded item size). */
export const MAX_MENU_HISTORY = 20;

export type Edge = StepResult["edges"][number];
type CallNumbers = Pick<Session, "direction" | "caller" | "called">;

/** The mutable working copy of one step. `transition` builds it from copies, so its inputs stay untouched. */
export interface Draft extends WalkState {
  numbers: CallNumbers | undefined;
  /** the only clock the engine reads */
  now: Date;
  /** for the Idempotency-Key: the session, and the turn of the answer being built */
  sessionId: string;
  turn: number;
  /** set when the walk stopped at a fetch to perform */
  request?: FetchRequest;
}

export function draftOf(session: Session | undefined, start: string, now: Date): Draft {
  return {
    state: session?.state ?? start,
    status: session?.status ?? "active",
    failures: session?.failures ?? 0,
    vars: { ...session?.vars },
    path: [...(session?.path ?? [])],
    menus: [...(session?.menus ?? [])],
    actions: [],
    visited: [],
    edges: [],
    numbers: session && { direction: session.direction, caller: session.caller, called: session.called },
    now,
    steps: 0,
    sessionId: session?.sessionId ?? "",
    turn: (session?.turn ?? 0) + 1,
  };
}

export function stateOf(machine: CompiledMachine, id: string): CompiledState {
  const state = Object.hasOwn(machine.states, id) ? machine.states[id] : undefined;
  if (!state) throw new EngineError(`flow ${machine.flow} has no state "${id}"`);
  return state;
}

/**
 * How a walk stopped: waiting for the caller (a menu, an ask, or a fetch's hold message), the call ended, or at a
 * fetch whose request must be performed before the walk can go on (`draft.request`).
 */
export type WalkEnd = "waiting" | "ended" | "fetch";

/**
 * Renders one answer from state `id`: non-blocking states in order, up to and including the first blocking
 * (menu/ask) or ending (transfer/hangup) state, or up to a fetch. `held`: `id` is a fetch whose hold message the
 * caller has heard (the session waited in it): its request is made now, without entering it again.
 */
export function walkFrom(machine: CompiledMachine, draft: Draft, id: string, held = false): WalkEnd {
  let current = id;
  let entering = !held;
  // Walking from a state means leaving the blocking state we were in: its failed attempts no longer count.
  draft.failures = 0;
  while (draft.steps++ < MAX_STEPS_PER_ANSWER) {
    const state = stateOf(machine, current);
    const heard = !entering;
    if (entering) enter(draft, current);
    entering = true;
    const vars = draft.vars;
    switch (state.kind) {
      case "say":
        draft.actions.push(...messageActions(state.messages, state.voiceProfile, vars));
        current = follow(draft, current, state.next, "next");
        break;
      case "play":
        draft.actions.push({ action: "playFile", params: { fileUrl: state.url } });
        current = follow(draft, current, state.next, "next");
        break;
      case "set":
        // In declaration order, so an assignment can use the ones before it.
        for (const [name, template] of Object.entries(state.assign)) vars[name] = renderTemplate(template, vars);
        current = follow(draft, current, state.next, "next");
        break;
      case "branch": {
        const pattern = (source: string) => cachedPattern(machine, source);
        const index = state.cases.findIndex((c) => conditionHolds(c.if, vars, pattern));
        const chosen = state.cases[index];
        current = chosen
          ? follow(draft, current, chosen.then, `case:${index}`)
          : follow(draft, current, state.else, "else");
        break;
      }
      case "hours":
        current = isOpen(state, draft.now)
          ? follow(draft, current, state.then, "then")
          : follow(draft, current, state.else, "else");
        break;
      case "menu":
      case "ask":
        if (state.kind === "menu" && draft.menus.at(-1) !== current) {
          draft.menus.push(current);
          if (draft.menus.length > MAX_MENU_HISTORY) draft.menus.shift();
        }
        draft.state = current;
        draft.actions.push(captureAction(state, vars));
        return "waiting";
      case "transfer":
        draft.actions.push(...messageActions(state.say, state.voiceProfile, vars));
        draft.actions.push(makeCallAction(state, draft.numbers));
        end(draft, current);
        return "ended";
      case "hangup":
        draft.actions.push(...messageActions(state.say, state.voiceProfile, vars));
        draft.actions.push({ action: "hangup" });
        end(draft, current);
        return "ended";
      case "fetch": {
        draft.state = current;
        // A hold message is heard BEFORE the wait: this answer ends with it, and the request is made on the event
        // 8x8 sends once it has been played.
        const hold = heard ? [] : holdActions(state, vars);
        if (hold.length > 0) {
          draft.actions.push(...hold);
          return "waiting";
        }
        draft.request = renderRequest(current, state, vars, draft);
        return "fetch";
      }
    }
  }
  throw new EngineError(`flow ${machine.flow}: more than ${MAX_STEPS_PER_ANSWER} states without input from "${id}"`);
}

/** Plays the current prompt again (a retry after a failure, or a `repeat` key): no attempt reset. */
export function reprompt(draft: Draft, id: string, state: MenuState | AskState): void {
  enter(draft, id);
  draft.state = id;
  draft.actions.push(captureAction(state, draft.vars));
}

export function end(draft: Draft, id: string): void {
  draft.state = id;
  draft.status = "ended";
}

function enter(draft: Draft, id: string): void {
  draft.visited.push(id);
  draft.path.push(id);
}

function follow(draft: Draft, from: string, to: string, on: string): string {
  draft.edges.push({ from, to, on });
  return to;
}
