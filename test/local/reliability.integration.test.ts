/**
 * The local stack under faults (#10 defects 4, 7 and 11): /health tells the truth about the store, a DynamoDB Local
 * that dies is started again (and says so), /local/dial is as guarded as the webhooks, and running without a
 * webhook secret is said once.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { VcaAnswer } from "../../src/engine/callflow.js";
import type { LocalServer, LocalServerOptions } from "../../src/local/server.js";
import { callReceivedEvent, newSimulatedCall } from "../../src/local/simulated-8x8.js";
import { dynamoDbForTests } from "../support/dynamodb.js";
import { type FaultyProxy, faultyProxy } from "../support/faulty-proxy.js";
import { type LocalStack, localStackWith, pressOneFlow } from "../support/local-stack.js";

const NUMBER = "+6531115555";
const FLOWS = { "health-line": pressOneFlow("health-line", NUMBER) };
const stacks: LocalStack[] = [];

afterAll(async () => {
  for (const stack of stacks) await stack.stop();
});

async function start(options: LocalServerOptions = {}): Promise<LocalServer> {
  const stack = await localStackWith(FLOWS, options);
  stacks.push(stack);
  return stack.server;
}

async function call(server: LocalServer): Promise<VcaAnswer> {
  const event = callReceivedEvent(newSimulatedCall({ caller: "+6590000001", called: NUMBER }), new Date());
  const response = await fetch(`${server.url}/vca`, { method: "POST", body: JSON.stringify(event) });
  return (await response.json()) as VcaAnswer;
}

describe("GET /health", () => {
  let proxy: FaultyProxy;
  let server: LocalServer;

  beforeAll(async () => {
    proxy = await faultyProxy((await dynamoDbForTests()).endpoint);
    server = await start({ dynamodbEndpoint: proxy.url });
  });

  afterAll(async () => {
    proxy.rule = () => "forward";
    await server?.stop();
    await proxy?.close();
  });

  it("says ok while the store answers, and 503 (quickly) while it hangs", async () => {
    const healthy = await fetch(`${server.url}/health`);
    expect(healthy.status).toBe(200);
    expect(await healthy.json()).toMatchObject({ ok: true, store: "ok" });

    proxy.rule = () => "drop";
    const startedAt = performance.now();
    const hung = await fetch(`${server.url}/health`);
    expect(hung.status).toBe(503);
    expect(await hung.json()).toMatchObject({ ok: false, store: "unreachable" });
    expect(performance.now() - startedAt).toBeLessThan(2_000);

    proxy.rule = () => "forward";
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});

describe("a DynamoDB Local that dies", () => {
  it("is started again, with its tables and flow versions, and the stack says so", async () => {
    const printed: string[] = [];
    vi.stubEnv("DYNAMODB_ENDPOINT", ""); // this stack starts its own DynamoDB Local
    const server = await start({ print: (text) => printed.push(text) });
    vi.unstubAllEnvs();
    try {
      const before = server.dynamodbPid();
      expect(before).toBeDefined();
      process.kill(before as number, "SIGKILL");
      const deadline = Date.now() + 60_000;
      while (!printed.some((line) => /restarted/.test(line)) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(printed.find((line) => /DynamoDB Local died/.test(line))).toMatch(
        /DynamoDB Local died \(SIGKILL\); restarted on http:\/\/127\.0\.0\.1:\d+: tables recreated, 1 flow version\(s\) stored again/,
      );
      expect(server.dynamodbPid()).not.toBe(before);
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      expect((await call(server)).clientActionId).toMatch(/^main:/);
    } finally {
      await server.stop();
    }
  });
});

describe("POST /local/dial", () => {
  let server: LocalServer;
  beforeAll(async () => {
    vi.stubEnv("WEBHOOK_SECRET", "dial-secret");
    server = await start({ dynamodbEndpoint: (await dynamoDbForTests()).endpoint });
    vi.unstubAllEnvs();
  });
  afterAll(() => server?.stop());

  const dial = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/local/dial`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", ...headers },
    });

  it("honours the webhook secret", async () => {
    expect((await dial(JSON.stringify({ flow: "health-line", to: "+6590000009" }))).status).toBe(403);
    const ok = await dial(JSON.stringify({ flow: "health-line", to: "+6590000009" }), { authorization: "dial-secret" });
    expect(ok.status).toBe(200);
  });

  it("answers 400, not 502, to a null or invalid body", async () => {
    for (const body of ["null", "[]", "42", '"x"', "{", ""]) {
      const response = await dial(body, { authorization: "dial-secret" });
      expect(response.status, body).toBe(400);
    }
  });
});

describe("running without a webhook secret", () => {
  it("is said once, at start", async () => {
    vi.stubEnv("WEBHOOK_SECRET", "");
    vi.stubEnv("LOG_LEVEL", "WARN");
    vi.stubEnv("POWERTOOLS_DEV", "false");
    const lines: string[] = [];
    const capture = (chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    };
    // warnings go to stderr
    const writes = [vi.spyOn(process.stdout, "write"), vi.spyOn(process.stderr, "write")];
    for (const write of writes) write.mockImplementation(capture);
    let server: LocalServer | undefined;
    try {
      server = await start({ dynamodbEndpoint: (await dynamoDbForTests()).endpoint });
      await call(server);
      await call(server);
    } finally {
      for (const write of writes) write.mockRestore();
      vi.unstubAllEnvs();
      await server?.stop();
    }
    expect(lines.filter((line) => /authentication is OFF/i.test(line))).toHaveLength(1);
  });
});
