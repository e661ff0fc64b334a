/**
 * The traffic overlay: what the local stack's calls did in a flow, from the same report `ivr report` builds (the
 * session summaries by flow and time, src/analytics/report.ts). Every version of the flow in the window is added
 * up by state id and by transition, so the figures survive the edits a developer makes between calls.
 */
import { buildReport, versionKey, windowMs } from "../analytics/report.js";
import type { CompiledMachine } from "../engine/machine.js";
import type { FlowVersionStore, SummaryIndex } from "../store/ports.js";
import { edgeId, normaliseEdge } from "../testing/coverage.js";
import type { TrafficOverlay } from "./protocol.js";

const COUNTED = ["entered", "abandoned", "failed", "ended", "noInput", "noMatch", "invalid", "exhausted"] as const;
const DAY_MS = 86_400_000;

export class TrafficError extends Error {
  override name = "TrafficError";
}

/**
 * `since` is a window ending now, like `ivr report --since`: 30m, 12h, 7d (default), 2w. Calls in `leaveOut` (the
 * coverage overlay's scenario runs) are not counted.
 */
export async function flowTraffic(
  sources: { index: SummaryIndex; machines: Pick<FlowVersionStore, "get"> },
  flow: string,
  options: { since?: string; leaveOut?: ReadonlySet<string>; now?: Date } = {},
): Promise<TrafficOverlay> {
  const { since = "7d", leaveOut = new Set<string>(), now = new Date() } = options;
  const length = windowMs(since);
  if (length === undefined) throw new TrafficError(`since '${since}' is not like 30m, 12h, 7d or 2w`);
  const from = new Date(now.getTime() - length);
  // No end: a call placed from the studio with its clock set ahead is stored at that moment, and belongs here.
  const to = new Date(now.getTime() + 366 * DAY_MS);
  const index: SummaryIndex = {
    async *byFlow(id, start, end) {
      for await (const page of sources.index.byFlow(id, start, end)) {
        yield leaveOut.size === 0 ? page : page.filter((item) => !leaveOut.has(item.sessionId));
      }
    },
  };
  const { report, machines } = await buildReport({ index, machines: sources.machines }, { flows: [flow], from, to });
  const overlay: TrafficOverlay = {
    flow,
    versions: [],
    calls: 0,
    outcomes: {},
    states: {},
    edges: {},
    source: `ivr report over the local stack's calls since ${from.toISOString().slice(0, 16).replace("T", " ")} UTC`,
  };
  for (const version of report.flows) {
    overlay.versions.push(version.version);
    overlay.calls += version.calls;
    const outcomes = overlay.outcomes!;
    for (const [kind, n] of Object.entries(version.outcomes)) outcomes[kind] = (outcomes[kind] ?? 0) + n;
    for (const [id, stats] of Object.entries(version.states)) {
      const into = overlay.states[id] ?? { entered: 0, abandoned: 0 };
      overlay.states[id] = into;
      for (const field of COUNTED) into[field] = (into[field] ?? 0) + stats[field];
      if (stats.fetch) {
        into.requests = (into.requests ?? 0) + stats.fetch.requests;
        into.errors = (into.errors ?? 0) + stats.fetch.errors;
      }
    }
    // Edges as coverage ids, so the overlay finds them in the drawing (global keys are flow-wide there too).
    const machine: CompiledMachine | undefined = machines.get(versionKey(flow, version.version));
    for (const edge of version.edges) {
      const id = edgeId(machine ? normaliseEdge(machine, edge) : edge);
      overlay.edges[id] = (overlay.edges[id] ?? 0) + edge.count;
    }
  }
  return overlay;
}
