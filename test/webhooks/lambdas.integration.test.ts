/**
 * The Lambda entry points as deployed: bundled with the deployed esbuild options (nothing on the path may pull in
 * ajv or yaml), and wired from the environment against DynamoDB Local with the bundled example flows, both from
 * source and as the bundle itself in a fresh Node process.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { lambdaEsbuildOptions } from "../../cdk/callflow-function.js";
import type { CompiledMachine } from "../../src/engine/machine.js";
import { assertValidCallflow } from "../support/callflow-schema.js";
import { dynamoDbForTests } from "../support/dynamodb.js";
import { proxyEvent, SimulatedCall } from "./harness.js";

const ROOT = join(import.meta.dirname, "..", "..");

describe("Lambda bundles", () => {
  it.each(["vca", "vss"])("lambdas/%s.ts bundles without ajv, yaml or the flow compiler", async (name) => {
    const result = await build({
      ...lambdaEsbuildOptions(`lambdas/${name}.ts`),
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((i) => i.includes("generated/webhook-validators.js"))).toBe(true);
    expect(inputs.filter((i) => /node_modules\/(ajv|yaml)\/|src\/language\//.test(i))).toEqual([]);
  });
});

describe("Lambda handlers wired from the environment", () => {
  let flows: CompiledMachine[];

  beforeAll(async () => {
    await dynamoDbForTests(); // sets DYNAMODB_ENDPOINT for the Lambda's own client
    process.env.WEBHOOK_SECRET = "lambda-test-secret";
    flows = JSON.parse(readFileSync(join(ROOT, "generated", "flows.json"), "utf8")) as CompiledMachine[];
  });

  it("answers a call to a bundled flow's number and stores its summary", async () => {
    const inbound = flows.find((f) => f.numbers.length > 0);
    if (!inbound) throw new Error("generated/flows.json has no inbound flow: run npm run build");
    const number = inbound.numbers[0] as string;
    const { handler: vca } = await import("../../lambdas/vca.js");
    const { handler: vss } = await import("../../lambdas/vss.js");
    const call = new SimulatedCall(number);
    const headers = { Authorization: "lambda-test-secret" };

    const refused = await vca(proxyEvent(call.received()));
    expect(refused.statusCode).toBe(403);

    const answered = await vca(proxyEvent(call.received(), headers));
    expect(answered.statusCode).toBe(200);
    const answer = JSON.parse(answered.body) as { clientActionId: string; callflow: unknown[] };
    assertValidCallflow(answer.callflow);
    expect(answer.clientActionId).not.toMatch(/^(error|unrouted):/);

    const summary = await vss(proxyEvent(call.summary(), headers));
    expect(JSON.parse(summary.body)).toEqual({ ok: true, created: true });
  });
});

describe("the VCA bundle as deployed", () => {
  it("answers a call from a fresh Node process, as a cold Lambda would", async () => {
    const { endpoint } = await dynamoDbForTests();
    const flows = JSON.parse(readFileSync(join(ROOT, "generated", "flows.json"), "utf8")) as CompiledMachine[];
    const number = flows.find((f) => f.numbers.length > 0)?.numbers[0] as string;
    const dir = mkdtempSync(join(tmpdir(), "callflow-bundle-"));
    try {
      const outfile = join(dir, "vca.mjs");
      await build({ ...lambdaEsbuildOptions("lambdas/vca.ts"), outfile, logLevel: "silent" });
      const event = proxyEvent(new SimulatedCall(number).received(), { Authorization: "bundle-secret" });
      const script = `const { handler } = await import(${JSON.stringify(outfile)});
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
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("credentials in the Lambda bundles (lambdas/env-credentials.ts)", () => {
  it("come from the environment, as Lambda provides them, and their absence is a clear error", async () => {
    const { defaultProvider } = await import("../../lambdas/env-credentials.js");
    const saved = { ...process.env };
    try {
      Object.assign(process.env, {
        AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
        AWS_SECRET_ACCESS_KEY: "secret",
        AWS_SESSION_TOKEN: "token",
      });
      expect(await defaultProvider()()).toMatchObject({
        accessKeyId: "AKIDEXAMPLE",
        secretAccessKey: "secret",
        sessionToken: "token",
      });
      delete process.env.AWS_ACCESS_KEY_ID;
      await expect(defaultProvider()()).rejects.toThrow(/Unable to find environment variable credentials/);
    } finally {
      process.env = saved;
    }
  });
});
