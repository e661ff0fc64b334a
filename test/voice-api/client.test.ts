import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  parseRetryAfter,
  VoiceApiClient,
  VoiceApiError,
  type VoiceApiOptions,
  voiceApiOptionsFromEnv,
} from "../../src/voice-api/client.js";
import { Fake8x8 } from "./fake-8x8.js";

const ACCOUNT = "acme_ivr-1";
const WEBHOOKS = `/api/v1/subaccounts/${ACCOUNT}/webhooks`;
const CALLFLOWS = `/api/v1/subaccounts/${ACCOUNT}/callflows`;

let fake: Fake8x8;
let sleeps: number[];

function client(options: Partial<VoiceApiOptions> = {}): VoiceApiClient {
  return new VoiceApiClient({
    apiKey: "test-api-key",
    subAccountId: ACCOUNT,
    baseUrl: fake.baseUrl,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 1,
    ...options,
  });
}

async function failure(promise: Promise<unknown>): Promise<VoiceApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof VoiceApiError)) throw new Error(`expected a VoiceApiError, got ${String(error)}`);
  return error;
}

beforeEach(async () => {
  fake = await new Fake8x8().start();
  sleeps = [];
});
afterEach(async () => {
  await fake.stop();
});

describe("webhooks", () => {
  it("registers a webhook with bearer auth, the auth header value, and both enabled and active", async () => {
    fake.script(`POST ${WEBHOOKS}`, {
      status: 200,
      body: {
        subAccountId: ACCOUNT,
        count: 1,
        webhooks: [{ type: "VCA", url: "https://x.example/vca", enabled: true, httpAuthHeaderAvailable: true }],
        statusCode: 0,
        statusMessage: "ok",
      },
    });
    const result = await client().registerWebhook({
      type: "VCA",
      url: "https://x.example/vca",
      httpAuthHeader: "s3cret",
    });
    expect(result.webhooks[0]?.httpAuthHeaderAvailable).toBe(true);
    const [request] = fake.requests;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe(WEBHOOKS);
    expect(request?.headers.authorization).toBe("Bearer test-api-key");
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(request?.body).toEqual({
      type: "VCA",
      url: "https://x.example/vca",
      httpAuthHeader: "s3cret",
      enabled: true,
      active: true,
    });
  });

  it("lists and deletes webhooks", async () => {
    fake.script(`GET ${WEBHOOKS}`, {
      status: 200,
      body: { count: 1, webhooks: [{ type: "VSS", url: "https://x.example/vss", enabled: true }] },
    });
    expect((await client().listWebhooks()).webhooks.map((w) => w.type)).toEqual(["VSS"]);
    const deleted = await client().deleteWebhook("VSS");
    expect(deleted).toMatchObject({ type: "VSS", enabled: false });
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET ${WEBHOOKS}`, `DELETE ${WEBHOOKS}/VSS`]);
    expect(fake.requests[0]?.body).toBeUndefined();
  });

  it("encodes the subaccount in the path", async () => {
    await new VoiceApiClient({ apiKey: "k", subAccountId: "a/b", baseUrl: `${fake.baseUrl}/` }).listWebhooks();
    expect(fake.requests[0]?.path).toBe("/api/v1/subaccounts/a%2Fb/webhooks");
  });
});

describe("send callflow", () => {
  it("posts the callflow and validUntil and returns 8x8's sessionId", async () => {
    const callflow = [
      { action: "makeCall" as const, params: { source: "+6560000000", destination: "+6591234567" } },
      { action: "hangup" as const },
    ];
    const result = await client().sendCallflow({ callflow, validUntil: "2026-01-01T00:05:00.000Z" });
    expect(result.sessionStatus).toBe("CREATED");
    expect(result.sessionId).toMatch(/^fake-session-/);
    expect(fake.requests[0]?.path).toBe(CALLFLOWS);
    expect(fake.requests[0]?.body).toEqual({ validUntil: "2026-01-01T00:05:00.000Z", callflow });
  });

  it("reports 8x8's negative statusCode as a rejected call", async () => {
    fake.script(`POST ${CALLFLOWS}`, {
      status: 200,
      body: { sessionStatus: "NOT_CREATED", statusCode: -1017, statusMessage: "Invalid MSISDN format in Destination" },
    });
    const error = await failure(client().sendCallflow({ callflow: [] }));
    expect(error.kind).toBe("rejected");
    expect(error.message).toMatch(/statusCode -1017 "Invalid MSISDN format in Destination"/);
  });

  it("is not retried after a 5xx: the call may already be ringing", async () => {
    fake.script(`POST ${CALLFLOWS}`, { status: 502, body: {} });
    const error = await failure(client().sendCallflow({ callflow: [] }));
    expect(error.kind).toBe("server");
    expect(fake.requests).toHaveLength(1);
  });

  it("is retried after a 429, honouring Retry-After", async () => {
    fake.script(`POST ${CALLFLOWS}`, { status: 429, headers: { "Retry-After": "2" }, body: {} });
    const result = await client().sendCallflow({ callflow: [] });
    expect(result.sessionStatus).toBe("CREATED");
    expect(fake.requests).toHaveLength(2);
    expect(sleeps).toEqual([2000]);
  });
});

describe("errors", () => {
  it.each([
    [400, "bad-request", /HTTP 400/],
    [401, "unauthorized", /EIGHTBYEIGHT_API_KEY/],
    [403, "forbidden", /cannot use this subaccount/],
    [404, "not-found", /subaccount id/],
    [422, "invalid", /statusCode 1001 "Invalid JSON request body" \(errorId 9a1c\)/],
  ] as const)("HTTP %i is a %s error with 8x8's details and no retry", async (status, kind, message) => {
    fake.script(`GET ${WEBHOOKS}`, {
      status,
      body: { errorId: "9a1c", statusCode: "1001", statusMessage: "Invalid JSON request body" },
    });
    const error = await failure(client().listWebhooks());
    expect(error.kind).toBe(kind);
    expect(error.message).toMatch(message);
    expect(error.details).toMatchObject({ status, errorId: "9a1c", statusCode: "1001", attempts: 1 });
    expect(fake.requests).toHaveLength(1);
  });

  it("retries 5xx on idempotent calls with exponential backoff, then gives up", async () => {
    fake.script(`GET ${WEBHOOKS}`, ...Array.from({ length: 5 }, () => ({ status: 503, body: {} })));
    const error = await failure(client({ maxRetries: 3 }).listWebhooks());
    expect(error.kind).toBe("server");
    expect(error.details.attempts).toBe(4);
    expect(fake.requests).toHaveLength(4);
    expect(sleeps).toEqual([250, 500, 1000]);
  });

  it("uses full jitter", async () => {
    fake.script(`GET ${WEBHOOKS}`, { status: 500, body: {} });
    await client({ random: () => 0.5 }).listWebhooks();
    expect(sleeps).toEqual([125]);
  });

  it("recovers when a retry succeeds", async () => {
    fake.script(`GET ${WEBHOOKS}`, { status: 500, body: {} }, { status: 429, body: {} });
    const result = await client().listWebhooks();
    expect(result.webhooks).toEqual([]);
    expect(fake.requests).toHaveLength(3);
  });

  it("does not wait for an unreasonable Retry-After", async () => {
    fake.script(`GET ${WEBHOOKS}`, { status: 429, headers: { "Retry-After": "3600" }, body: {} });
    const error = await failure(client().listWebhooks());
    expect(error.kind).toBe("rate-limited");
    expect(sleeps).toEqual([]);
  });

  it("times out a request that gets no answer", async () => {
    fake.script(`GET ${WEBHOOKS}`, { status: 200, body: {}, delayMs: 500 });
    const error = await failure(client({ timeoutMs: 50, maxRetries: 0 }).listWebhooks());
    expect(error.kind).toBe("timeout");
    expect(error.message).toMatch(/no answer within 50 ms/);
  });

  it("reports a network failure", async () => {
    const base = fake.baseUrl;
    await fake.stop();
    const error = await failure(
      new VoiceApiClient({ apiKey: "k", subAccountId: ACCOUNT, baseUrl: base, maxRetries: 0 }).listWebhooks(),
    );
    expect(error.kind).toBe("network");
    fake = await new Fake8x8().start();
  });
});

describe("configuration", () => {
  it("reads the API key from the environment only, the subaccount from a flag or the environment", () => {
    expect(() => voiceApiOptionsFromEnv({})).toThrow(/EIGHTBYEIGHT_API_KEY/);
    expect(() => voiceApiOptionsFromEnv({ EIGHTBYEIGHT_API_KEY: "k" })).toThrow(/EIGHTBYEIGHT_SUBACCOUNT_ID/);
    expect(
      voiceApiOptionsFromEnv(
        { EIGHTBYEIGHT_API_KEY: "k", EIGHTBYEIGHT_SUBACCOUNT_ID: "env" },
        { subAccountId: "flag" },
      ),
    ).toEqual({ apiKey: "k", subAccountId: "flag", baseUrl: "https://voice.8x8.com" });
    expect(
      voiceApiOptionsFromEnv({ EIGHTBYEIGHT_API_KEY: "k", EIGHTBYEIGHT_SUBACCOUNT_ID: "a", EIGHTBYEIGHT_BASE_URL: "u" })
        .baseUrl,
    ).toBe("u");
  });

  it("parses Retry-After as seconds or an HTTP date", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter("soon")).toBeUndefined();
  });
});
