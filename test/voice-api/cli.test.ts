/**
 * `ivr webhooks` and `ivr dial` against the local fake 8x8 (and DynamoDB Local for dial's session).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type DialDeps, run as dial } from "../../src/cli/commands/dial.js";
import {
  parseSecretValue,
  type SecretStore,
  type WebhookSecretValue,
  type WebhooksDeps,
  run as webhooks,
} from "../../src/cli/commands/webhooks.js";
import type { CompiledMachine } from "../../src/engine/machine.js";
import { loadFlows } from "../../src/language/index.js";
import { DynamoFlowVersionStore } from "../../src/store/dynamodb-flow-version-store.js";
import { DynamoSessionStore } from "../../src/store/dynamodb-session-store.js";
import { FLOW_VERSIONS_TABLE, SESSIONS_TABLE } from "../../src/store/tables.js";
import { VoiceApiClient } from "../../src/voice-api/client.js";
import { dynamoDbForTests, type TestDynamoDb } from "../support/dynamodb.js";
import { Fake8x8 } from "./fake-8x8.js";

const ROOT = join(import.meta.dirname, "..", "..");
const ACCOUNT = "acme";
const ARN = "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:WebhookSecret-abc";
const WEBHOOKS = `/api/v1/subaccounts/${ACCOUNT}/webhooks`;

let fake: Fake8x8;
let output: string[];
let errors: string[];

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

function env(): NodeJS.ProcessEnv {
  return { EIGHTBYEIGHT_API_KEY: "key-1", EIGHTBYEIGHT_SUBACCOUNT_ID: ACCOUNT, EIGHTBYEIGHT_BASE_URL: fake.baseUrl };
}

const stackOutputs = {
  VcaUrl: "https://abc.execute-api.ap-southeast-1.amazonaws.com/live/vca",
  VssUrl: "https://abc.execute-api.ap-southeast-1.amazonaws.com/live/vss",
  WebhookSecretArn: ARN,
};

function webhookDeps(secrets: MemorySecrets, overrides: Partial<WebhooksDeps> = {}): WebhooksDeps {
  return {
    env: env(),
    out: (t) => output.push(t),
    err: (t) => errors.push(t),
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

beforeEach(async () => {
  fake = await new Fake8x8().start();
  output = [];
  errors = [];
});
afterEach(async () => {
  await fake.stop();
});

describe("ivr webhooks", () => {
  it("registers VCA and VSS with the stack's URLs and the current secret", async () => {
    const secrets = new MemorySecrets({ current: "cur-secret", previous: "" });
    expect(await webhooks(["register"], webhookDeps(secrets))).toBe(0);
    expect(fake.requests.map((r) => [r.method, r.path, r.headers.authorization])).toEqual([
      ["POST", WEBHOOKS, "Bearer key-1"],
      ["POST", WEBHOOKS, "Bearer key-1"],
    ]);
    expect(fake.requests.map((r) => r.body)).toEqual([
      { type: "VCA", url: stackOutputs.VcaUrl, httpAuthHeader: "cur-secret", enabled: true, active: true },
      { type: "VSS", url: stackOutputs.VssUrl, httpAuthHeader: "cur-secret", enabled: true, active: true },
    ]);
    expect(output.join("")).not.toContain("cur-secret");
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
    expect(fake.requests.map((r) => (r.body as { url: string }).url)).toEqual([
      stackOutputs.VcaUrl,
      "https://other/vss",
    ]);
  });

  it("lists webhooks and deletes them by type", async () => {
    fake.script(`GET ${WEBHOOKS}`, {
      status: 200,
      body: { webhooks: [{ type: "VCA", url: stackOutputs.VcaUrl, enabled: true, httpAuthHeaderAvailable: false }] },
    });
    const deps = webhookDeps(new MemorySecrets({ current: "c", previous: "" }));
    expect(await webhooks(["list"], deps)).toBe(0);
    expect(output.join("")).toMatch(/VCA\s+enabled\s+NO auth header\s+https:\/\/abc/);
    expect(await webhooks(["delete", "vss"], deps)).toBe(0);
    expect(fake.requests.at(-1)).toMatchObject({ method: "DELETE", path: `${WEBHOOKS}/VSS` });
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
    expect(fake.requests.map((r) => (r.body as { httpAuthHeader: string }).httpAuthHeader)).toEqual([
      written?.current,
      written?.current,
    ]);
    expect(output.join("")).toMatch(/rotate --finish/);

    expect(await webhooks(["rotate", "--finish"], deps)).toBe(0);
    expect(secrets.value).toEqual({ current: written?.current, previous: "" });
  });

  it("keeps both values when re-registering fails, and says how to finish", async () => {
    fake.script(`POST ${WEBHOOKS}`, { status: 401, body: { statusMessage: "API key not found or invalid" } });
    const secrets = new MemorySecrets({ current: "old-secret", previous: "" });
    expect(await webhooks(["rotate", "--wait", "0"], webhookDeps(secrets))).toBe(1);
    expect(secrets.value.previous).toBe("old-secret");
    expect(errors.join("")).toMatch(/both values are still accepted[\s\S]*ivr webhooks register[\s\S]*HTTP 401/);
  });

  it("refuses to run without the API key in the environment", async () => {
    const deps = webhookDeps(new MemorySecrets({ current: "c", previous: "" }), { env: {} });
    expect(await webhooks(["list"], deps)).toBe(1);
    expect(errors.join("")).toMatch(/EIGHTBYEIGHT_API_KEY/);
    expect(fake.requests).toEqual([]);
  });

  it("parses the secret JSON", () => {
    expect(parseSecretValue('{"current":"a","previous":""}')).toEqual({ current: "a", previous: "" });
    expect(() => parseSecretValue('{"previous":"x"}')).toThrow(/current/);
  });
});

describe("ivr dial", () => {
  let ddb: TestDynamoDb;
  let outbound: CompiledMachine;

  beforeAll(async () => {
    ddb = await dynamoDbForTests();
    const flows = loadFlows(join(ROOT, "flows")).machines;
    const found = flows.find((m) => m.numbers.length === 0) ?? flows[0];
    if (!found) throw new Error("no flows in flows/");
    outbound = found;
  });

  function dialDeps(): DialDeps {
    return {
      env: { ...env(), SESSIONS_TABLE: SESSIONS_TABLE.localName, FLOW_VERSIONS_TABLE: FLOW_VERSIONS_TABLE.localName },
      out: (t) => output.push(t),
      err: (t) => errors.push(t),
      now: () => new Date("2026-03-02T10:00:00.000Z"),
      voiceApi: (options) => new VoiceApiClient(options),
      stackOutputs: async () => {
        throw new Error("not used: table names come from the environment");
      },
      stores: async (tables) => ({
        sessions: new DynamoSessionStore(ddb.doc, tables.sessions),
        flowVersions: new DynamoFlowVersionStore(ddb.doc, tables.flowVersions),
      }),
    };
  }

  /** appointment-reminder's inputs, as --var arguments */
  const VARS = ["--var", "patient=Ann Lee", "--var", "clinic=Harbourfront Dental", "--var", "time=tomorrow at 10:30"];

  it("sends makeCall plus the flow's first answer, then stores the session under 8x8's sessionId", async () => {
    const code = await dial(
      [outbound.flow, "--to", "+6591234567", "--from", "+6560001111", "--flows", join(ROOT, "flows"), ...VARS],
      dialDeps(),
    );
    expect(errors.join("")).toBe("");
    expect(code).toBe(0);
    const [request] = fake.requests;
    expect(request?.path).toBe(`/api/v1/subaccounts/${ACCOUNT}/callflows`);
    const body = request?.body as { validUntil: string; callflow: { action: string; params?: unknown }[] };
    expect(body.validUntil).toBe("2026-03-02T10:05:00.000Z");
    expect(body.callflow[0]).toEqual({
      action: "makeCall",
      params: { source: "+6560001111", destination: "+6591234567" },
    });
    expect(body.callflow.length).toBeGreaterThan(1);

    const sessionId = /8x8 session (\S+)/.exec(output.join(""))?.[1] ?? "";
    const record = await new DynamoSessionStore(ddb.doc, SESSIONS_TABLE.localName).get(
      sessionId,
      new Date("2026-03-02T10:00:01.000Z"),
    );
    expect(record?.session).toMatchObject({ flow: outbound.flow, version: outbound.version, direction: "OUTBOUND" });
    expect(record?.lastAnswer?.callflow).toEqual(body.callflow.slice(1));
    expect(record?.session.vars).toMatchObject({ patient: "Ann Lee", time: "tomorrow at 10:30" });
    expect(JSON.stringify(body.callflow)).toContain("Hello Ann Lee.");
    const stored = await new DynamoFlowVersionStore(ddb.doc, FLOW_VERSIONS_TABLE.localName).get(
      outbound.flow,
      outbound.version,
    );
    expect(stored?.version).toBe(outbound.version);
    expect(output.join("")).not.toContain("+6591234567");
  });

  it("stores nothing when 8x8 refuses the call", async () => {
    fake.script(`POST /api/v1/subaccounts/${ACCOUNT}/callflows`, {
      status: 422,
      body: { sessionStatus: "NOT_CREATED", statusCode: -1014, statusMessage: "Source or caller ID is not allowed" },
    });
    const code = await dial([outbound.flow, "--to", "+6591234567", "--from", "+6560001111", ...VARS], dialDeps());
    expect(code).toBe(1);
    expect(errors.join("")).toMatch(/Source or caller ID is not allowed/);
  });

  it("refuses inputs the flow refuses, naming each problem, before dialling anything", async () => {
    const code = await dial(
      [outbound.flow, "--to", "+6591234567", "--from", "+6560001111", "--var", "patient=Ann", "--var", "tiem=10:30"],
      dialDeps(),
    );
    expect(code).toBe(2);
    expect(errors.join("")).toBe(
      [
        `ivr dial: flow ${outbound.flow} refuses these inputs (nothing was dialled):`,
        `  'tiem' is not an input of flow ${outbound.flow} (its inputs: patient, clinic, time)`,
        "  input 'clinic' is required",
        "  input 'time' is required",
        "  its inputs: patient (required), clinic (required), time (required)",
        "",
      ].join("\n"),
    );
    expect(await dial([outbound.flow, "--to", "+6591234567", "--var", "patient"], dialDeps())).toBe(2);
    expect(errors.join("")).toMatch(/--var expects name=value/);
    expect(fake.requests).toEqual([]);
  });

  it("checks its arguments before calling anyone", async () => {
    expect(await dial([outbound.flow, "--to", "91234567"], dialDeps())).toBe(2);
    expect(await dial(["no-such-flow", "--to", "+6591234567", "--from", "+6560001111"], dialDeps())).toBe(1);
    expect(errors.join("")).toMatch(/not an E\.164 number[\s\S]*no flow 'no-such-flow'/);
    expect(fake.requests).toEqual([]);
  });
});
