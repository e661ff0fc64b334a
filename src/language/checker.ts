/**
 * The checker: everything the schema cannot say. Runs on the lenient flow view, so it reports its findings even
 * when the schema found problems too (all diagnostics at once, not the first). Rule ids are documented in
 * docs/flow-language.md.
 */
import { MAX_SPEECH_CHARS } from "../engine/templates.js";
import { regexesIn } from "./conditions.js";
import { checkDataFlow } from "./dataflow.js";
import type { Diagnostic, Reporter } from "./diagnostics.js";
import { checkFetchBudget } from "./fetch-budget.js";
import { checkGraph } from "./graph-checks.js";
import { asObject, type FlowView, type Obj, STATE_KINDS, type StateView, viewFlow } from "./model.js";
import type { ParsedFile } from "./parse.js";
import type { JsonPath, Place } from "./positions.js";
import { isCalendarDate, isValidTimeZone, knownTimeZones, parseDaySpec, parseTimeRange } from "./schedule.js";
import { checkFetch, checkServices } from "./services.js";
import { didYouMean, didYouMeanHint } from "./suggest.js";
import { stateTexts, templateOf } from "./texts.js";
import { checkAssignable, isBuiltIn } from "./variables.js";

/** 8x8's limits (Voice API: sayAndCapture maxDigits; the text limit is the engine's MAX_SPEECH_CHARS). */
export const MAX_DIGITS = 25;
export const DEFAULT_TIMEOUT = 5;
export const DEFAULT_DIGIT_TIMEOUT = 3;

const DIGIT_KEYS = /^[0-9*#]+$/;

export function checkFlow(parsed: ParsedFile): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const report: Reporter = (rule, path, message, options = {}) => {
    const place: Place = options.within
      ? parsed.locator.placeWithin(path, options.within)
      : parsed.locator.place(path, options.which ?? "value");
    diagnostics.push({
      file: parsed.file,
      ...place,
      severity: options.severity ?? "error",
      rule,
      message,
      ...(options.hint ? { hint: options.hint } : {}),
    });
  };
  const flow = viewFlow(parsed.data);
  checkKeys(flow, report);
  checkInputs(flow, report);
  checkServices(flow, report);
  checkTimeouts(["defaults"], asObject(flow.raw.defaults), undefined, report);
  for (const state of flow.states) checkState(flow, state, report);
  checkGraph(flow, report);
  checkFetchBudget(flow, report);
  checkDataFlow(flow, report);
  return diagnostics;
}

function checkKeys(flow: FlowView, report: Reporter): void {
  for (const { key, path } of flow.keys) checkDigitKey(key, path, "global key", report);
  const keys = new Map(flow.keys.map((k) => [k.key, k]));
  const longest = Math.max(0, ...flow.keys.map((k) => k.key.length));
  // as the compiler decides completeOnHash: # ends a longer capture unless some key uses it
  const hashIsKey = flow.keys.some((k) => k.key.includes("#"));
  for (const longer of flow.keys) {
    for (const shorter of prefixesIn(longer.key, keys)) {
      report(
        "prefix-key",
        longer.path,
        `global key '${shorter}' is the start of global key '${longer.key}', so every menu takes up to ` +
          `${longest} keys: ${waitAfter(shorter, longest, flow, undefined, hashIsKey)}`,
        { severity: "warning", which: "key", hint: prefixHint(hashIsKey) },
      );
    }
  }
}

/** The keys of `keys` that `key` starts with (shorter than it). */
function prefixesIn(key: string, keys: ReadonlyMap<string, unknown>): string[] {
  const found: string[] = [];
  for (let length = 1; length < key.length; length++) {
    const prefix = key.slice(0, length);
    if (keys.has(prefix)) found.push(prefix);
  }
  return found;
}

/** What a caller goes through when the capture takes up to `longest` keys: a shorter choice waits for more. */
function waitAfter(key: string, longest: number, flow: FlowView, menu: Obj | undefined, hashIsKey: boolean): string {
  const seconds = [menu?.digitTimeout, asObject(flow.raw.defaults)?.digitTimeout].find((v) => typeof v === "number");
  const choices = longest === 2 ? "every one-key choice" : `every choice shorter than ${longest} keys`;
  const wait = `${choices} (such as ${key}) waits ${(seconds as number | undefined) ?? DEFAULT_DIGIT_TIMEOUT} s (digitTimeout) for another key`;
  return hashIsKey ? wait : `${wait}, or for #`;
}

