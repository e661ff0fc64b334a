import { compileFlowSource, type Diagnostic } from "../../src/language/index.js";

/** Compiles YAML text (dedented) and returns the machine and diagnostics. */
export function compile(yaml: string, file = "test.yaml") {
  return compileFlowSource(dedent(yaml), file);
}

export function errors(diags: Diagnostic[]): Diagnostic[] {
  return diags.filter((d) => d.severity === "error");
}

export function rules(diags: Diagnostic[]): string[] {
  return diags.map((d) => d.rule);
}

export function dedent(text: string): string {
  const lines = text.replace(/^\n/, "").split("\n");
  const indent = Math.min(...lines.filter((l) => l.trim() !== "").map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join("\n");
}
