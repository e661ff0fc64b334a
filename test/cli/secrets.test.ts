/** `ivr secrets set|list`: the value from standard input only, the secret found from the stack's outputs. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run, type SecretsDeps } from "../../src/cli/commands/secrets.js";
import { runIvr } from "../support/ivr.js";

const ARN = "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:FlowSecretbankToken-AbCdEf";

function deps(stdin: string, outputs: Record<string, string> = { FlowSecretArns: JSON.stringify({ bankToken: ARN }) }) {
  const out: string[] = [];
  const err: string[] = [];
  const writes: { arn: string; value: string }[] = [];
  const d: SecretsDeps = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    readStdin: async () => stdin,
    stackOutputs: async () => outputs,
    putSecretValue: async (arn, value) => {
      writes.push({ arn, value });
      return "v-2";
    },
  };
  return { d, out, err, writes };
}

describe("ivr secrets set", () => {
  it("stores the value read from standard input in the secret the stack made for the name", async () => {
    const { d, out, writes } = deps("s3cr3t-value\n");
    expect(await run(["set", "bankToken"], d)).toBe(0);
    expect(writes).toEqual([{ arn: ARN, value: "s3cr3t-value" }]);
    expect(out.join("")).toBe("bankToken: new value stored (version v-2); the VCA function uses it within 5 minutes\n");
    expect(out.join("")).not.toContain("s3cr3t");
  });

  it("never takes the value from an argument", async () => {
    const { d, err, writes } = deps("");
    expect(await run(["set", "bankToken", "s3cr3t-value"], d)).toBe(2);
    expect(err.join("")).toMatch(/read from standard input, never from an argument/);
    expect(writes).toEqual([]);
  });

  it("refuses an empty value, a value with a line break, and a name no deployed flow uses", async () => {
    for (const stdin of ["", "\n", "a\nb"]) {
      const { d, writes } = deps(stdin);
      expect(await run(["set", "bankToken"], d)).toBe(1);
      expect(writes).toEqual([]);
    }
    const { d, err } = deps("x");
    expect(await run(["set", "crmKey"], d)).toBe(1);
    expect(err.join("")).toMatch(/no deployed flow uses a secret named 'crmKey' \(flow secrets: bankToken\)/);
  });

  it("reads the ARN from a cdk outputs file, or takes it as --secret-arn", async () => {
    const dir = mkdtempSync(join(tmpdir(), "callflow-secrets-"));
    const file = join(dir, "cdk-outputs.json");
    writeFileSync(file, JSON.stringify({ Callflow: { FlowSecretArns: JSON.stringify({ bankToken: ARN }) } }));
    const fromFile = deps("v", {});
    expect(await run(["set", "bankToken", "--stack-outputs", file], fromFile.d)).toBe(0);
    expect(fromFile.writes[0]?.arn).toBe(ARN);
    const explicit = deps("v", {});
    expect(await run(["set", "bankToken", "--secret-arn", "arn:x"], explicit.d)).toBe(0);
    expect(explicit.writes[0]?.arn).toBe("arn:x");
  });
});

describe("ivr secrets list", () => {
  it("lists names and ARNs, never values", async () => {
    const { d, out } = deps("");
    expect(await run(["list"], d)).toBe(0);
    expect(out.join("")).toBe(`${"bankToken".padEnd(24)} ${ARN}\n`);
  });

  it("is a command of ivr", async () => {
    const help = await runIvr(["secrets", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("ivr secrets <set|list>");
  });
});
