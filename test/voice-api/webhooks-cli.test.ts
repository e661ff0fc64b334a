/** `ivr webhooks` against the local fake 8x8. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  parseSecretValue,
  type SecretStore,
  type WebhookSecretValue,
  type WebhooksDeps,
  run as webhooks,
} from "../../src/cli/commands/webhooks.js";
import { VoiceApiClient } from "../../src/voice-api/client.js";
import { ACCOUNT, fake8x8PerTest } from "./cli-harness.js";

const ARN = "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:WebhookSecret-abc";
const WEBHOOKS = `/api/v1/subaccounts/${ACCOUNT}/webhooks`;

const cli = fake8x8PerTest();

class MemorySecrets implements SecretStore {
  writes: WebhookSecretValue[] = [];
  constructor(public value: WebhookSecretValue) {}
  async read(arn: string) {
    expect(arn).toBe(ARN);
    return { ...this.value };
  }
  async write(arn: string, value: WebhookSecretValue) {
    expect(arn).toBe(ARN);
    this.value = value;
    this.writes.push(value);
  }
}

const stackOutputs = {
  VcaUrl: "https://abc.execute-api.ap-southeast-1.amazonaws.com/live/vca",
  VssUrl: "https://abc.execute-api.ap-southeast-1.amazonaws.com/live/vss",
  WebhookSecretArn: ARN,
};

function webhookDeps(secrets: MemorySecrets, overrides: Partial<WebhooksDeps> = {}): WebhooksDeps {
  return {
    env: cli.env(),
    out: cli.out,
    err: cli.err,
    secrets: async () => secrets,
    stackOutputs: async (stack) => {
      expect(stack).toBe("Callflow");
      return stackOutputs;
    },
    voiceApi: (options) => new VoiceApiClient({ ...options, sleep: async () => {} }),
    sleep: async () => {},
    ...overrides,
  };
}

describe("ivr webhooks", () => {
  it("registers VCA and VSS with the stack's URLs and the current secret", async () => {
    const secrets = new MemorySecrets({ current: "cur-secret", previous: "" });
    expect(await webhooks(["register"], webhookDeps(secrets))).toBe(0);
    expect(cli.fake.requests.map((r) => [r.method, r.path, r.headers.authorization])).toEqual([
      ["POST", WEBHOOKS, "Bearer key-1"],
      ["POST", WEBHOOKS, "Bearer key-1"],
    ]);
    expect(cli.fake.requests.map((r) => r.body)).toEqual([
      { type: "VCA", url: stackOutputs.VcaUrl, httpAuthHeader: "cur-secret", enabled: true, active: true },
      { type: "VSS", url: stackOutputs.VssUrl, httpAuthHeader: "cur-secret", enabled: true, active: true },
    ]);
    expect(cli.output.join("")).not.toContain("cur-secret");
  });

  it("reads URLs from a cdk --outputs-file and flags, without CloudFormation", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "callflow-outputs-")), "cdk-outputs.json");
    writeFileSync(file, JSON.stringify({ Callflow: stackOutputs }));
    const secrets = new MemorySecrets({ current: "c", previous: "" });
    const deps = webhookDeps(secrets, {
      stackOutputs: async () => {
        throw new Error("CloudFormation must not be called");
      },
    });
    expect(await webhooks(["register", "--stack-outputs", file, "--vss-url", "https://other/vss"], deps)).toBe(0);
    expect(cli.fake.requests.map((r) => (r.body as { url: string }).url)).toEqual([
      stackOutputs.VcaUrl,
      "https://other/vss",
    ]);
  });

  it("lists webhooks and deletes them by type", async () => {
    cli.fake.script(`GET ${WEBHOOKS}`, {
      status: 200,
      body: { webhooks: [{ type: "VCA", url: stackOutputs.VcaUrl, enabled: true, httpAuthHeaderAvailable: false }] },
    });
    const deps = webhookDeps(new MemorySecrets({ current: "c", previous: "" }));
    expect(await webhooks(["list"], deps)).toBe(0);
    expect(cli.output.join("")).toMatch(/VCA\s+enabled\s+NO auth header\s+https:\/\/abc/);
    expect(await webhooks(["delete", "vss"], deps)).toBe(0);
    expect(cli.fake.requests.at(-1)).toMatchObject({ method: "DELETE", path: `${WEBHOOKS}/VSS` });
  });

  it("rotates: both values accepted first, then both webhooks re-registered with the new one", async () => {
    const secrets = new MemorySecrets({ current: "old-secret", previous: "" });
    const slept: number[] = [];
    const deps = webhookDeps(secrets, { sleep: async (ms) => void slept.push(ms) });
    expect(await webhooks(["rotate"], deps)).toBe(0);
    const [written] = secrets.writes;
    expect(written?.previous).toBe("old-secret");
    expect(written?.current).toMatch(/^[A-Za-z0-9_-]{40}$/);
    expect(slept).toEqual([35_000]);
    expect(cli.fake.requests.map((r) => (r.body as { httpAuthHeader: string }).httpAuthHeader)).toEqual([
      written?.current,
      written?.current,
    ]);
    expect(cli.output.join("")).toMatch(/rotate --finish/);

    expect(await webhooks(["rotate", "--finish"], deps)).toBe(0);
    expect(secrets.value).toEqual({ current: written?.current, previous: "" });
  });

  it("keeps both values when re-registering fails, and says how to finish", async () => {
    cli.fake.script(`POST ${WEBHOOKS}`, { status: 401, body: { statusMessage: "API key not found or invalid" } });
    const secrets = new MemorySecrets({ current: "old-secret", previous: "" });
    expect(await webhooks(["rotate", "--wait", "0"], webhookDeps(secrets))).toBe(1);
    expect(secrets.value.previous).toBe("old-secret");
    expect(cli.errors.join("")).toMatch(/both values are still accepted[\s\S]*ivr webhooks register[\s\S]*HTTP 401/);
  });

  it("refuses to run without the API key in the environment", async () => {
    const deps = webhookDeps(new MemorySecrets({ current: "c", previous: "" }), { env: {} });
    expect(await webhooks(["list"], deps)).toBe(1);
    expect(cli.errors.join("")).toMatch(/EIGHTBYEIGHT_API_KEY/);
    expect(cli.fake.requests).toEqual([]);
  });

  it("register checks the 8x8 key before asking AWS for anything", async () => {
    const deps = webhookDeps(new MemorySecrets({ current: "c", previous: "" }), {
      env: {},
      secrets: async () => expect.fail("the secret was read"),
      stackOutputs: async () => expect.fail("the stack was described"),
    });
    expect(await webhooks(["register"], deps)).toBe(1);
    expect(cli.errors.join("")).toMatch(/ivr webhooks register: .*EIGHTBYEIGHT_API_KEY/);
  });

  it("says what to set when the AWS SDK has no region or credentials", async () => {
    const fails = (error: Error) =>
      webhookDeps(new MemorySecrets({ current: "c", previous: "" }), {
        stackOutputs: async () => {
          throw error;
        },
      });
    expect(await webhooks(["register"], fails(new Error("Region is missing")))).toBe(1);
    const credentials = Object.assign(new Error("Could not load credentials from any providers"), {
      name: "CredentialsProviderError",
    });
    expect(await webhooks(["register"], fails(credentials))).toBe(1);
    const missing = Object.assign(new Error("Stack with id Callflow does not exist"), { name: "ValidationError" });
    expect(await webhooks(["register"], fails(missing))).toBe(1);
    const [region, creds, stack] = cli.errors;
    expect(region).toMatch(/^ivr webhooks register: no AWS region: set AWS_REGION .* or pass --region/);
    expect(creds).toMatch(/^ivr webhooks register: no AWS credentials: sign in as you do for `cdk deploy`/);
    expect(stack).toMatch(/no stack Callflow in this account and region: deploy it .* --stack-outputs/);
    expect(cli.fake.requests).toEqual([]);
  });

  it("says so for real, from the AWS SDK itself, on a machine with no AWS configuration", () => {
    const home = mkdtempSync(join(tmpdir(), "callflow-no-aws-"));
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: home,
      EIGHTBYEIGHT_API_KEY: "key-1",
      EIGHTBYEIGHT_SUBACCOUNT_ID: ACCOUNT,
      AWS_EC2_METADATA_DISABLED: "true",
    };
    const run = (extra: NodeJS.ProcessEnv) =>
      spawnSync(process.execPath, ["bin/ivr.mjs", "webhooks", "register"], {
        env: { ...env, ...extra },
        encoding: "utf8",
      });
    const noRegion = run({});
    expect(noRegion.status).toBe(1);
    expect(noRegion.stderr).toMatch(/no AWS region: set AWS_REGION/);
    const noCredentials = run({ AWS_REGION: "ap-southeast-1" });
    expect(noCredentials.status).toBe(1);
    expect(noCredentials.stderr).toMatch(/no AWS credentials/);
  });

  it("parses the secret JSON", () => {
    expect(parseSecretValue('{"current":"a","previous":""}')).toEqual({ current: "a", previous: "" });
    expect(() => parseSecretValue('{"previous":"x"}')).toThrow(/current/);
  });
});
