/**
 * Analytics in AWS (issue #12): where call outcomes go and where callers drop, as one construct.
 *
 * - An EventBridge bus with an archive (replays) and a documented example rule: every stored summary becomes one
 *   `Call Completed` event, published off the caller's path by a small Lambda fed by the summaries table's stream
 *   (at least once: partial PutEvents failures are retried, failed records reported back, the rest to an on-failure
 *   queue).
 * - Saved CloudWatch Logs Insights queries over the VSS function's "Session summary stored" lines: outcomes per
 *   flow, and per-state drop-off (no per-state metric dimensions: each would be a billed custom metric).
 * - Outcome metrics per flow on the dashboard, and the outputs `ivr report` reads.
 */
import { type CfnElement, CfnOutput, Duration, Stack, Validations } from "aws-cdk-lib";
import { Dashboard, GraphWidget, LogQueryWidget } from "aws-cdk-lib/aws-cloudwatch";
import type { TableV2 } from "aws-cdk-lib/aws-dynamodb";
import { EventBus, Rule } from "aws-cdk-lib/aws-events";
import { SqsQueue } from "aws-cdk-lib/aws-events-targets";
import { FilterCriteria, FilterRule, StartingPosition } from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import { QueryDefinition, QueryString } from "aws-cdk-lib/aws-logs";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { CALL_COMPLETED, EVENT_SOURCE } from "../src/analytics/event.js";
import { OUTPUT } from "../src/deploy/stack-outputs.js";
import type { CompiledMachine } from "../src/engine/machine.js";
import { MetricName } from "../src/observability/metrics.js";
import { CallflowFunction } from "./callflow-function.js";
import { callflowMetric } from "./monitoring.js";

export interface CallAnalyticsProps {
  summaries: TableV2;
  vssFunction: CallflowFunction;
  machines: readonly CompiledMachine[];
  /** the operations dashboard to add the outcome widgets to (default: the stack's dashboard, if it has one) */
  dashboard?: Dashboard;
  logLevel?: string;
  tracing?: boolean;
  /** how long the archive keeps events for replays (default 90 days, as summaries) */
  archiveRetention?: Duration;
}

/** The outcome metrics, in the order the dashboard draws them. */
const OUTCOME_METRICS = [
  MetricName.CallsCompleted,
  MetricName.CallsTransferred,
  MetricName.CallsAbandoned,
  MetricName.CallsFailed,
  MetricName.CallsUnreached,
];

/** The VSS log line the queries read (src/webhooks/vss-service.ts). */
const SUMMARY_LINE = `message = "Session summary stored"`;

export class CallAnalytics extends Construct {
  readonly bus: EventBus;
  readonly publisher: CallflowFunction;
  readonly publishFailures: Queue;
  readonly exampleRule: Rule;
  readonly followUpQueue: Queue;
  readonly dropOffQuery: QueryDefinition;
  readonly outcomesQuery: QueryDefinition;

