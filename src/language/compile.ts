/**
 * YAML data (already schema-valid and checked) -> CompiledMachine: defaults resolved, templates pre-split,
 * schedules as minute ranges per weekday, capture parameters in 8x8's units (milliseconds).
 */
import type {
  BodyTemplate,
  Capture,
  CompiledInput,
  CompiledMachine,
  CompiledService,
  CompiledState,
  Condition,
  FetchState,
  HttpMethod,
  KeyTarget,
  Message,
  Template,
} from "../engine/machine.js";
import { DEFAULT_DIGIT_TIMEOUT, DEFAULT_TIMEOUT, MAX_DIGITS } from "./checker.js";
import { asObject, type Obj } from "./model.js";
import { mergeRanges, parseDaySpec, parseTimeRange } from "./schedule.js";
import { fetchTimeoutMs } from "./services.js";
import { parseTemplate } from "./templates.js";
import { versionOf } from "./version.js";

/** 8x8's documented example voice; used when neither the state nor `defaults` names one. */
export const DEFAULT_VOICE_PROFILE = "en-GB-Emma";
export const DEFAULT_ATTEMPTS = 3;

interface Defaults {
  voiceProfile: string;
  timeout: number;
  digitTimeout: number;
  attempts: number;
}

export function compileFlow(data: unknown, source?: string): CompiledMachine {
  const raw = data as Obj;
  const rawDefaults = asObject(raw.defaults) ?? {};
  const defaults: Defaults = {
    voiceProfile: (rawDefaults.voiceProfile as string | undefined) ?? DEFAULT_VOICE_PROFILE,
    timeout: (rawDefaults.timeout as number | undefined) ?? DEFAULT_TIMEOUT,
    digitTimeout: (rawDefaults.digitTimeout as number | undefined) ?? DEFAULT_DIGIT_TIMEOUT,
    attempts: (rawDefaults.attempts as number | undefined) ?? DEFAULT_ATTEMPTS,
  };
  const keys: Record<string, KeyTarget> = {};
  for (const [key, target] of Object.entries(asObject(raw.keys) ?? {})) {
    keys[key] = target === "repeat" ? { repeat: true } : target === "back" ? { back: true } : { goto: String(target) };
  }
  const globalKeys: GlobalKeys = {
    shortest: Math.min(...Object.keys(keys).map((k) => k.length)),
    longest: Math.max(0, ...Object.keys(keys).map((k) => k.length)),
    hasHash: Object.keys(keys).some((k) => k.includes("#")),
  };
  const services = asObject(raw.services) ?? {};
  const states: Record<string, CompiledState> = {};
  const sensitive = new Set<string>();
  for (const [id, value] of Object.entries(raw.states as Obj)) {
    const state = compileState(value as Obj, defaults, globalKeys, services);
    if (state.kind === "ask" && state.sensitive) sensitive.add(state.into);
    if (state.kind === "fetch") for (const name of state.sensitive) sensitive.add(name);
    states[id] = state;
  }
  const inputs = compileInputs(asObject(raw.inputs) ?? {});
  for (const [name, input] of Object.entries(inputs)) if (input.sensitive) sensitive.add(name);
  const secrets = [...new Set((raw.secrets as string[] | undefined) ?? [])].sort();
  // The integration keys are left out when empty, so flows without them keep their versions.
  const machine: Omit<CompiledMachine, "version"> = {
    flow: raw.flow as string,
    ...(typeof raw.description === "string" ? { description: raw.description } : {}),
    numbers: (raw.numbers as string[] | undefined) ?? [],
    start: raw.start as string,
    onError: (raw.onError as string | undefined) ?? null,
    keys,
    states,
    sensitive: [...sensitive].sort(),
    ...(Object.keys(services).length > 0 ? { services: compileServices(services) } : {}),
    ...(secrets.length > 0 ? { secrets } : {}),
    ...(Object.keys(inputs).length > 0 ? { inputs } : {}),
  };
  return { ...machine, version: versionOf(machine), ...(source !== undefined ? { source } : {}) };
}

/** Lengths of the global keys (shortest is Infinity without keys), which every capture must let through. */
interface GlobalKeys {
  shortest: number;
  longest: number;
  hasHash: boolean;
}

