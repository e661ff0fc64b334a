/**
 * Data flow: a variable must be assigned on EVERY path from the start to each use. A forward "must" analysis
 * over the state graph: IN(start) = built-ins; IN(s) = intersection over incoming edges of OUT(pred, edge),
 * where an edge adds what it assigns (`set` values, an ask's `into` on its `next`, what a branch condition
 * proves). Uses: {{x}} in any text or `set` value, and `var` in equals/matches/in tests. `exists` tests are not
 * uses: testing whether something is set is always fine, and it proves the variable set on the matching edge.
 */
import type { Reporter } from "./checker.js";
import { provenSet, valueTests } from "./conditions.js";
import { allEdges, asObject, type FlowView, type StateView } from "./model.js";
import type { JsonPath } from "./positions.js";
import { Suggestions } from "./suggest.js";
import { BUILT_IN_VARIABLES, parseTemplate } from "./templates.js";
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

  has(bits: Uint32Array, name: string): boolean {
    const i = this.index.get(name);
    return i !== undefined && (bits[i >>> 5]! & (1 << (i & 31))) !== 0;
  }
}

/** IN sets per reachable state, as bit vectors over `sets`. */
function assignedOnEntry(flow: FlowView, sets: VariableSets): Map<string, Uint32Array> {
  const words = sets.words;
  const entry = new Map<string, Uint32Array>();
  const queue: string[] = [];
  const queued = new Set<string>();
  const enqueue = (id: string) => {
    if (!queued.has(id)) {
      queued.add(id);
      queue.push(id);
    }
  };
  const scratch = new Uint32Array(words);
  /** known | assigns, without allocating (valid until the next call) */
  const withAssigns = (known: Uint32Array, assigns: readonly number[]): Uint32Array => {
    if (assigns.length === 0) return known;
    scratch.set(known);
    for (const i of assigns) scratch[i >>> 5]! |= 1 << (i & 31);
    return scratch;
  };
  /** IN(to) &= (known | assigns); the state is queued again when its set changed */
  const meet = (to: string, known: Uint32Array, assigns: readonly number[]) => {
    if (!flow.byId.has(to)) return;
    const incoming = withAssigns(known, assigns);
    const current = entry.get(to);
    if (!current) {
      entry.set(to, incoming.slice());
      enqueue(to);
      return;
    }
    let changed = false;
    for (let w = 0; w < words; w++) {
      const narrowed = current[w]! & incoming[w]!;
      if (narrowed !== current[w]) {
        current[w] = narrowed;
        changed = true;
      }
    }
    if (changed) enqueue(to);
  };
  const builtIns = sets.of(BUILT_IN_VARIABLES);
  if (flow.start !== undefined) meet(flow.start, builtIns, []);
  // The engine may jump to onError from anywhere, before anything was assigned.
  if (flow.onError !== undefined) meet(flow.onError, builtIns, []);
  const edgesOf = new Map<string, { to: string; assigns: number[] }[]>();
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    queued.delete(id);
    let edges = edgesOf.get(id);
    if (!edges) {
      edges = allEdges(flow, flow.byId.get(id)!).map((e) => ({ to: e.to, assigns: sets.indexesOf(e.assigns) }));
      edgesOf.set(id, edges);
    }
    const known = entry.get(id)!;
    for (const edge of edges) meet(edge.to, known, edge.assigns);
  }
  return entry;
}

export function checkDataFlow(flow: FlowView, report: Reporter): void {
  const everAssigned = new Set<string>(BUILT_IN_VARIABLES);
  for (const state of flow.states) {
    for (const edge of allEdges(flow, state)) for (const v of edge.assigns) everAssigned.add(v);
  }
  const sets = new VariableSets(everAssigned);
  const entry = assignedOnEntry(flow, sets);

  let explained = 0;
  const names = new Suggestions(everAssigned);
  for (const state of flow.states) {
    const known = entry.get(state.id);
    if (!known) continue; // unreachable: warned about elsewhere
    for (const use of usesIn(state)) {
      if (sets.has(known, use.name) || use.extra.has(use.name)) continue;
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
    const earlier = new Set<string>();
    for (const [name, value] of Object.entries(asObject(state.body) ?? {})) {
      if (typeof value === "string") {
        const extra = new Set(earlier);
        for (const v of parseTemplate(value).variables) {
          uses.push({ name: v.name, path: [...state.path, "set", name], within: v.raw, extra });
        }
      }
      earlier.add(name);
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
