/** Entry points: one flow's source -> machine + diagnostics; a directory or a list of files, with the
 * cross-flow checks (unique flow ids, unique inbound numbers). */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { CompiledMachine } from "../engine/machine.js";
import { checkFlow } from "./checker.js";
import { compileFlow } from "./compile.js";
import { type Diagnostic, hasErrors, sortDiagnostics } from "./diagnostics.js";
import { parseFlowYaml } from "./parse.js";
import type { SourceLocator } from "./positions.js";
import { validateAgainstSchema } from "./schema.js";

export interface FlowResult {
  machine?: CompiledMachine;
  diagnostics: Diagnostic[];
}

interface FileResult extends FlowResult {
  file: string;
  data: unknown;
  locator: SourceLocator;
}

function compileOne(text: string, file: string): FileResult {
  const parsed = parseFlowYaml(text, file);
  const diagnostics = [...parsed.diagnostics];
  if (parsed.data === undefined) return { file, data: undefined, locator: parsed.locator, diagnostics };
  diagnostics.push(...validateAgainstSchema(parsed.data, file, parsed.locator));
  diagnostics.push(...dedupe(diagnostics, checkFlow(parsed)));
  const machine = hasErrors(diagnostics) ? undefined : compileFlow(parsed.data, file);
  return {
    file,
    data: parsed.data,
    locator: parsed.locator,
    diagnostics: sortDiagnostics(diagnostics),
    ...(machine ? { machine } : {}),
  };
}

/** The schema and the checker may see the same problem at the same spot (e.g. a missing else): report it once. */
function dedupe(existing: Diagnostic[], added: Diagnostic[]): Diagnostic[] {
  const seen = new Set(existing.map((d) => `${d.line}:${d.col}:${d.rule}`));
  return added.filter((d) => !seen.has(`${d.line}:${d.col}:${d.rule}`));
}

export function compileFlowSource(text: string, file: string): FlowResult {
  const { machine, diagnostics } = compileOne(text, file);
  return { diagnostics, ...(machine ? { machine } : {}) };
}

export interface LoadResult {
  machines: CompiledMachine[];
  diagnostics: Diagnostic[];
  /** file -> text, for formatDiagnostics (optional addition to the shared shape) */
  sources: Record<string, string>;
  /** how many flow files were read */
  files: string[];
}

/** Files in `dir` that are flows: *.yaml / *.yml, except scenario files (*.test.yaml, *.scenario(s).yaml). */
export function flowFilesIn(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => /\.ya?ml$/.test(name) && !/\.(tests?|scenarios?)\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(dir, name));
}

export function loadFlows(dir = "flows"): LoadResult {
  return loadFlowFiles(flowFilesIn(dir));
}

export function loadFlowFiles(files: string[]): LoadResult {
  const sources: Record<string, string> = {};
  const results: FileResult[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      diagnostics.push({ file, line: 1, col: 1, severity: "error", rule: "io", message: `cannot read: ${reason}` });
      continue;
    }
    sources[file] = text;
    const result = compileOne(text, file);
    results.push(result);
    diagnostics.push(...result.diagnostics);
  }
  diagnostics.push(...crossFlowChecks(results));
  const failed = new Set(diagnostics.filter((d) => d.severity === "error").map((d) => d.file));
  const machines = results.filter((r) => r.machine && !failed.has(r.file)).map((r) => r.machine!);
  return { machines, diagnostics, sources, files };
}

function crossFlowChecks(results: FileResult[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const flows = new Map<string, string>();
  const numbers = new Map<string, { file: string; text: string }>();
  for (const result of results) {
    const data = result.data as Record<string, unknown> | undefined;
    if (!data || typeof data !== "object") continue;
    const where = (path: (string | number)[]) => {
      const place = result.locator.place(path);
      return { place, text: `${result.file}:${place.line}:${place.col}` };
    };
    if (typeof data.flow === "string") {
      const here = where(["flow"]);
      const first = flows.get(data.flow);
      if (first) {
        diagnostics.push({
          file: result.file,
          ...here.place,
          severity: "error",
          rule: "duplicate-flow",
          message: `flow id '${data.flow}' is already used by ${first}`,
          hint: "flow ids must be unique across flows/",
        });
      } else flows.set(data.flow, here.text);
    }
    if (Array.isArray(data.numbers)) {
      data.numbers.forEach((number, i) => {
        if (typeof number !== "string") return;
        const here = where(["numbers", i]);
        const first = numbers.get(number);
        if (first?.file === result.file) return; // the schema reports duplicates within one file
        if (first) {
          diagnostics.push({
            file: result.file,
            ...here.place,
            severity: "error",
            rule: "duplicate-number",
            message: `number ${number} is already routed to another flow (${first.text})`,
            hint: "an inbound number can start only one flow",
          });
        } else numbers.set(number, { file: result.file, text: `${String(data.flow)} at ${here.text}` });
      });
    }
  }
  return diagnostics;
}
