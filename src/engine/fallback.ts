import type { CallflowAction } from "./callflow.js";
import type { CompiledMachine } from "./machine.js";
import type { Session } from "./session.js";
import { draftOf, walkFrom } from "./walk.js";

export const APOLOGY_TEXT = "Sorry, we are having technical difficulties. Please call again later.";
/** 8x8's documented example voice: the one profile we can count on without knowing the account. */
export const APOLOGY_VOICE = "en-GB-Emma";

/** The last-resort answer: needs nothing from the flow, so it cannot fail. */
export function builtInApology(): CallflowAction[] {
  return [{ action: "say", params: { text: APOLOGY_TEXT, voiceProfile: APOLOGY_VOICE } }, { action: "hangup" }];
}

/**
 * What to answer when anything failed during a live call: the flow's `onError` chain when it renders to an ending
 * (transfer/hangup), else the built-in apology. A chain that stops at a menu or ask is not used: nothing would
 * record the session as waiting there, so the caller's input could never be understood. Never throws.
 */
export function fallbackActions(
  machine: CompiledMachine | undefined,
  session: Session | undefined,
  now: Date,
): CallflowAction[] {
  return fallbackStep(machine, session, now).actions;
}

/** `fallbackActions` with the flow states it rendered (none for the built-in apology), for metrics and coverage. */
export function fallbackStep(
  machine: CompiledMachine | undefined,
  session: Session | undefined,
  now: Date,
): { actions: CallflowAction[]; visited: string[] } {
  try {
    if (machine?.onError) {
      const draft = draftOf(session, machine.onError, now);
      if (walkFrom(machine, draft, machine.onError) === "ended")
        return { actions: draft.actions, visited: draft.visited };
    }
  } catch {
    // The flow itself is what failed: fall back to the apology that needs nothing from it.
  }
  return { actions: builtInApology(), visited: [] };
}
