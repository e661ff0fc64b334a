/**
 * The deployed callflow: a regional REST API only 8x8 can reach (POST /vca, POST /vss), two Lambdas, three
 * DynamoDB tables, the shared webhook secret, the compiled flows, and the alarms and dashboard to run it.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from "aws-cdk-lib";
import {
  AccessLogFormat,
  EndpointType,
  JsonSchemaType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  Model,
  RequestValidator,
  RestApi,
} from "aws-cdk-lib/aws-apigateway";
import type { TableV2 } from "aws-cdk-lib/aws-dynamodb";
import { AnyPrincipal, Effect, PolicyDocument, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { CfnIPSet, CfnWebACL, CfnWebACLAssociation } from "aws-cdk-lib/aws-wafv2";
import type { Construct } from "constructs";
import { writeFlowsJson } from "../src/build/flows-json.js";
import { OUTPUT } from "../src/deploy/stack-outputs.js";
import type { CompiledMachine } from "../src/engine/machine.js";
import { FLOW_VERSIONS_TABLE, SESSIONS_TABLE, SUMMARIES_TABLE, type TableDefinition } from "../src/store/tables.js";
import { CallAnalytics } from "./analytics.js";
import { CallflowFunction, HOUSE_FINDINGS } from "./callflow-function.js";
import { type CallflowConfig, DEFAULT_CONFIG, toCidr } from "./config.js";
import { compileFlowsForDeploy, FlowVersions } from "./flows.js";
import { FlowIntegration, VCA_FUNCTION_TIMEOUT, VCA_INTEGRATION_TIMEOUT } from "./integration.js";
import { Operations } from "./operations.js";
import { OutboundCampaigns } from "./outbound.js";
import { SessionEncryption } from "./session-encryption.js";
import { callflowTable } from "./tables.js";

/** The VCA's timeouts leave room for the largest fetch budget plus the store's (cdk/integration.ts); the p99
 * latency alarm still tells us long before a routine answer gets near them. */
export { VCA_FUNCTION_TIMEOUT, VCA_INTEGRATION_TIMEOUT } from "./integration.js";
export const VSS_INTEGRATION_TIMEOUT = Duration.seconds(10);
/** The stage name in the webhook URLs. */
export const STAGE_NAME = "live";

export interface CallflowStackProps extends StackProps {
  config?: Partial<CallflowConfig>;
  /** When set, the compiled flows are written here as flows.json before bundling (the app passes "generated"). */
  generatedDir?: string;
  /** ISO time stored with flow versions this deployment writes first; default: now */
  storedAt?: string;
}

export class CallflowStack extends Stack {
  readonly machines: CompiledMachine[];
  readonly config: CallflowConfig;
  readonly api: RestApi;
  readonly vcaFunction: CallflowFunction;
  readonly vssFunction: CallflowFunction;
  readonly tables: { sessions: TableV2; summaries: TableV2; flowVersions: TableV2 };
  readonly webhookSecret: Secret;
  readonly alarmTopic: Topic;

