/**
 * The studio's diagram model: every transition coverage counts is drawn exactly once (as an edge or as a badge), so
 * the coverage and traffic overlays can colour every one; clutter is folded away; states know their YAML lines.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generateFlow } from "../../bench/flow-generator.js";
import { compileFlowSource } from "../../src/language/index.js";
import { buildDiagram, stateLines } from "../../src/studio/diagram.js";
import { edgeId, possibleEdges } from "../../src/testing/coverage.js";
import { exampleMachines } from "../support/rig.js";

const file = "test/fixtures/ok/every-kind.yaml";
const source = readFileSync(file, "utf8");
const machine = compileFlowSource(source, file).machine!;
const diagram = buildDiagram(machine, source);
const node = (id: string) => diagram.nodes.find((n) => n.id === id)!;

/** Every coverage id the diagram draws: edges, retry badges and hang-up badges. */
function drawnCoverageIds(d: ReturnType<typeof buildDiagram>): string[] {
  return [
    ...d.edges.flatMap((e) => e.coverageIds),
    ...d.nodes.flatMap((n) => [
      ...(n.retries ?? []).map((r) => r.coverageId),
      ...(n.hangsUp ? [n.hangsUp.coverageId] : []),
    ]),
  ];
}

describe("studio diagram", () => {
  it("draws every transition coverage counts exactly once (repeat and back keys are listed on the keys marker)", () => {
    const integration = readFileSync("test/fixtures/ok/integration.yaml", "utf8");
    for (const m of [machine, compileFlowSource(integration, "integration.yaml").machine!, ...exampleMachines]) {
      const d = buildDiagram(m);
      const drawn = drawnCoverageIds(d);
      expect(new Set(drawn).size).toBe(drawn.length);
      const possible = possibleEdges(m)
        .map(edgeId)
        .filter((id) => !/--> \((repeat|back)\)$/.test(id));
      expect(drawn.sort()).toEqual(possible.sort());
    }
  });

  it("has a node per state with its kind, and markers for the start, global keys and onError", () => {
    const states = diagram.nodes.filter((n) => !["start", "error", "keys"].includes(n.kind));
    expect(states.map((n) => n.id).sort()).toEqual(Object.keys(machine.states).sort());
    expect(node("main").kind).toBe("menu");
    expect(node("main").detail).toBe("For accounts press 1. For sales press 22.");
    expect(node("vip").detail).toBe("to +6560000001 (recorded)");
    expect(node("route").detail).toContain("tier = gold and not account ~ /^9/");
    expect(node("welcome").marks).toEqual(["start"]);
    expect(node("operator").marks).toEqual(["key 0"]);
    expect(node("sorry").marks).toEqual(["onError"]);
    expect(node("(keys)").detail).toBe("0: operator  *: repeat  #: back");
    const fromMarkers = diagram.edges.filter((e) => e.from.startsWith("("));
    expect(fromMarkers.map((e) => `${e.from} ${e.on} ${e.to} ${e.style}`)).toEqual([
      "(start) start welcome start",
      "(keys) key:0 operator key",
      "(error) onError sorry error",
    ]);
  });

  it("folds retries and the hang-up after the last attempt into badges, never self-loops or an end node", () => {
    expect(diagram.edges.some((e) => e.from === e.to)).toBe(false);
    expect(node("main").retries).toEqual([
      { on: "noInput", coverageId: "main --noInput--> main" },
      { on: "noMatch", coverageId: "main --noMatch--> main" },
    ]);
    expect(node("account").hangsUp).toEqual({ coverageId: "account --exhausted--> (hangup)" });
    expect(diagram.nodes.some((n) => n.id.includes("(hangup)"))).toBe(false);
  });

  it("draws a fetch with its routes as HTTP outcomes, and its error route dashed", () => {
    const path = "test/fixtures/ok/integration.yaml";
    const text = readFileSync(path, "utf8");
    const d = buildDiagram(compileFlowSource(text, path).machine!, text);
    const verify = d.nodes.find((n) => n.id === "verify")!;
    expect(verify).toMatchObject({ kind: "fetch", detail: "POST bank /cards/{{card}}/verify" });
    const routes = d.edges.filter((e) => e.from === "verify").map((e) => `${e.on}:${e.label}:${e.to}:${e.style}`);
    expect(routes).toEqual([
      "next:2xx:greet:normal",
      "on:404:404:unknown-card:normal",
      "on:4xx:4xx:refused:normal",
      "onError:error:bank-down:error",
    ]);
    expect(d.edges.filter((e) => e.from === "greet").map((e) => `${e.on}:${e.to}`)).toEqual([
      "next:speak-balance",
      "onError:sorry",
    ]);
  });

  it("draws several transitions to the same state as one edge, listing them", () => {
    const d = buildDiagram(compileFlowSource(generateFlow(5), "big.yaml").machine!);
    const menu = d.edges.filter((e) => e.from === "s0");
    expect(menu).toHaveLength(1);
    expect(menu[0]).toMatchObject({
      to: "s1",
      on: "1,2",
      label: "1, 2",
      coverageIds: ["s0 --1--> s1", "s0 --2--> s1"],
    });
  });

  it("labels edges with the engine's transition and a readable label", () => {
    const from = (id: string) => diagram.edges.filter((e) => e.from === id).map((e) => `${e.on}:${e.label}`);
    expect(from("main")).toEqual(["1:1", "22:22", "exhausted:exhausted"]);
    expect(from("open")).toEqual(["then:then (open)", "else:else (closed)"]);
    expect(from("account")).toEqual(["next:digits → account"]);
  });

  it("knows each state's YAML lines, from its key to its last line", () => {
    const lines = source.split("\n");
    const [start, end] = node("main").lines!;
    expect(lines[start - 1]).toBe("  main:");
    expect(lines[end - 1]).toBe("      timeout: 8");
    const [sales] = stateLines(source).get("sales")!;
    expect(stateLines(source).get("sales")).toEqual([sales, sales]);
    expect(lines[sales - 1]).toBe('  sales: { transfer: { to: "+6560000002" } }');
  });
});
