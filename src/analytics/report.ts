/**
 * The report aggregator behind `ivr report` (and the studio's per-state counts): summaries stream in page by page
 * from a Query on the summaries' by-flow index, counts come out per flow and version. Memory depends on the
 * number of flows, versions, states and edges, never on the number of calls: each summary is folded into counters
 * and quantile sketches (src/analytics/sketch.ts) and dropped.
 *
 *   const report = await buildReport({ index: stores.summaries, machines: stores.flowVersions }, {
 *     flows: ["acme-support"], from, to });
 *
 * Counting (documented in docs/analytics.md):
 * - `calls`: summaries with a handled outcome (completed, transferred, abandoned, failed); outbound calls that
 *   never connected are `unreached`, counted apart. `containmentRate` = completed / calls (null without calls).
 * - per state: `entered` = the calls that started there plus the transitions into it from another state (a
 *   re-prompt after no input is not a new entry); `left` = the transitions out of it by edge label (re-prompts
 *   included); `noInput`, `noMatch`, `invalid`, `exhausted` = those edges; `abandoned`, `failed`, `ended` = calls
 *   whose outcome is in that state.
 * - per fetch state (transitions carrying `ms`): requests, errors (the `onError` edge), latency p50/p95.
 */
import type { CompiledMachine } from "../engine/machine.js";
import type { Transition } from "../engine/session.js";
import type { FlowVersionStore, ReportItem, SummaryIndex } from "../store/ports.js";
import { type CallOutcome, type HandledOutcomeKind, OUTCOME_KINDS } from "./outcome.js";
import { QuantileSketch } from "./sketch.js";

export interface FetchStats {
  requests: number;
  errors: number;
  /** errors / requests */
  errorRate: number;
  latencyMs: { p50: number | null; p95: number | null };
}

export interface StateStats {
  /** the state's kind in this version (absent when the version's machine could not be loaded) */
  kind?: string;
  entered: number;
  /** transitions out, by edge label (digits, next, noInput, on:404, ...) */
  left: Record<string, number>;
  abandoned: number;
  failed: number;
  /** calls the flow ended here (completed or transferred) */
  ended: number;
  noInput: number;
  noMatch: number;
  invalid: number;
  exhausted: number;
  fetch?: FetchStats;
}

export interface EdgeStats {
  from: string;
  to: string;
  on: string;
  count: number;
}

export interface FlowReport {
  flow: string;
  version: string;
  calls: number;
  outcomes: Record<HandledOutcomeKind, number>;
  containmentRate: number | null;
  /** outbound calls that never connected, by 8x8's sessionStatus (not in `calls`) */
  unreached: { total: number; byStatus: Record<string, number> };
  /** business `result` labels of the states that ended calls */
  results: Record<string, number>;
  durationMs: { p50: number | null; p90: number | null };
  states: Record<string, StateStats>;
  edges: EdgeStats[];
}

export interface Report {
  window: { from: string; to: string };
  flows: FlowReport[];
}

export interface ReportSources {
  index: SummaryIndex;
  /** the machine of each version seen (state kinds, the graph for Mermaid and HTML); optional */
  machines?: Pick<FlowVersionStore, "get">;
}

export interface ReportQuery {
  flows: readonly string[];
  from: Date;
  to: Date;
  /** the window is read as this many time slices at once (default 4): Query pages of one partition come one after
   * the other, so slices in parallel are what makes a long window fast; memory stays slices x one page */
  slices?: number;
}

/** The report, and the machines of the versions it covers (for the renderers). */
export interface BuiltReport {
  report: Report;
  machines: Map<string, CompiledMachine>;
}

