/** `ivr graph <flow.yaml> [--format mermaid|dot]`: the state graph to stdout (Mermaid by default). */
import { readFileSync } from "node:fs";
import { compileFlowSource, formatDiagnostics, type GraphFormat, renderGraph } from "../../language/index.js";

const USAGE = "usage: ivr graph <flow.yaml> [--format mermaid|dot]\n";

export async function run(argv: string[]): Promise<number> {
  let format: GraphFormat = "mermaid";
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") {
      process.stdout.write(USAGE);
      return 0;
    }
    const value = arg === "--format" ? argv[++i] : arg.startsWith("--format=") ? arg.slice(9) : undefined;
    if (arg === "--format" || arg.startsWith("--format=")) {
      if (value !== "mermaid" && value !== "dot") {
        process.stderr.write(`ivr graph: --format must be mermaid or dot\n${USAGE}`);
        return 2;
      }
      format = value;
    } else if (arg.startsWith("-")) {
      process.stderr.write(`ivr graph: unknown option '${arg}'\n${USAGE}`);
      return 2;
    } else files.push(arg);
  }
  if (files.length !== 1) {
    process.stderr.write(USAGE);
    return 2;
  }
  const file = files[0]!;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    process.stderr.write(`ivr graph: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const { machine, diagnostics } = compileFlowSource(text, file);
  if (!machine) {
    process.stderr.write(`${formatDiagnostics(diagnostics, { [file]: text })}\n\nivr graph: ${file} has errors\n`);
    return 1;
  }
  process.stdout.write(renderGraph(machine, format));
  return 0;
}