  constructor(scope: Construct, id: string, props: CallAnalyticsProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.bus = new EventBus(this, "CallEvents", {
      eventBusName: `${stack.stackName}-calls`,
      description: "callflow: one Call Completed event per finished call (docs/analytics.md)",
    });
    this.bus.archive("Archive", {
      description: "Call Completed events, for replays to a new consumer",
      eventPattern: { source: [EVENT_SOURCE] },
      retention: props.archiveRetention ?? Duration.days(90),
    });

    this.publishFailures = this.queue("PublishFailures", "stream batches the publisher gave up on");
    this.publisher = new CallflowFunction(this, "Publisher", {
      entry: "lambdas/publish-events.ts",
      description: "Summaries table stream -> Call Completed events on the EventBridge bus",
      timeout: Duration.seconds(30),
      memorySize: 256,
      ...(props.logLevel !== undefined && { logLevel: props.logLevel }),
      ...(props.tracing !== undefined && { tracing: props.tracing }),
      environment: { EVENT_BUS_NAME: this.bus.eventBusName },
    });
    this.bus.grantPutEventsTo(this.publisher);
    this.publisher.addEventSource(
      new DynamoEventSource(props.summaries, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 50,
        maxBatchingWindow: Duration.seconds(1),
        // Failed records are reported one by one (ReportBatchItemFailures); a poison batch is split to find them.
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: 10,
        maxRecordAge: Duration.hours(24),
        onFailure: new SqsDlq(this.publishFailures),
        // Only new summaries of calls we know (they carry an outcome): not TTL deletions, not unknown sessions.
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.isEqual("INSERT"),
            dynamodb: { NewImage: { outcome: { M: FilterRule.exists() } } },
          }),
        ],
      }),
    );
    this.acknowledgePublisher(props.tracing === true);

    // The documented example: calls that did not end well, queued for a follow-up (a callback, a ticket).
    const followUpFailures = this.queue(
      "FollowUpFailures",
      "follow-up events EventBridge could not deliver, or a consumer failed on five times",
    );
    this.followUpQueue = new Queue(this, "FollowUpCalls", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: followUpFailures, maxReceiveCount: 5 },
    });
    this.exampleRule = new Rule(this, "FailedOrAbandonedCalls", {
      eventBus: this.bus,
      description: "Example consumer: failed and abandoned calls, queued for follow-up (docs/analytics.md)",
      eventPattern: {
        source: [EVENT_SOURCE],
        detailType: [CALL_COMPLETED],
        detail: { outcome: ["failed", "abandoned"] },
      },
      targets: [new SqsQueue(this.followUpQueue, { deadLetterQueue: followUpFailures, retryAttempts: 10 })],
    });

    // The index this construct reads (ivr report) makes CDK add `<table>/index/*` to every grant on the table, so
    // the VSS function's PutItem/GetItem grant shows a wildcard that can never apply (items live in the table).
    const tableId = stack.getLogicalId(props.summaries.node.defaultChild as CfnElement);
    Validations.of(props.vssFunction).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${tableId}.Arn>/index/*]`,
      reason:
        "CDK adds the table's index ARNs to any grant once a table has a GSI; this function holds PutItem and " +
        "GetItem only, which act on items of the table, never on an index.",
    });

    const logGroups = [props.vssFunction.logGroup];
    this.dropOffQuery = new QueryDefinition(this, "DropOffByState", {
      queryDefinitionName: `${stack.stackName}/callflow/drop-off-by-state`,
      queryString: new QueryString({
        fields: ["flow", "version", "outcomeState"],
        filterStatements: [SUMMARY_LINE, `outcome = "abandoned"`],
        statsStatements: ["count(*) as abandoned by flow, version, outcomeState"],
        sort: "abandoned desc",
      }),
      logGroups,
    });
    this.outcomesQuery = new QueryDefinition(this, "OutcomesByFlow", {
      queryDefinitionName: `${stack.stackName}/callflow/outcomes-by-flow`,
      queryString: new QueryString({
        fields: ["flow", "version", "outcome", "result"],
        filterStatements: [SUMMARY_LINE],
        statsStatements: ["count(*) as calls by flow, version, outcome, result"],
        sort: "flow asc",
      }),
      logGroups,
    });

    const dashboard = props.dashboard ?? findDashboard(stack);
    dashboard?.addWidgets(
      new GraphWidget({
        title: "Call outcomes by flow",
        left: OUTCOME_METRICS.map((name) => callflowMetric(name, { byFlow: true })),
        width: 12,
      }),
      new LogQueryWidget({
        title: "Where callers hang up (abandoned calls by state, from the VSS logs)",
        logGroupNames: logGroups.map((g) => g.logGroupName),
        queryLines: [
          "fields flow, version, outcomeState",
          `filter ${SUMMARY_LINE} and outcome = "abandoned"`,
          "stats count(*) as abandoned by flow, outcomeState",
          "sort abandoned desc",
          "limit 20",
        ],
        width: 12,
      }),
    );

    output(this, OUTPUT.summariesTable, props.summaries.tableName, "summaries table `ivr report` queries");
    output(this, OUTPUT.eventBusName, this.bus.eventBusName, "EventBridge bus of Call Completed events");
    output(this, OUTPUT.flowIds, props.machines.map((m) => m.flow).join(",") || "-", "flows `ivr report` covers");
  }

  private queue(id: string, what: string): Queue {
    const queue = new Queue(this, id, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const reason = `Holds ${what}: a dead-letter destination itself, the end of the line, read by operators.`;
    Validations.of(queue).acknowledge(
      { id: "AwsSolutions-SQS3", reason },
      { id: "Serverless-SQSRedrivePolicy", reason },
    );
    return queue;
  }

  private acknowledgePublisher(tracing: boolean): void {
    Validations.of(this.publisher).acknowledge(
      {
        id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        reason: "AWS-maintained minimum for a Lambda function: it only writes this function's own logs.",
      },
      {
        id: "AwsSolutions-IAM5[Resource::*]",
        reason:
          "dynamodb:ListStreams has no resource-level permission (AWS documents `*`); the stream read actions are " +
          "scoped to the summaries table's stream.",
      },
      {
        id: "Serverless-LambdaDLQ",
        reason:
          "Invoked by a DynamoDB stream event source mapping, whose on-failure destination (an SQS queue) receives " +
          "the batches it gives up on; a function DLQ applies to asynchronous invocations only.",
      },
    );
    if (!tracing) {
      Validations.of(this.publisher).acknowledge({
        id: "Serverless-LambdaTracing",
        reason: "X-Ray tracing is opt-in (context tracing=true): logs and EMF metrics cover routine operation.",
      });
    }
  }
}

/** The stack's operations dashboard, wherever it is in the construct tree. */
function findDashboard(stack: Stack): Dashboard | undefined {
  return stack.node.findAll().find((c): c is Dashboard => c instanceof Dashboard);
}

function output(scope: Construct, name: string, value: string, description: string): void {
  // Stable output names (not prefixed by this construct's path): the CLI reads them by name.
  new CfnOutput(scope, name, { value, description }).overrideLogicalId(name);
}
