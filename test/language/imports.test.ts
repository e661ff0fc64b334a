import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const DIR = "src/language";

/** Relative imports between the modules of src/language, type-only ones included. */
function importGraph(): Map<string, string[]> {
  const files = readdirSync(DIR).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(join(DIR, file), "utf8");
    const deps = [...text.matchAll(/(?:from|import)\s*\(?\s*"\.\/([^"]+)\.js"/g)].map((m) => `${m[1]}.ts`);
    graph.set(
      file,
      deps.filter((d) => files.includes(d)),
    );
  }
  return graph;
}

function cycles(graph: Map<string, string[]>): string[] {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const found: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    stack.push(node);
    for (const dep of graph.get(node) ?? []) {
      if (state.get(dep) === "open") found.push([...stack.slice(stack.indexOf(dep)), dep].join(" -> "));
      else if (!state.has(dep)) visit(dep);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

describe("src/language modules", () => {
  it("import each other without cycles", () => {
    const graph = importGraph();
    expect(graph.get("checker.ts")).toContain("dataflow.ts");
    expect(cycles(graph)).toEqual([]);
  });
});
