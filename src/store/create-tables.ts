/**
 * Creates our tables (src/store/tables.ts) where CDK does not: DynamoDB Local for the local stack and the tests.
 * Idempotent, so every process that needs the tables can simply call it.
 */
import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  ResourceInUseException,
  type TableDescription,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { type IndexDefinition, TABLES, type TableDefinition, tableName } from "./tables.js";

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
  const indexes = def.indexes ?? [];
  const keys = [def.partitionKey, ...(def.sortKey ? [def.sortKey] : []), ...indexes.flatMap(indexKeys)];
  const attributes = new Map<string, AttributeDefinition>();
  for (const key of keys) attributes.set(key.name, { AttributeName: key.name, AttributeType: key.type });
  let created = false;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: keySchema(def.partitionKey, def.sortKey),
        AttributeDefinitions: [...attributes.values()],
        ...(indexes.length > 0 && { GlobalSecondaryIndexes: indexes.map(globalIndex) }),
      }),
    );
    created = true;
  } catch (error) {
    // Someone (another test worker, an earlier run against the same endpoint) created it already.
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  let table = await waitUntilActive(client, name, timeoutMs);
  // A table made before an index existed (a long-lived DYNAMODB_ENDPOINT): add the missing ones.
  for (const index of indexes) {
    if (table.GlobalSecondaryIndexes?.some((i) => i.IndexName === index.name)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: name,
        AttributeDefinitions: indexKeys(index).map((key) => ({ AttributeName: key.name, AttributeType: key.type })),
        GlobalSecondaryIndexUpdates: [{ Create: globalIndex(index) }],
      }),
    );
    table = await waitUntilActive(client, name, timeoutMs);
  }
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

function keySchema(partitionKey: { name: string }, sortKey?: { name: string }): KeySchemaElement[] {
  return [
    { AttributeName: partitionKey.name, KeyType: "HASH" },
    ...(sortKey ? [{ AttributeName: sortKey.name, KeyType: "RANGE" as const }] : []),
  ];
}

function indexKeys(index: IndexDefinition) {
  return [index.partitionKey, ...(index.sortKey ? [index.sortKey] : [])];
}

function globalIndex(index: IndexDefinition): GlobalSecondaryIndex {
  return {
    IndexName: index.name,
    KeySchema: keySchema(index.partitionKey, index.sortKey),
    Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: [...index.attributes] },
  };
}

/** Waits until the table and all its indexes are ACTIVE; returns its description. */
async function waitUntilActive(client: DynamoDBClient, name: string, timeoutMs: number): Promise<TableDescription> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    const indexesReady = (Table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === "ACTIVE");
    if (Table?.TableStatus === "ACTIVE" && indexesReady) return Table;
    if (Date.now() > deadline) throw new Error(`table ${name} is not ACTIVE after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
