/**
 * Creates our tables (src/store/tables.ts) where CDK does not: DynamoDB Local for the local stack and the tests.
 * Idempotent, so every process that needs the tables can simply call it.
 */
import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type KeySchemaElement,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { TABLES, type TableDefinition, tableName } from "./tables.js";

export interface EnsureTablesOptions {
  env?: NodeJS.ProcessEnv;
  /** how long to wait for a table to become ACTIVE (DynamoDB Local: immediately) */
  timeoutMs?: number;
}

/** Creates each table unless it exists (PAY_PER_REQUEST, TTL where defined) and waits until all are ACTIVE. */
export async function ensureTables(
  client: DynamoDBClient,
  defs: readonly TableDefinition[] = TABLES,
  options: EnsureTablesOptions = {},
): Promise<void> {
  await Promise.all(defs.map((def) => ensureTable(client, def, options)));
}

async function ensureTable(client: DynamoDBClient, def: TableDefinition, options: EnsureTablesOptions): Promise<void> {
  const name = tableName(def, options.env);
  const keys = def.sortKey ? [def.partitionKey, def.sortKey] : [def.partitionKey];
  const keySchema: KeySchemaElement[] = keys.map((key, index) => ({
    AttributeName: key.name,
    KeyType: index === 0 ? "HASH" : "RANGE",
  }));
  const attributes: AttributeDefinition[] = keys.map((key) => ({ AttributeName: key.name, AttributeType: key.type }));
  let created = false;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: keySchema,
        AttributeDefinitions: attributes,
      }),
    );
    created = true;
  } catch (error) {
    // Someone (another test worker, an earlier run against the same endpoint) created it already.
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await waitUntilActive(client, name, options.timeoutMs ?? 30_000);
  if (created && def.ttlAttribute) {
    // DynamoDB Local accepts but never acts on TTL; readers treat expired items as absent anyway.
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { AttributeName: def.ttlAttribute, Enabled: true },
      }),
    );
  }
}

async function waitUntilActive(client: DynamoDBClient, name: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.TableStatus === "ACTIVE") return;
    if (Date.now() > deadline) throw new Error(`table ${name} is not ACTIVE after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
