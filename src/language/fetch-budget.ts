/**
 * `fetch-budget`: between two waits for the caller, the requests one answer can run add up to at most 5 s of
 * timeouts, or the caller sits in silence (and 8x8 may give up on the webhook).
 *
 * An answer is walked from a segment start (the start state, onError, anything a menu or ask leads to) through
 * states that do not wait for the caller, and ends at a menu, an ask, an ending, or a fetch with a hold message:
 * that answer ends with the hold message and the fetch's request runs on the next event, so the hold fetch
 * starts a segment of its own. The longest sum of timeouts from each state is computed once (a memoised walk of
 * the graph, linear in states and edges), so flows of thousands of states with branching routes cost no more
 * than their size.
 */
import type { Reporter } from "./diagnostics.js";
import { allEdges, answerEdges, asObject, CAPTURE_KINDS, type FlowView, NON_BLOCKING_KINDS } from "./model.js";
import { fetchTimeoutMs } from "./services.js";

export const FETCH_BUDGET_MS = 5000;
/** The most fetches named in one message (a path over budget has at most a few; this bounds pathological ones). */
const MAX_NAMED = 20;

export function checkFetchBudget(flow: FlowView, report: Reporter): void {
  if (!flow.states.some((s) => s.kind === "fetch")) return;
  const n = flow.states.length;
  const index = new Map(flow.states.map((s, i) => [s.id, i]));
  const services = asObject(flow.raw.services);
  const timeout = new Int32Array(n);
  /** 1: the answer goes on through this state; 2: a fetch with a hold message (ends the answer it is met in) */
  const through = new Uint8Array(n);
  const successors: number[][] = [];
  for (const [i, state] of flow.states.entries()) {
    successors.push([]);
    if (!state.kind || !NON_BLOCKING_KINDS.has(state.kind)) continue;
    const body = asObject(state.body);
    if (state.kind === "fetch") {
      timeout[i] = fetchTimeoutMs(body, services);
      through[i] = body?.say !== undefined ? 2 : 1;
    } else through[i] = 1;
    for (const edge of answerEdges(flow, state)) {
      const to = index.get(edge.to);
      if (to !== undefined) successors[i]!.push(to);
    }
  }

  // worst[i]: the most milliseconds of timeouts from i (its own included) to the end of the segment, if a
  // segment runs through i; best[i]: the successor on that path (-1: none)
  const worst = new Float64Array(n);
  const best = new Int32Array(n).fill(-1);
  const state = new Uint8Array(n); // 0 new, 1 on the stack, 2 done
  /** what entering i adds to the segment it is entered in: nothing when i ends the answer */
  const entered = (i: number) => (through[i] === 1 ? worst[i]! : 0);
  for (let root = 0; root < n; root++) {
    if (state[root] !== 0 || through[root] === 0) continue;
    const stack = [root];
    const next = [0];
    state[root] = 1;
    while (stack.length > 0) {
      const top = stack.length - 1;
      const i = stack[top]!;
      const out = successors[i]!;
      if (next[top]! < out.length) {
        const to = out[next[top]!++]!;
        // a hold fetch, a wait or an ending is not walked through; a cycle (reported as non-blocking-loop) stops here
        if (state[to] === 0 && through[to] === 1) {
          state[to] = 1;
          stack.push(to);
          next.push(0);
        }
        continue;
      }
      let most = 0;
      for (const to of out) {
        const value = state[to] === 2 ? entered(to) : 0;
        if (value > most) {
          most = value;
          best[i] = to;
        }
      }
      worst[i] = timeout[i]! + most;
      state[i] = 2;
      stack.pop();
      next.pop();
    }
  }

  // Segment starts: the start state, onError, what a menu or ask leads to, and every hold fetch.
  const starts = new Set<number>();
  const add = (id: string | undefined) => {
    const i = id === undefined ? undefined : index.get(id);
    if (i !== undefined && through[i] !== 0) starts.add(i);
  };
  add(flow.start);
  add(flow.onError);
  for (const [i, s] of flow.states.entries()) {
    if (through[i] === 2) starts.add(i);
    else if (s.kind && CAPTURE_KINDS.has(s.kind)) for (const edge of allEdges(flow, s)) add(edge.to);
  }
  const reported = new Set<number>();
  for (const start of starts) {
    if (worst[start]! <= FETCH_BUDGET_MS) continue;
    // the fetches on the worst path; the first one names the finding (many starts may share it)
    const fetches: number[] = [];
    const seen = new Set<number>();
    for (let i = start; i >= 0 && !seen.has(i); i = best[i]!) {
      seen.add(i);
      if (timeout[i]! > 0) fetches.push(i);
    }
    const first = fetches[0]!;
    if (reported.has(first)) continue;
    reported.add(first);
    const names = fetches.map((i) => flow.states[i]!.id);
    const shown = names.length > MAX_NAMED ? [...names.slice(0, MAX_NAMED), "..."] : names;
    const each = fetches.slice(0, MAX_NAMED).map((i) => `${flow.states[i]!.id} ${seconds(timeout[i]!)}`);
    report(
      "fetch-budget",
      flow.states[first]!.path,
      `${shown.join(" -> ")}: ${seconds(worst[start]!)} of fetch timeouts before the caller is next asked ` +
        `anything (at most ${seconds(FETCH_BUDGET_MS)})`,
      {
        which: "key",
        hint:
          `timeouts: ${each.join(", ")}; shorten them, or give one of these fetches a hold message (say:), which ` +
          "the caller hears before its request and which starts a new budget",
      },
    );
  }
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
