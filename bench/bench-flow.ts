/** The benchmark's flow (bench/flows/bench-line.yaml), compiled the way the build does, and its call script. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CompiledMachine } from "../src/engine/machine.js";
import { compileFlowSource, formatDiagnostics, hasErrors } from "../src/language/index.js";

export const BENCH_FLOWS_DIR = join(import.meta.dirname, "flows");
export const BENCH_FLOW_FILE = join(BENCH_FLOWS_DIR, "bench-line.yaml");
/** a valid account number for the flow's validated ask, with the terminator 8x8 reports */
export const ACCOUNT_ENTRY = "12345678#";

export function compileBenchFlow(): CompiledMachine {
  const text = readFileSync(BENCH_FLOW_FILE, "utf8");
  const { machine, diagnostics } = compileFlowSource(text, BENCH_FLOW_FILE);
  if (!machine || hasErrors(diagnostics)) {
    throw new Error(`bench flow does not compile:\n${formatDiagnostics(diagnostics, { [BENCH_FLOW_FILE]: text })}`);
  }
  return machine;
}

/**
 * The keys a caller presses in a call of `events` VCA events (the first event, CALL_RECEIVED, presses nothing):
 * account number entries ("1", then the number) and news (one "2") in turn, then "3" to hang up. Every entry
 * advances the session, so a finished call has exactly `events` transitions. Needs events >= 2.
 */
export function callScript(events: number): string[] {
  if (events < 2) throw new Error("a benchmark call needs at least 2 events (CALL_RECEIVED and the hang-up)");
  const keys: string[] = [];
  let remaining = events - 2;
  let account = true;
  while (remaining > 0) {
    if (account && remaining >= 2) {
      keys.push("1", ACCOUNT_ENTRY);
      remaining -= 2;
    } else {
      keys.push("2");
      remaining -= 1;
    }
    account = !account;
  }
  keys.push("3");
  return keys;
}
