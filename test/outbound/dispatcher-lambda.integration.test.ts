/**
 * lambdas/dispatcher.ts as deployed: run from source, wired from the environment as the stack wires it, against
 * DynamoDB Local, a loopback fake 8x8 and a loopback Secrets Manager holding the API key. (Its bundle is checked
 * with the other Lambdas' in test/cdk/bundle.integration.test.ts.)
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadFlows } from "../../src/language/index.js";
import { Fake8x8 } from "../voice-api/fake-8x8.js";
import { campaignStores, contactsCsv, createCampaign } from "./campaign-support.js";

const SECRET_ARN = "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:voice-api-key-AbCdEf";
let fake: Fake8x8;
let secrets: Server;
const secretRequests: string[] = [];
/** what this file sets in the worker's environment, put back afterwards */
const STUBBED = [
  "AWS_ENDPOINT_URL_SECRETS_MANAGER",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "VOICE_API_KEY_SECRET_ARN",
  "EIGHTBYEIGHT_BASE_URL",
  "EIGHTBYEIGHT_SUBACCOUNT_ID",
];
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  await campaignStores(); // this file's own campaign tables, named in the environment the handler reads
  fake = await new Fake8x8().start();
  // Secrets Manager's JSON protocol, for the one call the handler makes.
  secrets = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      secretRequests.push(`${req.headers["x-amz-target"]} ${(JSON.parse(body) as { SecretId: string }).SecretId}`);
      res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify({ ARN: SECRET_ARN, Name: "voice-api-key", SecretString: "the-8x8-key" }));
    });
  });
  await new Promise<void>((resolve) => secrets.listen(0, "127.0.0.1", resolve));
  for (const name of STUBBED) saved[name] = process.env[name];
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(secrets.address() as AddressInfo).port}`,
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    VOICE_API_KEY_SECRET_ARN: SECRET_ARN,
    EIGHTBYEIGHT_BASE_URL: fake.baseUrl,
  });
});

afterAll(async () => {
  await fake?.stop();
  secrets?.close();
  for (const name of STUBBED) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

describe("the dispatcher Lambda", () => {
  it("dials a bundled flow's campaign with the key from Secrets Manager, and stops before its timeout", async () => {
    const { campaigns } = await campaignStores();
    const reminder = loadFlows("flows").machines.find((m) => m.flow === "appointment-reminder");
    if (!reminder) throw new Error("no appointment-reminder in flows/");
    const inputs = () => ({ patient: "Ann Lee", clinic: "Harbourfront Dental", time: "tomorrow at 10:30" });
    const campaign = await createCampaign(reminder, contactsCsv(2, inputs, 7_000), {
      pace: { callsPerSecond: 5, maxInProgress: 5 },
    });
    process.env.EIGHTBYEIGHT_SUBACCOUNT_ID = "acme";
    const { handler } = await import("../../lambdas/dispatcher.js");

    const started = Date.now();
    await handler({}, { getRemainingTimeInMillis: () => 17_000 }); // ticks for about 2 s, then returns
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(secretRequests).toEqual([`secretsmanager.GetSecretValue ${SECRET_ARN}`]);
    const calls = fake.requests.filter((r) => r.path === "/api/v1/subaccounts/acme/callflows");
    expect(calls).toHaveLength(2);
    expect(calls[0]?.headers.authorization).toBe("Bearer the-8x8-key");
    expect(JSON.stringify(calls[0]?.body)).toContain("Hello Ann Lee.");
    expect((await campaigns.counts(campaign.campaignId)).byStatus).toMatchObject({ calling: 2 });

    // Without a subaccount nothing can be dialled: the running campaigns pause, saying why.
    delete process.env.EIGHTBYEIGHT_SUBACCOUNT_ID;
    await handler({}, { getRemainingTimeInMillis: () => 16_000 });
    const paused = await campaigns.get(campaign.campaignId);
    expect(paused?.status).toBe("paused");
    expect(paused?.pausedReason).toMatch(/no 8x8 subaccount or API key/);
  });
});
