/**
 * `npm run build`: everything generated, into generated/ (src/build/generated.ts says what and why):
 * 1. the standalone ajv validators (flow schema, 8x8 webhook payloads), when their sources changed;
 * 2. the studio page (src/studio/web) bundled into generated/studio/;
 * 3. flows/*.yaml compiled into generated/flows.json (fails with the checker's messages on a broken flow).
 */
import { relative } from "node:path";
import { ensureGeneratedCode } from "../src/build/generated.js";
import { buildFlows } from "../src/language/build.js";
import { buildStudio } from "../src/studio/build.js";

for (const file of ensureGeneratedCode()) process.stderr.write(`build: generated ${relative(process.cwd(), file)}\n`);
await buildStudio();
process.exitCode = buildFlows() ? 0 : 1;
