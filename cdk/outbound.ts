/**
 * Outbound campaigns in AWS (issue #13), as one construct:
 *
 * - the campaigns and contacts tables (src/store/tables.ts: the byStatus and byStatusDue indexes);
 * - the dispatcher Lambda (lambdas/dispatcher.ts), invoked every minute by EventBridge Scheduler; each invocation
 *   ticks for most of the minute, and any overlap is harmless (claims and the pace are conditional writes);
 * - the 8x8 API key it dials with, in Secrets Manager (the stack's own secret, or an existing one);
 * - the VSS function's rights to settle a campaign call's attempt on its contact;
 * - alarms: a stalled campaign, the dispatcher failing or not running at all, 8x8 rate-limiting us, throttles.
 */
import { type CfnElement, CfnOutput, Duration, Stack, Validations } from "aws-cdk-lib";
import { type Alarm, type IMetric, Stats, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { TableV2 } from "aws-cdk-lib/aws-dynamodb";
import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Schedule, ScheduleExpression } from "aws-cdk-lib/aws-scheduler";
import { LambdaInvoke } from "aws-cdk-lib/aws-scheduler-targets";
import { type ISecret, Secret } from "aws-cdk-lib/aws-secretsmanager";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import { OUTPUT } from "../src/deploy/stack-outputs.js";
import { MetricName } from "../src/observability/metrics.js";
import {
  CAMPAIGNS_TABLE,
  CONTACTS_TABLE,
  FLOW_VERSIONS_TABLE,
  SESSIONS_TABLE,
  type TableDefinition,
} from "../src/store/tables.js";
import { CallflowFunction, HOUSE_FINDINGS } from "./callflow-function.js";
import type { CallflowConfig } from "./config.js";
import { type AlarmOptions, callflowMetric, notifyingAlarm } from "./monitoring.js";
import type { SessionEncryption } from "./session-encryption.js";
import { callflowTable, tableThrottles } from "./tables.js";

/** Each invocation ticks until 15 s before this (lambdas/dispatcher.ts); the schedule starts one a minute. */
export const DISPATCHER_TIMEOUT = Duration.seconds(75);

export interface OutboundCampaignsProps {
  sessions: TableV2;
  flowVersions: TableV2;
  /** settles campaign calls' attempts when their summaries arrive */
  vssFunction: CallflowFunction;
  /** the dispatcher seals sensitive inputs in the sessions it creates, as the VCA function does */
  sessionEncryption: SessionEncryption;
  alarmTopic: ITopic;
  config: CallflowConfig;
}

export class OutboundCampaigns extends Construct {
  readonly campaigns: TableV2;
  readonly contacts: TableV2;
  readonly dispatcher: CallflowFunction;
  readonly schedule: Schedule;
  readonly voiceApiKey: ISecret;
  readonly alarms: Alarm[];

