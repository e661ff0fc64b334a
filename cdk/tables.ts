/**
 * A callflow DynamoDB table from its definition in src/store/tables.ts (keys, TTL, indexes, stream), with the
 * settings every one of them gets: on-demand, point-in-time recovery, deletion protection, retained on teardown.
 */
import { type Duration, RemovalPolicy } from "aws-cdk-lib";
import { MathExpression, Stats } from "aws-cdk-lib/aws-cloudwatch";
import {
  AttributeType,
  Billing,
  type ITableV2,
  ProjectionType,
  StreamViewType,
  TableV2,
} from "aws-cdk-lib/aws-dynamodb";
import type { Construct } from "constructs";
import type { TableDefinition } from "../src/store/tables.js";

export function callflowTable(scope: Construct, def: TableDefinition): TableV2 {
  const attributeType = (type: "S" | "N") => (type === "S" ? AttributeType.STRING : AttributeType.NUMBER);
  return new TableV2(scope, `${def.id[0]?.toUpperCase()}${def.id.slice(1)}Table`, {
    partitionKey: { name: def.partitionKey.name, type: attributeType(def.partitionKey.type) },
    ...(def.sortKey && { sortKey: { name: def.sortKey.name, type: attributeType(def.sortKey.type) } }),
    ...(def.ttlAttribute && { timeToLiveAttribute: def.ttlAttribute }),
    ...(def.stream && { dynamoStream: StreamViewType.NEW_IMAGE }),
    globalSecondaryIndexes: def.indexes?.map((index) => ({
      indexName: index.name,
      partitionKey: { name: index.partitionKey.name, type: attributeType(index.partitionKey.type) },
      ...(index.sortKey && { sortKey: { name: index.sortKey.name, type: attributeType(index.sortKey.type) } }),
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: [...index.attributes],
    })),
    billing: Billing.onDemand(),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: true,
    // Call records (and campaign results) outlive the stack: tearing down must never drop them.
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/** A table's read and write throttle events, summed per period: what its throttling alarm watches. */
export function tableThrottles(table: ITableV2, name: string, period: Duration): MathExpression {
  return new MathExpression({
    label: `${name} throttled events`,
    expression: "reads + writes",
    usingMetrics: {
      reads: table.metric("ReadThrottleEvents", { period, statistic: Stats.SUM }),
      writes: table.metric("WriteThrottleEvents", { period, statistic: Stats.SUM }),
    },
    period,
  });
}
