/**
 * The DynamoDB side of the local stack, shared by `npm start` and `ivr replay`: DynamoDB Local (or the endpoint in
 * DYNAMODB_ENDPOINT), the tables from src/store/tables.ts, and the same store adapters the Lambdas use.
 */
import { ensureTables } from "../store/create-tables.js";
import { createDocumentClient, createDynamoDbClient } from "../store/dynamodb-client.js";
import { DynamoFlowVersionStore } from "../store/dynamodb-flow-version-store.js";
import { startDynamoDbLocal } from "../store/dynamodb-local.js";
import { DynamoSessionStore } from "../store/dynamodb-session-store.js";
import { DynamoSummaryStore } from "../store/dynamodb-summary-store.js";
import type { FlowVersionStore, SessionStore, SummaryStore } from "../store/ports.js";

export interface LocalDynamo {
  endpoint: string;
  /** true when we launched DynamoDB Local ourselves (and stop() shuts it down) */
  launched: boolean;
  sessions: SessionStore;
  summaries: SummaryStore;
  flowVersions: FlowVersionStore;
  stop(): Promise<void>;
}

/**
 * Connect to `endpoint` (else DYNAMODB_ENDPOINT, else a DynamoDB Local we start now) and make sure the tables exist.
 */
export async function openLocalDynamo(options: { endpoint?: string } = {}): Promise<LocalDynamo> {
  // startDynamoDbLocal honours DYNAMODB_ENDPOINT (waits until it answers) and otherwise launches the JVM.
  const env = options.endpoint ? { ...process.env, DYNAMODB_ENDPOINT: options.endpoint } : process.env;
  const instance = await startDynamoDbLocal({ env });
  try {
    // Table creation is the first request a fresh JVM serves: give it more than the runtime's per-request budget.
    const admin = createDynamoDbClient({ endpoint: instance.endpoint, requestTimeoutMs: 10_000 });
    try {
      await ensureTables(admin);
    } finally {
      admin.destroy();
    }
    // The runtime client's budgets are tuned for Lambda against DynamoDB; on a laptop DynamoDB Local's first
    // requests (a cold JVM) are slower, so give each attempt more room here.
    const client = createDocumentClient({
      endpoint: instance.endpoint,
      requestTimeoutMs: 5_000,
      connectionTimeoutMs: 1_000,
    });
    return {
      endpoint: instance.endpoint,
      launched: instance.started,
      sessions: new DynamoSessionStore(client),
      summaries: new DynamoSummaryStore(client),
      flowVersions: new DynamoFlowVersionStore(client),
      async stop() {
        client.destroy();
        await instance.stop();
      },
    };
  } catch (err) {
    await instance.stop();
    throw err;
  }
}