function compileState(raw: Obj, defaults: Defaults, globalKeys: GlobalKeys, services: Obj): CompiledState {
  const voiceProfile = (raw.voiceProfile as string | undefined) ?? defaults.voiceProfile;
  const next = raw.next as string;
  if ("say" in raw) return { kind: "say", voiceProfile, messages: messages(raw.say), next };
  if ("play" in raw) return { kind: "play", voiceProfile, url: raw.play as string, next };
  if ("set" in raw) {
    const assign: Record<string, Template> = {};
    for (const [name, value] of Object.entries(raw.set as Obj)) assign[name] = template(String(value));
    return { kind: "set", voiceProfile, assign, next };
  }
  if ("menu" in raw) {
    const menu = raw.menu as Obj;
    const options = { ...(menu.options as Record<string, string>) };
    const longest = Math.max(globalKeys.longest, ...Object.keys(options).map((k) => k.length));
    const hasHashKey = globalKeys.hasHash || Object.keys(options).some((k) => k.includes("#"));
    // Single-key menus end on the first key; longer ones also end on # unless # is itself a key.
    const capture = captureFor(menu, defaults, 1, longest, longest > 1 && !hasHashKey);
    return {
      kind: "menu",
      voiceProfile,
      prompt: template(menu.prompt as string),
      capture,
      attempts: (menu.attempts as number | undefined) ?? defaults.attempts,
      noInput: messages(menu.noInput),
      noMatch: messages(menu.noMatch),
      onExhausted: (menu.onExhausted as string | undefined) ?? null,
      options,
    };
  }
  if ("ask" in raw) {
    const ask = raw.ask as Obj;
    const rawDigits = asObject(ask.digits) ?? {};
    const min = (rawDigits.min as number | undefined) ?? 1;
    const max = (rawDigits.max as number | undefined) ?? MAX_DIGITS;
    const terminator = rawDigits.terminator === "#" ? ("#" as const) : undefined;
    const rawValidate = asObject(ask.validate);
    const validate = rawValidate
      ? {
          ...(typeof rawValidate.pattern === "string" ? { pattern: rawValidate.pattern } : {}),
          ...(rawValidate.luhn === true ? { luhn: true as const } : {}),
          ...(Array.isArray(rawValidate.oneOf) ? { oneOf: rawValidate.oneOf.map(String) } : {}),
        }
      : undefined;
    return {
      kind: "ask",
      voiceProfile,
      prompt: template(ask.prompt as string),
      // Global keys are active in asks too, and 8x8 reports fewer than minDigits digits as nothing at all, so
      // the capture lets the shortest key through (the engine still checks `digits`, as an invalid input) and,
      // like a menu's, is long enough for the longest.
      capture: captureFor(
        ask,
        defaults,
        Math.min(min, globalKeys.shortest),
        Math.max(max, globalKeys.longest),
        terminator === "#",
      ),
      attempts: (ask.attempts as number | undefined) ?? defaults.attempts,
      noInput: messages(ask.noInput),
      onExhausted: (ask.onExhausted as string | undefined) ?? null,
      into: ask.into as string,
      digits: { min, max, ...(terminator ? { terminator } : {}) },
      ...(validate ? { validate } : {}),
      invalid: messages(ask.invalid),
      sensitive: ask.sensitive === true,
      next: ask.next as string,
    };
  }
  if ("branch" in raw) {
    const items = raw.branch as Obj[];
    // biome-ignore lint/suspicious/noThenProperty: `then` is a field of the compiled format (src/engine/machine.ts)
    const cases = items.filter((i) => "if" in i).map((i) => ({ if: condition(i.if), then: i.then as string }));
    const otherwise = items.find((i) => "else" in i)?.else as string;
    return { kind: "branch", voiceProfile, cases, else: otherwise };
  }
  if ("hours" in raw) {
    const hours = raw.hours as Obj;
    const open: [number, number][][] = [[], [], [], [], [], [], []];
    for (const [spec, value] of Object.entries(hours.open as Obj)) {
      const days = parseDaySpec(spec);
      const ranges = (Array.isArray(value) ? value : [value]).map((r) => parseTimeRange(String(r)));
      if (!days.ok) continue;
      for (const day of days.value) for (const r of ranges) if (r.ok) open[day]!.push(r.value);
    }
    return {
      kind: "hours",
      voiceProfile,
      timezone: hours.timezone as string,
      open: open.map(mergeRanges),
      closedOn: [...new Set((hours.closedOn as string[] | undefined) ?? [])].sort(),
      // biome-ignore lint/suspicious/noThenProperty: `then` is a field of the compiled format
      then: hours.then as string,
      else: hours.else as string,
    };
  }
  if ("fetch" in raw) return compileFetch(raw.fetch as Obj, voiceProfile, services);
  if ("transfer" in raw) {
    const transfer = raw.transfer as Obj;
    return {
      kind: "transfer",
      voiceProfile,
      ...result(transfer),
      to: transfer.to as string,
      ...(typeof transfer.callerId === "string" ? { callerId: transfer.callerId } : {}),
      record: transfer.record === true,
      say: messages(transfer.say),
    };
  }
  const hangup = asObject(raw.hangup) ?? {};
  return { kind: "hangup", voiceProfile, ...result(hangup), say: messages(hangup.say) };
}

function result(ending: Obj): { result?: string } {
  return typeof ending.result === "string" ? { result: ending.result } : {};
}

