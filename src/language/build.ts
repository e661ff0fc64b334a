/** Compile flows/*.yaml into generated/flows.json. Returns false (after printing diagnostics) on errors. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatDiagnostics, hasErrors, summarize } from "./diagnostics.js";
import { loadFlows } from "./load.js";

export function buildFlows(flowsDir = "flows", outDir = "generated"): boolean {
  const { machines, diagnostics, sources, files } = loadFlows(flowsDir);
  if (diagnostics.length > 0) process.stderr.write(`${formatDiagnostics(diagnostics, sources)}\n\n`);
  if (hasErrors(diagnostics)) {
    process.stderr.write(`build: ${summarize(diagnostics, files.length)}; generated/flows.json not written\n`);
    return false;
  }
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "flows.json"), `${JSON.stringify(machines, null, 2)}\n`);
  process.stderr.write(`build: ${summarize(diagnostics, files.length)} -> ${join(outDir, "flows.json")}\n`);
  return true;
}
