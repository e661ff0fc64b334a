/**
 * The studio's HTTP API: what the server sends the page and what the page sends back. Types only (no code), so
 * the page can share them without importing anything from the server. Documented in docs/studio.md.
 */
import type { CallflowAction } from "../engine/callflow.js";
import type { StateKind } from "../engine/machine.js";

/** GET /studio/api/flows: every flow file in the flows folder. */
export interface FlowList {
  flows: FlowSummary[];
  /** bumped on every change the page should redraw for */
  revision: number;
}

export interface FlowSummary {
  /** the flow id (from the file, else the file name when the file cannot be read) */
  flow: string;
  /** relative to the flows folder */
  file: string;
  /** version of the last good compile of this file (what the diagram shows); null: never compiled */
  version: string | null;
  /** the version the local stack answers calls with (null: not served) */
  served: string | null;
  numbers: string[];
  description?: string;
  status: "ok" | "warnings" | "errors";
  errors: number;
  warnings: number;
}

/** GET /studio/api/flows/:flow */
export interface FlowDetail extends FlowSummary {
  /** the checker's messages for this file, exactly as `ivr validate` prints them ("" when clean) */
  report: string;
  diagnostics: DiagnosticView[];
  /** the diagram of the last good version (kept while the file has errors); null when it never compiled */
  diagram: Diagram | null;
  /** the YAML source the diagram was drawn from (the last good text) */
  source: string | null;
  /** scenario files for this flow (relative paths) */
  scenarioFiles: string[];
  /** the timezone of the flow's first `hours` state: the phone's clock setting is read in it */
  hoursTimezone: string | null;
  /** the per-call inputs an outbound call of this flow takes (`inputs:`), in the file's order */
  inputs: { name: string; required: boolean; sensitive: boolean; pattern?: string }[];
}

export interface DiagnosticView {
  file: string;
  line: number;
  col: number;
  severity: "error" | "warning";
  rule: string;
  message: string;
  hint?: string;
}

/** Nodes of a diagram: the flow's states, and a few markers that are not states. */
export type NodeKind = StateKind | "start" | "error" | "keys";

export interface DiagramNode {
  id: string;
  kind: NodeKind;
  /** what the node says (state id, or marker text) */
  label: string;
  /** one line of what the state does: the prompt, the target number, the condition */
  detail?: string;
  /** 1-based line range of the state in the YAML (its key to its last line) */
  lines?: [number, number];
  /** self-loops drawn as badges rather than edges: noInput / noMatch / invalid retries */
  retries?: { on: string; coverageId: string }[];
  /** the call hangs up here after the last attempt (a menu or ask without onExhausted): a badge, not an edge */
  hangsUp?: { coverageId: string };
  /** marks: the start state, the onError target, targets of global keys */
  marks?: string[];
}

export interface DiagramEdge {
  id: string;
  from: string;
  to: string;
  /** the engine's transition label (PLAN contract 2): digits, next, then, else, case:N, exhausted, key:X,
   * on:<route>, onError; comma-separated when several transitions lead to the same state (menu options 1 and 2) */
  on: string;
  /** what the drawing shows */
  label: string;
  /** normal transition; a global key (any menu or ask); the flow's error route; the way in */
  style: "normal" | "key" | "error" | "start";
  /** the transitions' identities in coverage reports (`from --on--> to`), one per transition drawn by this edge;
   * empty for the start and onError markers */
  coverageIds: string[];
}

export interface Diagram {
  flow: string;
  version: string;
  nodes: DiagramNode[];
  edges: DiagramEdge[];
}

/** GET /studio/api/events (server-sent events): `event: flows` with a FlowList when anything changed;
 * `event: hello` once on connect with the same. */
export type StudioEventName = "hello" | "flows";

// ----------------------------------------------------------------------------------------------- overlays

/** POST /studio/api/flows/:flow/coverage: the flow's scenarios, run now through the test runner. */
export interface CoverageOverlay {
  flow: string;
  version: string;
  scenarios: { name: string; file: string; line: number; passed: boolean; failure?: string }[];
  states: { total: number; covered: number; uncovered: string[] };
  /** transitions as coverage ids (`from --on--> to`, global keys as `* --key:X--> target`) */
  transitions: { total: number; covered: number; uncovered: string[] };
  durationMs: number;
}

