/**
 * `ivr validate [files...]`: check flows (default flows/*.yaml), cross-flow checks included among the files
 * given. Prints every diagnostic (file:line:col severity [rule] message, source excerpt, hint) and a summary;
 * exit status 1 on any error.
 */
import { formatDiagnostics, hasErrors, loadFlowFiles, loadFlows, summarize } from "../../language/index.js";

export async function run(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write("usage: ivr validate [files...]   (default: flows/*.yaml)\n");
    return 0;
  }
  const unknownOption = argv.find((a) => a.startsWith("-"));
  if (unknownOption) {
    process.stderr.write(`ivr validate: unknown option '${unknownOption}'\n`);
    return 2;
  }
  const result = argv.length > 0 ? loadFlowFiles(argv) : loadFlows("flows");
  if (result.files.length === 0) {
    process.stderr.write("ivr validate: no flow files found (looked for flows/*.yaml)\n");
    return 1;
  }
  if (result.diagnostics.length > 0)
    process.stdout.write(`${formatDiagnostics(result.diagnostics, result.sources)}\n\n`);
  process.stdout.write(`${summarize(result.diagnostics, result.files.length)}\n`);
  return hasErrors(result.diagnostics) ? 1 : 0;
}
