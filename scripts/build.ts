/**
 * Build-time work, so the Lambdas never parse YAML or compile a JSON Schema at run time:
 * 1. compile flows/*.yaml into generated/flows.json (fails with the checker's messages on a broken flow);
 * 2. generate standalone ajv validators for the 8x8 webhook payloads into generated/;
 * 3. bundle the studio page (src/studio/web) into generated/studio/.
 */
import { buildFlows } from "../src/language/build.js";
import { buildStudio } from "../src/studio/build.js";
import { buildValidators } from "../src/webhooks/build-validators.js";

async function main(): Promise<number> {
  await buildValidators();
  await buildStudio();
  return (await buildFlows()) ? 0 : 1;
}

main().then((code) => {
  process.exitCode = code;
});
