import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { Match, type Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks, ServerlessChecks } from "cdk-nag";
import { beforeAll, describe, expect, it } from "vitest";
import { configFromContext, EIGHT_BY_EIGHT_APAC_WEBHOOK_IPS, toCidr } from "../../cdk/config.js";
import { CallflowStack } from "../../cdk/stack.js";
import type { CompiledMachine } from "../../src/engine/machine.js";
import { flowVersionItem, machineFromItem } from "../../src/store/flow-version-item.js";
import { ROOT, synthStack, testApp } from "./helpers.js";

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

let template: Template;
let stack: CallflowStack;
let resources: Resources;

beforeAll(() => {
  ({ template, stack } = synthStack());
  resources = template.toJSON().Resources as Resources;
});

function policyStatementsOf(roleLogicalIdPrefix: string): { Action: string | string[]; Resource: unknown }[] {
  const policies = Object.entries(resources).filter(
    ([id, r]) => r.Type === "AWS::IAM::Policy" && id.startsWith(roleLogicalIdPrefix),
  );
  return policies.flatMap(
    ([, r]) =>
      (r.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement,
  );
}

function actionsOn(statements: { Action: string | string[]; Resource: unknown }[], tablePrefix: string): string[] {
  return statements
    .filter((s) => JSON.stringify(s.Resource).includes(tablePrefix))
    .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
    .sort();
}

describe("webhook API", () => {
  it("is a regional REST API with POST /vca and POST /vss as Lambda proxies", () => {
    template.hasResourceProperties("AWS::ApiGateway::RestApi", {
      EndpointConfiguration: { Types: ["REGIONAL"] },
    });
    const methods = template.findResources("AWS::ApiGateway::Method");
    expect(Object.keys(methods)).toHaveLength(2);
    for (const method of Object.values(methods)) {
      expect(method.Properties.HttpMethod).toBe("POST");
      expect(method.Properties.Integration.Type).toBe("AWS_PROXY");
    }
  });

  it("allows only 8x8's webhook addresses through the resource policy", () => {
    const cidrs = EIGHT_BY_EIGHT_APAC_WEBHOOK_IPS.map((ip) => `${ip}/32`);
    template.hasResourceProperties("AWS::ApiGateway::RestApi", {
      Policy: {
        Statement: [
          Match.objectLike({ Effect: "Allow", Action: "execute-api:Invoke" }),
          Match.objectLike({
            Effect: "Deny",
            Action: "execute-api:Invoke",
            Principal: { AWS: "*" },
            Condition: { NotIpAddress: { "aws:SourceIp": cidrs } },
          }),
        ],
      },
    });
  });

  it("takes other webhook addresses from context", () => {
    const app = testApp({ webhookSourceIps: "203.0.113.7,198.51.100.0/24" });
    expect(configFromContext(app.node).webhookSourceIps).toEqual(["203.0.113.7/32", "198.51.100.0/24"]);
    expect(() => toCidr("300.1.1.1")).toThrow(/not an IPv4/);
  });

  it("throttles the stage and logs access as JSON without bodies, errors only, no data trace", () => {
    const stage = Object.values(template.findResources("AWS::ApiGateway::Stage"))[0]?.Properties;
    expect(stage?.MethodSettings).toEqual([
      expect.objectContaining({
        DataTraceEnabled: false,
        LoggingLevel: "ERROR",
        ThrottlingRateLimit: 100,
        ThrottlingBurstLimit: 200,
        HttpMethod: "*",
        ResourcePath: "/*",
      }),
    ]);
    const format = (stage?.AccessLogSetting as { Format: string } | undefined)?.Format ?? "{}";
    const fields = JSON.parse(format) as Record<string, string>;
    expect(fields.status).toBe("$context.status");
    expect(Object.values(fields).join(" ")).not.toMatch(/body|requestOverride|responseOverride/i);
  });

  it("gives the VCA integration room for the largest fetch budget plus the store's, and the VSS 10 s", () => {
    const timeouts = Object.values(template.findResources("AWS::ApiGateway::Method")).map(
      (m) => m.Properties.Integration.TimeoutInMillis as number,
    );
    expect(timeouts.sort((a, b) => a - b)).toEqual([10000, 11000]);
  });

  it("attaches a WAF web ACL with managed rules, a rate limit and 8x8's IP set only when asked", () => {
    expect(template.findResources("AWS::WAFv2::WebACL")).toEqual({});
    const { template: withWaf } = synthStack({ waf: true });
    withWaf.hasResourceProperties("AWS::WAFv2::IPSet", {
      Addresses: EIGHT_BY_EIGHT_APAC_WEBHOOK_IPS.map((ip) => `${ip}/32`),
    });
    withWaf.hasResourceProperties("AWS::WAFv2::WebACL", {
      Rules: Match.arrayWith([
        Match.objectLike({ Statement: { RateBasedStatement: { Limit: 20000, AggregateKeyType: "IP" } } }),
        Match.objectLike({
          Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: "AWSManagedRulesCommonRuleSet" } },
        }),
      ]),
    });
    withWaf.resourceCountIs("AWS::WAFv2::WebACLAssociation", 1);
  });
});

