/** cdk/analytics.ts: the bus, its archive and example rule, the stream publisher, the queries, the index. */
import { Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { SERVICE_NAME } from "../../src/observability/service.js";
import { SUMMARIES_BY_FLOW_INDEX } from "../../src/store/tables.js";
import { synthStack } from "./helpers.js";

let template: Template;
beforeAll(() => {
  ({ template } = synthStack());
});

describe("summaries table", () => {
  it("has the by-flow index (as src/store/tables.ts defines it) and a stream of new images", () => {
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      KeySchema: [{ AttributeName: "sessionId", KeyType: "HASH" }],
      StreamSpecification: { StreamViewType: "NEW_IMAGE" },
      GlobalSecondaryIndexes: [
        {
          IndexName: SUMMARIES_BY_FLOW_INDEX.name,
          KeySchema: [
            { AttributeName: "flow", KeyType: "HASH" },
            { AttributeName: "receivedAt", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: [...SUMMARIES_BY_FLOW_INDEX.attributes] },
        },
      ],
    });
  });
});

describe("Call Completed events", () => {
  it("go to a bus of the stack's own, archived for replays", () => {
    template.hasResourceProperties("AWS::Events::EventBus", { Name: "Test-calls" });
    template.hasResourceProperties("AWS::Events::Archive", {
      EventPattern: { source: ["callflow"] },
      RetentionDays: 90,
    });
  });

  it("are published from the summaries stream: new summaries with an outcome, failures reported per record, an on-failure queue", () => {
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      StartingPosition: "TRIM_HORIZON",
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              eventName: ["INSERT"],
              dynamodb: { NewImage: { outcome: { M: [{ exists: true }] } } },
            }),
          },
        ],
      },
    });
    const publisher = Object.values(template.findResources("AWS::Lambda::Function")).find(
      (f) => f.Properties.Environment?.Variables?.EVENT_BUS_NAME,
    );
    expect(publisher?.Properties.Runtime).toBe("nodejs24.x");
    template.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Action: "events:PutEvents", Effect: "Allow" })]),
      },
    });
  });

  it("have a documented example rule: failed and abandoned calls to a follow-up queue with a DLQ", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: {
        source: ["callflow"],
        "detail-type": ["Call Completed"],
        detail: { outcome: ["failed", "abandoned"] },
      },
      Targets: [Match.objectLike({ DeadLetterConfig: { Arn: Match.anyValue() } })],
    });
    for (const queue of Object.values(template.findResources("AWS::SQS::Queue"))) {
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    }
  });
});

describe("live metrics and logs", () => {
  it("saves Logs Insights queries for per-state drop-off and outcomes over the VSS logs", () => {
    template.hasResourceProperties("AWS::Logs::QueryDefinition", {
      Name: "Test/callflow/drop-off-by-state",
      QueryString: Match.stringLikeRegexp(
        'outcome = "abandoned"[\\s\\S]*stats count\\(\\*\\) as abandoned by flow, version, outcomeState',
      ),
      LogGroupNames: [Match.anyValue()],
    });
    template.hasResourceProperties("AWS::Logs::QueryDefinition", { Name: "Test/callflow/outcomes-by-flow" });
  });

  it("shows outcomes per flow on the dashboard", () => {
    const dashboard = Object.values(template.findResources("AWS::CloudWatch::Dashboard"))[0];
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const name of ["CallsCompleted", "CallsTransferred", "CallsAbandoned", "CallsFailed"]) {
      expect(body).toContain(`SUM(\\\\\\"${name}\\\\\\")`);
    }
    expect(body).toContain("Call outcomes by flow");
  });

  it("counts only our own service's outcome metrics on the dashboard", () => {
    const dashboard = Object.values(template.findResources("AWS::CloudWatch::Dashboard"))[0];
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    const queries = body.match(/SELECT SUM\([^}]*/g) ?? [];
    const outcomes = queries.filter((q) => /Calls(Completed|Transferred|Abandoned|Failed|Unreached)/.test(q));
    expect(outcomes).toHaveLength(5);
    for (const query of outcomes) expect(query).toContain(`= '${SERVICE_NAME}' GROUP BY`);
  });

  it("outputs what ivr report reads: the summaries table, the bus, the deployed flows", () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(["SummariesTableName", "CallEventBusName", "FlowIds"]));
    expect(outputs.FlowIds?.Value).toBe("acme-support,appointment-reminder,card-services");
  });
});
