import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileFlowSource, machineEdges, renderGraph } from "../../src/language/index.js";
import { compile } from "./helpers.js";

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

describe("state graph: fetch states", () => {
  const file = "test/fixtures/ok/integration.yaml";
  const fetching = compileFlowSource(readFileSync(file, "utf8"), file).machine!;
  const on = (from: string) =>
    machineEdges(fetching)
      .filter((e) => e.from === from)
      .map((e) => `${e.on}->${e.to} (${e.label})`);

  it("labels a fetch's routes as the engine reports them: next, on:<route>, onError", () => {
    expect(on("verify")).toEqual([
      "next->greet (2xx)",
      "on:404->unknown-card (404)",
      "on:4xx->refused (4xx)",
      "onError->bank-down (error)",
    ]);
    // without its own onError, a fetch's failures go to the flow's
    expect(on("greet")).toEqual(["next->speak-balance (2xx)", "onError->sorry (error)"]);
  });

  it("draws fetches in their own shape, with dashed error routes", () => {
    const mermaid = renderGraph(fetching, "mermaid");
    expect(mermaid).toContain('s1[["verify<br/>(fetch POST bank)"]]');
    expect(mermaid).toContain('s1 -->|"404"| ');
    expect(mermaid).toContain('s1 -->|"2xx"| s2');
    expect(mermaid).toContain('s1 -.->|"error"| ');
    const dot = renderGraph(fetching, "dot");
    expect(dot).toContain('"verify" [shape=component, label="verify\\n(fetch POST bank)"];');
    expect(dot).toContain('"verify" -> "bank-down" [label="error", style=dashed];');
    expect(dot).toContain('"verify" -> "refused" [label="4xx"];');
  });

  it("a fetch failure with no onError anywhere goes to the built-in apology", () => {
    const { machine } = compile(`
      flow: no-error
      start: lookup
      services: { bank: { url: "https://api.acme.example" } }
      states:
        lookup: { fetch: { service: bank, next: bye } }
        bye: { hangup: {} }
    `);
    expect(machineEdges(machine!).map((e) => `${e.from} --${e.on}--> ${e.to}`)).toEqual([
      "lookup --next--> bye",
      "lookup --onError--> (apology)",
    ]);
    expect(renderGraph(machine!, "mermaid")).toContain('s2(["(apology)"])');
  });
});
