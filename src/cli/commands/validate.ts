/**
 * `ivr validate [files or folders...]`: check flows (default flows/*.yaml; a folder stands for its *.yaml flows,
 * scenario files excepted), cross-flow checks included among the files given. Prints every diagnostic (file:line:col severity [rule] message, source excerpt, hint) and a summary;
 * exit status 1 on any error.
 */
import { statSync } from "node:fs";
import { flowFilesIn, formatDiagnostics, hasErrors, loadFlowFiles, summarize } from "../../language/index.js";
import { parseCommandLine } from "../args.js";

const COMMAND = {
  name: "validate",
  usage: "usage: ivr validate [files or folders...]   (default: flows/*.yaml)\n",
  options: {},
} as const;

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandLine(COMMAND, argv);
  if (!args.ok) return args.exit;
  const paths = args.positionals.length > 0 ? args.positionals : ["flows"];
  const result = loadFlowFiles(paths.flatMap((p) => (isDirectory(p) ? flowFilesIn(p) : [p])));
  if (result.files.length === 0) {
    process.stderr.write(`ivr validate: no flow files found (looked for *.yaml in ${paths.join(", ")})\n`);
    return 1;
  }
  if (result.diagnostics.length > 0)
    process.stdout.write(`${formatDiagnostics(result.diagnostics, result.sources)}\n\n`);
  process.stdout.write(`${summarize(result.diagnostics, result.files.length)}\n`);
  return hasErrors(result.diagnostics) ? 1 : 0;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // a missing file is reported by the loader, with its name
  }
}
