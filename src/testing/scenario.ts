/**
 * Scenario files: scripted calls through a flow, kept next to the flows (`flows/<flow>.test.yaml`) and run by
 * `ivr test` and by `npm test`. The format is documented in docs/testing.md; its JSON Schema is
 * schema/scenario.schema.json (editors complete it through the yaml-language-server modeline).
 *
 * Loading happens in the CLI and in tests only, so parsing YAML and compiling the schema here costs nothing on
 * the Lambda path.
 */
import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject } from "ajv";
import scenarioSchema from "../../schema/scenario.schema.json" with { type: "json" };
import type { CompiledMachine } from "../engine/machine.js";
import type { ServiceStub } from "../integration/stubs.js";
import type { Diagnostic } from "../language/diagnostics.js";
import { parseFlowYaml } from "../language/parse.js";
import { pointerToPath } from "../language/schema.js";
import { didYouMeanHint } from "../language/suggest.js";

/** Text the caller must (or must not) hear: a substring, or a regular expression written /like this/i. */
export type TextMatcher = { text: string } | { regex: RegExp };

/** A request the flow must have made while answering the latest input (only the keys given are compared). */
export interface RequestExpectation {
  service?: string;
  method?: string;
  path?: string;
  query?: Record<string, string>;
  body?: unknown;
}

export interface Expectation {
  /** the requests made while answering the latest input, in order */
  requests?: RequestExpectation[];
  hears?: TextMatcher[];
  notHears?: TextMatcher[];
  plays?: string;
  action?: "capture" | "transfer" | "hangup";
  transferTo?: string;
  recorded?: boolean;
  state?: string;
  vars?: Record<string, string | null>;
  ended?: boolean;
}

export type Step =
  | { kind: "press"; digits: string; line: number }
  | { kind: "silence"; line: number }
  | { kind: "hangup"; line: number }
  /** the next event finds the session store failing: `store` its read, `store-write` its write */
  | { kind: "fault"; fault: "store" | "store-write"; line: number }
  | { kind: "expect"; expect: Expectation; line: number };

export interface SummaryExpectation {
  status: string;
  finalState?: string;
  path?: string[];
  vars?: Record<string, string | null>;
}

/** Expectations on the `Call Completed` event the call produced: any of its fields, matched as a subset. */
export type EventExpectation = Record<string, unknown>;

export interface Scenario {
  file: string;
  line: number;
  flow: string;
  name: string;
  /** default: see DialOptions (depends on the direction) */
  caller?: string;
  called?: string;
  direction?: "inbound" | "outbound";
  at?: Date;
  /** stubbed services for this call (the scenario's, then the file's defaults) */
  services?: ServiceStub[];
  /** values for the flow's inputs (defaults' merged with the scenario's): the call is placed outbound */
  inputs?: Record<string, string>;
  steps: Step[];
  /** send a VSS at the end (also sent by a `hangup` step) and check what was stored */
  summary?: SummaryExpectation;
  /** the Call Completed event the summary produced (the summary is sent at the end if no step sent it) */
  event?: EventExpectation;
}

export interface ScenarioFile {
  file: string;
  flow: string;
  scenarios: Scenario[];
  diagnostics: Diagnostic[];
}

/** `services:` as written: service -> a stub or a list of stubs (delay in seconds). */
type RawServices = Record<string, RawStub | RawStub[]>;
type RawStub = Omit<ServiceStub, "service" | "delayMs"> & { delay?: number };

interface RawScenario {
  name: string;
  caller?: string;
  called?: string;
  direction?: "inbound" | "outbound";
  at?: string;
  services?: RawServices;
  inputs?: Record<string, string>;
  steps: unknown[];
  summary?: boolean | { status?: string; finalState?: string; path?: string[]; vars?: Record<string, string | null> };
  event?: EventExpectation;
}

interface RawFile {
  flow: string;
  defaults?: { caller?: string; called?: string; at?: string; services?: RawServices; inputs?: Record<string, string> };
  scenarios: RawScenario[];
}

let validateRaw: ReturnType<Ajv["compile"]> | undefined;