function prefixHint(hashIsKey: boolean): string {
  return hashIsKey
    ? "make no key the start of another (e.g. options 1 to 9 and 0)"
    : "make no key the start of another (e.g. options 1 to 9 and 0), or ask callers to press # after their choice";
}

/** Inputs are variables too: not a built-in's name, and a pattern that compiles. */
function checkInputs(flow: FlowView, report: Reporter): void {
  for (const [name, value] of Object.entries(asObject(flow.raw.inputs) ?? {})) {
    if (isBuiltIn(name)) {
      report("reserved-variable", ["inputs", name], `'${name}' is a built-in variable and cannot be an input`, {
        which: "key",
        hint: "pick another name for the input",
      });
    }
    const pattern = asObject(value)?.pattern;
    if (typeof pattern === "string") checkRegex(pattern, ["inputs", name, "pattern"], report);
  }
}

function checkDigitKey(key: string, path: JsonPath, what: string, report: Reporter): void {
  if (!DIGIT_KEYS.test(key)) {
    report("invalid-digit", path, `${what} '${key}' is not made of phone keys`, {
      which: "key",
      hint: 'keys are the digits 0-9, * and # (quote them in YAML: "*": repeat)',
    });
  } else if (key.length > MAX_DIGITS) {
    report("too-many-digits", path, `${what} '${key}' is longer than ${MAX_DIGITS} digits (8x8's limit)`, {
      which: "key",
    });
  }
}

const NEXT_OWNERS = new Set(["say", "play", "set"]);

function checkState(flow: FlowView, state: StateView, report: Reporter): void {
  // no kind, or several: the schema reported it, and what else to expect is anyone's guess
  if (!state.kind || kindCount(state.raw) > 1) return;
  const body = asObject(state.body);
  // a misspelt `next` is already reported with a did-you-mean
  const misspeltNext = () => Object.keys(state.raw).some((k) => k !== "next" && didYouMean(k, ["next"]) === "next");
  if (NEXT_OWNERS.has(state.kind) && state.raw.next === undefined && !misspeltNext()) {
    report("schema", state.path, `state '${state.id}' (${state.kind}) needs 'next'`, {
      which: "key",
      hint: `add next: <state> beside ${state.kind}:`,
    });
  }
  if (!NEXT_OWNERS.has(state.kind) && state.raw.next !== undefined) {
    const hint =
      state.kind === "ask"
        ? "an ask's next goes inside ask: (it is where valid input goes)"
        : state.kind === "fetch"
          ? "a fetch's next goes inside fetch: (it is where a 2xx response goes)"
          : `${article(state.kind)} ${state.kind} state decides where to go itself`;
    report("schema", [...state.path, "next"], `'next' is not used by ${article(state.kind)} ${state.kind} state`, {
      which: "key",
      hint,
    });
  }
  switch (state.kind) {
    case "menu":
      if (body) checkMenu(flow, state, body, report);
      break;
    case "ask":
      if (body) checkAsk(flow, state, body, report);
      break;
    case "branch":
      checkBranch(state, report);
      break;
    case "set":
      for (const name of Object.keys(body ?? {})) {
        checkAssignable(flow, name, [...state.path, "set", name], "key", report);
      }
      break;
    case "hours":
      if (body) checkHours(state, body, report);
      break;
    case "fetch":
      if (body) checkFetch(flow, state, body, report);
      break;
    default:
      break;
  }
  for (const ref of stateTexts(state)) {
    const parsed = templateOf(ref);
    for (const problem of parsed.problems) {
      report("invalid-template", ref.path, problem.message, {
        within: problem.raw,
        ...(problem.hint ? { hint: problem.hint } : {}),
      });
    }
    for (const secret of parsed.secrets) {
      report("secret-outside-headers", ref.path, `${secret.raw} may appear only in a service's headers`, {
        within: secret.raw,
        hint:
          "anywhere else a secret could be spoken, stored or sent where it leaks; put it in the headers of " +
          "the service that needs it (services: { <name>: { headers: ... } })",
      });
    }
    if (ref.role === "speech" && parsed.literalLength > MAX_SPEECH_CHARS) {
      report(
        "text-too-long",
        ref.path,
        `text is ${parsed.literalLength} characters; 8x8 speaks at most ${MAX_SPEECH_CHARS}`,
        {
          hint:
            parsed.variables.length > 0
              ? "counted without the variables' values, which are only known during the call; split it into a list"
              : "split it into a list of shorter texts (say: [..., ...])",
        },
      );
    }
  }
}

