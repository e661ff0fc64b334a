/**
 * The coverage overlay: a flow's scenario files run now, through the same runner and rig as `ivr test` (the real
 * handlers, in-process, on the local stack's DynamoDB), and what they reached.
 */
import { formatDiagnostics } from "../language/index.js";
import type { FlowCatalog } from "./catalog.js";
import type { CoverageOverlay } from "./protocol.js";

export class CoverageError extends Error {
  override name = "CoverageError";
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * Runs a flow's scenarios on the stack's DynamoDB. Their calls are stored like any other, so their session ids go
 * into `scenarioCalls`: the traffic overlay leaves them out (a coverage run is not traffic).
 */
export async function runFlowScenarios(
  catalog: FlowCatalog,
  flow: string,
  endpoint: string,
  scenarioCalls: Set<string>,
): Promise<CoverageOverlay> {
  const started = performance.now();
  const machines = catalog.compiledMachines();
  const machine = machines.find((m) => m.flow === flow);
  if (!machine) throw new CoverageError(`'${flow}' does not compile now: fix it to run its scenarios`, 409);
  const files = catalog.scenarioFiles(flow);
  if (files.length === 0) {
    throw new CoverageError(`no scenario files for '${flow}' in ${catalog.folder} (flows/${flow}.test.yaml)`, 404);
  }
  // Loaded on demand: the test runner (and its schema) costs nothing until someone asks for coverage.
  const [{ loadScenarioFile }, { TestRig, runScenarios }, { formatResult }] = await Promise.all([
    import("../testing/scenario.js"),
    import("../testing/index.js"),
    import("../testing/report.js"),
  ]);
  const loaded = files.map((file) => loadScenarioFile(file, machines));
  const problems = loaded.flatMap((f) => f.diagnostics);
  if (problems.some((d) => d.severity === "error")) {
    const { readFileSync } = await import("node:fs");
    const sources = Object.fromEntries(files.map((f) => [f, readFileSync(f, "utf8")]));
    throw new CoverageError(formatDiagnostics(problems, sources), 422);
  }
  const scenarios = loaded.flatMap((f) => f.scenarios).filter((s) => s.flow === flow);
  const rig = await TestRig.open({ machines, endpoint });
  try {
    const results = await runScenarios(rig, scenarios, {
      onResult: (result) => result.sessionId && scenarioCalls.add(result.sessionId),
    });
    const coverage = rig.coverage.report().find((c) => c.flow === flow)!;
    return {
      flow,
      version: machine.version,
      scenarios: results.map((r) => ({
        name: r.name,
        file: r.file,
        line: r.line,
        passed: r.passed,
        ...(!r.passed && { failure: formatResult(r) }),
      })),
      states: coverage.states,
      transitions: coverage.transitions,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    await rig.close();
  }
}