/** Reads and checks a scenario file; with `machines`, the flow and every state it names must exist. */
export function loadScenarioFile(file: string, machines?: readonly CompiledMachine[]): ScenarioFile {
  return parseScenarioFile(readFileSync(file, "utf8"), file, machines);
}

export function parseScenarioFile(text: string, file: string, machines?: readonly CompiledMachine[]): ScenarioFile {
  const parsed = parseFlowYaml(text, file);
  const empty = { file, flow: "", scenarios: [] };
  if (parsed.diagnostics.some((d) => d.severity === "error")) return { ...empty, diagnostics: parsed.diagnostics };

  validateRaw ??= new Ajv({ allErrors: true, strict: false, verbose: true }).compile(scenarioSchema);
  if (!validateRaw(parsed.data)) {
    const diagnostics = schemaDiagnostics(
      validateRaw.errors ?? [],
      parsed.data,
      (path, which) => parsed.locator.place(path, which),
      file,
    );
    return { ...empty, diagnostics };
  }
  const raw = parsed.data as RawFile;
  const diagnostics: Diagnostic[] = [];
  const scenarios = raw.scenarios.map((s, i) => {
    const at = s.at ?? raw.defaults?.at;
    const when = at === undefined ? undefined : new Date(at);
    if (when && Number.isNaN(when.getTime())) {
      const place = parsed.locator.place(s.at === undefined ? ["defaults", "at"] : ["scenarios", i, "at"]);
      diagnostics.push({ file, ...place, severity: "error", rule: "scenario", message: `'${at}' is not a date-time` });
    }
    const steps = s.steps.map((step, j) => toStep(step, parsed.locator.place(["scenarios", i, "steps", j]).line));
    for (const [j, step] of steps.entries()) {
      if (step.kind !== "expect") continue;
      for (const m of [...(step.expect.hears ?? []), ...(step.expect.notHears ?? [])]) {
        if ("text" in m && m.text.startsWith("/") && invalidRegex(m.text)) {
          const place = parsed.locator.place(["scenarios", i, "steps", j]);
          diagnostics.push({ file, ...place, severity: "error", rule: "scenario", message: invalidRegex(m.text)! });
        }
      }
    }
    return {
      file,
      line: parsed.locator.place(["scenarios", i]).line,
      flow: raw.flow,
      name: s.name,
      ...((s.caller ?? raw.defaults?.caller) !== undefined && { caller: s.caller ?? raw.defaults?.caller }),
      ...((s.called ?? raw.defaults?.called) !== undefined && { called: s.called ?? raw.defaults?.called }),
      ...(s.direction !== undefined && { direction: s.direction }),
      ...(when !== undefined && { at: when }),
      ...((s.services ?? raw.defaults?.services) !== undefined && {
        services: [...toStubs(s.services), ...toStubs(raw.defaults?.services)],
      }),
      ...((s.inputs ?? raw.defaults?.inputs) !== undefined && { inputs: { ...raw.defaults?.inputs, ...s.inputs } }),
      steps,
      ...(s.summary !== undefined && s.summary !== false && { summary: toSummary(s.summary) }),
      ...(s.event !== undefined && { event: s.event }),
    } satisfies Scenario;
  });
  if (machines) diagnostics.push(...referenceDiagnostics(raw, machines, (path) => parsed.locator.place(path), file));
  return { file, flow: raw.flow, scenarios, diagnostics };
}

