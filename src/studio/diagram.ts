/**
 * A compiled flow as the studio draws it: states as nodes by kind, transitions as labelled edges (the language's
 * own graph, `machineEdges`), and what would clutter a drawing folded away: retries (no-input, no-match, invalid)
 * are badges on their state, a global key is one dashed edge from a "keys" marker instead of one per menu, the
 * flow's onError is one dashed edge from an "error" marker, and hanging up after the last attempt is a badge on
 * its state (an end node, shared or one per state, makes the drawing busier and the layout several times slower).
 *
 * Every transition carries its coverage id (src/testing/coverage.ts), so coverage and traffic overlays colour the
 * very edges the drawing shows.
 */
import type { CompiledMachine, CompiledState, Message, Template } from "../engine/machine.js";
import { describeCondition, IMPLICIT_APOLOGY, IMPLICIT_HANGUP, machineEdges } from "../language/graph.js";
import { parseFlowYaml } from "../language/parse.js";
import { lineIndex } from "../language/positions.js";
import { edgeId, normaliseEdge } from "../testing/coverage.js";
import type { Diagram, DiagramEdge, DiagramNode } from "./protocol.js";

const RETRY_EDGES = new Set(["noInput", "noMatch", "invalid"]);
const START = "(start)";
const ERROR = "(error)";
const KEYS = "(keys)";

export function buildDiagram(machine: CompiledMachine, source?: string): Diagram {
  const lines = source === undefined ? new Map<string, [number, number]>() : stateLines(source);
  const nodes: DiagramNode[] = [];
  const byId = new Map<string, DiagramNode>();
  for (const [id, state] of Object.entries(machine.states)) {
    const node: DiagramNode = { id, kind: state.kind, label: id };
    const detail = describeState(state);
    if (detail) node.detail = detail;
    const range = lines.get(id);
    if (range) node.lines = range;
    nodes.push(node);
    byId.set(id, node);
  }
  const mark = (id: string, what: string) => {
    const node = byId.get(id);
    if (!node) return;
    node.marks ??= [];
    node.marks.push(what);
  };

  const edges: DiagramEdge[] = [];
  const add = (edge: Omit<DiagramEdge, "id">) => {
    const added = { id: `e${edges.length}`, ...edge };
    edges.push(added);
    return added;
  };
  const parallel = new Map<string, DiagramEdge>();
  add({ from: START, to: machine.start, on: "start", label: "", style: "start", coverageIds: [] });
  mark(machine.start, "start");

  for (const edge of machineEdges(machine)) {
    if (edge.on.startsWith("key:")) continue; // drawn once per key below
    const state = machine.states[edge.from];
    const coverageId = edgeId(normaliseEdge(machine, edge));
    if (RETRY_EDGES.has(edge.on) && edge.from === edge.to) {
      // one attempt: the first failure is already `exhausted`, so there is no retry to show (as coverage counts)
      const attempts = state && (state.kind === "menu" || state.kind === "ask") ? state.attempts : 2;
      const node = byId.get(edge.from)!;
      if (attempts > 1) {
        node.retries ??= [];
        node.retries.push({ on: edge.on, coverageId });
      }
      continue;
    }
    if (edge.to === IMPLICIT_HANGUP) {
      byId.get(edge.from)!.hangsUp = { coverageId };
      continue;
    }
    if (edge.to === IMPLICIT_APOLOGY && !byId.has(IMPLICIT_APOLOGY)) {
      // a failed fetch with no onError anywhere: the engine's own apology, then it hangs up
      const apology: DiagramNode = { id: IMPLICIT_APOLOGY, kind: "error", label: "built-in apology" };
      nodes.push(apology);
      byId.set(IMPLICIT_APOLOGY, apology);
    }
    const style = edge.on === "onError" ? "error" : "normal";
    // Several ways from one state to the same next one (menu options 1 and 2 to `sales`) are one edge "1, 2":
    // a cleaner drawing, and fewer edges for the layout.
    const twin = style === "normal" ? parallel.get(`${edge.from}\n${edge.to}`) : undefined;
    if (twin) {
      twin.on += `,${edge.on}`;
      twin.label = [twin.label, edge.label].filter(Boolean).join(", ");
      twin.coverageIds.push(coverageId);
      continue;
    }
    const added = add({
      from: edge.from,
      to: edge.to,
      on: edge.on,
      label: edge.label,
      style,
      coverageIds: [coverageId],
    });
    if (style === "normal") parallel.set(`${edge.from}\n${edge.to}`, added);
  }

  const keys = Object.entries(machine.keys);
  if (keys.length > 0) {
    nodes.push({
      id: KEYS,
      kind: "keys",
      label: "any menu or ask",
      detail: keys
        .map(([key, target]) => `${key}: ${"goto" in target ? target.goto : "back" in target ? "back" : "repeat"}`)
        .join("  "),
    });
    for (const [key, target] of keys) {
      const coverageId = edgeId(normaliseEdge(machine, { from: KEYS, on: `key:${key}`, to: "" }));
      if ("goto" in target) {
        add({
          from: KEYS,
          to: target.goto,
          on: `key:${key}`,
          label: `key ${key}`,
          style: "key",
          coverageIds: [coverageId],
        });
        mark(target.goto, `key ${key}`);
      }
    }
  }
  if (machine.onError) {
    nodes.push({ id: ERROR, kind: "error", label: "on error" });
    add({ from: ERROR, to: machine.onError, on: "onError", label: "", style: "error", coverageIds: [] });
    mark(machine.onError, "onError");
  }
  nodes.unshift({ id: START, kind: "start", label: "start" });
  return { flow: machine.flow, version: machine.version, nodes, edges };
}

