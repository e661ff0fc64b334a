/**
 * `npm run build`: everything generated, into generated/ (src/build/generated.ts says what and why):
 * 1. the standalone ajv validators (flow schema, 8x8 webhook payloads), when their sources changed;
 * 2. the studio page (src/studio/web) bundled into generated/studio/;
 * 3. flows/*.yaml compiled into generated/flows.json (fails with the checker's messages on a broken flow).
 */
import { relative } from "node:path";
import { buildFlowsJson } from "../src/build/flows-json.js";
import { buildStudio } from "../src/studio/build.js";

// 1 is done by the preload (package.json: tsx --import ./src/build/preload.ts scripts/build.ts).
await buildStudio();
const flows = buildFlowsJson();
if (flows.report) process.stderr.write(`${flows.report}\n\n`);
if (flows.file) process.stderr.write(`build: ${flows.summary} -> ${relative(process.cwd(), flows.file)}\n`);
else {
  process.stderr.write(`build: ${flows.summary}; generated/flows.json not written\n`);
  process.exitCode = 1;
}
