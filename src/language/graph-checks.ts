/** Graph rules: targets exist, non-blocking states never loop among themselves, every state is reachable. */
import type { Reporter } from "./diagnostics.js";
import {
  allEdges,
  answerEdges,
  CAPTURE_KINDS,
  type EdgeRef,
  type FlowView,
  KEY_ACTIONS,
  NON_BLOCKING_KINDS,
  stateEdges,
} from "./model.js";
import type { JsonPath } from "./positions.js";
import { Suggestions } from "./suggest.js";

export function checkGraph(flow: FlowView, report: Reporter): void {
  checkTargets(flow, report);
  checkNonBlockingLoops(flow, report);
  checkReachability(flow, report);
  checkOnErrorEnds(flow, report);
}

function checkTargets(flow: FlowView, report: Reporter): void {
  const ids = [...flow.byId.keys()];
  const states = new Suggestions(ids);
  const statesAndActions = new Suggestions([...ids, ...KEY_ACTIONS]);
  /** `where.path` is only read for a target that does not exist (edges build their paths on demand). */
  const check = (target: string | undefined, where: { readonly path: JsonPath }, extra: readonly string[] = []) => {
    if (target === undefined || flow.byId.has(target) || extra.includes(target)) return;
    const suggestion = (extra.length > 0 ? statesAndActions : states).suggest(target);
    report("unknown-target", where.path, `state '${target}' does not exist`, {
      hint: suggestion
        ? `did you mean '${suggestion}'?`
        : ids.length <= 12
          ? `states: ${[...ids, ...extra].join(", ")}`
          : undefined,
    });
  };
  check(flow.start, { path: ["start"] });
  check(flow.onError, { path: ["onError"] });
  for (const key of flow.keys) check(key.target, key, KEY_ACTIONS);
  for (const state of flow.states) for (const edge of stateEdges(state)) check(edge.to, edge);
}

/** Strongly connected components of the non-blocking subgraph (iterative Tarjan: flows may have thousands of
 * states). A component with more than one state, or a state that leads to itself, would spin forever. A fetch
 * is non-blocking, and one without its own onError leads to the flow's onError. */
function checkNonBlockingLoops(flow: FlowView, report: Reporter): void {
  const successors = new Map<string, EdgeRef[]>();
  for (const state of flow.states) {
    if (!state.kind || !NON_BLOCKING_KINDS.has(state.kind)) continue;
    successors.set(
      state.id,
      answerEdges(flow, state).filter((e) => {
        const kind = flow.byId.get(e.to)?.kind;
        return kind !== undefined && NON_BLOCKING_KINDS.has(kind);
      }),
    );
  }
  for (const component of stronglyConnected(successors)) {
    const first = component[0]!;
    const selfLoop = successors.get(first)?.some((e) => e.to === first) ?? false;
    if (component.length < 2 && !selfLoop) continue;
    const members = new Set(component);
    const cycle = findCycle(first, successors, members);
    const closing = cycle.at(-1)!;
    report(
      "non-blocking-loop",
      closing.path,
      `these states loop without waiting for the caller: ${describeCycle(cycle)}`,
      {
        hint: "the call would spin without end; put a menu or ask in the loop, or end it with transfer or hangup",
      },
    );
  }
}

function describeCycle(cycle: EdgeRef[]): string {
  return [...cycle.map((e) => e.from), cycle[0]!.from].join(" -> ");
}

/** A cycle through `start` inside the component (BFS for the shortest one), as the list of its edges. */
function findCycle(start: string, successors: Map<string, EdgeRef[]>, members: Set<string>): EdgeRef[] {
  const cameBy = new Map<string, EdgeRef>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    for (const edge of successors.get(node) ?? []) {
      if (!members.has(edge.to)) continue;
      if (edge.to === start) {
        const path = [edge];
        for (let at = node; at !== start; ) {
          const previous = cameBy.get(at)!;
          path.unshift(previous);
          at = previous.from;
        }
        return path;
      }
      if (!cameBy.has(edge.to)) {
        cameBy.set(edge.to, edge);
        queue.push(edge.to);
      }
    }
  }
  return [];
}

export function stronglyConnected(successors: Map<string, EdgeRef[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  for (const root of successors.keys()) {
    if (index.has(root)) continue;
    const work: { node: string; next: number }[] = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work.at(-1)!;
      const edges = successors.get(frame.node) ?? [];
      if (frame.next < edges.length) {
        const to = edges[frame.next++]!.to;
        if (!successors.has(to)) continue;
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, next: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      const parent = work.at(-1);
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        components.push(component.reverse());
      }
    }
  }
  return components;
}

function checkReachability(flow: FlowView, report: Reporter): void {
  if (flow.start === undefined || !flow.byId.has(flow.start)) return;
  const seen = new Set<string>();
  const queue = [flow.start, ...(flow.onError !== undefined ? [flow.onError] : [])];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    const state = flow.byId.get(id);
    if (!state || seen.has(id)) continue;
    seen.add(id);
    for (const edge of allEdges(flow, state)) if (!seen.has(edge.to)) queue.push(edge.to);
  }
  for (const state of flow.states) {
    if (seen.has(state.id)) continue;
    report("unreachable-state", state.path, `state '${state.id}' is never reached from '${flow.start}'`, {
      severity: "warning",
      which: "key",
      hint: "remove it, or send a next/option/key to it",
    });
  }
}

/**
 * After a failure the engine renders `onError` and what follows it (say, play, set, branch, hours) and uses that
 * answer only when it ends the call: nothing would record the session as waiting in a menu or ask, so a chain
 * that can stop at one is replaced by the built-in apology (src/engine/fallback.ts). Warn about the shortest
 * such path.
 */
function checkOnErrorEnds(flow: FlowView, report: Reporter): void {
  if (flow.onError === undefined || !flow.byId.has(flow.onError)) return;
  const cameFrom = new Map<string, string | null>([[flow.onError, null]]);
  const queue = [flow.onError];
  for (let i = 0; i < queue.length; i++) {
    const state = flow.byId.get(queue[i]!)!;
    if (state.kind && CAPTURE_KINDS.has(state.kind)) {
      const path: string[] = [];
      for (let at: string | null = state.id; at !== null; at = cameFrom.get(at) ?? null) path.unshift(at);
      const through = path.length > 1 ? ` (${path.join(" -> ")})` : "";
      report(
        "blocking-on-error",
        ["onError"],
        `onError leads to the ${state.kind} '${state.id}'${through}, which waits for the caller`,
        {
          severity: "warning",
          hint:
            "after a failure the engine cannot wait for input, so callers would hear the built-in apology " +
            "instead; end the onError path with a hangup or a transfer",
        },
      );
      return;
    }
    if (!state.kind || !NON_BLOCKING_KINDS.has(state.kind)) continue;
    for (const edge of stateEdges(state)) {
      if (cameFrom.has(edge.to) || !flow.byId.has(edge.to)) continue;
      cameFrom.set(edge.to, state.id);
      queue.push(edge.to);
    }
  }
}
