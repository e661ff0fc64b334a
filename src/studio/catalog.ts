/**
 * The flows folder as the studio shows it: every flow file with its checker status, its messages formatted exactly
 * as `ivr validate` prints them, and the diagram of its last good version, kept while the file is broken so the
 * page can show the error beside the picture that still works.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import type { CompiledMachine } from "../engine/machine.js";
import { type CompiledFlows, compileFlowsDir } from "../language/build.js";
import { type Diagnostic, formatDiagnostics } from "../language/index.js";
import { flowsDirName } from "../local/flow-source.js";
import { buildDiagram } from "./diagram.js";
import type { Diagram, FlowDetail, FlowSummary } from "./protocol.js";

interface Good {
  machine: CompiledMachine;
  source: string;
  diagram?: Diagram;
}

interface FileEntry {
  file: string;
  flow: string;
  diagnostics: Diagnostic[];
  report: string;
  good?: Good;
}

const SCENARIO_FILE = /\.(tests?|scenarios?)\.ya?ml$/;

export class FlowCatalog {
  /** as `ivr validate` names files: relative to the working directory when the folder is inside it */
  private readonly dir: string;
  private entries = new Map<string, FileEntry>();
  private signatureText = "";
  revision = 0;

  constructor(
    flowsDir: string,
    private readonly served: () => readonly CompiledMachine[],
    /** the folder as the local stack compiled it (under flowsDirName), so it is not compiled twice */
    initial?: CompiledFlows,
  ) {
    this.dir = flowsDirName(flowsDir);
    this.refresh(initial);
  }

  /**
   * Takes the folder as compiled (the local stack's reload; by default it is compiled now); true when anything the
   * page shows changed (the revision is bumped).
   */
  refresh(compiled: CompiledFlows = compileFlowsDir(this.dir)): boolean {
    const { machines, diagnostics, sources, files } = compiled;
    const next = new Map<string, FileEntry>();
    for (const file of files) {
      const own = diagnostics.filter((d) => d.file === file);
      const machine = machines.find((m) => m.source === file);
      const previous = this.entries.get(file);
      const source = sources[file];
      let good = previous?.good;
      if (machine && source !== undefined) {
        good = good?.machine.version === machine.version ? { ...good, source } : { machine, source };
      }
      next.set(file, {
        file,
        flow: machine?.flow ?? flowIdOf(source) ?? good?.machine.flow ?? basename(file).replace(/\.ya?ml$/, ""),
        diagnostics: own,
        report: own.length > 0 ? formatDiagnostics(own, sources) : "",
        ...(good && { good }),
      });
    }
    this.entries = next;
    return this.checkChanged();
  }

  /** Whether what the page shows changed since the last check (including what the local stack serves). */
  private checkChanged(): boolean {
    const signature = JSON.stringify(this.list());
    if (signature === this.signatureText) return false;
    this.signatureText = signature;
    this.revision++;
    return true;
  }

  list(): FlowSummary[] {
    const served = new Map(this.served().map((m) => [m.flow, m.version]));
    return [...this.entries.values()].map((entry) => this.summary(entry, served));
  }

  detail(flow: string): FlowDetail | undefined {
    const entry = [...this.entries.values()].find((e) => e.flow === flow);
    if (!entry) return undefined;
    const served = new Map(this.served().map((m) => [m.flow, m.version]));
    const good = entry.good;
    if (good && !good.diagram) good.diagram = buildDiagram(good.machine, good.source);
    return {
      ...this.summary(entry, served),
      report: entry.report,
      diagnostics: entry.diagnostics.map(({ file, line, col, severity, rule, message, hint }) => ({
        file,
        line,
        col,
        severity,
        rule,
        message,
        ...(hint !== undefined && { hint }),
      })),
      diagram: good?.diagram ?? null,
      source: good?.source ?? null,
      scenarioFiles: this.scenarioFiles(flow).map((file) => relative(this.dir, file)),
      hoursTimezone: good ? hoursTimezone(good.machine) : null,
      inputs: Object.entries(good?.machine.inputs ?? {}).map(([name, input]) => ({
        name,
        required: input.required,
        sensitive: input.sensitive,
        ...(input.pattern !== undefined && { pattern: input.pattern }),
      })),
    };
  }

  /** The last good machine of a flow (what its diagram shows). */
  machine(flow: string): CompiledMachine | undefined {
    return [...this.entries.values()].find((e) => e.flow === flow)?.good?.machine;
  }

  /** All last good machines whose files compile now (what `ivr test` would run against). */
  compiledMachines(): CompiledMachine[] {
    return [...this.entries.values()]
      .filter((e) => e.good && !e.diagnostics.some((d) => d.severity === "error"))
      .map((e) => e.good!.machine);
  }

  get folder(): string {
    return this.dir;
  }

  /** Scenario files whose `flow:` is this flow (paths as `ivr test` names them). */
  scenarioFiles(flow: string): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names
      .filter((name) => SCENARIO_FILE.test(name))
      .sort()
      .map((name) => join(this.dir, name))
      .filter((file) => {
        try {
          return flowIdOf(readFileSync(file, "utf8")) === flow;
        } catch {
          return false;
        }
      });
  }

  private summary(entry: FileEntry, served: Map<string, string>): FlowSummary {
    const errors = entry.diagnostics.filter((d) => d.severity === "error").length;
    const warnings = entry.diagnostics.length - errors;
    const machine = entry.good?.machine;
    return {
      flow: entry.flow,
      file: relative(this.dir, entry.file) || entry.file,
      version: machine?.version ?? null,
      served: served.get(entry.flow) ?? null,
      numbers: machine?.numbers ?? [],
      ...(machine?.description !== undefined && { description: machine.description }),
      status: errors > 0 ? "errors" : warnings > 0 ? "warnings" : "ok",
      errors,
      warnings,
    };
  }
}

/** The `flow:` of a file that does not compile, read without the checker (a plain line match is enough). */
function flowIdOf(source: string | undefined): string | undefined {
  return source ? /^flow:\s*["']?([a-z][a-z0-9-]*)["']?\s*(#.*)?$/m.exec(source)?.[1] : undefined;
}

export function hoursTimezone(machine: CompiledMachine): string | null {
  for (const state of Object.values(machine.states)) if (state.kind === "hours") return state.timezone;
  return null;
}
