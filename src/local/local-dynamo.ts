/**
 * The DynamoDB side of the local stack, shared by `npm start` and `ivr replay`: DynamoDB Local (or the endpoint in
 * DYNAMODB_ENDPOINT), the tables from src/store/tables.ts, and the same store adapters the Lambdas use.
 */
import { DeleteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { CampaignStore } from "../outbound/campaign-store.js";
import { DynamoCampaignStore } from "../outbound/dynamodb-campaign-store.js";
import { ensureTables } from "../store/create-tables.js";
import { createDocumentClient, createDynamoDbClient } from "../store/dynamodb-client.js";
import { DynamoFlowVersionStore } from "../store/dynamodb-flow-version-store.js";
import { startDynamoDbLocal } from "../store/dynamodb-local.js";
import { DynamoSessionStore } from "../store/dynamodb-session-store.js";
import { DynamoSummaryStore } from "../store/dynamodb-summary-store.js";
import type { FlowVersionStore, SessionStore, SummaryIndex, SummaryStore } from "../store/ports.js";
import { SESSIONS_TABLE, tableName } from "../store/tables.js";
import { LocalKeyring, VarVault } from "../store/var-encryption.js";

export interface LocalDynamo {
  endpoint: string;
  /** true when we launched DynamoDB Local ourselves (and stop() shuts it down) */
  launched: boolean;
  /** set when the DynamoDB Local we launched listens on every interface: why, and what to do about it */
  exposure?: string;
  /** the JVM we launched (a new one after a restart) */
  pid(): number | undefined;
  sessions: SessionStore;
  /** stored summaries, and the by-flow index reports read (ivr report, the studio's traffic) */
  summaries: SummaryStore & SummaryIndex;
  flowVersions: FlowVersionStore;
  campaigns: CampaignStore;
  stop(): Promise<void>;
}

/**
 * Connect to `endpoint` (else DYNAMODB_ENDPOINT, else a DynamoDB Local we start now) and make sure the tables exist.
 */
export interface OpenOptions {
  endpoint?: string;
  /**
   * Restart a DynamoDB Local we launched whenever it dies (npm start): the tables are created again, then
   * `restarted` is told (to store the flow versions again and say so). Off for one-shot tools.
   */
  restart?: {
    restarted(reason: string): Promise<void>;
    failed?(error: unknown): void;
  };
}

/** Tables, and a warm JVM: table creation is a fresh JVM's first request, so it gets more than the runtime budget. */
async function prepare(endpoint: string): Promise<void> {
  const admin = createDynamoDbClient({ endpoint, requestTimeoutMs: 10_000 });
  try {
    await ensureTables(admin);
  } finally {
    admin.destroy();
  }
  // The same client settings as the Lambdas (src/store/dynamodb-client.ts), so a hung DynamoDB Local gets the
  // caller the fallback as fast as a hung DynamoDB would. A cold JVM's first requests are slow: warm it first.
  await warmUp(endpoint);
}

export async function openLocalDynamo(options: OpenOptions = {}): Promise<LocalDynamo> {
  // startDynamoDbLocal honours DYNAMODB_ENDPOINT (waits until it answers) and otherwise launches the JVM.
  const env = options.endpoint ? { ...process.env, DYNAMODB_ENDPOINT: options.endpoint } : process.env;
  const { restart } = options;
  const instance = await startDynamoDbLocal({
    env,
    ...(restart && {
      restart: {
        onRestart: async ({ reason }) => {
          await prepare(instance.endpoint);
          await restart.restarted(reason);
        },
        onRestartFailed: (error) => restart.failed?.(error),
      },
    }),
  });
  try {
    await prepare(instance.endpoint);
    const client = createDocumentClient({ endpoint: instance.endpoint });
    // Campaign work is batch work, on no caller's path (a contacts file's writes, the dispatcher's claims): it gets
    // a patient client rather than the webhooks' 400 ms budgets.
    const batchClient = createDocumentClient({ endpoint: instance.endpoint, requestTimeoutMs: 5_000 });
    return {
      endpoint: instance.endpoint,
      launched: instance.started,
      ...(instance.exposure !== undefined && { exposure: instance.exposure }),
      pid: () => instance.pid,
      // Sensitive variables are encrypted at rest locally too, with a local key instead of KMS.
      sessions: new DynamoSessionStore(client, undefined, new VarVault(LocalKeyring.fromEnv())),
      summaries: new DynamoSummaryStore(client),
      flowVersions: new DynamoFlowVersionStore(client),
      campaigns: new DynamoCampaignStore(batchClient),
      async stop() {
        client.destroy();
        batchClient.destroy();
        await instance.stop();
      },
    };
  } catch (err) {
    await instance.stop();
    throw err;
  }
}

/**
 * A few round trips of every kind the handlers make, so the JVM has compiled its request path before the runtime
 * client's 400 ms budgets apply (a cold DynamoDB Local takes a second or more for its first writes).
 */
async function warmUp(endpoint: string): Promise<void> {
  const doc = createDocumentClient({ endpoint, requestTimeoutMs: 10_000 });
  const TableName = tableName(SESSIONS_TABLE);
  try {
    for (let i = 0; i < 5; i++) {
      const Key = { sessionId: `callflow-warm-up-${i}` };
      await doc.send(new PutCommand({ TableName, Item: { ...Key, rev: 0, expiresAt: 0 } }));
      await doc.send(new GetCommand({ TableName, Key, ConsistentRead: true }));
      await doc.send(new DeleteCommand({ TableName, Key }));
    }
  } finally {
    doc.destroy();
  }
}
