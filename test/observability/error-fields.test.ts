/** Errors in logs name fields, never values (#10 defect 8): payload numbers and secrets must not reach a log line. */
import { describe, expect, it, vi } from "vitest";
import { errorFields, type Logger } from "../../src/observability/logger.js";
import { authenticatorFromEnv } from "../../src/webhooks/auth.js";

describe("errorFields", () => {
  it("keeps the error's name and frames but not the numbers a service echoed from the payload", () => {
    // What the DynamoDB document client threw for a summary holding callDuration 6591178965123457000.
    const err = new Error(
      "Number 6591178965123457000 is greater than Number.MAX_SAFE_INTEGER. Use BigInt or pass allowImpreciseNumbers.",
    );
    const logged = JSON.stringify(errorFields(err));
    expect(logged).not.toContain("6591178965123457000");
    expect(logged).toContain("is greater than Number.MAX_SAFE_INTEGER");
    expect(errorFields(err).error.name).toBe("Error");
    expect(errorFields(err).error.stack).toMatch(/\n\s+at /);
  });

  it("withholds the text a JSON syntax error quotes", () => {
    let caught: unknown;
    try {
      JSON.parse('{"current": s3cr3t-webhook-value');
    } catch (err) {
      caught = err;
    }
    const logged = JSON.stringify(errorFields(caught));
    expect(logged).not.toContain("s3cr3t");
    expect(logged).toContain("SyntaxError");
  });

  it("withholds quoted values and long digit runs (phone numbers, card numbers) in any message", () => {
    const logged = JSON.stringify(
      errorFields(new TypeError("Cannot read 'x' of +6591234567 near '4111111111111111' in \"payload.source\"")),
    );
    expect(logged).not.toMatch(/6591234567|4111111111111111|payload\.source/);
  });
});

describe("the webhook authenticator's log lines", () => {
  it("never log the secret when Secrets Manager returns a value that is not valid JSON", async () => {
    const error = vi.fn();
    const logger = { warn: vi.fn(), error, info: vi.fn(), debug: vi.fn() } as unknown as Logger;
    const auth = authenticatorFromEnv({ WEBHOOK_SECRET_ARN: "arn:x" }, logger, async () => '{"current": s3cr3t-value');
    expect(await auth.isAuthorised({ authorization: "s3cr3t-value" })).toBe(false);
    expect(error).toHaveBeenCalledOnce();
    expect(JSON.stringify(error.mock.calls)).not.toContain("s3cr3t");
  });
});
