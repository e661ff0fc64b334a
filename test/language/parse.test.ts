import { describe, expect, it } from "vitest";
import { parseFlowYaml } from "../../src/language/parse.js";
import { readYamlSubset } from "../../src/language/yaml-subset.js";
import { compile } from "./helpers.js";

describe("parseFlowYaml", () => {
  it("reads plain flow YAML with the fast reader and anything else with the yaml package, to the same data", () => {
    const plain = "flow: a\nstates:\n  s: { say: hi, next: s }\n";
    const anchored = "flow: a\nstates:\n  s: &s { say: hi, next: s }\n  t: *s\n";
    expect(readYamlSubset(plain)).toBeDefined();
    expect(readYamlSubset(anchored)).toBeUndefined();
    expect(parseFlowYaml(plain, "a.yaml").data).toEqual({ flow: "a", states: { s: { say: "hi", next: "s" } } });
    expect(parseFlowYaml(anchored, "a.yaml").data).toEqual({
      flow: "a",
      states: { s: { say: "hi", next: "s" }, t: { say: "hi", next: "s" } },
    });
  });

  it("reports every repeated key at the key itself, also after an empty value", () => {
    const text = "flow: a\nstates:\n  s:\n  t: { say: hi }\n  s: { say: again }\n  t:\n";
    const { data, diagnostics } = parseFlowYaml(text, "a.yaml");
    expect(data).toBeUndefined();
    expect(diagnostics.map((d) => [d.rule, d.line, d.col, d.message])).toEqual([
      ["yaml-syntax", 5, 3, "Map keys must be unique"],
      ["yaml-syntax", 6, 3, "Map keys must be unique"],
    ]);
  });

  it("finds repeated keys in maps of thousands of keys, in flow maps and in lists", () => {
    const states = Array.from({ length: 5_000 }, (_, i) => `  s${i}: { say: "x", next: s${i} }`);
    const text = `flow: a\nstates:\n${states.join("\n")}\n  s7: { say: "y", next: s7 }\n  t: [ { a: 1, a: 2 } ]\n`;
    const { diagnostics } = parseFlowYaml(text, "a.yaml");
    expect(diagnostics.map((d) => [d.line, d.col])).toEqual([
      [5_003, 3],
      [5_004, 16],
    ]);
  });

  it("leaves absurdly deep nesting to the yaml package, which reports it instead of crashing", () => {
    const depth = 3000;
    const text = `flow: deep\nstart: a\nstates:\n  a: { say: ${"[".repeat(depth)}${"]".repeat(depth)}, next: a }\n`;
    expect(readYamlSubset(text)).toBeUndefined();
    const { diagnostics, machine } = compile(text);
    expect(machine).toBeUndefined();
    expect(diagnostics[0]).toMatchObject({ rule: "yaml-syntax", severity: "error" });
  });
});
