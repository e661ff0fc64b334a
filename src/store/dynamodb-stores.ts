/** Wiring in one call: the three DynamoDB adapters on one shared client, table names from the environment. */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoFlowVersionStore } from "./dynamodb-flow-version-store.js";
import { DynamoSessionStore } from "./dynamodb-session-store.js";
import { DynamoSummaryStore } from "./dynamodb-summary-store.js";
import { FLOW_VERSIONS_TABLE, SESSIONS_TABLE, SUMMARIES_TABLE, tableName } from "./tables.js";

export interface DynamoStores {
  sessions: DynamoSessionStore;
  summaries: DynamoSummaryStore;
  flowVersions: DynamoFlowVersionStore;
}

/** e.g. at Lambda init: `const stores = createDynamoStores(createDocumentClient())`. */
export function createDynamoStores(client: DynamoDBDocumentClient, env: NodeJS.ProcessEnv = process.env): DynamoStores {
  return {
    sessions: new DynamoSessionStore(client, tableName(SESSIONS_TABLE, env)),
    summaries: new DynamoSummaryStore(client, tableName(SUMMARIES_TABLE, env), tableName(SESSIONS_TABLE, env)),
    flowVersions: new DynamoFlowVersionStore(client, tableName(FLOW_VERSIONS_TABLE, env)),
  };
}
