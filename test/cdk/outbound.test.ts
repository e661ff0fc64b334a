/**
 * The outbound campaigns construct (cdk/outbound.ts) as synthesised in the stack: tables and indexes from
 * src/store/tables.ts, the dispatcher and its schedule, rights no wider than the code's calls, the alarms.
 */
import { Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { configFromContext } from "../../cdk/config.js";
import { synthStack, testApp } from "./helpers.js";

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
let template: Template;
let resources: Resources;

beforeAll(() => {
  ({ template } = synthStack({ eightByEightSubaccountId: "acme" }));
  resources = template.toJSON().Resources as Resources;
});

function logicalId(prefix: string, type: string): string {
  const id = Object.keys(resources).find((k) => k.startsWith(prefix) && resources[k]?.Type === type);
  if (!id) throw new Error(`no ${type} ${prefix}*`);
  return id;
}

/** Every statement of a function's role policies, its resources stringified. */
function statementsOf(functionPrefix: string): { actions: string[]; resources: string }[] {
  const fn = resources[logicalId(functionPrefix, "AWS::Lambda::Function")];
  if (!fn) throw new Error(`no function ${functionPrefix}*`);
  const role = JSON.stringify((fn.Properties.Role as { "Fn::GetAtt": string[] })["Fn::GetAtt"][0]);
  return Object.values(resources)
    .filter((r) => r.Type === "AWS::IAM::Policy" && JSON.stringify(r.Properties.Roles).includes(role))
    .flatMap(
      (r) =>
        (r.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement,
    )
    .map((s) => ({ actions: [s.Action].flat(), resources: JSON.stringify(s.Resource) }));
}

describe("campaign tables", () => {
  it("are keyed and indexed as src/store/tables.ts says, with TTL", () => {
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      KeySchema: [
        { AttributeName: "campaignId", KeyType: "HASH" },
        { AttributeName: "contactId", KeyType: "RANGE" },
      ],
      TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
      GlobalSecondaryIndexes: [
        {
          IndexName: "byStatusDue",
          KeySchema: [
            { AttributeName: "statusKey", KeyType: "HASH" },
            { AttributeName: "dueAt", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["outcome"] },
        },
      ],
    });
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      KeySchema: [{ AttributeName: "campaignId", KeyType: "HASH" }],
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: "byStatus" })],
    });
  });
});

describe("the dispatcher", () => {
  it("runs every minute from EventBridge Scheduler, without retries, for most of its 75 s", () => {
    const dispatcher = logicalId("OutboundDispatcher", "AWS::Lambda::Function");
    template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "rate(1 minute)",
      FlexibleTimeWindow: { Mode: "OFF" },
      Target: Match.objectLike({
        Arn: { "Fn::GetAtt": [dispatcher, "Arn"] },
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
      }),
    });
    expect(resources[dispatcher]?.Properties).toMatchObject({
      Timeout: 75,
      Architectures: ["arm64"],
      Environment: {
        Variables: expect.objectContaining({
          EIGHTBYEIGHT_SUBACCOUNT_ID: "acme",
          EIGHTBYEIGHT_BASE_URL: "https://voice.8x8.com",
          VOICE_API_KEY_SECRET_ARN: expect.anything(),
          CAMPAIGNS_TABLE: expect.anything(),
          CONTACTS_TABLE: expect.anything(),
          SESSIONS_TABLE: expect.anything(),
          FLOW_VERSIONS_TABLE: expect.anything(),
          SESSION_KEY_ID: expect.anything(),
        }),
      },
    });
  });

  it("may do what the code does and no more: Query on the indexes only, never a Scan", () => {
    const statements = statementsOf("OutboundDispatcher");
    const all = statements.flatMap((s) => s.actions);
    expect(all.filter((a) => a.startsWith("dynamodb:")).sort()).toEqual(
      [
        "dynamodb:BatchGetItem",
        "dynamodb:ConditionCheckItem",
        "dynamodb:GetItem",
        "dynamodb:GetItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
        "dynamodb:UpdateItem",
      ].sort(),
    );
    for (const query of statements.filter((s) => s.actions.includes("dynamodb:Query"))) {
      expect(query.resources).toMatch(/\/index\/by(Status|StatusDue)"/);
      expect(query.resources).not.toContain("index/*");
    }
    expect(all).toContain("secretsmanager:GetSecretValue");
    // sensitive inputs are sealed in the sessions it creates, with the VCA's session key
    expect(all).toEqual(expect.arrayContaining(["kms:GenerateDataKey", "kms:Decrypt"]));
  });

  it("lets the VSS function settle attempts: UpdateItem on campaigns and contacts", () => {
    const vss = statementsOf("VssFunction").filter((s) => /Outbound(Campaigns|Contacts)Table/.test(s.resources));
    expect(vss.flatMap((s) => s.actions)).toEqual(["dynamodb:UpdateItem", "dynamodb:UpdateItem"]);
  });
});

describe("alarms", () => {
  it("tell of a stalled campaign, a failing or silent dispatcher, rate limiting and throttles", () => {
    const alarms = Object.entries(resources).filter(
      ([id, r]) => r.Type === "AWS::CloudWatch::Alarm" && id.startsWith("Outbound"),
    );
    expect(alarms.map(([id]) => id.replace(/[A-F0-9]{8}$/, "")).sort()).toEqual([
      "OutboundCampaignRateLimitedAlarm",
      "OutboundCampaignStalledAlarm",
      "OutboundCampaignsThrottlesAlarm",
      "OutboundContactsThrottlesAlarm",
      "OutboundDispatcherErrorsAlarm",
      "OutboundDispatcherNotRunningAlarm",
    ]);
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Metrics: [Match.objectLike({ Expression: Match.stringLikeRegexp('SUM\\("CampaignsStalled"\\)') })],
      EvaluationPeriods: 2,
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "Invocations",
      ComparisonOperator: "LessThanThreshold",
      TreatMissingData: "breaching",
    });
    for (const [, alarm] of alarms) expect(alarm.Properties.AlarmActions).toHaveLength(1);
  });
});

describe("configuration", () => {
  it("takes the 8x8 subaccount, base URL and an existing API key secret from context", () => {
    const config = configFromContext(
      testApp({
        eightByEightSubaccountId: "acme",
        eightByEightBaseUrl: "https://voice.example",
        voiceApiKeySecretArn: "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:key-AbCdEf",
      }).node,
    );
    expect(config).toMatchObject({
      eightByEightSubaccountId: "acme",
      eightByEightBaseUrl: "https://voice.example",
      voiceApiKeySecretArn: "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:key-AbCdEf",
    });
    const withKey = synthStack({ voiceApiKeySecretArn: config.voiceApiKeySecretArn }).template;
    const secrets = Object.keys(withKey.findResources("AWS::SecretsManager::Secret"));
    expect(secrets.filter((id) => id.startsWith("Outbound"))).toEqual([]); // the given one is used, none made
    withKey.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ VOICE_API_KEY_SECRET_ARN: config.voiceApiKeySecretArn }) },
    });
  });
});
