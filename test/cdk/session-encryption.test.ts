/** Sensitive session variables encrypted with a KMS key of the stack's own, usable by the VCA function only. */
import { Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { SESSION_KEY_CONTEXT, SESSION_KEY_ENV } from "../../src/store/kms-keyring.js";
import { synthStack } from "./helpers.js";

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
let template: Template;
let resources: Resources;

beforeAll(() => {
  ({ template } = synthStack());
  resources = template.toJSON().Resources as Resources;
});

function kmsStatements(functionPrefix: string) {
  return Object.entries(resources)
    .filter(([id, r]) => r.Type === "AWS::IAM::Policy" && id.startsWith(functionPrefix))
    .flatMap(([, r]) => (r.Properties.PolicyDocument as { Statement: { Action: unknown }[] }).Statement)
    .filter((s) => JSON.stringify(s.Action).includes("kms:"));
}

describe("the session key", () => {
  it("is a customer-managed KMS key with rotation", () => {
    template.resourceCountIs("AWS::KMS::Key", 1);
    template.hasResourceProperties("AWS::KMS::Key", { EnableKeyRotation: true });
  });

  it("is given to the VCA function by id, with GenerateDataKey and Decrypt under the session context only", () => {
    template.hasResourceProperties("AWS::Lambda::Function", {
      Description: Match.stringLikeRegexp("Voice Call Action"),
      Environment: { Variables: Match.objectLike({ [SESSION_KEY_ENV]: Match.anyValue() }) },
    });
    const statements = kmsStatements("VcaFunction");
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Condition: { StringEquals: { "kms:EncryptionContext:purpose": SESSION_KEY_CONTEXT.purpose } },
    });
  });

  it("is not the VSS function's: it only ever shows those variables masked", () => {
    expect(kmsStatements("VssFunction")).toEqual([]);
    const vss = Object.values(resources).find(
      (r) => r.Type === "AWS::Lambda::Function" && /Session Summary/.test(String(r.Properties.Description)),
    );
    expect(JSON.stringify(vss?.Properties.Environment)).not.toContain(SESSION_KEY_ENV);
  });
});
