/**
 * The pieces the stack's alarms and dashboards share: a Metrics Insights query over our own metrics, and an alarm
 * that notifies a topic when it fires and when it clears.
 */
import { Duration } from "aws-cdk-lib";
import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  type IMetric,
  MathExpression,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import type { Construct } from "constructs";
import { METRICS_NAMESPACE, SERVICE_NAME } from "../src/observability/service.js";

/**
 * The sum of one of our metrics across flows, or per flow with `byFlow`. Powertools adds `service` to every metric
 * and we add `flow`; a Metrics Insights query covers the flows found at query time (a metric-math sum could not
 * cover flows added later, and a flow added later needs no deploy).
 */
export function callflowMetric(name: string, options: { byFlow?: boolean; period?: Duration } = {}): MathExpression {
  const groupBy = options.byFlow ? ` GROUP BY "flow"` : "";
  return new MathExpression({
    label: name,
    expression: `SELECT SUM("${name}") FROM SCHEMA("${METRICS_NAMESPACE}", "flow", "service") WHERE "service" = '${SERVICE_NAME}'${groupBy}`,
    period: options.period ?? Duration.minutes(5),
    usingMetrics: {},
  });
}

export interface AlarmOptions {
  /** default 1 */
  threshold?: number;
  /** evaluation periods, all of which must breach (default 1) */
  periods?: number;
  /** alarm below the threshold instead of at or above it */
  below?: boolean;
  /** default NOT_BREACHING */
  missing?: TreatMissingData;
}

/** An alarm that sends `action` both when it fires and when it clears. */
export function notifyingAlarm(
  scope: Construct,
  id: string,
  action: IAlarmAction,
  description: string,
  metric: IMetric,
  options: AlarmOptions = {},
): Alarm {
  const periods = options.periods ?? 1;
  const alarm = new Alarm(scope, id, {
    alarmDescription: description,
    metric,
    threshold: options.threshold ?? 1,
    evaluationPeriods: periods,
    datapointsToAlarm: periods,
    comparisonOperator: options.below
      ? ComparisonOperator.LESS_THAN_THRESHOLD
      : ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: options.missing ?? TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(action);
  alarm.addOkAction(action);
  return alarm;
}
