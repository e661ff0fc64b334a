/**
 * The one definition of our DynamoDB tables' key schemas, shared by the CDK stack, the local stack and the tests,
 * so the three can never disagree.
 */
export interface TableDefinition {
  /** logical name, used for construct ids and environment variable names */
  id: "sessions" | "summaries" | "flowVersions";
  /** environment variable the runtime reads the physical table name from */
  envVar: string;
  /** table name used locally (DynamoDB Local) and as a default */
  localName: string;
  partitionKey: { name: string; type: "S" | "N" };
  sortKey?: { name: string; type: "S" | "N" };
  /** epoch-seconds attribute that DynamoDB TTL deletes by (lazily: readers treat expired as absent) */
  ttlAttribute?: string;
}

export const SESSIONS_TABLE: TableDefinition = {
  id: "sessions",
  envVar: "SESSIONS_TABLE",
  localName: "callflow-sessions",
  partitionKey: { name: "sessionId", type: "S" },
  ttlAttribute: "expiresAt",
};

export const SUMMARIES_TABLE: TableDefinition = {
  id: "summaries",
  envVar: "SUMMARIES_TABLE",
  localName: "callflow-summaries",
  partitionKey: { name: "sessionId", type: "S" },
  ttlAttribute: "expiresAt",
};

export const FLOW_VERSIONS_TABLE: TableDefinition = {
  id: "flowVersions",
  envVar: "FLOW_VERSIONS_TABLE",
  localName: "callflow-flow-versions",
  partitionKey: { name: "flow", type: "S" },
  sortKey: { name: "version", type: "S" },
};

export const TABLES: readonly TableDefinition[] = [SESSIONS_TABLE, SUMMARIES_TABLE, FLOW_VERSIONS_TABLE];

/** The physical name of a table: from the environment (deployed), else the local name. */
export function tableName(def: TableDefinition, env: NodeJS.ProcessEnv = process.env): string {
  return env[def.envVar] ?? def.localName;
}
