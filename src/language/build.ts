/**
 * The one way to compile a flows directory: every flow file checked and compiled, the cross-flow checks, and the
 * diagnostics formatted as `ivr validate` prints them. `npm run build`, `cdk synth`, the local stack (start and
 * hot reload) and the studio's flow list all call this; src/build writes the result as generated/flows.json.
 */
import { existsSync } from "node:fs";
import type { CompiledMachine } from "../engine/machine.js";
import { type Diagnostic, formatDiagnostics, summarize } from "./diagnostics.js";
import { loadFlows } from "./load.js";

export interface CompiledFlows {
  /** the flows that compiled (a broken file is left out; the others are still here) */
  machines: CompiledMachine[];
  diagnostics: Diagnostic[];
  errorCount: number;
  /** the flow files read */
  files: string[];
  /** each file's text, by file name (what the diagnostics point into) */
  sources: Record<string, string>;
  /** the diagnostics formatted like `ivr validate` prints them ("" when there are none) */
  report: string;
  /** one line: "3 flows ok", "1 error, 2 warnings in 3 flows" */
  summary: string;
}

/** Throws only when `dir` does not exist; everything wrong with the flows is in the diagnostics. */
export function compileFlowsDir(dir: string): CompiledFlows {
  if (!existsSync(dir)) throw new Error(`flows directory not found: ${dir}`);
  const { machines, diagnostics, sources, files } = loadFlows(dir);
  const errorCount = diagnostics.filter((d) => d.severity === "error").length;
  return {
    machines,
    diagnostics,
    errorCount,
    files,
    sources,
    report: diagnostics.length > 0 ? formatDiagnostics(diagnostics, sources) : "",
    summary: summarize(diagnostics, files.length),
  };
}
