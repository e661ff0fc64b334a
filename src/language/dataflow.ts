/**
 * Data flow: a variable must be assigned on EVERY path from the start to each use. A forward "must" analysis
 * over the state graph: IN(start) = built-ins; IN(s) = intersection over incoming edges of OUT(pred, edge),
 * where an edge adds what it assigns (`set` values, an ask's `into` on its `next`, a fetch's `into` on every route
 * but onError, what a branch condition proves). The flow's inputs are assigned before the first state, like the
 * built-ins. Uses: {{x}} in any text, `set` value or request, and `var` in value tests (equals, matches, in, the
 * numeric comparisons). `exists` tests are not uses: testing whether something is set is always fine, and it
 * proves the variable set on the matching edge.
 */

import { provenSet, valueTests } from "./conditions.js";
import type { Reporter } from "./diagnostics.js";
import { allEdges, asObject, type FlowView, type StateView } from "./model.js";
import type { JsonPath } from "./positions.js";
import { Suggestions } from "./suggest.js";
import { BUILT_IN_VARIABLES } from "./templates.js";
import { stateTexts, templateOf } from "./texts.js";

interface Use {
  name: string;
  path: JsonPath;
  /** the placeholder as written, to point inside a text */
  within?: string;
  /** variables known at this use beyond the state's entry set (earlier `set` values, branch guards) */
  extra: ReadonlySet<string>;
}

/**
 * Sets of variables as bit vectors, one word per 32 variables. Each state's entry set costs (variables / 32)
 * words, so a generated flow of 10,000 states and 4,000 variables needs about 5 MB and a few million word
 * operations per pass; an edge's own assignments are kept as bit indexes, not as whole vectors.
 */
class VariableSets {
  private readonly index = new Map<string, number>();
  readonly words: number;

  constructor(names: Iterable<string>) {
    for (const name of names) if (!this.index.has(name)) this.index.set(name, this.index.size);
    this.words = Math.max(1, Math.ceil(this.index.size / 32));
  }

  of(names: Iterable<string>): Uint32Array {
    const bits = new Uint32Array(this.words);
    for (const i of this.indexesOf(names)) bits[i >>> 5]! |= 1 << (i & 31);
    return bits;
  }

  indexesOf(names: Iterable<string>): number[] {
    const indexes: number[] = [];
    for (const name of names) {
      const i = this.index.get(name);
      if (i !== undefined) indexes.push(i);
    }
    return indexes;
  }

  indexOf(name: string): number | undefined {
    return this.index.get(name);
  }
}

/** IN sets of the reachable states: one flat buffer of `words` words per state (in flow.states order), so
 * thousands of states cost one allocation rather than thousands of small typed arrays. */
class EntrySets {
  readonly index = new Map<string, number>();
  readonly bits: Uint32Array;
  /** 1 once the state's set exists (it was reached) */
  readonly reached: Uint8Array;

  constructor(
    flow: FlowView,
    readonly words: number,
  ) {
    for (const [i, state] of flow.states.entries()) this.index.set(state.id, i);
    this.bits = new Uint32Array(flow.states.length * words);
    this.reached = new Uint8Array(flow.states.length);
  }

  /** Whether any path reaches the state. */
  isReached(id: string): boolean {
    const i = this.index.get(id);
    return i !== undefined && this.reached[i] === 1;
  }

  /** Whether variable number `v` is surely set on entry to the state. */
  has(id: string, v: number | undefined): boolean {
    const i = this.index.get(id);
    if (i === undefined || v === undefined) return false;
    return (this.bits[i * this.words + (v >>> 5)]! & (1 << (v & 31))) !== 0;
  }
}

function assignedOnEntry(flow: FlowView, sets: VariableSets): EntrySets {
  const words = sets.words;
  const entry = new EntrySets(flow, words);
  const { bits, reached, index } = entry;
  const queue: number[] = [];
  const queued = new Uint8Array(flow.states.length);
  const enqueue = (i: number) => {
    if (!queued[i]) {
      queued[i] = 1;
      queue.push(i);
    }
  };
  const scratch = new Uint32Array(words);
  /** IN(to) &= (bits[from] | assigns); the state is queued again when its set changed */
  const meet = (to: number, from: Uint32Array, fromAt: number, assigns: readonly number[]) => {
    let source = from;
    let sourceAt = fromAt;
    if (assigns.length > 0) {
      for (let w = 0; w < words; w++) scratch[w] = from[fromAt + w]!;
      for (const v of assigns) scratch[v >>> 5]! |= 1 << (v & 31);
      source = scratch;
      sourceAt = 0;
    }
    const at = to * words;
    if (!reached[to]) {
      reached[to] = 1;
      for (let w = 0; w < words; w++) bits[at + w] = source[sourceAt + w]!;
      enqueue(to);
      return;
    }
    let changed = false;
    for (let w = 0; w < words; w++) {
      const narrowed = bits[at + w]! & source[sourceAt + w]!;
      if (narrowed !== bits[at + w]) {
        bits[at + w] = narrowed;
        changed = true;
      }
    }
    if (changed) enqueue(to);
  };
  const builtIns = sets.of([...BUILT_IN_VARIABLES, ...flow.inputs]);
  for (const root of [flow.start, flow.onError]) {
    // The engine may jump to onError from anywhere, before anything was assigned.
    const i = root === undefined ? undefined : index.get(root);
    if (i !== undefined) meet(i, builtIns, 0, []);
  }
  const edgesOf: ({ to: number; assigns: number[] }[] | undefined)[] = [];
  for (let q = 0; q < queue.length; q++) {
    const i = queue[q]!;
    queued[i] = 0;
    let edges = edgesOf[i];
    if (!edges) {
      edges = [];
      for (const e of allEdges(flow, flow.states[i]!)) {
        const to = index.get(e.to);
        if (to !== undefined) edges.push({ to, assigns: sets.indexesOf(e.assigns) });
      }
      edgesOf[i] = edges;
    }
    for (const edge of edges) meet(edge.to, bits, i * words, edge.assigns);
  }
  return entry;
}

