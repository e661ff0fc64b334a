/**
 * Running the stack: alarms (to the alarm topic) on the API, the functions, the latency budget, fallback answers
 * and DynamoDB throttling, and one dashboard. Kept apart from the stack so it reads as "what runs" and this as
 * "how we watch it".
 */
import { Duration, Stack } from "aws-cdk-lib";
import type { RestApi } from "aws-cdk-lib/aws-apigateway";
import {
  type Alarm,
  AlarmStatusWidget,
  type CfnDashboard,
  Dashboard,
  GraphWidget,
  type IMetric,
  Stats,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { ITableV2 } from "aws-cdk-lib/aws-dynamodb";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import { callflowMetric, notifyingAlarm } from "./monitoring.js";
import { tableThrottles } from "./tables.js";

export interface OperationsProps {
  api: RestApi;
  /** the webhook functions by short name ("Vca", "Vss"): Errors and Throttles alarms each */
  functions: { Vca: IFunction; Vss: IFunction };
  /** the tables by name: a read/write throttling alarm each */
  tables: Record<string, ITableV2>;
  alarmTopic: ITopic;
  /** VCA p99 duration alarm threshold */
  vcaLatencyBudgetMs: number;
}

export class Operations extends Construct {
  readonly alarms: Alarm[];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const action = new SnsAction(props.alarmTopic);
    const alarm = (id: string, description: string, metric: IMetric, threshold: number, periods = 1): Alarm =>
      notifyingAlarm(this, id, action, description, metric, { threshold, periods });
    const minute = Duration.minutes(1);
    const fiveMinutes = Duration.minutes(5);

    const alarms: Alarm[] = [
      alarm(
        "Api5xxAlarm",
        "The webhook API answered 8x8 with 5XX (a Lambda failed or timed out): callers hear 8x8's error handling",
        props.api.metricServerError({ period: minute, statistic: Stats.SUM }),
        5,
      ),
      alarm(
        "Api4xxAlarm",
        "Many 4XX from the webhook API: a wrong or stale httpAuthHeader (403), or payloads we cannot parse (400)",
        props.api.metricClientError({ period: fiveMinutes, statistic: Stats.SUM }),
        20,
      ),
    ];
    for (const [name, fn] of Object.entries(props.functions)) {
      alarms.push(
        alarm(`${name}ErrorsAlarm`, `${name.toUpperCase()} Lambda errors`, fn.metricErrors({ period: fiveMinutes }), 1),
        alarm(
          `${name}ThrottlesAlarm`,
          `${name.toUpperCase()} Lambda throttled: raise reserved/account concurrency`,
          fn.metricThrottles({ period: fiveMinutes }),
          1,
        ),
      );
    }
    const vcaP99 = props.functions.Vca.metricDuration({ period: fiveMinutes, statistic: Stats.p(99) });
    alarms.push(
      alarm(
        "VcaLatencyAlarm",
        `VCA p99 duration over ${props.vcaLatencyBudgetMs} ms for 15 minutes: callers wait in silence`,
        vcaP99,
        props.vcaLatencyBudgetMs,
        3,
      ),
    );
    const fallbacks = callflowMetric("Fallbacks", { period: fiveMinutes });
    alarms.push(
      alarm(
        "FallbacksAlarm",
        "Calls were answered by the fallback (internal fault, unknown or expired session): check the VCA logs",
        fallbacks,
        1,
      ),
    );
    for (const [name, table] of Object.entries(props.tables)) {
      const throttles = tableThrottles(table, name, fiveMinutes);
      alarms.push(
        alarm(`${name[0]?.toUpperCase()}${name.slice(1)}ThrottlesAlarm`, `DynamoDB ${name} throttled`, throttles, 1),
      );
    }

    const dashboard = new Dashboard(this, "Dashboard", {
      dashboardName: `${Stack.of(this).stackName}-callflow`,
      defaultInterval: Duration.hours(3),
    });
    const metricQuery = (name: string) => callflowMetric(name, { byFlow: true, period: fiveMinutes });
    dashboard.addWidgets(
      new GraphWidget({
        title: "Webhook API",
        left: [props.api.metricCount({ period: minute }), props.api.metricClientError(), props.api.metricServerError()],
        right: [props.api.metricLatency({ statistic: Stats.p(99) })],
        width: 12,
      }),
      new GraphWidget({
        title: "VCA / VSS duration (p50, p99)",
        left: [
          props.functions.Vca.metricDuration({ statistic: Stats.p(50), label: "VCA p50" }),
          vcaP99.with({ label: "VCA p99" }),
          props.functions.Vss.metricDuration({ statistic: Stats.p(99), label: "VSS p99" }),
        ],
        leftAnnotations: [{ value: props.vcaLatencyBudgetMs, label: "VCA budget" }],
        width: 12,
      }),
      new GraphWidget({
        title: "Calls by flow",
        left: [metricQuery("CallsStarted"), metricQuery("CallsEnded")],
        right: [metricQuery("Fallbacks"), metricQuery("UnroutedCalls")],
        width: 12,
      }),
      new GraphWidget({
        title: "Lambda errors and throttles",
        left: [
          props.functions.Vca.metricErrors({ label: "VCA errors" }),
          props.functions.Vss.metricErrors({ label: "VSS errors" }),
          props.functions.Vca.metricThrottles({ label: "VCA throttles" }),
          props.functions.Vss.metricThrottles({ label: "VSS throttles" }),
        ],
        width: 12,
      }),
      new AlarmStatusWidget({ title: "Alarms", alarms, width: 24 }),
    );
    this.alarms = alarms;
    this.dashboard = dashboard;
    // The logical id the dashboard had before this construct existed: a new id would make CloudFormation create
    // the "new" dashboard (PutDashboard overwrites the one of that name) and then delete the "old" one by name.
    (dashboard.node.defaultChild as CfnDashboard).overrideLogicalId("Dashboard9E4231ED");
  }
}
