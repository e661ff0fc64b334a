/**
 * What both webhook Lambdas share, created once per container (module scope): the DynamoDB client and stores, the
 * flow registry over the bundled flows, the logger, metrics and authenticator. Nothing here runs per request.
 */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import flowsJson from "../generated/flows.json" with { type: "json" };
import type { CompiledMachine } from "../src/engine/machine.js";
import { createFetchPerformer } from "../src/integration/performer.js";
import { envSecrets, firstOf, powertoolsSecretReader, secretsManagerSecrets } from "../src/integration/secrets.js";
import { createLogger } from "../src/observability/logger.js";
import { createMetrics } from "../src/observability/metrics.js";
import { createDocumentClient } from "../src/store/dynamodb-client.js";
import { createDynamoStores } from "../src/store/dynamodb-stores.js";
import type { VarVault } from "../src/store/var-encryption.js";
import { authenticatorFromEnv } from "../src/webhooks/auth.js";
import { FlowRegistry } from "../src/webhooks/flow-registry.js";
import type { WebhookDeps } from "../src/webhooks/http-handlers.js";

function positiveInt(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Read the secret only when a request needs it (lazily), so a cold start does not wait on Secrets Manager. */
async function fetchSecretString(arn: string): Promise<string> {
  const result = await secretsClient().send(new GetSecretValueCommand({ SecretId: arn }));
  if (typeof result.SecretString !== "string") throw new Error("the webhook secret has no SecretString");
  return result.SecretString;
}

/** One Secrets Manager client per container, created on first use, failing fast: a call is waiting. */
function secretsClient(): SecretsManagerClient {
  client ??= new SecretsManagerClient({
    maxAttempts: 2,
    requestHandler: { requestTimeout: 1000, throwOnRequestTimeout: true, connectionTimeout: 500 },
  });
  return client;
}
let client: SecretsManagerClient | undefined;

/**
 * `vault`: encrypts sensitive session variables at rest (the VCA's, from kmsVaultFromEnv; the VSS needs none).
 * `client`: the DynamoDB client to share (the VSS Lambda's campaign recorder uses the same one).
 */
export function createLambdaDeps(
  env: NodeJS.ProcessEnv = process.env,
  vault?: VarVault,
  client: DynamoDBDocumentClient = createDocumentClient({ env }),
): WebhookDeps {
  const logger = createLogger();
  const metrics = createMetrics();
  const stores = createDynamoStores(client, env, vault);
  const ttl = positiveInt(env.SESSION_TTL_SECONDS);
  const summaryTtl = positiveInt(env.SUMMARY_TTL_SECONDS);
  return {
    sessions: stores.sessions,
    summaries: stores.summaries,
    flows: new FlowRegistry(flowsJson as unknown as CompiledMachine[], stores.flowVersions),
    logger,
    metrics,
    now: () => new Date(),
    auth: authenticatorFromEnv(env, logger, fetchSecretString),
    // Flows' services: base URLs from CALLFLOW_SERVICE_URL_<service> (the stack's serviceUrls context) or the
    // flow; secrets from CALLFLOW_SECRET_<name>, else the Secrets Manager secret the stack made for the name.
    fetcher: createFetchPerformer({
      env,
      logger,
      metrics,
      secrets: firstOf(
        envSecrets(env),
        secretsManagerSecrets(env, powertoolsSecretReader(secretsClient), (name) =>
          logger.error("Could not read a flow secret from Secrets Manager", { secret: name }),
        ),
      ),
    }),
    ...(ttl !== undefined && { sessionTtlSeconds: ttl }),
    ...(summaryTtl !== undefined && { summaryTtlSeconds: summaryTtl }),
  };
}
