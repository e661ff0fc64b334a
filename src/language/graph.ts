/** The state graph of a compiled flow (for `ivr graph` and for coverage): edges labelled as the engine reports
 * transitions, rendered as Mermaid or Graphviz DOT. */
import type { CompiledMachine, CompiledState, Condition } from "../engine/machine.js";

export type GraphFormat = "mermaid" | "dot";

export interface GraphEdge {
  from: string;
  to: string;
  /** the engine's transition label: a digit string, next, then, else, case:N, exhausted, key:X, noInput,
   * noMatch, invalid; for a fetch next, on:<route>, onError */
  on: string;
  /** human label for drawings */
  label: string;
}

/** Where a call goes when a menu/ask runs out of attempts without `onExhausted`. */
export const IMPLICIT_HANGUP = "(hangup)";
/** Where a failed fetch goes when neither it nor the flow has an `onError`: the built-in apology. */
export const IMPLICIT_APOLOGY = "(apology)";

export function machineEdges(machine: CompiledMachine): GraphEdge[] {
  const edges: GraphEdge[] = [];
  const add = (from: string, to: string, on: string, label = on) => edges.push({ from, to, on, label });
  for (const [id, state] of Object.entries(machine.states)) {
    switch (state.kind) {
      case "say":
      case "play":
      case "set":
        add(id, state.next, "next", "");
        break;
      case "menu":
        for (const [digits, to] of Object.entries(state.options)) add(id, to, digits);
        add(id, id, "noInput", "no-input");
        add(id, id, "noMatch", "no-match");
        add(id, state.onExhausted ?? IMPLICIT_HANGUP, "exhausted");
        break;
      case "ask":
        add(id, state.next, "next", `digits → ${state.into}`);
        add(id, id, "noInput", "no-input");
        add(id, id, "invalid", "invalid");
        add(id, state.onExhausted ?? IMPLICIT_HANGUP, "exhausted");
        break;
      case "branch":
        state.cases.forEach((c, i) => {
          add(id, c.then, `case:${i}`, `if ${describeCondition(c.if)}`);
        });
        add(id, state.else, "else");
        break;
      case "hours":
        add(id, state.then, "then", "then (open)");
        add(id, state.else, "else", "else (closed)");
        break;
      case "fetch":
        add(id, state.next, "next", "2xx");
        for (const [route, to] of Object.entries(state.on)) add(id, to, `on:${route}`, route);
        add(id, state.onError ?? machine.onError ?? IMPLICIT_APOLOGY, "onError", "error");
        break;
      default:
        break;
    }
    if (state.kind === "menu" || state.kind === "ask") {
      for (const [key, target] of Object.entries(machine.keys)) {
        if ("goto" in target && !(state.kind === "menu" && key in state.options)) {
          add(id, target.goto, `key:${key}`, `key ${key}`);
        }
      }
    }
  }
  return edges;
}

export function describeCondition(c: Condition): string {
  if ("all" in c) return c.all.map(describeCondition).join(" and ");
  if ("any" in c) return `(${c.any.map(describeCondition).join(" or ")})`;
  if ("not" in c) return `not ${describeCondition(c.not)}`;
  if ("equals" in c) return `${c.var} = ${c.equals}`;
  if ("matches" in c) return `${c.var} ~ /${c.matches}/`;
  if ("in" in c) return `${c.var} in [${c.in.join(", ")}]`;
  if ("lessThan" in c) return `${c.var} < ${c.lessThan}`;
  if ("atMost" in c) return `${c.var} <= ${c.atMost}`;
  if ("greaterThan" in c) return `${c.var} > ${c.greaterThan}`;
  if ("atLeast" in c) return `${c.var} >= ${c.atLeast}`;
  return c.exists ? `${c.var} is set` : `${c.var} is not set`;
}