describe("functions", () => {
  it("run Node 24 on arm64 with the house environment", () => {
    const functions = Object.values(template.findResources("AWS::Lambda::Function")).filter(
      (f) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME,
    );
    // VCA, VSS, the Call Completed publisher (cdk/analytics.ts) and the campaign dispatcher (cdk/outbound.ts)
    expect(functions).toHaveLength(4);
    for (const fn of functions) {
      expect(fn.Properties.Runtime).toBe("nodejs24.x");
      expect(fn.Properties.Architectures).toEqual(["arm64"]);
      expect(fn.Properties.Environment.Variables).toMatchObject({
        NODE_OPTIONS: "--enable-source-maps",
        POWERTOOLS_SERVICE_NAME: "callflow",
        LOG_LEVEL: "INFO",
      });
      expect(fn.Properties.LoggingConfig.LogGroup).toBeDefined();
    }
    const webhooks = functions.filter((f) => f.Properties.Environment.Variables.WEBHOOK_SECRET_ARN);
    expect(webhooks).toHaveLength(2);
    for (const fn of webhooks) {
      expect(fn.Properties.Environment.Variables).toMatchObject({
        WEBHOOK_SECRET_ARN: { Ref: expect.stringMatching(/^WebhookSecret/) },
        SESSIONS_TABLE: { Ref: expect.stringMatching(/^SessionsTable/) },
        FLOW_VERSIONS_TABLE: { Ref: expect.stringMatching(/^FlowVersionsTable/) },
      });
    }
  });

  it("grants each function only what its domain service calls", () => {
    const vca = policyStatementsOf("VcaFunction");
    const vss = policyStatementsOf("VssFunction");
    // UpdateItem: the fallback marker (analytics), a conditional SET on an existing session
    expect(actionsOn(vca, "SessionsTable")).toEqual(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]);
    expect(actionsOn(vca, "SummariesTable")).toEqual([]);
    expect(actionsOn(vca, "FlowVersionsTable")).toEqual(["dynamodb:GetItem"]);
    // The VSS reads the session, then stores the summary and marks it ended in one transaction: it can neither
    // create nor delete sessions.
    expect(actionsOn(vss, "SessionsTable")).toEqual(["dynamodb:GetItem", "dynamodb:UpdateItem"]);
    expect(actionsOn(vss, "SummariesTable")).toEqual(["dynamodb:GetItem", "dynamodb:PutItem"]);
    expect(actionsOn(vss, "FlowVersionsTable")).toEqual(["dynamodb:GetItem"]);
    for (const statement of [...vca, ...vss]) {
      expect(JSON.stringify(statement.Action)).not.toMatch(/\*|DeleteItem|BatchWrite|Scan/);
    }
    expect(actionsOn(vca, "WebhookSecret")).toEqual(["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]);
  });
});

describe("webhook secret", () => {
  it("is generated as {current, previous} JSON and exported by ARN only", () => {
    template.hasResourceProperties("AWS::SecretsManager::Secret", {
      GenerateSecretString: {
        SecretStringTemplate: JSON.stringify({ previous: "" }),
        GenerateStringKey: "current",
        PasswordLength: 40,
        ExcludePunctuation: true,
      },
    });
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(["VcaUrl", "VssUrl", "WebhookSecretArn"]));
    expect(outputs.WebhookSecretArn?.Value).toEqual({ Ref: expect.stringMatching(/^WebhookSecret/) });
    expect(JSON.stringify(outputs)).not.toMatch(/SecretString|resolve:secretsmanager/);
  });
});

describe("tables", () => {
  it("are on-demand global tables with TTL, PITR, deletion protection, retained on teardown", () => {
    const tables = template.findResources("AWS::DynamoDB::GlobalTable");
    // sessions, summaries, flow versions; campaigns and contacts (cdk/outbound.ts)
    expect(Object.keys(tables)).toHaveLength(5);
    for (const table of Object.values(tables)) {
      expect(table.DeletionPolicy).toBe("Retain");
      expect(table.UpdateReplacePolicy).toBe("Retain");
      expect(table.Properties.BillingMode).toBe("PAY_PER_REQUEST");
      expect(table.Properties.Replicas[0]).toMatchObject({
        DeletionProtectionEnabled: true,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      });
    }
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      KeySchema: [{ AttributeName: "sessionId", KeyType: "HASH" }],
      TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
    });
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      KeySchema: [
        { AttributeName: "flow", KeyType: "HASH" },
        { AttributeName: "version", KeyType: "RANGE" },
      ],
    });
  });
});