/** 1-based line range of each state in the YAML: from its key to the last line of its body. */
export function stateLines(source: string): Map<string, [number, number]> {
  const ranges = new Map<string, [number, number]>();
  const parsed = parseFlowYaml(source, "flow.yaml");
  const states = parsed.data && typeof parsed.data === "object" ? (parsed.data as { states?: unknown }).states : null;
  if (!states || typeof states !== "object") return ranges;
  const lineOf = lineIndex(source);
  for (const id of Object.keys(states)) {
    const [start] = parsed.locator.range(["states", id], "key");
    const [, end] = parsed.locator.range(["states", id], "value");
    // a block value ends after its last line break: the range stops on the line before
    const last = source.slice(start, end).trimEnd().length + start;
    ranges.set(id, [lineOf(start).line, lineOf(Math.max(start, last - 1)).line]);
  }
  return ranges;
}

/** One short line saying what a state does. */
function describeState(state: CompiledState): string | undefined {
  switch (state.kind) {
    case "say":
      return messagesText(state.messages);
    case "play":
      return `♪ ${state.url}`;
    case "menu":
    case "ask":
      return templateText(state.prompt);
    case "branch":
      return state.cases.map((c) => describeCondition(c.if)).join(" | ");
    case "set":
      return Object.entries(state.assign)
        .map(([name, value]) => `${name} = ${templateText(value)}`)
        .join(", ");
    case "hours":
      return state.timezone;
    case "transfer":
      return `to ${state.to}${state.record ? " (recorded)" : ""}`;
    case "hangup":
      return messagesText(state.say) || undefined;
    case "fetch":
      return `${state.method} ${state.service} ${templateText(state.path)}`;
  }
}

function messagesText(messages: readonly Message[]): string {
  return messages.map((m) => ("say" in m ? templateText(m.say) : `♪ ${m.play}`)).join(" ");
}

function templateText(template: Template): string {
  return template
    .map((part) => (typeof part === "string" ? part : `{{${part.var}${part.digits ? " | digits" : ""}}}`))
    .join("");
}
