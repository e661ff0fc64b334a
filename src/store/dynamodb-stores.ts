/** Wiring in one call: the three DynamoDB adapters on one shared client, table names from the environment. */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoFlowVersionStore } from "./dynamodb-flow-version-store.js";
import { DynamoSessionStore } from "./dynamodb-session-store.js";
import { DynamoSummaryStore } from "./dynamodb-summary-store.js";
import { FLOW_VERSIONS_TABLE, SESSIONS_TABLE, SUMMARIES_TABLE, tableName } from "./tables.js";
import type { VarVault } from "./var-encryption.js";

export interface DynamoStores {
  sessions: DynamoSessionStore;
  summaries: DynamoSummaryStore;
  flowVersions: DynamoFlowVersionStore;
}

/**
 * e.g. at Lambda init: `const stores = createDynamoStores(createDocumentClient())`. `vault` encrypts sensitive
 * session variables at rest (only the VCA needs one: the VSS never shows them but masked).
 */
export function createDynamoStores(
  client: DynamoDBDocumentClient,
  env: NodeJS.ProcessEnv = process.env,
  vault?: VarVault,
): DynamoStores {
  return {
    sessions: new DynamoSessionStore(client, tableName(SESSIONS_TABLE, env), vault),
    summaries: new DynamoSummaryStore(client, tableName(SUMMARIES_TABLE, env), tableName(SESSIONS_TABLE, env)),
    flowVersions: new DynamoFlowVersionStore(client, tableName(FLOW_VERSIONS_TABLE, env)),
  };
}
