/**
 * SummaryStore on DynamoDB: one item per call, written once. 8x8 may deliver a Voice Session Summary more than
 * once; the first copy wins and redeliveries change nothing. A summary that ends a session we stored is written in
 * one transaction with the session's `endedAt`, conditional on the revision the summary was built from: the session
 * is never ended without its summary, and a write that landed in between (a late VCA write, a fallback marker) makes
 * the VSS read again rather than store a summary that contradicts it.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import { bounded } from "./abortable.js";
import type { ReportItem, SessionEnd, StoreCallOptions, SummaryIndex, SummaryRecord, SummaryStore } from "./ports.js";
import { SESSIONS_TABLE, SUMMARIES_BY_FLOW_INDEX, SUMMARIES_TABLE, tableName } from "./tables.js";

const NOT_STORED_YET = "attribute_not_exists(sessionId)";

export class DynamoSummaryStore implements SummaryStore, SummaryIndex {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string = tableName(SUMMARIES_TABLE),
    private readonly sessionsTable: string = tableName(SESSIONS_TABLE),
  ) {}

  async putOnce(
    summary: SummaryRecord,
    end?: SessionEnd,
    options?: StoreCallOptions,
  ): Promise<{ created: boolean; sessionChanged?: boolean }> {
    const put = { TableName: this.table, Item: summary, ConditionExpression: NOT_STORED_YET };
    try {
      if (!end) {
        await bounded(options, (http) => this.client.send(new PutCommand(put), http));
        return { created: true };
      }
      await bounded(options, (http) =>
        this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: put },
              {
                Update: {
                  TableName: this.sessionsTable,
                  Key: { sessionId: end.sessionId },
                  UpdateExpression: "SET endedAt = :endedAt, rev = rev + :one",
                  ConditionExpression: "rev = :rev AND attribute_not_exists(endedAt)",
                  ExpressionAttributeValues: { ":endedAt": end.endedAt, ":one": 1, ":rev": end.rev },
                },
              },
            ],
          }),
          http,
        ),
      );
      return { created: true };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { created: false };
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [summaryCheck, sessionCheck] = (error.CancellationReasons ?? []).map((r) => r.Code);
      if (summaryCheck === "ConditionalCheckFailed") return { created: false };
      if (sessionCheck === "ConditionalCheckFailed") return { created: false, sessionChanged: true };
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

  async get(sessionId: string, options?: StoreCallOptions): Promise<SummaryRecord | undefined> {
    const { Item } = await bounded(options, (http) =>
      this.client.send(new GetCommand({ TableName: this.table, Key: { sessionId }, ConsistentRead: true }), http),
    );
    return Item as SummaryRecord | undefined;
  }
}
