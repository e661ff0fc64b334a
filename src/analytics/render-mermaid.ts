/**
 * `ivr report --format mermaid`: each flow version's graph (as `ivr graph` draws it) with the report's counts on
 * it: calls entering each state and the share that hung up there, each edge's count and share of the calls
 * leaving its state. Markdown with one fenced mermaid block per flow version, which GitHub renders.
 */
import { IMPLICIT_HANGUP as ENGINE_HANGUP } from "../engine/engine.js";
import type { CompiledMachine } from "../engine/machine.js";
import { IMPLICIT_HANGUP, machineEdges } from "../language/graph.js";
import { percent } from "./render-table.js";
import type { FlowReport, Report, StateStats } from "./report.js";
import { versionKey } from "./report.js";

export function renderMermaidReport(report: Report, machines: ReadonlyMap<string, CompiledMachine>): string {
  const parts = [`# Call report ${report.window.from} to ${report.window.to}`];
  if (report.flows.length === 0) parts.push("", "No calls in this window.");
  for (const flow of report.flows) {
    const { completed, transferred, abandoned, failed } = flow.outcomes;
    parts.push(
      "",
      `## ${flow.flow} v${flow.version}`,
      "",
      `${flow.calls} calls: ${completed} completed, ${transferred} transferred, ${abandoned} abandoned, ${failed} failed; ` +
        `containment ${percent(flow.containmentRate)}.`,
      "",
      "```mermaid",
      flowchart(flow, machines.get(versionKey(flow.flow, flow.version))).trimEnd(),
      "```",
    );
  }
  return `${parts.join("\n")}\n`;
}

interface DrawnEdge {
  from: string;
  to: string;
  on: string;
  label: string;
  count: number;
}

/** One flow version as a Mermaid flowchart; without its machine, the states and edges the calls took. */
export function flowchart(flow: FlowReport, machine: CompiledMachine | undefined): string {
  const edges = new Map<string, DrawnEdge>();
  const keyOf = (from: string, on: string, to: string) => `${from}\u0000${on}\u0000${to}`;
  for (const e of machine ? machineEdges(machine) : []) {
    edges.set(keyOf(e.from, e.on, e.to), { ...e, count: 0 });
  }
  for (const e of flow.edges) {
    const to = e.to === ENGINE_HANGUP ? IMPLICIT_HANGUP : e.to;
    const known = edges.get(keyOf(e.from, e.on, to));
    if (known) known.count += e.count;
    else edges.set(keyOf(e.from, e.on, to), { from: e.from, to, on: e.on, label: e.on, count: e.count });
  }
  const ids = [...Object.keys(flow.states)];
  for (const e of edges.values()) for (const id of [e.from, e.to]) if (!ids.includes(id)) ids.push(id);
  const node = new Map(ids.map((id, i) => [id, `s${i}`]));
  const esc = (s: string) => s.replace(/"/g, "#quot;");

  const lines = ["flowchart TD", `  %% ${flow.flow} ${flow.version}`];
  for (const id of ids) {
    const stats = flow.states[id];
    const kind = stats?.kind ?? (id === IMPLICIT_HANGUP ? "" : "?");
    const label = stats ? `${id} (${kind})<br/>${stateCounts(stats)}` : id;
    lines.push(`  ${node.get(id)}${shape(kind, `"${esc(label)}"`)}`);
  }
  // Without the machine, the first state counted (the first call's first state) stands in for the start.
  const start = machine?.start ?? Object.keys(flow.states)[0];
  if (start !== undefined && node.has(start)) lines.push(`  start((${flow.calls} calls)) --> ${node.get(start)}`);
  const styled: number[] = [];
  let index = start !== undefined && node.has(start) ? 1 : 0;
  for (const e of edges.values()) {
    const exits = exitsOf(flow.states[e.from]);
    const share = exits > 0 && e.count > 0 ? ` (${Math.round((e.count / exits) * 100)}%)` : "";
    const text = `${e.label ? `${e.label}: ` : ""}${e.count}${share}`;
    lines.push(`  ${node.get(e.from)} ${e.count > 0 ? "-->" : "-.->"}|"${esc(text)}"| ${node.get(e.to)}`);
    if (e.count === 0) styled.push(index);
    index++;
  }
  // Paths nobody took are drawn faint; states where callers hang up often stand out.
  if (styled.length > 0) lines.push(`  linkStyle ${styled.join(",")} stroke:#bbb,color:#999`);
  lines.push("  classDef drop fill:#fde2e1,stroke:#c0392b");
  const dropping = ids.filter((id) => {
    const s = flow.states[id];
    return s !== undefined && s.entered > 0 && s.abandoned / s.entered >= 0.1;
  });
  if (dropping.length > 0) lines.push(`  class ${dropping.map((id) => node.get(id)).join(",")} drop`);
  return `${lines.join("\n")}\n`;
}

function stateCounts(s: StateStats): string {
  const parts = [`entered ${s.entered}`];
  if (s.abandoned > 0) parts.push(`abandoned ${s.abandoned} (${percent(s.abandoned / Math.max(1, s.entered))})`);
  if (s.failed > 0) parts.push(`failed ${s.failed}`);
  if (s.fetch) parts.push(`errors ${percent(s.fetch.errorRate)}, p95 ${s.fetch.latencyMs.p95 ?? "-"} ms`);
  return parts.join("<br/>");
}

/** Everything that ends a visit: transitions out, and calls that ended there. */
function exitsOf(s: StateStats | undefined): number {
  if (!s) return 0;
  return Object.values(s.left).reduce((a, b) => a + b, 0) + s.abandoned + s.failed + s.ended;
}

function shape(kind: string, label: string): string {
  if (kind === "branch" || kind === "hours") return `{${label}}`;
  if (kind === "menu" || kind === "ask") return `[/${label}/]`;
  if (kind === "transfer" || kind === "hangup" || kind === "") return `([${label}])`;
  return `[${label}]`;
}
