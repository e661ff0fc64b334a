import type { AskState, CompiledMachine } from "./machine.js";
import { cachedPattern } from "./patterns.js";

export type AskVerdict = { ok: true } | { ok: false; reason: "digits" | "pattern" | "luhn" | "oneOf" };

/**
 * Checks what the caller keyed into an `ask` (terminator already removed): the digit count first, then every
 * `validate` rule present (all must hold).
 */
export function checkAskInput(machine: CompiledMachine, state: AskState, value: string): AskVerdict {
  if (value.length < state.digits.min || value.length > state.digits.max) return { ok: false, reason: "digits" };
  const rules = state.validate;
  if (!rules) return { ok: true };
  if (rules.pattern !== undefined && !cachedPattern(machine, rules.pattern).test(value)) {
    return { ok: false, reason: "pattern" };
  }
  if (rules.luhn && !luhnValid(value)) return { ok: false, reason: "luhn" };
  if (rules.oneOf && !rules.oneOf.includes(value)) return { ok: false, reason: "oneOf" };
  return { ok: true };
}

/** The Luhn (mod 10) check used by card and many account numbers. Non-digits or fewer than two digits fail. */
export function luhnValid(value: string): boolean {
  if (!/^[0-9]{2,}$/.test(value)) return false;
  let sum = 0;
  for (let i = 0; i < value.length; i++) {
    let digit = value.charCodeAt(value.length - 1 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}