/** A scenario that names a flow or state that does not exist would only fail at run time, and less clearly. */
function referenceDiagnostics(
  raw: RawFile,
  machines: readonly CompiledMachine[],
  place: (path: (string | number)[]) => { line: number; col: number },
  file: string,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const unknown = (path: (string | number)[], what: string, name: string, known: string[]) => {
    const hint = didYouMeanHint(name, known);
    out.push({
      file,
      ...place(path),
      severity: "error",
      rule: "scenario-reference",
      message: `unknown ${what} '${name}'`,
      ...(hint !== undefined && { hint }),
    });
  };
  const machine = machines.find((m) => m.flow === raw.flow);
  if (!machine) {
    unknown(
      ["flow"],
      "flow",
      raw.flow,
      machines.map((m) => m.flow),
    );
    return out;
  }
  const states = Object.keys(machine.states);
  const checkState = (path: (string | number)[], name: string) => {
    if (!Object.hasOwn(machine.states, name)) unknown(path, "state", name, states);
  };
  const services = Object.keys(machine.services ?? {});
  const checkServices = (path: (string | number)[], stubs: RawServices | undefined) => {
    for (const name of Object.keys(stubs ?? {})) {
      if (!services.includes(name)) unknown([...path, name], "service", name, services);
    }
  };
  checkServices(["defaults", "services"], raw.defaults?.services);
  const inputs = Object.keys(machine.inputs ?? {});
  const checkInputs = (path: (string | number)[], given: Record<string, string> | undefined) => {
    for (const name of Object.keys(given ?? {})) {
      if (!inputs.includes(name)) unknown([...path, name], "input", name, inputs);
    }
  };
  checkInputs(["defaults", "inputs"], raw.defaults?.inputs);
  for (const [i, s] of raw.scenarios.entries()) {
    checkServices(["scenarios", i, "services"], s.services);
    checkInputs(["scenarios", i, "inputs"], s.inputs);
    for (const [j, step] of s.steps.entries()) {
      const state = (step as { state?: unknown } | null)?.state;
      if (typeof state === "string") checkState(["scenarios", i, "steps", j, "state"], state);
      const requests = (step as { requests?: unknown } | null)?.requests;
      for (const [k, request] of (Array.isArray(requests) ? requests : []).entries()) {
        const name = (request as { service?: unknown }).service;
        if (typeof name === "string" && !services.includes(name)) {
          unknown(["scenarios", i, "steps", j, "requests", k, "service"], "service", name, services);
        }
      }
    }
    if (typeof s.event?.outcomeState === "string") {
      checkState(["scenarios", i, "event", "outcomeState"], s.event.outcomeState);
    }
    if (typeof s.summary === "object") {
      if (s.summary.finalState !== undefined)
        checkState(["scenarios", i, "summary", "finalState"], s.summary.finalState);
      for (const [k, name] of (s.summary.path ?? []).entries())
        checkState(["scenarios", i, "summary", "path", k], name);
    }
  }
  return out;
}

function toStep(step: unknown, line: number): Step {
  if (step === "silence") return { kind: "silence", line };
  if (step === "hangup") return { kind: "hangup", line };
  const s = step as Record<string, unknown>;
  if (typeof s.press === "string") return { kind: "press", digits: s.press, line };
  if (s.fault === "store" || s.fault === "store-write") return { kind: "fault", fault: s.fault, line };
  const expect: Expectation = { ...(s as Expectation) };
  if (s.hears !== undefined) expect.hears = toMatchers(s.hears as string | string[]);
  if (s.notHears !== undefined) expect.notHears = toMatchers(s.notHears as string | string[]);
  return { kind: "expect", expect, line };
}

function toSummary(summary: true | { status?: string }): SummaryExpectation {
  return summary === true ? { status: "COMPLETED" } : { status: "COMPLETED", ...summary };
}

/** The stubs of one `services:` block, in order, service by service. */
function toStubs(services: RawServices | undefined): ServiceStub[] {
  const stubs: ServiceStub[] = [];
  for (const [service, value] of Object.entries(services ?? {})) {
    for (const { delay, ...rest } of Array.isArray(value) ? value : [value]) {
      stubs.push({ service, ...rest, ...(delay !== undefined && { delayMs: Math.round(delay * 1000) }) });
    }
  }
  return stubs;
}

const REGEX_LITERAL = /^\/(.+)\/([dgimsuy]*)$/s;

function toMatchers(value: string | string[]): TextMatcher[] {
  return (Array.isArray(value) ? value : [value]).map((text) => {
    const m = REGEX_LITERAL.exec(text);
    if (!m || invalidRegex(text)) return { text };
    return { regex: new RegExp(m[1]!, m[2]) };
  });
}

