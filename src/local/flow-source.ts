/**
 * The local stack's flows: compiled in-process from the YAML in flows/ (no `npm run build` needed), and watched so
 * an edit is live on the next call.
 */
import { existsSync, type FSWatcher, readdirSync, watch } from "node:fs";
import { join } from "node:path";
import type { CompiledMachine } from "../engine/machine.js";
import { type Diagnostic, formatDiagnostics, loadFlows } from "../language/index.js";

export interface CompiledFlows {
  machines: CompiledMachine[];
  diagnostics: Diagnostic[];
  errorCount: number;
  warningCount: number;
  /** the diagnostics formatted like `ivr validate` prints them ("" when there are none) */
  report: string;
}

export function compileFlowsDir(dir: string): CompiledFlows {
  if (!existsSync(dir)) throw new Error(`flows directory not found: ${dir}`);
  const { machines, diagnostics, sources } = loadFlows(dir);
  const errorCount = diagnostics.filter((d) => d.severity === "error").length;
  return {
    machines,
    diagnostics,
    errorCount,
    warningCount: diagnostics.length - errorCount,
    report: diagnostics.length > 0 ? formatDiagnostics(diagnostics, sources) : "",
  };
}

const FLOW_FILE = /\.ya?ml$/i;

/** Whether a directory holds at least one flow file (used to tell "no flows yet" from a typo'd path). */
export function hasFlowFiles(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).some((f) => FLOW_FILE.test(f));
}

/**
 * Call `onChange` once per burst of changes to YAML files under `dir`. Editors save in several steps (write a
 * temp file, rename, touch), and fs.watch reports each, so changes are debounced.
 */
export function watchFlowsDir(dir: string, onChange: () => void, debounceMs = 150): { close(): void } {
  let timer: NodeJS.Timeout | undefined;
  const fire = (_event: string, file: string | Buffer | null) => {
    // fs.watch may not report a name (some platforms): treat that as "something changed".
    if (file !== null && !FLOW_FILE.test(String(file))) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  };
  let watcher: FSWatcher;
  try {
    watcher = watch(dir, { recursive: true }, fire);
  } catch {
    // recursive watching is not available everywhere (older Linux kernels / Node builds): flows/ is flat anyway
    watcher = watch(join(dir), fire);
  }
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
