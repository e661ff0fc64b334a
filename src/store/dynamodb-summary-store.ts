/**
 * SummaryStore on DynamoDB: one item per call, written once. 8x8 may deliver a Voice Session Summary more than
 * once; the first copy wins and redeliveries change nothing.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, PutCommand, paginateQuery } from "@aws-sdk/lib-dynamodb";
import type { ReportItem, SummaryIndex, SummaryRecord, SummaryStore } from "./ports.js";
import { SUMMARIES_BY_FLOW_INDEX, SUMMARIES_TABLE, tableName } from "./tables.js";

export class DynamoSummaryStore implements SummaryStore, SummaryIndex {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string = tableName(SUMMARIES_TABLE),
  ) {}

  async putOnce(summary: SummaryRecord): Promise<{ created: boolean }> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: summary,
          ConditionExpression: "attribute_not_exists(sessionId)",
        }),
      );
      return { created: true };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { created: false };
      throw error;
    }
  }

  /** Query on the by-flow index, one DynamoDB page (up to 1 MB) at a time: the caller folds and drops each. */
  async *byFlow(flow: string, from: string, to: string): AsyncIterable<ReportItem[]> {
    const { name, partitionKey, sortKey } = SUMMARIES_BY_FLOW_INDEX;
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.table,
        IndexName: name,
        KeyConditionExpression: "#flow = :flow AND #at BETWEEN :from AND :to",
        ExpressionAttributeNames: { "#flow": partitionKey.name, "#at": sortKey?.name ?? "receivedAt" },
        ExpressionAttributeValues: { ":flow": flow, ":from": from, ":to": to },
      },
    );
    for await (const page of pages) yield (page.Items ?? []) as ReportItem[];
  }

  async get(sessionId: string): Promise<SummaryRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { sessionId }, ConsistentRead: true }),
    );
    return Item as SummaryRecord | undefined;
  }
}