function invalidRegex(text: string): string | undefined {
  const m = REGEX_LITERAL.exec(text);
  if (!m) return undefined;
  try {
    new RegExp(m[1]!, m[2]);
    return undefined;
  } catch (err) {
    return `invalid regular expression ${text}: ${(err as Error).message}`;
  }
}

const STEP_FORMS =
  'a step is one of `press: "<keys>"`, `silence`, `hangup`, `fault: store|store-write`, or expectations (hears, notHears, plays, action, transferTo, recorded, state, vars, ended, requests)';

/** What a step may be, from the schema's own forms: its keys, and the steps written as a word (silence, hangup). */
const STEP_WORDS = (() => {
  const forms = (scenarioSchema.definitions.step as { oneOf: { properties?: object; enum?: string[] }[] }).oneOf;
  return {
    keys: forms.flatMap((form) => Object.keys(form.properties ?? {})),
    words: forms.flatMap((form) => form.enum ?? []),
  };
})();

type Place = (path: (string | number)[], which?: "key" | "value") => { line: number; col: number };

/** One message per offending place; a step that fits none of its forms gets a single readable message. */
function schemaDiagnostics(errors: ErrorObject[], data: unknown, place: Place, file: string): Diagnostic[] {
  const out = new Map<string, Diagnostic>();
  for (const err of errors) {
    const path = pointerToPath(err.instancePath);
    const stepAt = path.indexOf("steps");
    const isStep = stepAt >= 0 && path.length >= stepAt + 2;
    const where = isStep ? path.slice(0, stepAt + 2) : path;
    const key = where.join("/");
    if (out.has(key) && isStep) continue;
    const diagnostic = isStep ? stepDiagnostic(valueAt(data, where), where, place) : keyDiagnostic(err, path, place);
    out.set(key + (isStep ? "" : `#${out.size}`), { file, severity: "error", rule: "scenario", ...diagnostic });
  }
  return [...out.values()];
}

type Found = { line: number; col: number; message: string; hint?: string };

/** A step that fits none of its forms: a mistyped key or word gets a did-you-mean, at the key. */
function stepDiagnostic(step: unknown, path: (string | number)[], place: Place): Found {
  if (typeof step === "string") {
    const hint = didYouMeanHint(step, STEP_WORDS.words);
    return { ...place(path), message: `unknown step '${step}'`, hint: hint ?? STEP_FORMS };
  }
  const unknown =
    step !== null && typeof step === "object" ? Object.keys(step).find((k) => !STEP_WORDS.keys.includes(k)) : undefined;
  if (unknown === undefined) return { ...place(path), message: STEP_FORMS };
  const hint = didYouMeanHint(unknown, STEP_WORDS.keys);
  return { ...place([...path, unknown], "key"), message: `unknown step key '${unknown}'`, hint: hint ?? STEP_FORMS };
}

/** Anything else; an unknown key gets a did-you-mean among the keys allowed there, at the key. */
function keyDiagnostic(err: ErrorObject, path: (string | number)[], place: Place): Found {
  if (err.keyword !== "additionalProperties") return { ...place(path), message: describeError(err) };
  const name = (err.params as { additionalProperty: string }).additionalProperty;
  const allowed = Object.keys((err.parentSchema as { properties?: object } | undefined)?.properties ?? {});
  const hint = didYouMeanHint(name, allowed);
  return { ...place([...path, name], "key"), message: describeError(err), ...(hint && { hint }) };
}

function valueAt(data: unknown, path: readonly (string | number)[]): unknown {
  let value = data;
  for (const part of path) value = (value as Record<string | number, unknown> | undefined)?.[part];
  return value;
}

function describeError(err: ErrorObject): string {
  const at = err.instancePath === "" ? "the file" : err.instancePath.slice(1).replaceAll("/", ".");
  if (err.keyword === "additionalProperties") {
    return `${at}: unknown key '${(err.params as { additionalProperty: string }).additionalProperty}'`;
  }
  if (err.keyword === "required") {
    return `${at}: '${(err.params as { missingProperty: string }).missingProperty}' is required`;
  }
  return `${at} ${err.message ?? "is not valid"}`;
}
