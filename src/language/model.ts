/**
 * A lenient view of a parsed flow (which may still have schema errors) as a graph: states, their kinds and the
 * edges between them with the JSON path of each target, so the checker, the data-flow analysis and the
 * diagnostics all agree on where things are.
 */
import type { StateKind } from "../engine/machine.js";
import { provenSet } from "./conditions.js";
import type { JsonPath } from "./positions.js";
import type { ParsedTemplate } from "./templates.js";

export const STATE_KINDS: readonly StateKind[] = [
  "say",
  "play",
  "menu",
  "ask",
  "branch",
  "set",
  "hours",
  "fetch",
  "transfer",
  "hangup",
];

/** Kinds that render without waiting for the caller: a cycle of only these would never end. A fetch waits for a
 * service, never for the caller. */
export const NON_BLOCKING_KINDS: ReadonlySet<StateKind> = new Set(["say", "play", "branch", "set", "hours", "fetch"]);
export const CAPTURE_KINDS: ReadonlySet<StateKind> = new Set(["menu", "ask"]);

/** Global key targets that are not states. */
export const KEY_ACTIONS = ["repeat", "back"] as const;

export type Obj = Record<string, unknown>;

export function asObject(value: unknown): Obj | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Obj) : undefined;
}

export function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export interface StateView {
  id: string;
  /** the first kind key present (schema errors cover none / several) */
  kind: StateKind | undefined;
  raw: Obj;
  /** the value under the kind key */
  body: unknown;
  path: JsonPath;
  /** what the checks derive from the state, built once on first use (plain fields: cheaper than WeakMaps) */
  memo: StateMemo;
}

/** A piece of template text in a state (see texts.ts), with its path. */
export interface TextRef {
  text: string;
  path: JsonPath;
  /** speech goes to 8x8 TTS (3000-character limit); assignments only set variables; requests go to a service
   * (a fetch's path, query and body) */
  role: "speech" | "assignment" | "request";
  /** the parsed template, once templateOf has been asked */
  parsed?: ParsedTemplate | undefined;
}

export interface StateMemo {
  edges: readonly EdgeRef[] | undefined;
  allEdges: readonly EdgeRef[] | undefined;
  texts: readonly TextRef[] | undefined;
}

export interface EdgeRef {
  readonly from: string;
  readonly to: string;
  /** label, as the engine reports transitions: a digit, next, then, else, case:N, exhausted, key:X, and for a fetch
   * next, on:<route> (on:404, on:4xx), onError */
  readonly on: string;
  /** where the target is written */
  readonly path: JsonPath;
  /** variables surely assigned when this edge is taken */
  readonly assigns: readonly string[];
  /** "key" for global keys (taken from any menu or ask); "onError" for a fetch without its own onError, whose
   * failures go to the flow's onError */
  readonly via: "flow" | "key" | "onError";
}

/** An edge whose path is put together only when a diagnostic asks for it: flows have tens of thousands of edges
 * and almost none is ever reported. */
class Edge implements EdgeRef {
  constructor(
    readonly from: string,
    readonly to: string,
    readonly on: string,
    readonly assigns: readonly string[],
    readonly via: "flow" | "key" | "onError",
    private readonly base: JsonPath,
    private readonly tail: readonly (string | number)[],
  ) {}

  get path(): JsonPath {
    return [...this.base, ...this.tail];
  }
}

const NEXT = ["next"] as const;
const TAILS = {
  askNext: ["ask", "next"],
  menuExhausted: ["menu", "onExhausted"],
  askExhausted: ["ask", "onExhausted"],
  fetchNext: ["fetch", "next"],
  fetchOnError: ["fetch", "onError"],
  fetch: ["fetch"],
  hoursThen: ["hours", "then"],
  hoursElse: ["hours", "else"],
  none: [],
} as const;

export interface FlowView {
  raw: Obj;
  states: StateView[];
  byId: Map<string, StateView>;
  start: string | undefined;
  onError: string | undefined;
  /** global keys: key -> target as written */
  keys: { key: string; target: string; path: JsonPath }[];
  /** names of the declared per-call inputs: assigned before the first state, never by the flow */
  inputs: ReadonlySet<string>;
}

export function viewFlow(data: unknown): FlowView {
  const raw = asObject(data) ?? {};
  const states: StateView[] = [];
  for (const [id, value] of Object.entries(asObject(raw.states) ?? {})) {
    const state = asObject(value) ?? {};
    const kind = STATE_KINDS.find((k) => k in state);
    states.push({
      id,
      kind,
      raw: state,
      body: kind ? state[kind] : undefined,
      path: ["states", id],
      memo: { edges: undefined, allEdges: undefined, texts: undefined },
    });
  }
  const keys = Object.entries(asObject(raw.keys) ?? {})
    .filter(([, target]) => typeof target === "string")
    .map(([key, target]) => ({ key, target: target as string, path: ["keys", key] }));
  return {
    raw,
    states,
    byId: new Map(states.map((s) => [s.id, s])),
    start: asString(raw.start),
    onError: asString(raw.onError),
    keys,
    inputs: new Set(Object.keys(asObject(raw.inputs) ?? {})),
  };
}

