import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileFlowSource, machineEdges, renderGraph } from "../../src/language/index.js";

const file = "test/fixtures/ok/every-kind.yaml";
const machine = compileFlowSource(readFileSync(file, "utf8"), file).machine!;

describe("state graph", () => {
  it("labels edges as the engine reports transitions", () => {
    const on = (from: string) =>
      machineEdges(machine)
        .filter((e) => e.from === from)
        .map((e) => `${e.on}->${e.to}`);
    expect(on("main")).toEqual([
      "1->account",
      "22->sales",
      "noInput->main",
      "noMatch->main",
      "exhausted->operator",
      "key:0->operator",
    ]);
    expect(on("account")).toEqual([
      "next->remember",
      "noInput->account",
      "invalid->account",
      "exhausted->(hangup)",
      "key:0->operator",
    ]);
    expect(on("route")).toEqual(["case:0->vip", "case:1->sales", "else->goodbye"]);
    expect(on("open")).toEqual(["then->main", "else->closed"]);
    expect(on("welcome")).toEqual(["next->jingle"]);
  });

  it("renders Mermaid with generated node ids and labelled edges", () => {
    const text = renderGraph(machine, "mermaid");
    expect(text.startsWith("flowchart TD\n")).toBe(true);
    expect(text).toContain('s3[/"main<br/>(menu)"/]');
    expect(text).toContain('s3 -->|"22"| ');
    expect(text).toContain('-->|"no-match"|');
    expect(text).toContain('-->|"exhausted"|');
    expect(text).toContain('-.->|"key 0"|');
    expect(text).toContain('-->|"else (closed)"|');
  });

  it("renders DOT", () => {
    const text = renderGraph(machine, "dot");
    expect(text.startsWith('digraph "every-kind" {')).toBe(true);
    expect(text).toContain('"main" -> "account" [label="1"];');
    expect(text).toContain('"route" -> "goodbye" [label="else"];');
    expect(text.trimEnd().endsWith("}")).toBe(true);
  });
});