function kindCount(raw: Obj): number {
  let count = 0;
  for (const kind of STATE_KINDS) if (kind in raw) count++;
  return count;
}

function checkCapturePrompt(state: StateView, body: Obj, report: Reporter): void {
  const prompt = asObject(body.prompt);
  if (prompt && "play" in prompt) {
    report(
      "audio-prompt",
      [...state.path, state.kind!, "prompt"],
      `${state.kind === "ask" ? "an ask" : "a menu"} prompt must be text, not audio`,
      {
        hint:
          "8x8 captures digits only during a text-to-speech prompt (sayAndCapture; there is no play-and-capture " +
          "action): play the audio in a `play` state before this one and keep a short text prompt",
      },
    );
  }
}

function checkMenu(flow: FlowView, state: StateView, body: Obj, report: Reporter): void {
  checkCapturePrompt(state, body, report);
  checkTimeouts([...state.path, "menu"], body, asObject(flow.raw.defaults), report);
  checkPrefixOptions(flow, state, body, report);
  for (const digits of Object.keys(asObject(body.options) ?? {})) {
    const path = [...state.path, "menu", "options", digits];
    checkDigitKey(digits, path, "option", report);
    const shadowed = flow.keys.find((k) => k.key === digits)?.target;
    if (shadowed !== undefined) {
      report(
        "shadowed-key",
        path,
        `option '${digits}' overrides the global key '${digits}' (${shadowed}) in this menu`,
        {
          severity: "warning",
          which: "key",
          hint: "pick another key for the option if callers expect the global one here",
        },
      );
    }
  }
}

/**
 * A menu captures as many keys as its longest option or global key, so when one key is the start of another
 * ("1" and "10"), 8x8 cannot tell a finished "1" from the start of "10": it waits for the next key. Pairs of global
 * keys alone are reported once, on `keys`.
 */
function checkPrefixOptions(flow: FlowView, state: StateView, body: Obj, report: Reporter): void {
  const options = Object.keys(asObject(body.options) ?? {});
  if (options.every((o) => o.length === 1) && flow.keys.every((k) => k.key.length === 1)) return;
  const keys = new Map<string, "option" | "global key">(flow.keys.map((k) => [k.key, "global key"]));
  for (const option of options) keys.set(option, "option");
  const hashIsKey = [...keys.keys()].some((k) => k.includes("#"));
  const longest = Math.max(...[...keys.keys()].map((k) => k.length));
  for (const [longer, longerKind] of keys) {
    for (const shorter of prefixesIn(longer, keys)) {
      const shorterKind = keys.get(shorter)!;
      if (shorterKind === "global key" && longerKind === "global key") continue;
      const at = shorterKind === "option" ? shorter : longer;
      report(
        "prefix-key",
        [...state.path, "menu", "options", at],
        `${shorterKind} '${shorter}' is the start of ${longerKind} '${longer}', so this menu takes up to ` +
          `${longest} keys: ${waitAfter(shorter, longest, flow, body, hashIsKey)}`,
        { severity: "warning", which: "key", hint: prefixHint(hashIsKey) },
      );
    }
  }
}

function checkAsk(flow: FlowView, state: StateView, body: Obj, report: Reporter): void {
  const at = (...rest: (string | number)[]): JsonPath => [...state.path, "ask", ...rest];
  checkCapturePrompt(state, body, report);
  checkTimeouts(at(), body, undefined, report);
  if (typeof body.into === "string") checkAssignable(flow, body.into, at("into"), "value", report);
  const digits = asObject(body.digits);
  const min = typeof digits?.min === "number" ? digits.min : undefined;
  const max = typeof digits?.max === "number" ? digits.max : undefined;
  if (min !== undefined && max !== undefined && min > max) {
    report("digits-range", at("digits", "min"), `min (${min}) is greater than max (${max})`);
  }
  for (const [name, value] of [
    ["max", max],
    ["min", min],
  ] as const) {
    if (value !== undefined && value > MAX_DIGITS) {
      report("too-many-digits", at("digits", name), `${name} is ${value}; 8x8 captures at most ${MAX_DIGITS} digits`);
    }
  }
  const validate = asObject(body.validate);
  if (typeof validate?.pattern === "string") checkRegex(validate.pattern, at("validate", "pattern"), report);
  if (Array.isArray(validate?.oneOf)) {
    validate.oneOf.forEach((choice, i) => {
      if (!DIGIT_KEYS.test(String(choice))) {
        report("invalid-digit", at("validate", "oneOf", i), `'${String(choice)}' cannot be typed on a phone keypad`, {
          hint: "digits 0-9, * and # only",
        });
      }
    });
  }
}

