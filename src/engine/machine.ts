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
  to: string;
  /** caller id for the outgoing leg; absent: the number the caller dialled (inbound) / our number (outbound) */
  callerId?: string;
  record: boolean;
  /** optional words before connecting */
  say: Message[];
}

export interface HangupState extends StateBase {
  kind: "hangup";
  say: Message[];
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
  | HangupState;

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
  /** names of variables captured by `sensitive` asks: never logged, masked in summaries */
  sensitive: string[];
  /** where it came from, for messages only; not part of the version */
  source?: string;
}