export function checkDataFlow(flow: FlowView, report: Reporter): void {
  const everAssigned = new Set<string>([...BUILT_IN_VARIABLES, ...flow.inputs]);
  for (const state of flow.states) {
    for (const edge of allEdges(flow, state)) for (const v of edge.assigns) everAssigned.add(v);
  }
  const sets = new VariableSets(everAssigned);
  const entry = assignedOnEntry(flow, sets);

  let explained = 0;
  const names = new Suggestions(everAssigned);
  for (const state of flow.states) {
    if (!entry.isReached(state.id)) continue; // unreachable: warned about elsewhere
    for (const use of usesIn(state)) {
      if (entry.has(state.id, sets.indexOf(use.name)) || use.extra.has(use.name)) continue;
      const options = use.within ? { within: use.within } : {};
      if (!everAssigned.has(use.name)) {
        report("unassigned-variable", use.path, `variable '${use.name}' is never assigned`, {
          ...options,
          hint:
            names.hint(use.name) ??
            `assign it with an ask (into: ${use.name}) or a set state; built-ins: ${BUILT_IN_VARIABLES.join(", ")}`,
        });
        continue;
      }
      // A witness path is worth a lot to the reader; cap the work on pathological flows.
      const witness = explained++ < 50 ? pathWithout(flow, use.name, state.id) : undefined;
      report("unassigned-variable", use.path, `variable '${use.name}' may not be set here`, {
        ...options,
        hint:
          (witness ? `it is not assigned on the path ${witness.join(" -> ")}; ` : "") +
          `assign it on every path to '${state.id}', or test it first with { var: ${use.name}, exists: true }`,
      });
    }
  }
}

const NOTHING: ReadonlySet<string> = new Set();

function usesIn(state: StateView): Use[] {
  const uses: Use[] = [];
  if (state.kind === "set") {
    // In declaration order, as the engine assigns them: a value may use the names assigned before it.
    // stateTexts lists the text values in that same order.
    const texts = stateTexts(state);
    let next = 0;
    const earlier: string[] = [];
    for (const [name, value] of Object.entries(asObject(state.body) ?? {})) {
      if (typeof value === "string") {
        const ref = texts[next++]!;
        const { variables } = templateOf(ref);
        const extra = variables.length > 0 && earlier.length > 0 ? new Set(earlier) : NOTHING;
        for (const v of variables) uses.push({ name: v.name, path: ref.path, within: v.raw, extra });
      }
      earlier.push(name);
    }
    return uses;
  }
  for (const ref of stateTexts(state)) {
    for (const v of templateOf(ref).variables) {
      uses.push({ name: v.name, path: ref.path, within: v.raw, extra: NOTHING });
    }
  }
  if (state.kind === "branch" && Array.isArray(state.body)) {
    let failed = new Set<string>();
    state.body.forEach((item, i) => {
      const condition = asObject(item)?.if;
      if (condition === undefined) return;
      for (const test of valueTests(condition, failed)) {
        uses.push({ name: test.name, path: [...state.path, "branch", i, "if", ...test.path], extra: test.guarded });
      }
      // later cases are reached only when this one failed
      failed = new Set([...failed, ...provenSet(condition, false)]);
    });
  }
  return uses;
}

/** A path from the start to `target` on which `name` is never assigned (the shortest), for the hint. */
function pathWithout(flow: FlowView, name: string, target: string): string[] | undefined {
  if (flow.start === undefined) return undefined;
  const cameFrom = new Map<string, string | null>([[flow.start, null]]);
  const queue = [flow.start];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    if (id === target) {
      const path: string[] = [];
      for (let at: string | null = id; at !== null; at = cameFrom.get(at) ?? null) path.unshift(at);
      return path;
    }
    const state = flow.byId.get(id);
    if (!state) continue;
    for (const edge of allEdges(flow, state)) {
      if (edge.assigns.includes(name) || cameFrom.has(edge.to)) continue;
      cameFrom.set(edge.to, id);
      queue.push(edge.to);
    }
  }
  return undefined;
}
