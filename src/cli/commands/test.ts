/**
 * `ivr test [files or folders...] [--flows dir] [--json] [--min-coverage pct] [--concurrency n]`
 *
 * Runs scenario files through the real VCA and VSS handlers on DynamoDB Local (or DYNAMODB_ENDPOINT), prints a
 * pass/fail line per scenario (a diff and the call so far for a failure) and the flow coverage: states reached and
 * transitions taken, with the ones no scenario reached named. Exit 1 on any failure (or coverage under
 * --min-coverage), 2 on bad usage.
 */
import { readFileSync } from "node:fs";
import { formatDiagnostics, loadFlows } from "../../language/index.js";
import { runScenarios, scenarioFilesIn, TestRig } from "../../testing/index.js";
import * as report from "../../testing/report.js";
import { loadScenarioFile } from "../../testing/scenario.js";
import { parseCommandLine, usageError } from "../args.js";

const USAGE = `usage: ivr test [files or folders...] [--flows dir] [--json] [--min-coverage pct] [--concurrency n]

  files or folders   scenario files, or folders holding *.test.yaml files (default: the --flows folder)
  --flows            folder of the flows the scenarios call (default flows)
  --json             print the report as JSON on stdout
  --min-coverage     fail unless every flow tested reaches this % of states and of transitions (e.g. 100)
  --concurrency      scenarios run at once (default 4; each is its own call)

Uses DynamoDB Local (needs Java 17+) unless DYNAMODB_ENDPOINT is set. Scenario format: docs/testing.md.
`;

interface Options {
  paths: string[];
  flows: string;
  json: boolean;
  minCoverage: number | undefined;
  concurrency: number;
}

const COMMAND = {
  name: "test",
  usage: USAGE,
  options: {
    flows: { type: "string" },
    json: { type: "boolean" },
    "min-coverage": { type: "string" },
    concurrency: { type: "string" },
  },
} as const;

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandLine(COMMAND, argv);
  if (!args.ok) return args.exit;
  let options: Options;
  try {
    options = check(args.values, args.positionals);
  } catch (err) {
    return usageError(COMMAND, err instanceof Error ? err.message : String(err));
  }
  // Handler logs would bury the report (and corrupt --json); LOG_LEVEL=INFO brings them back, on stderr.
  process.env.LOG_LEVEL ??= "SILENT";

  const flows = loadFlows(options.flows);
  if (flows.diagnostics.some((d) => d.severity === "error")) {
    process.stderr.write(`${formatDiagnostics(flows.diagnostics, flows.sources)}\n`);
    process.stderr.write(`ivr test: the flows in ${options.flows} do not compile\n`);
    return 1;
  }

  let files: string[];
  try {
    files = scenarioFilesIn(options.paths.length > 0 ? options.paths : [options.flows]);
  } catch (err) {
    process.stderr.write(`ivr test: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  if (files.length === 0) {
    process.stderr.write(`ivr test: no scenario files (*.test.yaml) in ${options.paths.join(", ") || options.flows}\n`);
    return 1;
  }
  const loaded = files.map((file) => loadScenarioFile(file, flows.machines));
  const problems = loaded.flatMap((f) => f.diagnostics);
  if (problems.some((d) => d.severity === "error")) {
    const sources = Object.fromEntries(files.map((f) => [f, readFileSync(f, "utf8")]));
    process.stderr.write(`${formatDiagnostics(problems, sources)}\n`);
    return 1;
  }
  const scenarios = loaded.flatMap((f) => f.scenarios);

  // stdout carries the report only: anything else written there while the handlers run goes to stderr.
  const writeOut = process.stdout.write.bind(process.stdout);
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  let rig: Awaited<ReturnType<typeof TestRig.open>> | undefined;
  try {
    rig = await TestRig.open({ machines: flows.machines });
    const results = await runScenarios(rig, scenarios, { concurrency: options.concurrency });
    const tested = new Set(scenarios.map((s) => s.flow));
    const coverage = rig.coverage.report().filter((c) => tested.has(c.flow));
    const failed = results.some((r) => !r.passed);
    const below =
      options.minCoverage === undefined
        ? []
        : coverage.filter(
            (c) => percentOf(c.states) < options.minCoverage! || percentOf(c.transitions) < options.minCoverage!,
          );

    if (options.json) {
      writeOut(`${JSON.stringify(report.jsonReport(results, coverage), null, 2)}\n`);
    } else {
      const paint = process.stdout.isTTY && !process.env.NO_COLOR ? report.COLOURS : report.PLAIN;
      const out: string[] = [];
      let file: string | undefined;
      for (const result of results) {
        if (result.file !== file) {
          file = result.file;
          out.push(out.length > 0 ? `\n${file}` : file);
        }
        out.push(report.formatResult(result, paint));
      }
      out.push("", report.formatCoverage(coverage, paint), "", report.summaryLine(results, paint));
      for (const c of below) out.push(paint.red(`coverage of ${c.flow} is under ${options.minCoverage}%`));
      writeOut(`${out.join("\n")}\n`);
    }
    return failed || below.length > 0 ? 1 : 0;
  } finally {
    process.stdout.write = writeOut;
    await rig?.close();
  }
}

function percentOf(part: { covered: number; total: number }): number {
  return part.total === 0 ? 100 : (part.covered / part.total) * 100;
}

/** The options as the run needs them; throws with the reason when a value does not make sense. */
function check(
  values: { flows?: string; json?: boolean; "min-coverage"?: string; concurrency?: string },
  positionals: string[],
): Options {
  const number = (name: string, value: string | undefined, min: number, max: number) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number from ${min} to ${max}`);
    return n;
  };
  return {
    paths: positionals,
    flows: values.flows ?? "flows",
    json: values.json ?? false,
    minCoverage: number("min-coverage", values["min-coverage"], 0, 100),
    concurrency: number("concurrency", values.concurrency, 1, 64) ?? 4,
  };
}
