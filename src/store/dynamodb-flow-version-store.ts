/**
 * FlowVersionStore on DynamoDB: every machine version a call may still be running on, so a deploy never strands a
 * call mid-flow. The item's layout is flow-version-item.ts (shared with the deploy).
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { CompiledMachine } from "../engine/machine.js";
import { bounded } from "./abortable.js";
import { flowVersionItem, machineFromItem } from "./flow-version-item.js";
import type { FlowVersionStore, StoreCallOptions } from "./ports.js";
import { FLOW_VERSIONS_TABLE, tableName } from "./tables.js";

export class DynamoFlowVersionStore implements FlowVersionStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string = tableName(FLOW_VERSIONS_TABLE),
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Idempotent: a version is a content hash, so the first copy stored is the right one. */
  async put(machine: CompiledMachine): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: flowVersionItem(machine, this.now().toISOString()),
          ConditionExpression: "attribute_not_exists(version)",
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async get(flow: string, version: string, options?: StoreCallOptions): Promise<CompiledMachine | undefined> {
    const { Item } = await bounded(options, (http) =>
      this.client.send(new GetCommand({ TableName: this.table, Key: { flow, version } }), http),
    );
    return machineFromItem(Item);
  }
}
