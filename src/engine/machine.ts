/**
 * The compiled form of a flow: plain JSON, produced at build time by src/language/compile.ts and
 * loaded as-is by the runtime (no YAML, no schema compilation on the hot path).
 *
 * Everything the engine needs is resolved here: defaults applied, templates pre-split, schedules turned
 * into minute ranges, regexes kept as source strings (compiled once per machine and cached by the engine).
 */

/** A template pre-split into literal text and variable references: "Hi {{name | digits}}" ->
 * ["Hi ", { var: "name", digits: true }]. */
export type TemplatePart = string | { var: string; digits?: true };
export type Template = TemplatePart[];

/** Something the caller hears: TTS text or an audio file. */
export type Message = { say: Template } | { play: string };

/** Capture settings, already in 8x8's units (milliseconds). */
export interface Capture {
  minDigits: number;
  maxDigits: number;
  completeOnHash: boolean;
  digitTimeoutMs: number;
  overallTimeoutMs: number;
}

export type Condition =
  | { var: string; equals: string }
  | { var: string; matches: string }
  | { var: string; in: string[] }
  | { var: string; exists: boolean }
  /** numeric comparisons: a value that is not a number makes them false */
  | { var: string; lessThan: number }
  | { var: string; atMost: number }
  | { var: string; greaterThan: number }
  | { var: string; atLeast: number }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

/** What a global key does. */
export type KeyTarget = { goto: string } | { repeat: true } | { back: true };

interface StateBase {
  /** TTS voice for this state's text (state override, else the flow default). */
  voiceProfile: string;
}

export interface SayState extends StateBase {
  kind: "say";
  messages: Message[];
  next: string;
}

export interface PlayState extends StateBase {
  kind: "play";
  url: string;
  next: string;
}

interface CaptureStateBase extends StateBase {
  prompt: Template;
  capture: Capture;
  /** prompts played at most this many times */
  attempts: number;
  /** one per failed attempt; the last one repeats. Empty: no message, just the prompt again. */
  noInput: Message[];
  /** state to go to when attempts run out; null: hang up */
  onExhausted: string | null;
}

export interface MenuState extends CaptureStateBase {
  kind: "menu";
  /** digits -> state */
  options: Record<string, string>;
  noMatch: Message[];
}

export interface AskState extends CaptureStateBase {
  kind: "ask";
  into: string;
  digits: { min: number; max: number; terminator?: "#" };
  validate?: { pattern?: string; luhn?: true; oneOf?: string[] };
  invalid: Message[];
  sensitive: boolean;
  next: string;
}

export interface BranchState extends StateBase {
  kind: "branch";
  cases: { if: Condition; then: string }[];
  else: string;
}

export interface SetState extends StateBase {
  kind: "set";
  assign: Record<string, Template>;
  next: string;
}

export interface HoursState extends StateBase {
  kind: "hours";
  timezone: string;
  /** index 0 = Sunday .. 6 = Saturday; each a list of [startMinute, endMinute) ranges in local time */
  open: [number, number][][];
  /** local dates YYYY-MM-DD on which the line is closed all day */
  closedOn: string[];
  then: string;
  else: string;
}

export interface TransferState extends StateBase {
  kind: "transfer";
  /** optional business label carried with the call's outcome (e.g. "confirmed") */
  result?: string;
  to: string;
  /** caller id for the outgoing leg; absent: the number the caller dialled (inbound) / our number (outbound) */
  callerId?: string;
  record: boolean;
  /** optional words before connecting */
  say: Message[];
}

export interface HangupState extends StateBase {
  kind: "hangup";
  /** optional business label carried with the call's outcome (e.g. "confirmed") */
  result?: string;
  say: Message[];
}

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** A JSON request body with templated strings: rendered by the engine, each string a template. */
export type BodyTemplate =
  | { text: Template }
  | { value: number | boolean | null }
  | { object: Record<string, BodyTemplate> }
  | { list: BodyTemplate[] };

/**
 * A request to one of the flow's declared services. The engine never performs it: it returns the request as an
 * effect and is resumed with the outcome (src/webhooks asks src/integration to perform it).
 */
export interface FetchState extends StateBase {
  kind: "fetch";
  /** a key of CompiledMachine.services */
  service: string;
  method: HttpMethod;
  /** appended to the service's base URL; each variable's value is percent-encoded when rendered */
  path: Template;
  /** query parameters, values templated (and encoded when rendered) */
  query: Record<string, Template>;
  /** JSON object body (never with GET) */
  body?: Record<string, BodyTemplate>;
  /** the state's timeout, else the service's, else 2000 */
  timeoutMs: number;
  /** the hold message (`say`): heard BEFORE the request is sent; empty: none */
  hold: Message[];
  /** variable -> dotted path into the JSON response, split ("items.0.id" -> ["items", 0, "id"]) */
  into: Record<string, (string | number)[]>;
  /** `into` variables masked like a sensitive ask (also listed in CompiledMachine.sensitive) */
  sensitive: string[];
  /** status routes: an exact code ("404") or a class ("4xx") -> state; an exact code beats a class */
  on: Record<string, string>;
  /** any other 2xx */
  next: string;
  /** timeout, network error, unrouted status, non-JSON 2xx when `into` is given; null: the flow's onError */
  onError: string | null;
}

/** A service a flow declares: where its requests go and what they carry. */
export interface CompiledService {
  /** base URL as written (https, or http to a loopback host); replaced at run time by
   * CALLFLOW_SERVICE_URL_<service> (local), CDK context (deployed) or scenario stubs */
  url: string;
  /** sent on every request; a part `{ secret }` is filled in from the secret store, never by the engine */
  headers: Record<string, (string | { secret: string })[]>;
  /** default request timeout (the service's `timeout`, else 2000) */
  timeoutMs: number;
}

/** A per-call input of an outbound call (`inputs:`): set as a variable before the first state. */
export interface CompiledInput {
  required: boolean;
  sensitive: boolean;
  /** a value must match this regex (source) */
  pattern?: string;
}

export type CompiledState =
  | SayState
  | PlayState
  | MenuState
  | AskState
  | BranchState
  | SetState
  | HoursState
  | TransferState
  | HangupState
  | FetchState;

export type StateKind = CompiledState["kind"];

export interface CompiledMachine {
  /** flow id, ^[a-z][a-z0-9-]*$ */
  flow: string;
  /** hash of the canonical compiled form (everything below except `version` and `source`) */
  version: string;
  description?: string;
  /** inbound numbers (E.164) routed to this flow */
  numbers: string[];
  start: string;
  onError: string | null;
  /** global keys, active in every menu and ask */
  keys: Record<string, KeyTarget>;
  states: Record<string, CompiledState>;
  /** names of variables captured by `sensitive` asks, fetches and inputs: never logged, masked in summaries */
  sensitive: string[];
  /** declared services (absent when none: the version of a flow without them is unchanged) */
  services?: Record<string, CompiledService>;
  /** secret names the flow may use in service headers (absent when none) */
  secrets?: string[];
  /** per-call inputs of outbound calls (absent when none) */
  inputs?: Record<string, CompiledInput>;
  /** where it came from, for messages only; not part of the version */
  source?: string;
}
