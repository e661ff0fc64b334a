/**
 * The Lambda entry points wired from the environment, against DynamoDB Local with the bundled example flows (the
 * bundles themselves: test/cdk/bundle.integration.test.ts).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { CompiledMachine } from "../../src/engine/machine.js";
import { assertValidCallflow } from "../support/callflow-schema.js";
import { dynamoDbForTests } from "../support/dynamodb.js";
import { proxyEvent, SimulatedCall } from "./harness.js";

const ROOT = join(import.meta.dirname, "..", "..");

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