function compileFetch(fetch: Obj, voiceProfile: string, services: Obj): FetchState {
  const query: Record<string, Template> = {};
  for (const [name, value] of Object.entries(asObject(fetch.query) ?? {})) query[name] = template(String(value));
  const into: Record<string, (string | number)[]> = {};
  for (const [name, path] of Object.entries(asObject(fetch.into) ?? {})) {
    // an array index is a number; any other part (including "01") is a key
    into[name] = String(path)
      .split(".")
      .map((part) => (/^(0|[1-9][0-9]*)$/.test(part) ? Number(part) : part));
  }
  const body = asObject(fetch.body);
  return {
    kind: "fetch",
    voiceProfile,
    service: fetch.service as string,
    method: (fetch.method as HttpMethod | undefined) ?? "GET",
    path: template((fetch.path as string | undefined) ?? ""),
    query,
    ...(body ? { body: bodyObject(body) } : {}),
    timeoutMs: fetchTimeoutMs(fetch, services),
    hold: messages(fetch.say),
    into,
    sensitive: [...new Set((fetch.sensitive as string[] | undefined) ?? [])].sort(),
    on: { ...(fetch.on as Record<string, string> | undefined) },
    next: fetch.next as string,
    onError: (fetch.onError as string | undefined) ?? null,
  };
}

function bodyObject(value: Obj): Record<string, BodyTemplate> {
  const object: Record<string, BodyTemplate> = {};
  for (const [key, item] of Object.entries(value)) object[key] = bodyTemplate(item);
  return object;
}

function bodyTemplate(value: unknown): BodyTemplate {
  if (typeof value === "string") return { text: template(value) };
  if (Array.isArray(value)) return { list: value.map(bodyTemplate) };
  if (value !== null && typeof value === "object") return { object: bodyObject(value as Obj) };
  return { value: value as number | boolean | null };
}

function compileServices(services: Obj): Record<string, CompiledService> {
  const compiled: Record<string, CompiledService> = {};
  for (const [name, value] of Object.entries(services)) {
    const service = value as Obj;
    const headers: CompiledService["headers"] = {};
    for (const [header, text] of Object.entries(asObject(service.headers) ?? {})) {
      // the checker allows only literal text and secrets in headers
      headers[header] = parseTemplate(String(text)).parts.filter(
        (part): part is string | { secret: string } => typeof part === "string" || "secret" in part,
      );
    }
    compiled[name] = {
      url: service.url as string,
      headers,
      timeoutMs: fetchTimeoutMs({ service: name }, services),
    };
  }
  return compiled;
}

function compileInputs(inputs: Obj): Record<string, CompiledInput> {
  const compiled: Record<string, CompiledInput> = {};
  for (const [name, value] of Object.entries(inputs)) {
    const input = asObject(value) ?? {};
    compiled[name] = {
      required: input.required === true,
      sensitive: input.sensitive === true,
      ...(typeof input.pattern === "string" ? { pattern: input.pattern } : {}),
    };
  }
  return compiled;
}

/**
 * 8x8 wants an overall time for the whole input, the YAML gives the wait for the first digit (`timeout`) and
 * between digits (`digitTimeout`). Overall = timeout + digitTimeout for each further key (and for the # that
 * may end it), so a slow but steady caller is never cut off; it always exceeds digitTimeout, as 8x8 requires.
 */
function captureFor(
  own: Obj,
  defaults: Defaults,
  minDigits: number,
  maxDigits: number,
  completeOnHash: boolean,
): Capture {
  const timeout = (own.timeout as number | undefined) ?? defaults.timeout;
  const digitTimeout = (own.digitTimeout as number | undefined) ?? defaults.digitTimeout;
  const furtherKeys = maxDigits - 1 + (completeOnHash ? 1 : 0);
  const digitTimeoutMs = Math.round(digitTimeout * 1000);
  const overallTimeoutMs = Math.max(Math.round(timeout * 1000) + furtherKeys * digitTimeoutMs, digitTimeoutMs + 1);
  return { minDigits, maxDigits, completeOnHash, digitTimeoutMs, overallTimeoutMs };
}

function template(text: string): Template {
  return parseTemplate(text).template;
}

function messages(value: unknown): Message[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map(
    (item): Message => (typeof item === "string" ? { say: template(item) } : { play: (item as Obj).play as string }),
  );
}

function condition(raw: unknown): Condition {
  const c = raw as Obj;
  if ("all" in c) return { all: (c.all as unknown[]).map(condition) };
  if ("any" in c) return { any: (c.any as unknown[]).map(condition) };
  if ("not" in c) return { not: condition(c.not) };
  const name = c.var as string;
  if ("equals" in c) return { var: name, equals: String(c.equals) };
  if ("matches" in c) return { var: name, matches: c.matches as string };
  if ("in" in c) return { var: name, in: (c.in as unknown[]).map(String) };
  if ("lessThan" in c) return { var: name, lessThan: c.lessThan as number };
  if ("atMost" in c) return { var: name, atMost: c.atMost as number };
  if ("greaterThan" in c) return { var: name, greaterThan: c.greaterThan as number };
  if ("atLeast" in c) return { var: name, atLeast: c.atLeast as number };
  return { var: name, exists: c.exists === true };
}