export async function buildReport(sources: ReportSources, query: ReportQuery): Promise<BuiltReport> {
  const aggregator = new ReportAggregator();
  const from = query.from.toISOString();
  const to = query.to.toISOString();
  const slices = timeSlices(query.from, query.to, query.slices ?? DEFAULT_SLICES);
  for (const flow of [...new Set(query.flows)].sort()) {
    await Promise.all(
      slices.map(async ([sliceFrom, sliceTo]) => {
        for await (const page of sources.index.byFlow(flow, sliceFrom, sliceTo)) {
          for (const item of page) aggregator.add(item);
        }
      }),
    );
  }
  const machines = new Map<string, CompiledMachine>();
  if (sources.machines) {
    for (const { flow, version } of aggregator.versions()) {
      const machine = await sources.machines.get(flow, version).catch(() => undefined);
      if (machine) machines.set(versionKey(flow, version), machine);
    }
  }
  return { report: aggregator.report({ from, to }, machines), machines };
}

const DEFAULT_SLICES = 4;

const WINDOW = /^(\d+)([mhdw])$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/**
 * The length in milliseconds of a window written as `ivr report --since` takes it (30m, 12h, 7d, 2w); undefined
 * when `text` is not like that.
 */
export function windowMs(text: string): number | undefined {
  const match = WINDOW.exec(text);
  return match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : undefined;
}

/** [from, to] cut into `n` contiguous, non-overlapping ISO ranges (BETWEEN is inclusive at both ends). */
export function timeSlices(from: Date, to: Date, n: number): [string, string][] {
  const start = from.getTime();
  const span = to.getTime() - start;
  const count = Math.max(1, Math.min(Math.floor(n), Math.floor(span / 1000) || 1));
  const slices: [string, string][] = [];
  for (let i = 0; i < count; i++) {
    const a = start + Math.floor((span * i) / count);
    const b = i === count - 1 ? to.getTime() : start + Math.floor((span * (i + 1)) / count) - 1;
    slices.push([new Date(a).toISOString(), new Date(b).toISOString()]);
  }
  return slices;
}

export function versionKey(flow: string, version: string): string {
  return `${flow}@${version}`;
}

const RETRY_EDGES = ["noInput", "noMatch", "invalid", "exhausted"] as const;

class StateCounter {
  entered = 0;
  readonly left = new Map<string, number>();
  abandoned = 0;
  failed = 0;
  ended = 0;
  fetch: { requests: number; errors: number; latency: QuantileSketch } | undefined;

  leave(t: Transition): void {
    this.left.set(t.on, (this.left.get(t.on) ?? 0) + 1);
    if (t.ms === undefined) return;
    this.fetch ??= { requests: 0, errors: 0, latency: new QuantileSketch() };
    this.fetch.requests++;
    if (t.on === "onError") this.fetch.errors++;
    this.fetch.latency.add(t.ms);
  }
}

class VersionCounter {
  calls = 0;
  readonly outcomes: Record<HandledOutcomeKind, number> = { completed: 0, transferred: 0, abandoned: 0, failed: 0 };
  readonly unreached = new Map<string, number>();
  readonly results = new Map<string, number>();
  readonly duration = new QuantileSketch();
  readonly states = new Map<string, StateCounter>();
  readonly edges = new Map<string, EdgeStats>();

  constructor(
    readonly flow: string,
    readonly version: string,
  ) {}

  add(item: ReportItem): void {
    const outcome = item.outcome as CallOutcome;
    if (outcome.kind === "unreached") {
      this.unreached.set(item.sessionStatus, (this.unreached.get(item.sessionStatus) ?? 0) + 1);
      return;
    }
    this.calls++;
    this.outcomes[outcome.kind]++;
    if (outcome.result !== undefined) this.results.set(outcome.result, (this.results.get(outcome.result) ?? 0) + 1);
    if (item.durationMs !== undefined) this.duration.add(item.durationMs);

    const transitions = item.transitions ?? [];
    const first = transitions[0]?.from ?? outcome.state;
    if (first !== undefined) this.state(first).entered++;
    for (const t of transitions) {
      this.state(t.from).leave(t);
      if (t.to !== t.from) this.state(t.to).entered++;
      const key = `${t.from}\u0000${t.on}\u0000${t.to}`;
      const edge = this.edges.get(key);
      if (edge) edge.count++;
      else this.edges.set(key, { from: t.from, to: t.to, on: t.on, count: 1 });
    }
    if (outcome.state !== undefined) {
      const where = this.state(outcome.state);
      if (outcome.kind === "abandoned") where.abandoned++;
      else if (outcome.kind === "failed") where.failed++;
      else where.ended++;
    }
  }