/** digitTimeout must be below timeout (8x8: overallTimeout > digitTimeout), after applying defaults. Reported
 * where one of the two is written: on the state when it sets either, else on `defaults`. */
function checkTimeouts(path: JsonPath, own: Obj | undefined, defaults: Obj | undefined, report: Reporter): void {
  if (!own) return;
  const sets = typeof own.timeout === "number" || typeof own.digitTimeout === "number";
  if (!sets) return;
  const num = (v: unknown) => (typeof v === "number" ? v : undefined);
  const timeout = num(own.timeout) ?? num(defaults?.timeout) ?? DEFAULT_TIMEOUT;
  const digitTimeout = num(own.digitTimeout) ?? num(defaults?.digitTimeout) ?? DEFAULT_DIGIT_TIMEOUT;
  if (digitTimeout >= timeout) {
    const at = typeof own.digitTimeout === "number" ? "digitTimeout" : "timeout";
    report("timeout-order", [...path, at], `digitTimeout (${digitTimeout}s) must be less than timeout (${timeout}s)`, {
      hint: "8x8 requires the overall capture timeout to be greater than the timeout between digits",
    });
  }
}

function checkRegex(pattern: string, path: JsonPath, report: Reporter): void {
  try {
    new RegExp(pattern);
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^Invalid regular expression: /, "") : "invalid";
    report("invalid-regex", path, `invalid regular expression: ${reason}`, {
      hint: "patterns are JavaScript regular expressions; in YAML double quotes a backslash is written \\\\",
    });
  }
}

function checkBranch(state: StateView, report: Reporter): void {
  if (!Array.isArray(state.body)) return;
  const items = state.body.map((item) => asObject(item) ?? {});
  const elseAt = items.findIndex((item) => "else" in item);
  if (elseAt < 0) {
    report("schema", [...state.path, "branch"], `branch '${state.id}' has no else`, {
      which: "key",
      hint: "end the list with - else: <state>, where the call goes when no if holds",
    });
  } else if (elseAt < items.length - 1) {
    report("schema", [...state.path, "branch", elseAt + 1], "nothing after the else of a branch is ever used", {
      hint: "move the else to the end",
    });
  }
  items.forEach((item, i) => {
    for (const { pattern, path } of regexesIn(item.if)) {
      if (typeof pattern === "string") checkRegex(pattern, [...state.path, "branch", i, "if", ...path], report);
    }
  });
}

function checkHours(state: StateView, body: Obj, report: Reporter): void {
  const at = (...rest: (string | number)[]): JsonPath => [...state.path, "hours", ...rest];
  if (typeof body.timezone === "string" && !isValidTimeZone(body.timezone)) {
    report("invalid-timezone", at("timezone"), `'${body.timezone}' is not an IANA time zone`, {
      hint: timeZoneHint(body.timezone) ?? "e.g. Asia/Singapore, Europe/London, America/New_York",
    });
  }
  for (const [spec, value] of Object.entries(asObject(body.open) ?? {})) {
    const days = parseDaySpec(spec);
    if (!days.ok) report("invalid-schedule", at("open", spec), days.message, { which: "key", hint: days.hint });
    const ranges = typeof value === "string" ? [value] : Array.isArray(value) ? value : [];
    ranges.forEach((range, i) => {
      if (typeof range !== "string") return;
      const parsed = parseTimeRange(range);
      const path = typeof value === "string" ? at("open", spec) : at("open", spec, i);
      if (!parsed.ok) report("invalid-schedule", path, parsed.message, { hint: parsed.hint });
    });
  }
  if (Array.isArray(body.closedOn)) {
    body.closedOn.forEach((date, i) => {
      if (typeof date === "string" && !isCalendarDate(date)) {
        report("invalid-schedule", at("closedOn", i), `'${date}' is not a date`, {
          hint: 'write dates as "YYYY-MM-DD", e.g. "2026-12-25"',
        });
      }
    });
  }
}

/** Time zones are a fixed list of ~400: remember each misspelling's suggestion (a flow may repeat it often). */
const timeZoneHints = new Map<string, string | undefined>();
function timeZoneHint(zone: string): string | undefined {
  if (!timeZoneHints.has(zone)) {
    if (timeZoneHints.size > 1000) timeZoneHints.clear();
    timeZoneHints.set(zone, didYouMeanHint(zone, knownTimeZones()));
  }
  return timeZoneHints.get(zone);
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? "an" : "a";
}