  constructor(scope: Construct, id: string, props: OutboundCampaignsProps) {
    super(scope, id);
    const { config } = props;
    this.campaigns = callflowTable(this, CAMPAIGNS_TABLE);
    this.contacts = callflowTable(this, CONTACTS_TABLE);

    this.voiceApiKey = config.voiceApiKeySecretArn
      ? Secret.fromSecretCompleteArn(this, "VoiceApiKey", config.voiceApiKeySecretArn)
      : this.newApiKeySecret();

    this.dispatcher = new CallflowFunction(this, "Dispatcher", {
      entry: "lambdas/dispatcher.ts",
      description: "Outbound campaigns: claims due contacts and places their calls through 8x8, at the campaign's pace",
      timeout: DISPATCHER_TIMEOUT,
      ...(config.logLevel !== undefined && { logLevel: config.logLevel }),
      tracing: config.tracing,
      environment: {
        VOICE_API_KEY_SECRET_ARN: this.voiceApiKey.secretArn,
        EIGHTBYEIGHT_BASE_URL: config.eightByEightBaseUrl,
        ...(config.eightByEightSubaccountId !== undefined && {
          EIGHTBYEIGHT_SUBACCOUNT_ID: config.eightByEightSubaccountId,
        }),
        ...(config.sessionTtlSeconds !== undefined && { SESSION_TTL_SECONDS: String(config.sessionTtlSeconds) }),
      },
    });
    this.voiceApiKey.grantRead(this.dispatcher);
    props.sessionEncryption.use(this.dispatcher);
    // Least privilege, from what src/outbound/dynamodb-campaign-store.ts and the session store call: the pacer is
    // read and conditionally updated, contacts are claimed and settled (UpdateItem), read in batches when auditing
    // and checked in the one transaction (a leftover in-progress entry); both are queried on their own index only.
    // The call's session is created (PutItem) and its pinned flow version loaded.
    this.allow(this.dispatcher, this.campaigns, CAMPAIGNS_TABLE, ["dynamodb:GetItem", "dynamodb:UpdateItem"], true);
    this.allow(
      this.dispatcher,
      this.contacts,
      CONTACTS_TABLE,
      ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"],
      true,
    );
    this.dispatcher.bindTable(props.sessions, ["dynamodb:PutItem"], SESSIONS_TABLE);
    this.dispatcher.bindTable(props.flowVersions, ["dynamodb:GetItem"], FLOW_VERSIONS_TABLE);
    // The session summary settles a campaign call's attempt (UpdateItem on its contact) and frees its slot.
    this.allow(props.vssFunction, this.campaigns, CAMPAIGNS_TABLE, ["dynamodb:UpdateItem"]);
    this.allow(props.vssFunction, this.contacts, CONTACTS_TABLE, ["dynamodb:UpdateItem"]);

    // The role EventBridge Scheduler invokes the dispatcher with (made here, so its one finding can be answered).
    const invoker = new Role(this, "SchedulerRole", {
      assumedBy: new ServicePrincipal("scheduler.amazonaws.com"),
      description: "EventBridge Scheduler: invokes the campaign dispatcher",
    });
    this.schedule = new Schedule(this, "EveryMinute", {
      description: "Runs the campaign dispatcher; each run ticks for most of the minute",
      schedule: ScheduleExpression.rate(Duration.minutes(1)),
      // A failed or late run is not retried: the next minute's run starts anyway, from the tables' state.
      target: new LambdaInvoke(this.dispatcher, { role: invoker, retryAttempts: 0, maxEventAge: Duration.minutes(1) }),
    });
    Validations.of(invoker).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.dispatcher.node.defaultChild as CfnElement)}.Arn>:*]`,
      reason:
        "CDK's Scheduler target grants lambda:InvokeFunction on the function and its qualified ARNs (function:*); " +
        "this role can invoke the dispatcher and nothing else.",
    });
    this.acknowledge(config);
    this.alarms = this.createAlarms(props.alarmTopic);

    const stack = Stack.of(this);
    new CfnOutput(stack, OUTPUT.campaignsTable, { value: this.campaigns.tableName });
    new CfnOutput(stack, OUTPUT.contactsTable, { value: this.contacts.tableName });
    new CfnOutput(stack, "VoiceApiKeySecretArn", {
      value: this.voiceApiKey.secretArn,
      description: "put the 8x8 API key the campaign dispatcher dials with here (the ARN, never the value)",
    });
  }

  /**
   * The table's name in the function's environment, `actions` on its items, and (with `query`) Query on its own
   * index only: written out rather than `table.grant`, which adds every index of the table as `index/*`.
   */
  private allow(fn: CallflowFunction, table: TableV2, def: TableDefinition, actions: string[], query = false): void {
    fn.addEnvironment(def.envVar, table.tableName);
    fn.addToRolePolicy(new PolicyStatement({ actions, resources: [table.tableArn] }));
    if (query) {
      const indexes = (def.indexes ?? []).map((index) => `${table.tableArn}/index/${index.name}`);
      fn.addToRolePolicy(new PolicyStatement({ actions: ["dynamodb:Query"], resources: indexes }));
    }
  }

  private newApiKeySecret(): Secret {
    const secret = new Secret(this, "VoiceApiKey", {
      description:
        "8x8 API key for outbound campaigns: set it with `aws secretsmanager put-secret-value --secret-id <arn> " +
        '--secret-string "$EIGHTBYEIGHT_API_KEY"` (until then 8x8 refuses the key and campaigns pause, saying why)',
    });
    Validations.of(secret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "An 8x8 API key is issued and revoked in 8x8 Connect, which a rotation Lambda cannot drive; it is replaced " +
        "by putting the new key in this secret (the dispatcher reads it again within 5 minutes, docs/outbound.md).",
    });
    return secret;
  }

  private acknowledge(config: CallflowConfig): void {
    Validations.of(this.dispatcher).acknowledge(HOUSE_FINDINGS.basicExecutionRole, {
      id: "Serverless-LambdaDLQ",
      reason:
        "Invoked by EventBridge Scheduler every minute with no retries: a failed run leaves nothing to replay " +
        "(the work is in the tables, and the next run picks it up); the errors alarm reports failures.",
    });
    if (!config.tracing) Validations.of(this.dispatcher).acknowledge(HOUSE_FINDINGS.tracingOff);
  }

  private createAlarms(topic: ITopic): Alarm[] {
    const action = new SnsAction(topic);
    const alarm = (id: string, description: string, metric: IMetric, options?: AlarmOptions): Alarm =>
      notifyingAlarm(this, id, action, description, metric, options);
    const fiveMinutes = Duration.minutes(5);
    const campaignMetric = (name: string) => callflowMetric(name, { period: fiveMinutes });
    return [
      alarm(
        "CampaignStalledAlarm",
        "A running campaign, in its calling window, has contacts due but started no call for 10 minutes (all slots " +
          "held by calls whose summaries never came, 8x8 refusing us, the dispatcher failing): ivr campaign status",
        campaignMetric(MetricName.CampaignsStalled),
        { periods: 2 },
      ),
      alarm(
        "DispatcherErrorsAlarm",
        "The campaign dispatcher failed (it runs again next minute): see its logs",
        this.dispatcher.metricErrors({ period: fiveMinutes }),
      ),
      alarm(
        "DispatcherNotRunningAlarm",
        "The campaign dispatcher has not run for 10 minutes: the EventBridge schedule is disabled or failing",
        this.dispatcher.metricInvocations({ period: fiveMinutes, statistic: Stats.SUM }),
        { periods: 2, below: true, missing: TreatMissingData.BREACHING },
      ),
      alarm(
        "CampaignRateLimitedAlarm",
        "8x8 rate-limited campaign calls (429) often in 5 minutes: lower the campaigns' pace",
        campaignMetric(MetricName.CampaignRateLimited),
        { threshold: 20 },
      ),
      alarm(
        "CampaignsThrottlesAlarm",
        "DynamoDB campaigns table throttled",
        tableThrottles(this.campaigns, "campaigns", fiveMinutes),
      ),
      alarm(
        "ContactsThrottlesAlarm",
        "DynamoDB contacts table throttled",
        tableThrottles(this.contacts, "contacts", fiveMinutes),
      ),
    ];
  }
}
