/**
 * The one test that bundles the Lambdas for real, with exactly the options CallflowFunction gives CDK's esbuild
 * (`lambdaEsbuildOptions`: ESM, minified, module-first main fields, the createRequire banner, the AWS SDK bundled
 * with env-only credentials). Nothing on the Lambda path may parse YAML or compile a JSON Schema, and the VCA
 * bundle as deployed answers a call from a fresh Node process, as a cold Lambda would, on DynamoDB Local.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BuildResult, build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lambdaEsbuildOptions, PROJECT_ROOT } from "../../cdk/callflow-function.js";
import type { CompiledMachine } from "../../src/engine/machine.js";
import { assertValidCallflow } from "../support/callflow-schema.js";
import { dynamoDbForTests } from "../support/dynamodb.js";
import { proxyEvent, SimulatedCall } from "../webhooks/harness.js";

const dir = mkdtempSync(join(tmpdir(), "callflow-bundle-"));
const bundles: Record<string, BuildResult<{ metafile: true }>> = {};

beforeAll(async () => {
  for (const name of ["vca", "vss", "dispatcher"]) {
    bundles[name] = await build({
      ...lambdaEsbuildOptions(`lambdas/${name}.ts`),
      outfile: join(dir, `${name}.mjs`),
      metafile: true,
      logLevel: "silent",
    });
  }
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const inputsOf = (name: string) => Object.keys(bundles[name]?.metafile.inputs ?? {});

describe("Lambda bundles", () => {
  it.each(["vca", "vss"])(
    "lambdas/%s.ts carries the generated validators, and no yaml, ajv or flow compiler",
    (name) => {
      const inputs = inputsOf(name);
      expect(inputs.filter((i) => /node_modules\/(yaml|ajv|ajv-formats)\//.test(i))).toEqual([]);
      expect(inputs.filter((i) => i.startsWith("src/language/"))).toEqual([]);
      expect(inputs).toContain("generated/webhook-validators.js");
      expect(inputs).toContain("generated/flows.json");
      // the SDK's env-only credentials (lambdas/env-credentials.ts), not its whole default chain
      expect(inputs).toContain("lambdas/env-credentials.ts");
      expect(inputs.filter((i) => i.includes("credential-provider-node"))).toEqual([]);
    },
  );

  it("lambdas/dispatcher.ts carries the dispatcher, and no ajv, yaml, csv-parse or flow compiler", () => {
    const inputs = inputsOf("dispatcher");
    expect(inputs.some((i) => i.includes("src/outbound/dispatcher.ts"))).toBe(true);
    expect(inputs.filter((i) => /node_modules\/(ajv|yaml|csv-parse)\/|src\/language\//.test(i))).toEqual([]);
    expect(inputs).toContain("lambdas/env-credentials.ts");
  });

  it("the VCA bundle stays small, compiles no schema at run time, and starts with the require shim", () => {
    const code = readFileSync(join(dir, "vca.mjs"), "utf8");
    expect(inputsOf("vca").some((i) => i.includes("node_modules/@aws-sdk/client-dynamodb/"))).toBe(true);
    expect(code).not.toMatch(/new Ajv|\.compile\(/);
    expect(code.startsWith("import { createRequire")).toBe(true);
    const bytes = Buffer.byteLength(code);
    process.stderr.write(`VCA bundle: ${(bytes / 1024).toFixed(0)} KB minified\n`);
    expect(bytes).toBeLessThan(400 * 1024); // the budget; `npm run bench` tracks the figure
  });

  it("answers a call from a fresh Node process, as a cold Lambda would", async () => {
    const { endpoint } = await dynamoDbForTests();
    const flows = JSON.parse(readFileSync(join(PROJECT_ROOT, "generated", "flows.json"), "utf8")) as CompiledMachine[];
    const number = flows.find((f) => f.numbers.length > 0)?.numbers[0] as string;
    const event = proxyEvent(new SimulatedCall(number).received(), { Authorization: "bundle-secret" });
    const script = `const { handler } = await import(${JSON.stringify(join(dir, "vca.mjs"))});
      const result = await handler(${JSON.stringify(event)});
      process.stdout.write(JSON.stringify(result));`;
    const env = {
      PATH: process.env.PATH,
      AWS_REGION: "ap-southeast-1",
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      DYNAMODB_ENDPOINT: endpoint,
      WEBHOOK_SECRET: "bundle-secret",
      LOG_LEVEL: "SILENT",
      POWERTOOLS_METRICS_DISABLED: "true",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    };
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { env, encoding: "utf8" });
    expect(run.stderr).toBe("");
    const result = JSON.parse(run.stdout) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(200);
    const answer = JSON.parse(result.body) as { clientActionId: string; callflow: unknown[] };
    expect(answer.clientActionId).not.toMatch(/^(error|unrouted):/);
    assertValidCallflow(answer.callflow);
  });
});
