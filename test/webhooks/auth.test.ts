import { describe, expect, it, vi } from "vitest";
import { createLogger } from "../../src/observability/logger.js";
import {
  authenticatorFromEnv,
  MISMATCH_REFETCH_MS,
  parseSecretString,
  SECRET_REFRESH_MS,
  WebhookAuthenticator,
  type WebhookSecret,
} from "../../src/webhooks/auth.js";

const logger = createLogger();

function rotatingSecret(initial: WebhookSecret) {
  let secret = initial;
  const loader = vi.fn(async () => secret);
  return {
    loader,
    rotate(next: WebhookSecret) {
      secret = next;
    },
  };
}

function clockAt(start = 1_000_000) {
  let now = start;
  return {
    clock: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

describe("WebhookAuthenticator", () => {
  it("accepts the current value and refuses a wrong or missing one", async () => {
    const auth = new WebhookAuthenticator({ logger, loader: async () => ({ current: "s3cret" }) });
    expect(await auth.isAuthorised({ Authorization: "s3cret" })).toBe(true);
    expect(await auth.isAuthorised({ authorization: "s3cret" })).toBe(true);
    expect(await auth.isAuthorised({ authorization: "s3cret " })).toBe(false);
    expect(await auth.isAuthorised({ authorization: "nope" })).toBe(false);
    expect(await auth.isAuthorised({ authorization: "" })).toBe(false);
    expect(await auth.isAuthorised({})).toBe(false);
    expect(await auth.isAuthorised(null)).toBe(false);
  });

  it("accepts the previous value during a rotation", async () => {
    const auth = new WebhookAuthenticator({ logger, loader: async () => ({ current: "new", previous: "old" }) });
    expect(await auth.isAuthorised({ authorization: "new" })).toBe(true);
    expect(await auth.isAuthorised({ authorization: "old" })).toBe(true);
    expect(await auth.isAuthorised({ authorization: "older" })).toBe(false);
  });

  it("reads a configured header name case-insensitively", async () => {
    const auth = new WebhookAuthenticator({
      logger,
      header: "X-Callflow-Token",
      loader: async () => ({ current: "t" }),
    });
    expect(await auth.isAuthorised({ "x-callflow-token": "t" })).toBe(true);
    expect(await auth.isAuthorised({ authorization: "t" })).toBe(false);
  });

  it("fetches lazily, caches, and refreshes every five minutes", async () => {
    const { loader } = rotatingSecret({ current: "a" });
    const time = clockAt();
    const auth = new WebhookAuthenticator({ logger, loader, clock: time.clock });
    expect(loader).not.toHaveBeenCalled();
    await auth.isAuthorised({ authorization: "a" });
    await auth.isAuthorised({ authorization: "a" });
    expect(loader).toHaveBeenCalledTimes(1);
    time.advance(SECRET_REFRESH_MS);
    await auth.isAuthorised({ authorization: "a" });
    expect(loader).toHaveBeenCalledTimes(2);
  });

  it("picks up a fresh rotation on a mismatch, re-reading at most once per 30 seconds", async () => {
    const secret = rotatingSecret({ current: "a" });
    const time = clockAt();
    const auth = new WebhookAuthenticator({ logger, loader: secret.loader, clock: time.clock });
    expect(await auth.isAuthorised({ authorization: "a" })).toBe(true);
    secret.rotate({ current: "b", previous: "a" });
    // just fetched: a wrong value does not trigger another read
    expect(await auth.isAuthorised({ authorization: "b" })).toBe(false);
    expect(await auth.isAuthorised({ authorization: "junk" })).toBe(false);
    expect(secret.loader).toHaveBeenCalledTimes(1);
    time.advance(MISMATCH_REFETCH_MS);
    expect(await auth.isAuthorised({ authorization: "b" })).toBe(true);
    expect(secret.loader).toHaveBeenCalledTimes(2);
    expect(await auth.isAuthorised({ authorization: "a" })).toBe(true);
  });

  it("shares one fetch between concurrent first requests", async () => {
    const { loader } = rotatingSecret({ current: "a" });
    const auth = new WebhookAuthenticator({ logger, loader });
    const results = await Promise.all(Array.from({ length: 10 }, () => auth.isAuthorised({ authorization: "a" })));
    expect(results.every(Boolean)).toBe(true);
    expect(loader).toHaveBeenCalledTimes(1);
  });

  it("refuses (and does not throw) when the secret cannot be read", async () => {
    const auth = new WebhookAuthenticator({
      logger,
      loader: async () => {
        throw new Error("AccessDenied");
      },
    });
    expect(await auth.isAuthorised({ authorization: "anything" })).toBe(false);
  });

  it("keeps accepting cached values when a refresh fails", async () => {
    let fail = false;
    const time = clockAt();
    const auth = new WebhookAuthenticator({
      logger,
      clock: time.clock,
      loader: async () => {
        if (fail) throw new Error("throttled");
        return { current: "a" };
      },
    });
    expect(await auth.isAuthorised({ authorization: "a" })).toBe(true);
    fail = true;
    time.advance(SECRET_REFRESH_MS);
    expect(await auth.isAuthorised({ authorization: "a" })).toBe(true);
  });

  it("allows everything, warning once, when no secret is configured", async () => {
    const warn = vi.spyOn(logger, "warn");
    const auth = authenticatorFromEnv({}, logger);
    expect(await auth.isAuthorised({})).toBe(true);
    expect(await auth.isAuthorised({ authorization: "x" })).toBe(true);
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
  });
});

describe("authenticatorFromEnv", () => {
  it("uses WEBHOOK_SECRET locally, as a bare value or JSON", async () => {
    const bare = authenticatorFromEnv({ WEBHOOK_SECRET: "local" }, logger);
    expect(await bare.isAuthorised({ authorization: "local" })).toBe(true);
    const json = authenticatorFromEnv({ WEBHOOK_SECRET: '{"current":"n","previous":"o"}' }, logger);
    expect(await json.isAuthorised({ authorization: "o" })).toBe(true);
  });

  it("reads WEBHOOK_SECRET_ARN through the given Secrets Manager reader, lazily", async () => {
    const read = vi.fn(async (_arn: string) => '{"current":"deployed"}');
    const auth = authenticatorFromEnv(
      { WEBHOOK_SECRET_ARN: "arn:aws:secretsmanager:ap-southeast-1:123:secret:x", WEBHOOK_AUTH_HEADER: "X-Token" },
      logger,
      read,
    );
    expect(read).not.toHaveBeenCalled();
    expect(await auth.isAuthorised({ "x-token": "deployed" })).toBe(true);
    expect(read).toHaveBeenCalledWith("arn:aws:secretsmanager:ap-southeast-1:123:secret:x");
  });
});

describe("parseSecretString", () => {
  it("reads JSON and bare strings, refusing empty ones", () => {
    expect(parseSecretString('{"current":"a","previous":""}')).toEqual({ current: "a" });
    expect(parseSecretString("plain")).toEqual({ current: "plain" });
    expect(() => parseSecretString('{"previous":"a"}')).toThrow(/current/);
    expect(() => parseSecretString("  ")).toThrow(/empty/);
  });
});
