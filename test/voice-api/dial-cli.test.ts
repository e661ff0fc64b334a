/** `ivr dial`'s mistakes and missing configuration, said before (or instead of) calling anyone. */
import { describe, expect, it } from "vitest";
import { type DialDeps, run as dial } from "../../src/cli/commands/dial.js";
import { VoiceApiClient } from "../../src/voice-api/client.js";
import { fake8x8PerTest } from "./cli-harness.js";

const cli = fake8x8PerTest();

function deps(overrides: Partial<DialDeps> = {}): DialDeps {
  return {
    env: cli.env(),
    out: cli.out,
    err: cli.err,
    now: () => new Date("2026-03-02T10:00:00.000Z"),
    voiceApi: (options) => new VoiceApiClient(options),
    stackOutputs: async () => ({ SessionsTableName: "sessions", FlowVersionsTableName: "flow-versions" }),
    stores: async () => expect.fail("no store was expected"),
    ...overrides,
  };
}

/** appointment-reminder's inputs, as --var arguments */
const VARS = ["--var", "patient=Ann Lee", "--var", "clinic=Harbourfront Dental", "--var", "time=tomorrow at 10:30"];

describe("ivr dial", () => {
  it("says an outbound-only flow needs --from, before anything else", async () => {
    expect(await dial(["appointment-reminder", "--to", "+6591234567", ...VARS], deps())).toBe(2);
    expect(cli.errors.join("")).toMatch(/flow 'appointment-reminder' has no numbers: pass --from/);
  });

  it("checks the 8x8 key before asking AWS for anything", async () => {
    const noKey = deps({ env: {}, stackOutputs: async () => expect.fail("the stack was described") });
    expect(await dial(["appointment-reminder", "--to", "+6591234567", "--from", "+6531234567", ...VARS], noKey)).toBe(
      1,
    );
    expect(cli.errors.join("")).toMatch(/EIGHTBYEIGHT_API_KEY/);
  });

  it("says what to set when AWS has no region or credentials for the stack's tables", async () => {
    const credentials = Object.assign(new Error("Could not load credentials from any providers"), {
      name: "CredentialsProviderError",
    });
    const args = ["appointment-reminder", "--to", "+6591234567", "--from", "+6531234567", ...VARS];
    const noRegion = deps({
      stackOutputs: async () => {
        throw new Error("Region is missing");
      },
    });
    expect(await dial(args, noRegion)).toBe(1);
    expect(await dial(args, deps({ stores: async () => Promise.reject(credentials) }))).toBe(1);
    expect(cli.errors[0]).toMatch(/^ivr dial: no AWS region: set AWS_REGION/);
    expect(cli.errors[1]).toMatch(/^ivr dial: no AWS credentials/);
    expect(cli.fake.requests).toEqual([]);
  });
});
