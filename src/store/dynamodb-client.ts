/**
 * The one place DynamoDB clients are configured. Callers create a client once at module scope (Lambda init, local
 * server start) and share it; never per request.
 *
 * The defaults are tuned for the VCA hot path: 8x8 waits about 2 s for our answer, so a slow DynamoDB request must
 * fail fast and be retried rather than hang. Worst case with the defaults: 3 attempts x (400 ms request + backoff)
 * stays well under 2 s.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/** Region used when none is configured: the local stack and tests have no AWS profile. */
export const DEFAULT_REGION = "ap-southeast-1";

export interface DynamoClientOptions {
  /** environment to read AWS_REGION / DYNAMODB_ENDPOINT from (default process.env) */
  env?: NodeJS.ProcessEnv;
  /** overrides DYNAMODB_ENDPOINT (e.g. DynamoDB Local started by a test run) */
  endpoint?: string;
  /** whole request/response budget for one attempt (default 400 ms) */
  requestTimeoutMs?: number;
  /** TCP connect budget for one attempt (default 200 ms) */
  connectionTimeoutMs?: number;
  /** attempts including the first (default 3) */
  maxAttempts?: number;
}

/** The low-level client, for table administration (create-tables, readiness checks). */
export function createDynamoDbClient(options: DynamoClientOptions = {}): DynamoDBClient {
  const env = options.env ?? process.env;
  const endpoint = options.endpoint ?? (env.DYNAMODB_ENDPOINT || undefined);
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || DEFAULT_REGION;
  const keepAlive = { keepAlive: true, maxSockets: 50 };
  return new DynamoDBClient({
    region,
    maxAttempts: options.maxAttempts ?? 3,
    // Constructor options for the SDK's NodeHttpHandler: no direct dependency on @smithy/node-http-handler.
    requestHandler: {
      requestTimeout: options.requestTimeoutMs ?? 400,
      // Without this the SDK only logs a warning when requestTimeout passes and keeps waiting.
      throwOnRequestTimeout: true,
      connectionTimeout: options.connectionTimeoutMs ?? 200,
      httpAgent: keepAlive,
      httpsAgent: keepAlive,
    },
    // DynamoDB Local accepts any credentials; dummy ones avoid the provider chain looking for a profile.
    ...(endpoint ? { endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } } : {}),
  });
}

/** The document client the store adapters use. */
export function createDocumentClient(options: DynamoClientOptions = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(createDynamoDbClient(options), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: false },
  });
}