describe("flow versions", () => {
  it("writes every compiled version with a conditional PutItem, never deleting", () => {
    const writes = Object.values(template.findResources("Custom::AWS"));
    expect(writes).toHaveLength(stack.machines.length);
    for (const write of writes) {
      const create = JSON.stringify(write.Properties.Create).replaceAll('\\"', '"');
      expect(JSON.stringify(write.Properties)).not.toMatch(/"Delete"/);
      expect(create).toMatch(/"action":"putItem"/);
      expect(create).toMatch(/attribute_not_exists/);
    }
    const putPolicies = Object.entries(resources).filter(([id]) => id.includes("CustomResourcePolicy"));
    for (const [, policy] of putPolicies) {
      expect(JSON.stringify(policy.Properties.PolicyDocument)).toMatch(
        /"Action":"dynamodb:PutItem","Effect":"Allow","Resource":\{"Fn::GetAtt":\["FlowVersionsTable/,
      );
    }
  });

  it("puts the item the store adapter reads (src/store/flow-version-item.ts)", () => {
    for (const machine of stack.machines) {
      const [write] = Object.entries(template.findResources("Custom::AWS")).filter(([id]) =>
        id.startsWith(`FlowVersions${machine.flow}${machine.version}`.replaceAll("-", "")),
      );
      if (!write) throw new Error(`no custom resource writes ${machine.flow}@${machine.version}`);
      // the table name is a token (Fn::Join part): any string stands for it here
      const parts = (write[1].Properties.Create as { "Fn::Join": [string, unknown[]] })["Fn::Join"][1];
      const create = JSON.parse(parts.map((p) => (typeof p === "string" ? p : "table")).join("")) as {
        parameters: { Item: Record<string, AttributeValue> };
      };
      const item = unmarshall(create.parameters.Item);
      expect(item).toEqual(flowVersionItem(machine, "2026-01-01T00:00:00.000Z"));
      expect(machineFromItem(item)).toEqual(machine);
    }
  });

  it("writes the flows it deploys as the flows.json the Lambdas bundle", () => {
    const generatedDir = mkdtempSync(join(tmpdir(), "callflow-generated-"));
    const app = testApp();
    const deployed = new CallflowStack(app, "Generated", { config: { flowsDir: join(ROOT, "flows") }, generatedDir });
    const bundled = JSON.parse(readFileSync(join(generatedDir, "flows.json"), "utf8")) as CompiledMachine[];
    expect(bundled).toEqual(deployed.machines);
    expect(bundled.length).toBeGreaterThan(0);
  });

  it("fails the synth with the checker's positioned message on a broken flow", () => {
    const dir = mkdtempSync(join(tmpdir(), "callflow-flows-"));
    copyFileSync(join(ROOT, "test", "fixtures", "broken", "digits-range.yaml"), join(dir, "digits-range.yaml"));
    const app = testApp();
    expect(() => new CallflowStack(app, "Broken", { config: { flowsDir: dir } })).toThrow(
      /digits-range\.yaml:9:22[\s\S]*\[digits-range\][\s\S]*fix the flows before deploying/,
    );
  });
});

describe("operations", () => {
  it("alarms on API errors, Lambda errors and throttles, VCA latency, fallbacks and DynamoDB throttles", () => {
    const alarms = Object.entries(template.findResources("AWS::CloudWatch::Alarm"));
    const ids = alarms.map(([id]) => id).join(" ");
    for (const name of ["Api5xx", "Api4xx", "VcaErrors", "VssErrors", "VcaThrottles", "VssThrottles", "VcaLatency"]) {
      expect(ids).toContain(name);
    }
    expect(ids).toMatch(/SessionsThrottles.*SummariesThrottles.*FlowVersionsThrottles/);
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "Duration",
      ExtendedStatistic: "p99",
      Threshold: 1000,
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Metrics: [Match.objectLike({ Expression: Match.stringLikeRegexp('SUM\\("Fallbacks"\\).*"Callflow"') })],
    });
    for (const [, alarm] of alarms) expect(alarm.Properties.AlarmActions).toHaveLength(1);
    template.resourceCountIs("AWS::CloudWatch::Dashboard", 1);
  });

  it("keeps the dashboard's logical id, so a deployed dashboard is updated in place, never replaced", () => {
    // A replacement would create the "new" dashboard (same name: overwritten) and then delete the old one by name.
    expect(resources.Dashboard9E4231ED?.Type).toBe("AWS::CloudWatch::Dashboard");
    expect(resources.Dashboard9E4231ED?.Properties.DashboardName).toBe("Test-callflow");
  });
});

describe("cdk-nag", () => {
  it("reports no unacknowledged finding (AwsSolutions and Serverless packs)", () => {
    const { app } = synthStack({ waf: false });
    for (const pack of [new AwsSolutionsChecks(app), new ServerlessChecks(app)]) {
      const report = pack.validateScope(app);
      expect(report.violations.map((v) => `${v.ruleName}: ${v.description}`)).toEqual([]);
      expect(report.success).toBe(true);
    }
  });
});