  constructor(scope: Construct, id: string, props: CallflowStackProps = {}) {
    super(scope, id, props);
    const merged: CallflowConfig = { ...DEFAULT_CONFIG, ...props.config };
    const config: CallflowConfig = { ...merged, webhookSourceIps: merged.webhookSourceIps.map(toCidr) };
    this.config = config;

    // Flows first: a broken flow must fail the synth before anything else happens.
    this.machines = compileFlowsForDeploy(config.flowsDir);
    // What the Lambdas bundle must be the machines this synth deploys, never a stale build.
    if (props.generatedDir) writeFlowsJson(this.machines, props.generatedDir);

    this.tables = {
      sessions: this.table(SESSIONS_TABLE),
      summaries: this.table(SUMMARIES_TABLE),
      flowVersions: this.table(FLOW_VERSIONS_TABLE),
    };

    this.webhookSecret = new Secret(this, "WebhookSecret", {
      description: "8x8 webhook shared secret (httpAuthHeader): current value, and the previous one during a rotation",
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ previous: "" }),
        generateStringKey: "current",
        passwordLength: 40,
        excludePunctuation: true,
      },
    });
    Validations.of(this.webhookSecret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "Rotation must also re-register the value with 8x8 (httpAuthHeader), which a Secrets Manager rotation " +
        "Lambda cannot do safely; it is rotated by `ivr webhooks rotate`, which keeps the old value as `previous` " +
        "until deliveries with it stop (docs/deploy.md).",
    });

    this.vcaFunction = this.webhookFunction("VcaFunction", "lambdas/vca.ts", "8x8 Voice Call Action webhook", {
      timeout: VCA_FUNCTION_TIMEOUT,
    });
    this.vssFunction = this.webhookFunction("VssFunction", "lambdas/vss.ts", "8x8 Voice Session Summary webhook", {
      timeout: VSS_INTEGRATION_TIMEOUT,
    });
    // Least privilege, from what each domain service actually calls (src/webhooks/*-service.ts):
    // VCA reads and conditionally writes sessions (Get, Put) and loads pinned flow versions.
    // UpdateItem: the fallback marker (SessionStore.markFallback), which fences the session (it may create the
    // item of a call whose create timed out, so that create can never land after the apology).
    this.vcaFunction.bindTable(
      this.tables.sessions,
      ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
      SESSIONS_TABLE,
    );
    this.vcaFunction.bindTable(this.tables.flowVersions, ["dynamodb:GetItem"], FLOW_VERSIONS_TABLE);
    const sessionEncryption = new SessionEncryption(this, "SessionEncryption", { users: [this.vcaFunction] });
    // VSS reads the session, then stores the summary once and marks the session ended in one transaction (a
    // conditional Put and an UpdateItem), and may load the session's flow version to describe the path.
    this.vssFunction.bindTable(this.tables.sessions, ["dynamodb:GetItem", "dynamodb:UpdateItem"], SESSIONS_TABLE);
    this.vssFunction.bindTable(this.tables.summaries, ["dynamodb:PutItem", "dynamodb:GetItem"], SUMMARIES_TABLE);
    this.vssFunction.bindTable(this.tables.flowVersions, ["dynamodb:GetItem"], FLOW_VERSIONS_TABLE);

    new FlowIntegration(this, "FlowIntegration", {
      machines: this.machines,
      fn: this.vcaFunction,
      serviceUrls: config.serviceUrls,
      secretArns: config.secretArns,
    });

    new FlowVersions(this, "FlowVersions", {
      table: this.tables.flowVersions,
      machines: this.machines,
      storedAt: props.storedAt ?? new Date().toISOString(),
    });

    this.api = this.restApi(config);

    this.alarmTopic = new Topic(this, "AlarmTopic", { displayName: "callflow alarms", enforceSSL: true });
    if (config.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(config.alarmEmail));
    Validations.of(this.alarmTopic).acknowledge({
      id: "AwsSolutions-SNS2",
      reason:
        "Alarm notifications carry alarm names and states only (no call data). CloudWatch alarms cannot publish " +
        "to a topic encrypted with the AWS-managed SNS key, and a customer-managed key is not worth its cost here.",
    });
    new Operations(this, "Operations", {
      api: this.api,
      functions: { Vca: this.vcaFunction, Vss: this.vssFunction },
      tables: this.tables,
      alarmTopic: this.alarmTopic,
      vcaLatencyBudgetMs: config.vcaLatencyBudgetMs,
    });
    new CallAnalytics(this, "Analytics", {
      summaries: this.tables.summaries,
      vssFunction: this.vssFunction,
      machines: this.machines,
      logLevel: config.logLevel,
      tracing: config.tracing,
    });
    new OutboundCampaigns(this, "Outbound", {
      ...this.tables,
      vssFunction: this.vssFunction,
      sessionEncryption,
      alarmTopic: this.alarmTopic,
      config,
    });

    new CfnOutput(this, OUTPUT.vcaUrl, {
      value: this.api.urlForPath("/vca"),
      description: "register as the 8x8 VCA webhook",
    });
    new CfnOutput(this, OUTPUT.vssUrl, {
      value: this.api.urlForPath("/vss"),
      description: "register as the 8x8 VSS webhook",
    });
    new CfnOutput(this, OUTPUT.sessionsTable, { value: this.tables.sessions.tableName });
    new CfnOutput(this, OUTPUT.flowVersionsTable, { value: this.tables.flowVersions.tableName });
    new CfnOutput(this, OUTPUT.webhookSecretArn, {
      value: this.webhookSecret.secretArn,
      description: "Secrets Manager secret holding the webhook httpAuthHeader value (the ARN, never the value)",
    });
    new CfnOutput(this, "AlarmTopicArn", { value: this.alarmTopic.topicArn });
  }

  private table(def: TableDefinition): TableV2 {
    return callflowTable(this, def);
  }

  private webhookFunction(
    id: string,
    entry: string,
    description: string,
    options: { timeout: Duration },
  ): CallflowFunction {
    const fn = new CallflowFunction(this, id, {
      entry,
      description,
      timeout: options.timeout,
      logLevel: this.config.logLevel,
      tracing: this.config.tracing,
      environment: {
        WEBHOOK_SECRET_ARN: this.webhookSecret.secretArn,
        ...(this.config.sessionTtlSeconds !== undefined && {
          SESSION_TTL_SECONDS: String(this.config.sessionTtlSeconds),
        }),
      },
    });
    this.webhookSecret.grantRead(fn);
    Validations.of(fn).acknowledge(HOUSE_FINDINGS.basicExecutionRole, {
      id: "Serverless-LambdaDLQ",
      reason:
        "Invoked synchronously by API Gateway only; a dead-letter queue applies to asynchronous invocations. " +
        "8x8 sees the error and a failed VCA surfaces in the session summary.",
    });
    if (!this.config.tracing) Validations.of(fn).acknowledge(HOUSE_FINDINGS.tracingOff);
    return fn;
  }

  private restApi(config: CallflowConfig): RestApi {
    const accessLogs = new LogGroup(this, "ApiAccessLogs", {
      retention: RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const invoke = { principals: [new AnyPrincipal()], actions: ["execute-api:Invoke"], resources: ["execute-api:/*"] };
    const api = new RestApi(this, "WebhookApi", {
      restApiName: `${this.stackName}-webhooks`,
      description: "8x8 Voice webhooks (VCA, VSS)",
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      // Only 8x8's webhook addresses may call: everything else is denied before it reaches a Lambda.
      policy: new PolicyDocument({
        statements: [
          new PolicyStatement({ effect: Effect.ALLOW, ...invoke }),
          new PolicyStatement({
            effect: Effect.DENY,
            ...invoke,
            conditions: { NotIpAddress: { "aws:SourceIp": config.webhookSourceIps } },
          }),
        ],
      }),
      cloudWatchRole: config.apiGatewayCloudWatchRole,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: STAGE_NAME,
        throttlingRateLimit: config.throttleRateLimit,
        throttlingBurstLimit: config.throttleBurstLimit,
        // Access logs: who called what and how it went, never bodies (they hold phone numbers).
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields({
          caller: false,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: false,
        }),
        // Execution logs for errors only; dataTraceEnabled would log full request and response bodies.
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: config.tracing,
      },
    });
    if (config.apiGatewayCloudWatchRole) {
      Validations.of(api).acknowledge({
        id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
        reason:
          "The account-level API Gateway logging role uses AmazonAPIGatewayPushToCloudWatchLogs, the AWS-managed " +
          "policy documented for it; API Gateway cannot write access logs without that role.",
      });
    }

    // A light shape check at the edge (the handler does the real validation): JSON objects with a payload.
    const webhookModel = new Model(this, "WebhookModel", {
      restApi: api,
      contentType: "application/json",
      description: "an 8x8 webhook envelope",
      schema: {
        type: JsonSchemaType.OBJECT,
        required: ["payload"],
        properties: { payload: { type: JsonSchemaType.OBJECT } },
      },
    });
    const validator = new RequestValidator(this, "WebhookValidator", {
      restApi: api,
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const route = (path: string, fn: CallflowFunction, timeout: Duration) =>
      api.root.addResource(path).addMethod("POST", new LambdaIntegration(fn, { timeout }), {
        requestValidator: validator,
        requestModels: { "application/json": webhookModel },
      });
    route("vca", this.vcaFunction, VCA_INTEGRATION_TIMEOUT);
    route("vss", this.vssFunction, VSS_INTEGRATION_TIMEOUT);

    const noGatewayAuth =
      "The only caller is 8x8's webhook platform, which cannot sign requests or use IAM, Cognito or a Lambda " +
      "authorizer: it is authenticated by the resource policy (8x8's source IPs only) and by the shared " +
      "httpAuthHeader secret, checked in constant time in the Lambda.";
    Validations.of(api).acknowledge(
      { id: "AwsSolutions-APIG4", reason: noGatewayAuth },
      { id: "AwsSolutions-COG4", reason: noGatewayAuth },
    );
    if (!config.tracing) {
      Validations.of(api).acknowledge({
        id: "Serverless-APIGWXrayEnabled",
        reason: "X-Ray tracing is opt-in (context tracing=true): access logs and metrics cover routine operation.",
      });
    }

    if (config.waf) this.webAcl(api, config);
    else {
      Validations.of(api).acknowledge({
        id: "AwsSolutions-APIG3",
        reason:
          "WAF is opt-in (context waf=true): the resource policy already denies every address but 8x8's, the " +
          "stage is throttled, and the handler refuses unauthenticated or oversized bodies.",
      });
    }
    return api;
  }

  /** Optional WAF: AWS managed common rules, a per-IP rate limit, and 8x8's addresses as an IP set. */
  private webAcl(api: RestApi, config: CallflowConfig): void {
    const ipSet = new CfnIPSet(this, "EightByEightIps", {
      scope: "REGIONAL",
      ipAddressVersion: "IPV4",
      addresses: config.webhookSourceIps,
      description: "8x8 Voice webhook source addresses",
    });
    const visibility = (name: string) => ({
      cloudWatchMetricsEnabled: true,
      metricName: name,
      sampledRequestsEnabled: false, // samples would include bodies with phone numbers
    });
    const acl = new CfnWebACL(this, "WebAcl", {
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      visibilityConfig: visibility("callflow-webacl"),
      rules: [
        {
          name: "only-8x8",
          priority: 0,
          action: { block: {} },
          statement: { notStatement: { statement: { ipSetReferenceStatement: { arn: ipSet.attrArn } } } },
          visibilityConfig: visibility("callflow-not-8x8"),
        },
        {
          name: "rate-per-ip",
          priority: 1,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: config.wafRateLimit, aggregateKeyType: "IP" } },
          visibilityConfig: visibility("callflow-rate"),
        },
        {
          name: "aws-common",
          priority: 2,
          overrideAction: { none: {} },
          statement: { managedRuleGroupStatement: { vendorName: "AWS", name: "AWSManagedRulesCommonRuleSet" } },
          visibilityConfig: visibility("callflow-common"),
        },
      ],
    });
    new CfnWebACLAssociation(this, "WebAclAssociation", {
      resourceArn: api.deploymentStage.stageArn,
      webAclArn: acl.attrArn,
    });
  }
}
