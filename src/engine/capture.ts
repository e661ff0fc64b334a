import type { AskState, CompiledMachine, KeyTarget, MenuState, Message } from "./machine.js";
import { checkAskInput } from "./validation.js";

/** What the caller's input to a menu or ask means. `on` is the edge label (see StepResult.edges). */
export type InputOutcome =
  | { kind: "goto"; to: string; on: string; assign?: { name: string; value: string } }
  | { kind: "repeat"; on: string }
  | { kind: "back"; on: string }
  | { kind: "failure"; on: "noInput" | "noMatch" | "invalid"; messages: readonly Message[] };

export interface InterpretedInput {
  /** the input as the flow sees it (terminating `#` removed); "" for no input */
  input: string;
  outcome: InputOutcome;
}

/**
 * Interprets a capture result for the state that asked for it.
 * - null (8x8 captured nothing) or nothing but the terminator: no input.
 * - menu: an option first (an option overrides a global key), then a global key, else no match.
 * - ask: input that is exactly a global key is the key (keys are active in every ask); otherwise it is validated.
 * When `#` ends input (completeOnHash), 8x8 may report it with the digits: one trailing `#` is removed, but a
 * menu option or key that is literally "#" still matches first.
 */
export function interpretInput(
  machine: CompiledMachine,
  state: MenuState | AskState,
  digits: string | null,
): InterpretedInput {
  const raw = digits?.trim() ?? "";
  const hashEnds = state.capture.completeOnHash || (state.kind === "ask" && state.digits.terminator === "#");
  const input = hashEnds && raw.endsWith("#") ? raw.slice(0, -1) : raw;
  const noInput: InterpretedInput = { input, outcome: { kind: "failure", on: "noInput", messages: state.noInput } };

  if (state.kind === "menu") {
    for (const candidate of raw === input ? [raw] : [raw, input]) {
      const option = Object.hasOwn(state.options, candidate) ? state.options[candidate] : undefined;
      if (option !== undefined) return { input: candidate, outcome: { kind: "goto", to: option, on: candidate } };
      const key = globalKey(machine, candidate);
      if (key) return { input: candidate, outcome: key };
    }
    if (input === "") return noInput;
    return { input, outcome: { kind: "failure", on: "noMatch", messages: state.noMatch } };
  }

  const key = globalKey(machine, raw) ?? globalKey(machine, input);
  if (key) return { input, outcome: key };
  if (input === "") return noInput;
  if (!checkAskInput(machine, state, input).ok) {
    return { input, outcome: { kind: "failure", on: "invalid", messages: state.invalid } };
  }
  return { input, outcome: { kind: "goto", to: state.next, on: "next", assign: { name: state.into, value: input } } };
}

function globalKey(machine: CompiledMachine, digits: string): InputOutcome | undefined {
  if (digits === "" || !Object.hasOwn(machine.keys, digits)) return undefined;
  const target = machine.keys[digits] as KeyTarget;
  const on = `key:${digits}`;
  if ("goto" in target) return { kind: "goto", to: target.goto, on };
  if ("repeat" in target) return { kind: "repeat", on };
  return { kind: "back", on };
}
