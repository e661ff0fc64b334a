/** A call in progress, as the engine sees it. Stored as one DynamoDB item per session (src/store). */
export interface Session {
  sessionId: string;
  callId?: string;
  flow: string;
  /** the machine version the call started on; it finishes on it */
  version: string;
  /** the blocking state we are waiting in (menu/ask), or the state the call ended in */
  state: string;
  /** the clientActionId of our last answer; a VCA must echo it to advance the session */
  clientActionId: string;
  /** counts answers, to make every clientActionId unique */
  turn: number;
  status: "active" | "ended";
  /** failed attempts in the current blocking state */
  failures: number;
  /** variables; built-ins caller, called, sessionId, callId, lastInput are kept here too */
  vars: Record<string, string>;
  /** states visited in order (for analytics and coverage); the most recent MAX_PATH kept */
  path: string[];
  /** transitions taken, in order, for the analytics funnel; the most recent MAX_PATH kept (PLAN contract 3).
   * Absent on items stored before it existed: read as []. */
  transitions: Transition[];
  /** menus entered, most recent last, for the global `back` key */
  menus: string[];
  caller: string;
  called: string;
  direction: "INBOUND" | "OUTBOUND";
  /** ISO-8601 */
  startedAt: string;
  /** an outbound campaign's call: the contact and attempt it dials (the VSS records the outcome there) */
  contact?: ContactRef;
}

/**
 * The campaign contact an outbound call is an attempt for, set when it is dialled. Carried as data only (the engine
 * never reads it); with it travels what the session summary needs to decide the contact's next step.
 */
export interface ContactRef {
  campaignId: string;
  contactId: string;
  /** 1 for the first call to this contact, 2 for the first retry, ... */
  attempt: number;
  /** the campaign's retry policy as it was when this attempt was dialled */
  retry: { attempts: number; delaySeconds: number; on: string[] };
}

/**
 * One transition taken during the call: `on` is the edge label of StepResult.edges, `at` the milliseconds since
 * `session.startedAt` of the event that took it (every edge of one answer shares it), `ms` the duration of the
 * request when the edge leaves a fetch state (its latency, for `ivr report`).
 */
export interface Transition {
  from: string;
  to: string;
  on: string;
  at: number;
  ms?: number;
}

/** What happened on the line, in engine terms (the 8x8 wire format is translated in src/webhooks). */
export type EngineEvent =
  /** the call is connected and waiting for our first answer */
  | { type: "start" }
  /** the capture we asked for completed: the digits, or null when nothing was captured */
  | { type: "input"; digits: string | null };

export interface StepResult {
  session: Session;
  /** the callflow to answer with; its clientActionId is session.clientActionId */
  actions: import("./callflow.js").CallflowAction[];
  /** states entered during this step, in order (for metrics and coverage) */
  visited: string[];
  /** transitions taken during this step, e.g. { from: "main", to: "account", on: "1" } with on in
   * digits | "next" | "then" | "else" | "case:N" | "noInput" | "noMatch" | "invalid" | "exhausted" | "key:X", and for
   * a fetch "next" | "on:<route>" | "onError", with `ms` = how long its request took */
  edges: { from: string; to: string; on: string; ms?: number }[];
  /**
   * Present when the walk stopped at a `fetch`: the answer is not finished. The caller performs `effect.request`
   * and hands the outcome to `resume(machine, step, outcome, now)`, which continues the same answer (and may
   * stop at another fetch). `actions`, `visited` and `edges` hold what was rendered so far; `session` is not
   * meant to be stored until the step is finished.
   */
  effect?: FetchEffect;
}

/** A request the engine wants made. It describes; src/webhooks performs it through src/integration. */
export interface FetchEffect {
  kind: "fetch";
  request: FetchRequest;
  /** where the walk stopped, as plain JSON (it may be stored with an in-flight claim and resumed elsewhere) */
  continuation: Continuation;
}

export interface FetchRequest {
  /** the fetch state */
  state: string;
  /** a key of CompiledMachine.services */
  service: string;
  method: import("./machine.js").HttpMethod;
  /** the rendered path, each variable's value percent-encoded; appended to the service's base URL */
  path: string;
  /** the path as written ("/cards/{{card}}/verify"): what logs and observers may show */
  pathTemplate: string;
  /** query parameters, rendered but not yet encoded, in declaration order */
  query: [string, string][];
  /** the rendered JSON body (absent: none) */
  body?: Record<string, unknown>;
  timeoutMs: number;
  /** the turn of the answer this request belongs to (the same on every redelivery of the event) */
  turn: number;
  /** `<sessionId>:<turn>:<state>` */
  idempotencyKey: string;
  /** false when the state has no `into`: the body need not be read */
  wantsBody: boolean;
}

/** Why a request produced no usable response. */
export type FetchErrorKind =
  /** the deadline passed */
  | "timeout"
  /** refused connection, DNS failure, reset, TLS failure */
  | "network"
  /** the body was larger than the limit */
  | "too-large"
  /** the service, its URL or a header could not be resolved (unknown service, bad override, missing secret) */
  | "config"
  /** a claimed request whose outcome never got recorded (the process sending it died): never re-sent */
  | "unknown";

export type FetchOutcome =
  /** `body`: the parsed JSON, or undefined when it was not JSON (or not read) */
  | { status: number; body?: unknown }
  /** `status` when one was received before the failure (e.g. a body over the limit) */
  | { error: FetchErrorKind; status?: number };

/** What a walk has rendered and changed so far in one answer: plain JSON (the engine's working copy extends it). */
export interface WalkState {
  state: string;
  status: Session["status"];
  failures: number;
  vars: Record<string, string>;
  path: string[];
  menus: string[];
  actions: import("./callflow.js").CallflowAction[];
  visited: string[];
  edges: StepResult["edges"];
  /** states walked so far in this answer (the loop guard spans every resume) */
  steps: number;
}

/** The engine's state at a fetch, as JSON. Opaque to callers: only `resume` reads it. */
export interface Continuation extends WalkState {
  /** the session as it was before this event */
  session: Session;
}
