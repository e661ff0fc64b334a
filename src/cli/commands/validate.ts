/**
 * `ivr validate [files or folders...]`: check flows (default flows/*.yaml; a folder stands for its *.yaml flows,
 * scenario files excepted), cross-flow checks included among the files given. Prints every diagnostic (file:line:col severity [rule] message, source excerpt, hint) and a summary;
 * exit status 1 on any error.
 */
import { statSync } from "node:fs";
import { flowFilesIn, formatDiagnostics, hasErrors, loadFlowFiles, summarize } from "../../language/index.js";

export async function run(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write("usage: ivr validate [files or folders...]   (default: flows/*.yaml)\n");
    return 0;
  }
  const unknownOption = argv.find((a) => a.startsWith("-"));
  if (unknownOption) {
    process.stderr.write(`ivr validate: unknown option '${unknownOption}'\n`);
    return 2;
  }
  const paths = argv.length > 0 ? argv : ["flows"];
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