function nodeLabel(id: string, state: CompiledState | undefined): string {
  if (state?.kind === "fetch") return `${id}\n(fetch ${state.method} ${state.service})`;
  return state ? `${id}\n(${state.kind})` : id;
}

export function renderGraph(machine: CompiledMachine, format: GraphFormat = "mermaid"): string {
  const edges = machineEdges(machine);
  const ids = [...Object.keys(machine.states)];
  if (edges.some((e) => e.to === IMPLICIT_HANGUP)) ids.push(IMPLICIT_HANGUP);
  if (edges.some((e) => e.to === IMPLICIT_APOLOGY)) ids.push(IMPLICIT_APOLOGY);
  return format === "dot" ? renderDot(machine, ids, edges) : renderMermaid(machine, ids, edges);
}

function renderMermaid(machine: CompiledMachine, ids: string[], edges: GraphEdge[]): string {
  // Node ids are generated (s0, s1, ...): state ids may collide with Mermaid keywords such as `end`.
  const node = new Map(ids.map((id, i) => [id, `s${i}`]));
  const esc = (s: string) => s.replace(/"/g, "#quot;").replace(/\n/g, "<br/>");
  const lines = ["flowchart TD", `  %% ${machine.flow} ${machine.version}`];
  for (const id of ids) {
    const state = machine.states[id];
    const label = `"${esc(nodeLabel(id, state))}"`;
    const shape =
      state?.kind === "branch" || state?.kind === "hours"
        ? `{${label}}`
        : state?.kind === "menu" || state?.kind === "ask"
          ? `[/${label}/]`
          : state?.kind === "fetch"
            ? `[[${label}]]`
            : state === undefined || state.kind === "transfer" || state.kind === "hangup"
              ? `([${label}])`
              : `[${label}]`;
    lines.push(`  ${node.get(id)}${shape}`);
  }
  lines.push(`  start((start)) --> ${node.get(machine.start)}`);
  if (machine.onError) lines.push(`  error((error)) -.-> ${node.get(machine.onError)}`);
  for (const e of edges) {
    const arrow = isDashed(e) ? "-.->" : "-->";
    const label = e.label ? `|"${esc(e.label)}"|` : "";
    lines.push(`  ${node.get(e.from)} ${arrow}${label} ${node.get(e.to)}`);
  }
  return `${lines.join("\n")}\n`;
}

function renderDot(machine: CompiledMachine, ids: string[], edges: GraphEdge[]): string {
  const q = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
  const lines = [
    `digraph ${q(machine.flow)} {`,
    "  rankdir=LR;",
    `  label=${q(`${machine.flow} ${machine.version}`)};`,
  ];
  lines.push('  "(start)" [shape=circle];', `  "(start)" -> ${q(machine.start)};`);
  if (machine.onError)
    lines.push('  "(error)" [shape=circle];', `  "(error)" -> ${q(machine.onError)} [style=dashed];`);
  for (const id of ids) {
    const state = machine.states[id];
    const shape =
      state?.kind === "branch" || state?.kind === "hours"
        ? "diamond"
        : state?.kind === "menu" || state?.kind === "ask"
          ? "parallelogram"
          : state?.kind === "fetch"
            ? "component"
            : state === undefined || state.kind === "transfer" || state.kind === "hangup"
              ? "doubleoctagon"
              : "box";
    lines.push(`  ${q(id)} [shape=${shape}, label=${q(nodeLabel(id, state))}];`);
  }
  for (const e of edges) {
    const attrs = [e.label ? `label=${q(e.label)}` : "", isDashed(e) ? "style=dashed" : ""].filter(Boolean);
    lines.push(`  ${q(e.from)} -> ${q(e.to)}${attrs.length ? ` [${attrs.join(", ")}]` : ""};`);
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

/** Global keys (taken from anywhere) and a fetch's failures are drawn dashed: off the main path. */
function isDashed(edge: GraphEdge): boolean {
  return edge.on.startsWith("key:") || edge.on === "onError";
}
