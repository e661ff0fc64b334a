/** The flow language: YAML flows -> checked, versioned CompiledMachines. Build-time / CLI only. */

export { canonicalJson } from "../engine/canonical-json.js";
export { compileFlow, DEFAULT_ATTEMPTS, DEFAULT_VOICE_PROFILE } from "./compile.js";
export {
  countBySeverity,
  type Diagnostic,
  formatDiagnostic,
  formatDiagnostics,
  hasErrors,
  type Severity,
  summarize,
} from "./diagnostics.js";
export { type GraphFormat, machineEdges, renderGraph } from "./graph.js";
export { compileFlowSource, type FlowResult, flowFilesIn, type LoadResult, loadFlowFiles, loadFlows } from "./load.js";
export { BUILT_IN_VARIABLES, parseTemplate } from "./templates.js";
export { versionOf } from "./version.js";
