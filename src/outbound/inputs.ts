/**
 * Per-call inputs of an outbound call (a flow's `inputs:`), checked before anything is stored or dialled. Pure:
 * `ivr dial`, `ivr replay`, `ivr call`, `/local/dial`, scenario files and campaign contacts all use this one check,
 * and `renderOutboundStart` runs it again so no path can skip it.
 *
 * Messages name the input and the rule, never the value: a value may be a PIN or a patient's name.
 */
import type { CompiledMachine } from "../engine/machine.js";
import { cachedPattern } from "../engine/patterns.js";

export type InputProblemKind = "missing" | "pattern" | "unknown";

export interface InputProblem {
  input: string;
  kind: InputProblemKind;
  message: string;
}

export type InputsCheck =
  | { ok: true; inputs: Record<string, string> }
  | { ok: false; problems: InputProblem[]; inputs?: undefined };

/** Refused inputs: `problems` lists every one (not just the first), each message free of values. */
export class InputsError extends Error {
  override readonly name = "InputsError";
  constructor(
    readonly flow: string,
    readonly problems: readonly InputProblem[],
  ) {
    super(`flow ${flow}: ${problems.map((p) => p.message).join("; ")}`);
  }
}

/**
 * The inputs as the session will hold them: every declared input, "" for an optional one not given. Refuses a
 * required input missing or empty, a value not matching its pattern (an empty optional value is not tested), and
 * a name the flow does not declare (a typo would otherwise be dropped silently).
 */
export function checkInputs(machine: CompiledMachine, given: Readonly<Record<string, string>>): InputsCheck {
  const declared = machine.inputs ?? {};
  const problems: InputProblem[] = [];
  const names = Object.keys(declared);
  for (const name of Object.keys(given)) {
    if (Object.hasOwn(declared, name)) continue;
    // The list of inputs (a handful) is the hint; the language's did-you-mean stays out of the Lambda bundles.
    const known = names.length > 0 ? `its inputs: ${names.join(", ")}` : "it declares no inputs";
    problems.push({
      input: name,
      kind: "unknown",
      message: `'${name}' is not an input of flow ${machine.flow} (${known})`,
    });
  }
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(declared)) {
    const value = Object.hasOwn(given, name) ? (given[name] ?? "") : "";
    if (value === "") {
      if (spec.required) problems.push({ input: name, kind: "missing", message: `input '${name}' is required` });
    } else if (spec.pattern !== undefined && !cachedPattern(machine, spec.pattern).test(value)) {
      problems.push({
        input: name,
        kind: "pattern",
        message: `input '${name}' does not match its pattern ${spec.pattern}`,
      });
    }
    inputs[name] = value;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, inputs };
}

/** checkInputs, throwing InputsError when refused. */
export function requireInputs(
  machine: CompiledMachine,
  given: Readonly<Record<string, string>>,
): Record<string, string> {
  const checked = checkInputs(machine, given);
  if (!checked.ok) throw new InputsError(machine.flow, checked.problems);
  return checked.inputs;
}

/** Names of the inputs declared sensitive: never logged, masked in summaries and campaign results. */
export function sensitiveInputs(machine: CompiledMachine): string[] {
  return Object.entries(machine.inputs ?? {})
    .filter(([, spec]) => spec.sensitive)
    .map(([name]) => name);
}

/** `["patient=Ann Lee", "time=10:30"]` -> { patient: "Ann Lee", time: "10:30" }: `--var` as the CLI takes it. */
export function parseVarArgs(args: readonly string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq).trim() : "";
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new Error(`--var expects name=value (a variable name, then =), got '${eq > 0 ? `${name}=...` : arg}'`);
    }
    if (Object.hasOwn(vars, name)) throw new Error(`--var ${name} is given twice`);
    vars[name] = arg.slice(eq + 1);
  }
  return vars;
}

/** "patient (required), time, pin (required, sensitive, pattern ^[0-9]{4}$)": for usage and error messages. */
export function describeInputs(machine: CompiledMachine): string {
  const entries = Object.entries(machine.inputs ?? {});
  if (entries.length === 0) return "none";
  return entries
    .map(([name, spec]) => {
      const notes = [
        spec.required && "required",
        spec.sensitive && "sensitive",
        spec.pattern !== undefined && `pattern ${spec.pattern}`,
      ].filter(Boolean);
      return notes.length > 0 ? `${name} (${notes.join(", ")})` : name;
    })
    .join(", ");
}
