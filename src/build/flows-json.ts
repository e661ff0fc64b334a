/**
 * generated/flows.json: the compiled flows the Lambdas bundle (lambdas/runtime.ts), from the one flow compile
 * (src/language/build.ts). Written by `npm run build`, the test setup and the benchmark from flows/, and by
 * `cdk synth` from the flows being deployed.
 */
import { join } from "node:path";
import type { CompiledMachine } from "../engine/machine.js";
import { type CompiledFlows, compileFlowsDir } from "../language/build.js";
import { GENERATED_DIR, writeAtomically } from "./generated.js";

/** generated/flows.json: what the Lambdas bundle (lambdas/runtime.ts). Rewritten only when it changed. */
export function writeFlowsJson(machines: readonly CompiledMachine[], outDir = GENERATED_DIR): string {
  const file = join(outDir, "flows.json");
  writeAtomically(file, `${JSON.stringify(machines, null, 2)}\n`);
  return file;
}

/** Compile `flowsDir` and, when no flow has an error, write it as generated/flows.json (`file` says where). */
export function buildFlowsJson(flowsDir = "flows", outDir = GENERATED_DIR): CompiledFlows & { file?: string } {
  const flows = compileFlowsDir(flowsDir);
  return flows.errorCount > 0 ? flows : { ...flows, file: writeFlowsJson(flows.machines, outDir) };
}