  private state(id: string): StateCounter {
    let counter = this.states.get(id);
    if (!counter) {
      counter = new StateCounter();
      this.states.set(id, counter);
    }
    return counter;
  }

  report(machine: CompiledMachine | undefined): FlowReport {
    const states: Record<string, StateStats> = {};
    // Every state of the machine is listed (a state nobody reached is part of the funnel too), in flow order.
    const ids = [...Object.keys(machine?.states ?? {}), ...this.states.keys()];
    for (const id of new Set(ids)) {
      const counter = this.states.get(id) ?? new StateCounter();
      const kind = machine && Object.hasOwn(machine.states, id) ? machine.states[id]?.kind : undefined;
      const left = Object.fromEntries([...counter.left].sort(([a], [b]) => a.localeCompare(b)));
      const stats: StateStats = {
        ...(kind !== undefined && { kind }),
        entered: counter.entered,
        left,
        abandoned: counter.abandoned,
        failed: counter.failed,
        ended: counter.ended,
        noInput: 0,
        noMatch: 0,
        invalid: 0,
        exhausted: 0,
      };
      for (const on of RETRY_EDGES) stats[on] = counter.left.get(on) ?? 0;
      if (counter.fetch) {
        const { requests, errors, latency } = counter.fetch;
        stats.fetch = {
          requests,
          errors,
          errorRate: rate(errors, requests) ?? 0,
          latencyMs: { p50: rounded(latency.quantile(0.5)), p95: rounded(latency.quantile(0.95)) },
        };
      }
      states[id] = stats;
    }
    return {
      flow: this.flow,
      version: this.version,
      calls: this.calls,
      outcomes: { ...this.outcomes },
      containmentRate: rate(this.outcomes.completed, this.calls),
      unreached: {
        total: [...this.unreached.values()].reduce((a, b) => a + b, 0),
        byStatus: Object.fromEntries([...this.unreached].sort(([a], [b]) => a.localeCompare(b))),
      },
      results: Object.fromEntries([...this.results].sort(([a], [b]) => a.localeCompare(b))),
      durationMs: { p50: rounded(this.duration.quantile(0.5)), p90: rounded(this.duration.quantile(0.9)) },
      states,
      edges: [...this.edges.values()].sort((a, b) => b.count - a.count || a.from.localeCompare(b.from)),
    };
  }
}

/** Folds report items into per-(flow, version) counters; `report` may be called at any point. */
export class ReportAggregator {
  private readonly byVersion = new Map<string, VersionCounter>();

  add(item: ReportItem): void {
    if (!item.outcome || item.flow === undefined || item.version === undefined) return;
    const key = versionKey(item.flow, item.version);
    let counter = this.byVersion.get(key);
    if (!counter) {
      counter = new VersionCounter(item.flow, item.version);
      this.byVersion.set(key, counter);
    }
    counter.add(item);
  }

  versions(): { flow: string; version: string }[] {
    return [...this.byVersion.values()].map(({ flow, version }) => ({ flow, version }));
  }

  report(window: Report["window"], machines: ReadonlyMap<string, CompiledMachine> = new Map()): Report {
    const flows = [...this.byVersion.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, counter]) => counter.report(machines.get(key)));
    return { window, flows };
  }
}

export { OUTCOME_KINDS };

function rate(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;
}

function rounded(value: number | null): number | null {
  return value === null ? null : Math.round(value);
}