const NO_ASSIGNS: readonly string[] = Object.freeze([]);

/** The edges a state's own definition declares (global keys excluded: see keyEdges). Several checks ask, so
 * they are built once per state (the array is shared: never mutate it). */
export function stateEdges(state: StateView): readonly EdgeRef[] {
  state.memo.edges ??= declaredEdges(state);
  return state.memo.edges;
}

function declaredEdges(state: StateView): EdgeRef[] {
  const edges: EdgeRef[] = [];
  const add = (
    target: unknown,
    on: string,
    tail: readonly (string | number)[],
    assigns: readonly string[] = NO_ASSIGNS,
  ) => {
    if (typeof target === "string") edges.push(new Edge(state.id, target, on, assigns, "flow", state.path, tail));
  };
  const body = asObject(state.body);
  switch (state.kind) {
    case "say":
    case "play":
      add(state.raw.next, "next", NEXT);
      break;
    case "set":
      add(state.raw.next, "next", NEXT, Object.keys(body ?? {}));
      break;
    case "menu": {
      const options = asObject(body?.options) ?? {};
      for (const digits of Object.keys(options)) add(options[digits], digits, ["menu", "options", digits]);
      add(body?.onExhausted, "exhausted", TAILS.menuExhausted);
      break;
    }
    case "ask": {
      const into = asString(body?.into);
      add(body?.next, "next", TAILS.askNext, into ? [into] : NO_ASSIGNS);
      add(body?.onExhausted, "exhausted", TAILS.askExhausted);
      break;
    }
    case "branch": {
      if (!Array.isArray(state.body)) break;
      // Falling past a case proves what its condition being false proves.
      let failed: readonly string[] = NO_ASSIGNS;
      let caseIndex = 0;
      state.body.forEach((item, i) => {
        const entry = asObject(item) ?? {};
        if ("if" in entry) {
          add(entry.then, `case:${caseIndex}`, ["branch", i, "then"], union(failed, provenSet(entry.if, true)));
          failed = union(failed, provenSet(entry.if, false));
          caseIndex++;
        } else if ("else" in entry) {
          add(entry.else, "else", ["branch", i, "else"], failed);
        }
      });
      break;
    }
    case "hours":
      add(body?.then, "then", TAILS.hoursThen);
      add(body?.else, "else", TAILS.hoursElse);
      break;
    case "fetch": {
      // `into` variables are set by every response that is routed, never by a failure
      const into = Object.keys(asObject(body?.into) ?? {});
      const assigns = into.length > 0 ? into : NO_ASSIGNS;
      add(body?.next, "next", TAILS.fetchNext, assigns);
      const routes = asObject(body?.on) ?? {};
      for (const route of Object.keys(routes)) add(routes[route], `on:${route}`, ["fetch", "on", route], assigns);
      add(body?.onError, "onError", TAILS.fetchOnError);
      break;
    }
    default:
      break;
  }
  return edges;
}

/** The names in `a` and then those of `b` not in `a` (shared empty list when both are empty). */
function union(a: readonly string[], b: ReadonlySet<string>): readonly string[] {
  if (b.size === 0) return a;
  const out = [...a];
  for (const name of b) if (!out.includes(name)) out.push(name);
  return out;
}

/** Global key edges from a menu or ask (to states only; repeat/back stay on known ground). */
export function keyEdges(flow: FlowView, state: StateView): EdgeRef[] {
  if (!state.kind || !CAPTURE_KINDS.has(state.kind)) return [];
  return flow.keys
    .filter((k) => !(KEY_ACTIONS as readonly string[]).includes(k.target))
    .map((k) => new Edge(state.id, k.target, `key:${k.key}`, NO_ASSIGNS, "key", k.path, TAILS.none));
}

/** A fetch without its own `onError` sends its failures to the flow's onError: that edge (pointing at the fetch,
 * since nothing in the state names the target), or undefined. */
export function implicitErrorEdge(flow: FlowView, state: StateView): EdgeRef | undefined {
  if (state.kind !== "fetch" || flow.onError === undefined) return undefined;
  if (asObject(state.body)?.onError !== undefined) return undefined;
  return new Edge(state.id, flow.onError, "onError", NO_ASSIGNS, "onError", state.path, TAILS.fetch);
}

/** The edges one answer can follow from a state without the caller: its own and a fetch's implicit onError. */
export function answerEdges(flow: FlowView, state: StateView): readonly EdgeRef[] {
  const implicit = implicitErrorEdge(flow, state);
  return implicit ? [...stateEdges(state), implicit] : stateEdges(state);
}

/** A state's own edges, a fetch's implicit onError and the global key edges (a StateView belongs to one FlowView,
 * so one list per state). */
export function allEdges(flow: FlowView, state: StateView): readonly EdgeRef[] {
  if (!state.memo.allEdges) {
    const keys = keyEdges(flow, state);
    const own = answerEdges(flow, state);
    state.memo.allEdges = keys.length === 0 ? own : [...own, ...keys];
  }
  return state.memo.allEdges;
}