/** GET /studio/api/flows/:flow/traffic: what the local stack's calls did (ivr report data). */
export interface TrafficOverlay {
  flow: string;
  /** versions counted */
  versions: string[];
  calls: number;
  outcomes?: Record<string, number>;
  /** per state: calls that entered it, and those that ended there by the caller hanging up */
  states: Record<string, { entered: number; abandoned: number; [edgeKind: string]: number }>;
  /** per transition (coverage id): how many calls took it */
  edges: Record<string, number>;
  /** where the figures come from (e.g. "ivr report over the local stack's summaries") */
  source: string;
}

// ----------------------------------------------------------------------------------------------- the phone

/** POST /studio/api/calls */
export interface PlaceCallRequest {
  flow: string;
  /** the calling number (inbound) or the number rung (outbound); default +6590000001 */
  caller?: string;
  /** the call's clock as local time in the flow's hours timezone, `YYYY-MM-DDTHH:MM`; absent: real time */
  at?: string;
  /** an outbound call's inputs (name -> value), checked by the stack as `ivr dial --var` checks them */
  inputs?: Record<string, string>;
}

/** POST /studio/api/calls/:id/keys */
export interface KeysRequest {
  /** the keys the caller pressed during the prompt, in order (0-9, *, #) */
  keys: string;
}

/** Everything about one call placed from the studio (also what every call route answers). */
export interface CallView {
  id: string;
  flow: string;
  version: string;
  direction: "INBOUND" | "OUTBOUND";
  /** the calling number (inbound), or our number ringing you (outbound) */
  caller: string;
  called: string;
  /** the call's clock at its start, ISO-8601 (present when a clock was set) */
  clock?: string;
  /** a note about the clock, e.g. a past date moved to the next week */
  clockNote?: string;
  turns: CallTurn[];
  /** the state the call is in (waiting in, or ended in) */
  state: string | null;
  /** the states visited so far, in order */
  path: string[];
  /** the transitions taken so far, as coverage ids (`from --on--> to`, as the diagram's edges carry them) */
  taken: string[];
  /** what the caller's keys answer now: the prompt's capture settings; null when nothing is waiting */
  waiting: CaptureView | null;
  /** set once the call is over and 8x8's session summary was stored */
  ended: CallEnd | null;
}

export interface CaptureView {
  minDigits: number;
  maxDigits: number;
  completeOnHash: boolean;
  /** milliseconds 8x8 waits after a key for the next one */
  digitTimeoutMs: number;
  /** milliseconds 8x8 waits in total */
  overallTimeoutMs: number;
}

export interface CallTurn {
  /** what 8x8 sent: the call connecting (or the outbound dial), or the end of the previous prompt */
  event: "CALL_RECEIVED" | "DIAL" | "ACTION_COMPLETED";
  /** the keys the caller pressed (absent for silence and the first turn) */
  pressed?: string;
  /** what 8x8 reported for them (`eventData.dtmf`): null = no input */
  dtmf?: string | null;
  /** 8x8 reported a fetch's hold message played: the flow's request ran on this event */
  holdHeard?: boolean;
  /** what the caller hears, in order */
  heard: Heard[];
  /** the answer exactly as the local webhook sent it (what 8x8 would get) */
  callflow: CallflowAction[];
  /** states entered while answering */
  visited: string[];
  /** requests the flow made to services during this turn (from the fetch observer) */
  requests: ServiceRequestView[];
  /** HTTP status of the webhook answer */
  status: number;
  /** milliseconds the webhook took */
  ms: number;
}

export type Heard =
  | { kind: "say"; text: string }
  | { kind: "prompt"; text: string }
  | { kind: "play"; url: string }
  | { kind: "transfer"; to: string; recorded: boolean }
  | { kind: "hangup" };

/** One request a flow made to a service (PLAN decision 11: never bodies, headers, secrets or filled-in paths). */
export interface ServiceRequestView {
  state: string;
  service: string;
  method: string;
  pathTemplate: string;
  status: number | null;
  /** the edge taken: next (an unrouted 2xx), on:<route>, onError */
  route: string;
  /** the state the route leads to */
  to?: string;
  durationMs: number;
  /** timeout, network, ... (absent when the service answered) */
  error?: string;
}

export interface CallEnd {
  by: "flow" | "caller";
  lastAction: string;
  /** the stored session summary, as the VSS handler kept it (variables masked) */
  summary: {
    sessionStatus: string;
    finalState?: string;
    path?: string[];
    vars?: Record<string, string>;
    /** how the call ended, as analytics counts it: completed, transferred, abandoned, failed (and where) */
    outcome?: { kind: string; state?: string; result?: string; [detail: string]: unknown };
    durationMs?: number;
  } | null;
}

/** Errors from every route: `{ error }` with a status 4xx/5xx. */
export interface ApiError {
  error: string;
}
