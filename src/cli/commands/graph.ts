/** `ivr graph <flow.yaml> [--format mermaid|dot]`: the state graph to stdout (Mermaid by default). */
import { readFileSync } from "node:fs";
import { compileFlowSource, formatDiagnostics, renderGraph } from "../../language/index.js";
import { parseCommandLine, suggestion, usageError } from "../args.js";

const USAGE = "usage: ivr graph <flow.yaml> [--format mermaid|dot]\n";

const COMMAND = {
  name: "graph",
  usage: USAGE,
  options: { format: { type: "string" } },
  positionals: { min: 1, max: 1, what: "flow file" },
} as const;

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandLine(COMMAND, argv);
  if (!args.ok) return args.exit;
  const format = args.values.format ?? "mermaid";
  if (format !== "mermaid" && format !== "dot") {
    return usageError(COMMAND, `--format must be mermaid or dot${suggestion(format, ["mermaid", "dot"])}`);
  }
  const file = args.positionals[0]!;
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
