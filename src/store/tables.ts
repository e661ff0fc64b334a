/**
 * The one definition of our DynamoDB tables' key schemas, shared by the CDK stack, the local stack and the tests,
 * so the three can never disagree.
 */
export interface TableDefinition {
  /** logical name, used for construct ids and environment variable names */
  id: "sessions" | "summaries" | "flowVersions" | "campaigns" | "contacts";
  /** environment variable the runtime reads the physical table name from */
  envVar: string;
  /** table name used locally (DynamoDB Local) and as a default */
  localName: string;
  partitionKey: { name: string; type: "S" | "N" };
  sortKey?: { name: string; type: "S" | "N" };
  /** epoch-seconds attribute that DynamoDB TTL deletes by (lazily: readers treat expired as absent) */
  ttlAttribute?: string;
  /** global secondary indexes (created by CDK and, locally, by ensureTables) */
  indexes?: readonly IndexDefinition[];
  /** a DynamoDB stream of new items (deployed only: the local stack publishes in the handler) */
  stream?: "NEW_IMAGE";
}

export interface IndexDefinition {
  name: string;
  partitionKey: { name: string; type: "S" | "N" };
  sortKey?: { name: string; type: "S" | "N" };
  /** the non-key attributes copied into the index (INCLUDE projection) */
  attributes: readonly string[];
}

/**
 * Summaries by flow and time, for `ivr report`: Query flow = :flow AND receivedAt BETWEEN :from AND :to, never a
 * Scan. Sparse: a summary of a session we never knew has no flow and stays out. Only what the report reads is
 * projected (not 8x8's payload, not the variables), which keeps the index about a third of the table.
 */
export const SUMMARIES_BY_FLOW_INDEX: IndexDefinition = {
  name: "byFlowTime",
  partitionKey: { name: "flow", type: "S" },
  sortKey: { name: "receivedAt", type: "S" },
  attributes: ["version", "outcome", "transitions", "durationMs", "sessionStatus", "direction"],
};

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
  indexes: [SUMMARIES_BY_FLOW_INDEX],
  // Feeds the Call Completed publisher (cdk/analytics.ts): every new summary is published, at least once.
  stream: "NEW_IMAGE",
};

export const FLOW_VERSIONS_TABLE: TableDefinition = {
  id: "flowVersions",
  envVar: "FLOW_VERSIONS_TABLE",
  localName: "callflow-flow-versions",
  partitionKey: { name: "flow", type: "S" },
  sortKey: { name: "version", type: "S" },
};

/**
 * Outbound campaigns (src/outbound): one item per campaign, which is also its pacer (token bucket, calls in
 * progress). The `byStatus` index lists the running campaigns for the dispatcher without a Scan.
 */
export const CAMPAIGNS_BY_STATUS_INDEX: IndexDefinition = {
  name: "byStatus",
  partitionKey: { name: "status", type: "S" },
  sortKey: { name: "createdAt", type: "S" },
  attributes: ["flow"],
};

export const CAMPAIGNS_TABLE: TableDefinition = {
  id: "campaigns",
  envVar: "CAMPAIGNS_TABLE",
  localName: "callflow-campaigns",
  partitionKey: { name: "campaignId", type: "S" },
  ttlAttribute: "expiresAt",
  indexes: [CAMPAIGNS_BY_STATUS_INDEX],
};

/**
 * A campaign's contacts by "<campaignId>#<status>" and the time each is next due (pending: may be dialled; dialing:
 * its claim's lease ends; calling: its summary is overdue; done: when it finished). The dispatcher's hot path is a
 * Query on it, never a Scan; `outcome` is projected so status counts read the index only.
 */
export const CONTACTS_BY_STATUS_DUE_INDEX: IndexDefinition = {
  name: "byStatusDue",
  partitionKey: { name: "statusKey", type: "S" },
  sortKey: { name: "dueAt", type: "N" },
  attributes: ["outcome"],
};

/** A campaign's contacts, one item each, in file order under the campaign. */
export const CONTACTS_TABLE: TableDefinition = {
  id: "contacts",
  envVar: "CONTACTS_TABLE",
  localName: "callflow-contacts",
  partitionKey: { name: "campaignId", type: "S" },
  sortKey: { name: "contactId", type: "S" },
  ttlAttribute: "expiresAt",
  indexes: [CONTACTS_BY_STATUS_DUE_INDEX],
};

export const TABLES: readonly TableDefinition[] = [
  SESSIONS_TABLE,
  SUMMARIES_TABLE,
  FLOW_VERSIONS_TABLE,
  CAMPAIGNS_TABLE,
  CONTACTS_TABLE,
];

/** The physical name of a table: from the environment (deployed), else the local name. */
export function tableName(def: TableDefinition, env: NodeJS.ProcessEnv = process.env): string {
  return env[def.envVar] ?? def.localName;
}
