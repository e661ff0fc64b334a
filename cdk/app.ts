/**
 * `cdk synth` / `cdk deploy` entry (cdk.json: `npx tsx --import ./src/build/preload.ts cdk/app.ts`: the preload
 * makes the generated validators current). The stack writes generated/flows.json from the flows being deployed
 * before bundling; cdk-nag checks it all.
 */
import { join } from "node:path";
import { App } from "aws-cdk-lib";
import { PROJECT_ROOT } from "./callflow-function.js";
import { configFromContext } from "./config.js";
import { addNagChecks } from "./nag.js";
import { CallflowStack } from "./stack.js";

const app = new App();
const config = configFromContext(app.node);
const generatedDir = join(PROJECT_ROOT, "generated");

new CallflowStack(app, String(app.node.tryGetContext("stackName") ?? "Callflow"), {
  description: "callflow: IVR engine for 8x8 Voice (API Gateway, Lambda, DynamoDB)",
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  config,
  generatedDir,
});
addNagChecks(app);
app.synth();
