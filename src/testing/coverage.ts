/**
 * Flow coverage: which states a set of calls reached and which transitions they took, against everything the
 * compiled machine makes possible.
 *
 * A transition is `from --on--> to` with the engine's edge labels (src/engine/session.ts StepResult.edges).
 * Global keys are active in every menu and ask, so a key counts once for the whole flow (`* --key:0--> operator`)
 * rather than once per capture state: otherwise 100% coverage would need every key pressed in every menu.
 */

import { IMPLICIT_APOLOGY as ENGINE_APOLOGY, IMPLICIT_HANGUP as ENGINE_HANGUP } from "../engine/engine.js";
import type { CompiledMachine, KeyTarget } from "../engine/machine.js";
import type { StepResult } from "../engine/session.js";
import { IMPLICIT_APOLOGY as GRAPH_APOLOGY, IMPLICIT_HANGUP as GRAPH_HANGUP, machineEdges } from "../language/graph.js";

export type Edge = StepResult["edges"][number];

const ANY_STATE = "*";
const BACK = "(back)";
const REPEAT = "(repeat)";
const RETRY_EDGES = new Set(["noInput", "noMatch", "invalid"]);

export function edgeId(edge: Edge): string {
  return `${edge.from} --${edge.on}--> ${edge.to}`;
}

/** Every transition the machine can take, normalised as `normaliseEdge` does for taken ones. */
export function possibleEdges(machine: CompiledMachine): Edge[] {
  const edges = new Map<string, Edge>();
  const add = (edge: Edge) => edges.set(edgeId(edge), edge);
  for (const { from, on, to } of machineEdges(machine)) {
    // With one attempt the first failure is already the last: only `exhausted` can happen.
    const state = machine.states[from];
    const retries = state && (state.kind === "menu" || state.kind === "ask") ? state.attempts > 1 : true;
    if (RETRY_EDGES.has(on) && !retries) continue;
    add(normaliseEdge(machine, { from, on, to }));
  }
  // The graph draws only keys that jump somewhere; `repeat` and `back` keys are transitions too.
  for (const [key, target] of Object.entries(machine.keys)) {
    if (!("goto" in target)) add({ from: ANY_STATE, on: `key:${key}`, to: keyTarget(target) });
  }
  return [...edges.values()];
}

/** Maps a taken edge onto the identity `possibleEdges` uses (global keys are flow-wide; the engine's implicit
 * hangup and apology are drawn as the graph draws them). */
export function normaliseEdge(machine: CompiledMachine, edge: Edge): Edge {
  if (edge.to === ENGINE_HANGUP) return { ...edge, to: GRAPH_HANGUP };
  if (edge.to === ENGINE_APOLOGY) return { ...edge, to: GRAPH_APOLOGY };
  if (!edge.on.startsWith("key:")) return edge;
  const target = machine.keys[edge.on.slice(4)];
  if (!target) return edge; // a menu option spelled like a key label cannot happen; keep it visible if it does
  return { from: ANY_STATE, on: edge.on, to: keyTarget(target) };
}

function keyTarget(target: KeyTarget): string {
  return "goto" in target ? target.goto : "back" in target ? BACK : REPEAT;
}

export interface FlowCoverage {
  flow: string;
  version: string;
  states: { total: number; covered: number; uncovered: string[] };
  transitions: { total: number; covered: number; uncovered: string[] };
}

/** Accumulates what calls did, per flow version, and reports it against what the machines allow. */
export class CoverageRecorder {
  private readonly visited = new Map<string, Set<string>>();
  private readonly taken = new Map<string, Set<string>>();

  constructor(private readonly machines: readonly CompiledMachine[]) {}

  record(flow: string, step: Pick<StepResult, "visited" | "edges">): void {
    const machine = this.machines.find((m) => m.flow === flow);
    if (!machine) return;
    const visited = setFor(this.visited, flow);
    const taken = setFor(this.taken, flow);
    for (const state of step.visited) visited.add(state);
    for (const edge of step.edges) taken.add(edgeId(normaliseEdge(machine, edge)));
  }

  report(): FlowCoverage[] {
    return this.machines.map((machine) => {
      const visited = this.visited.get(machine.flow) ?? new Set<string>();
      const taken = this.taken.get(machine.flow) ?? new Set<string>();
      const states = Object.keys(machine.states);
      const edges = possibleEdges(machine).map(edgeId);
      return {
        flow: machine.flow,
        version: machine.version,
        states: summarise(states, visited),
        transitions: summarise(edges, taken),
      };
    });
  }
}

function setFor(map: Map<string, Set<string>>, key: string): Set<string> {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  return set;
}

function summarise(all: string[], seen: Set<string>): { total: number; covered: number; uncovered: string[] } {
  const uncovered = all.filter((id) => !seen.has(id));
  return { total: all.length, covered: all.length - uncovered.length, uncovered };
}
