import type { CompiledMachine } from "./machine.js";

/**
 * Regexes (ask `validate.pattern`, branch `matches`) arrive as source strings in the compiled machine. Compiling
 * them on every event would put `new RegExp` on the Lambda hot path, so each is compiled once per machine and kept
 * for as long as the machine object lives (a WeakMap: dropping a machine drops its regexes).
 * The regexes have no `g`/`y` flag, so a cached instance carries no state between calls.
 */
const compiled = new WeakMap<CompiledMachine, Map<string, RegExp>>();

export function cachedPattern(machine: CompiledMachine, source: string): RegExp {
  let byMachine = compiled.get(machine);
  if (!byMachine) {
    byMachine = new Map();
    compiled.set(machine, byMachine);
  }
  let regex = byMachine.get(source);
  if (!regex) {
    regex = new RegExp(source);
    byMachine.set(source, regex);
  }
  return regex;
}
