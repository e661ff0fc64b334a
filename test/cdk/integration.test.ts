/**
 * Deployed flows and their services: a Secrets Manager secret per flow secret (or an imported one), readable by
 * the VCA function only and named to it by ARN; service URLs replaced from context; timeouts that leave room for
 * the largest fetch budget plus the store's.
 */
import { join } from "node:path";
import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { configFromContext } from "../../cdk/config.js";
import { FETCH_BUDGET, STORE_BUDGET, VCA_FUNCTION_TIMEOUT, VCA_INTEGRATION_TIMEOUT } from "../../cdk/integration.js";
import { ROOT, synthStack, testApp } from "./helpers.js";

const { template } = synthStack();

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation template JSON, read field by field
type Resource = { Properties: Record<string, any> };

function functions() {
  const all = template.findResources("AWS::Lambda::Function");
  const find = (description: string) =>
    Object.entries(all).find(([, f]) => f.Properties.Description === description) as [string, Resource];
  return { vca: find("8x8 Voice Call Action webhook"), vss: find("8x8 Voice Session Summary webhook") };
}

describe("flow secrets", () => {
  it("one Secrets Manager secret per name the flows use, its ARN (never a value) given to the VCA function only", () => {
    const secrets = Object.entries(template.findResources("AWS::SecretsManager::Secret")).filter(([id]) =>
      id.startsWith("FlowIntegration"),
    );
    expect(secrets).toHaveLength(1); // bankToken (card-services)
    const [secretId, secret] = secrets[0]!;
    expect(secret.Properties.Description).toMatch(/"bankToken".*ivr secrets set bankToken/);
    const { vca, vss } = functions();
    expect(vca[1].Properties.Environment.Variables.CALLFLOW_SECRET_ARN_bankToken).toEqual({ Ref: secretId });
    expect(vss[1].Properties.Environment.Variables).not.toHaveProperty("CALLFLOW_SECRET_ARN_bankToken");
    const readers = Object.values(template.findResources("AWS::IAM::Policy")).filter((p) =>
      JSON.stringify(p.Properties.PolicyDocument).includes(secretId),
    );
    expect(readers).toHaveLength(1);
    expect(JSON.stringify(readers[0]!.Properties.Roles)).toContain(vca[1].Properties.Role["Fn::GetAtt"][0]);
    template.hasOutput("FlowSecretArns", {
      Value: { "Fn::Join": ["", Match.arrayWith([Match.stringLikeRegexp("bankToken"), { Ref: secretId }])] },
    });
  });

  it("uses an existing secret by ARN from context instead of creating one", () => {
    const arn = "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:acme/bank-token-AbCdEf";
    const { template: imported } = synthStack({ secretArns: { bankToken: arn } });
    const created = Object.keys(imported.findResources("AWS::SecretsManager::Secret")).filter((id) =>
      id.startsWith("FlowIntegration"),
    );
    expect(created).toEqual([]);
    const vca = Object.values(imported.findResources("AWS::Lambda::Function")).find(
      (f) => f.Properties.Description === "8x8 Voice Call Action webhook",
    );
    expect(vca?.Properties.Environment.Variables.CALLFLOW_SECRET_ARN_bankToken).toBe(arn);
    expect(() => synthStack({ secretArns: { bankTokn: arn } })).toThrow(
      /no deployed flow uses a secret named "bankTokn"/,
    );
  });
});

describe("service URLs", () => {
  it("replaces a service's URL from context, for every flow that declares it", () => {
    const { template: staging } = synthStack({ serviceUrls: { bank: "https://staging-bank.acme.example/v1" } });
    const vca = Object.values(staging.findResources("AWS::Lambda::Function")).find(
      (f) => f.Properties.Description === "8x8 Voice Call Action webhook",
    );
    expect(vca?.Properties.Environment.Variables.CALLFLOW_SERVICE_URL_bank).toBe(
      "https://staging-bank.acme.example/v1",
    );
  });

  it("refuses an unknown service or a URL that is not https", () => {
    expect(() => synthStack({ serviceUrls: { bnak: "https://x.example" } })).toThrow(
      /no deployed flow declares a service named "bnak"/,
    );
    expect(() => synthStack({ serviceUrls: { bank: "http://x.example" } })).toThrow(/must be an https URL/);
  });

  it("refuses at synth a URL the function would refuse on every call: credentials, a query, not a URL", () => {
    const synthError = (url: string): string => {
      try {
        synthStack({ serviceUrls: { bank: url } });
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error(`${url} was accepted`);
    };
    const withCredentials = synthError("https://user:s3cr3t@bank.example/v1");
    expect(withCredentials).toMatch(/^serviceUrls\.bank: .*credentials/);
    expect(withCredentials).not.toContain("s3cr3t");
    expect(synthError("https://bank.example/v1?key=1")).toMatch(/^serviceUrls\.bank: .*query/);
    expect(synthError("bank.example/v1")).toMatch(/^serviceUrls\.bank: .*not a URL/);
  });

  it("reads both maps from context as JSON", () => {
    const app = testApp({
      flowsDir: join(ROOT, "flows"),
      serviceUrls: '{"crm":"https://crm.staging.example/api"}',
      secretArns: { bankToken: "arn:aws:secretsmanager:ap-southeast-1:1:secret:x" },
    });
    const config = configFromContext(app.node);
    expect(config.serviceUrls).toEqual({ crm: "https://crm.staging.example/api" });
    expect(config.secretArns).toEqual({ bankToken: "arn:aws:secretsmanager:ap-southeast-1:1:secret:x" });
    expect(() => configFromContext(testApp({ serviceUrls: "not json" }).node)).toThrow(
      /serviceUrls: expected a JSON object/,
    );
  });
});

describe("timeouts", () => {
  it("the VCA function outlasts the largest fetch budget plus the store's; API Gateway outlasts the function", () => {
    expect(VCA_FUNCTION_TIMEOUT.toMilliseconds()).toBeGreaterThan(
      FETCH_BUDGET.toMilliseconds() + STORE_BUDGET.toMilliseconds(),
    );
    expect(VCA_INTEGRATION_TIMEOUT.toMilliseconds()).toBeGreaterThan(VCA_FUNCTION_TIMEOUT.toMilliseconds());
    const { vca } = functions();
    expect(vca[1].Properties.Timeout).toBe(VCA_FUNCTION_TIMEOUT.toSeconds());
  });
});
