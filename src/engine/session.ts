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
}
