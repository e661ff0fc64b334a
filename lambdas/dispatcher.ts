/**
 * The campaign dispatcher (src/outbound/dispatcher.ts), invoked every minute by EventBridge Scheduler: it ticks until
 * shortly before its timeout, so one invocation covers the minute, and an overlapping one (or a retry) is harmless
 * (every claim and pace decision is a conditional write). Wiring only.
 *
 * Environment: CAMPAIGNS_TABLE, CONTACTS_TABLE, SESSIONS_TABLE, FLOW_VERSIONS_TABLE; VOICE_API_KEY_SECRET_ARN (the
 * 8x8 API key, read through Powertools' cached secrets provider), EIGHTBYEIGHT_SUBACCOUNT_ID, EIGHTBYEIGHT_BASE_URL.
 */
import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import type { Context } from "aws-lambda";
import flowsJson from "../generated/flows.json" with { type: "json" };
import type { CompiledMachine } from "../src/engine/machine.js";
import { createLogger } from "../src/observability/logger.js";
import { createMetrics, flushMetrics } from "../src/observability/metrics.js";
import { Dispatcher } from "../src/outbound/dispatcher.js";
import { DynamoCampaignStore } from "../src/outbound/dynamodb-campaign-store.js";
import { createDocumentClient } from "../src/store/dynamodb-client.js";
import { createDynamoStores } from "../src/store/dynamodb-stores.js";
import { kmsVaultFromEnv } from "../src/store/kms-keyring.js";
import { CAMPAIGNS_TABLE, CONTACTS_TABLE, tableName } from "../src/store/tables.js";
import { DEFAULT_BASE_URL, VoiceApiClient } from "../src/voice-api/client.js";
import { FlowRegistry } from "../src/webhooks/flow-registry.js";

/** Stop starting calls this long before the timeout: a call being placed finishes (8x8's answer, the writes). */
const STOP_BEFORE_TIMEOUT_MS = 15_000;
/** The 8x8 API key is read at most every 5 minutes (a rotated key is picked up within that). */
const API_KEY_MAX_AGE_SECONDS = 300;

const env = process.env;
const logger = createLogger();
const metrics = createMetrics();
const client = createDocumentClient({ env });
// Sensitive inputs are sealed in the call's session as the VCA seals sensitive variables (KMS, SESSION_KEY_ID).
const stores = createDynamoStores(client, env, kmsVaultFromEnv(env));
const store = new DynamoCampaignStore(client, tableName(CAMPAIGNS_TABLE, env), tableName(CONTACTS_TABLE, env));
const flows = new FlowRegistry(flowsJson as unknown as CompiledMachine[], stores.flowVersions);

export async function handler(_event: unknown, context: Pick<Context, "getRemainingTimeInMillis">): Promise<void> {
  const subAccountId = env.EIGHTBYEIGHT_SUBACCOUNT_ID;
  const secretArn = env.VOICE_API_KEY_SECRET_ARN;
  if (!subAccountId || !secretArn) {
    // Nothing can be dialled: say so on every running campaign rather than let them look stuck.
    const reason = "the dispatcher has no 8x8 subaccount or API key (deploy with -c eightByEightSubaccountId=...)";
    for (const campaign of await store.list("running")) {
      await store.setStatus(campaign.campaignId, ["running"], "paused", Date.now(), reason);
    }
    logger.error(reason);
    return;
  }
  const apiKey = await getSecret<string>(secretArn, { maxAge: API_KEY_MAX_AGE_SECONDS });
  if (typeof apiKey !== "string" || apiKey === "") throw new Error("the 8x8 API key secret is empty");
  const dispatcher = new Dispatcher({
    store,
    sessions: stores.sessions,
    flows,
    // No retries inside the client: a 429 backs the whole campaign off, for every dispatcher (src/outbound).
    api: new VoiceApiClient({
      apiKey,
      subAccountId,
      baseUrl: env.EIGHTBYEIGHT_BASE_URL || DEFAULT_BASE_URL,
      maxRetries: 0,
    }),
    logger,
    metrics,
    now: () => new Date(),
  });
  try {
    const totals = await dispatcher.run({
      until: Date.now() + context.getRemainingTimeInMillis() - STOP_BEFORE_TIMEOUT_MS,
    });
    if (totals.dialled + totals.settled + totals.rateLimited + totals.completed > 0) {
      logger.info("Dispatcher run", { dispatcher: dispatcher.id, ...totals });
    }
  } finally {
    flushMetrics(metrics);
  }
}
