/**
 * SummaryStore on DynamoDB: one item per call, written once. 8x8 may deliver a Voice Session Summary more than
 * once; the first copy wins and redeliveries change nothing.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { SummaryRecord, SummaryStore } from "./ports.js";
import { SUMMARIES_TABLE, tableName } from "./tables.js";

export class DynamoSummaryStore implements SummaryStore {
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

  async get(sessionId: string): Promise<SummaryRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { sessionId }, ConsistentRead: true }),
    );
    return Item as SummaryRecord | undefined;
  }
}
