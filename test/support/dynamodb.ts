/**
 * DynamoDB for integration tests: `const ddb = await dynamoDbForTests()` (in beforeAll) starts the run's shared
 * DynamoDB Local on first use (see global-setup.ts), with the tables created, and returns clients for it. It also
 * sets DYNAMODB_ENDPOINT in this worker, so code under test that builds its own client finds the same instance.
 *
 * Isolation: all test files share the tables; use `uniqueId()` for keys instead of separate tables.
 */
import { randomUUID } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { inject } from "vitest";
import { createDocumentClient, createDynamoDbClient } from "../../src/store/dynamodb-client.js";

export interface TestDynamoDb {
  endpoint: string;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
}

// Generous per-request timeout: a cold JVM on a busy CI box is slow, and a flaky test helps no one.
const TEST_REQUEST_TIMEOUT_MS = 5_000;

let shared: Promise<TestDynamoDb> | undefined;

export function dynamoDbForTests(): Promise<TestDynamoDb> {
  shared ??= (async () => {
    const endpoint = await sharedEndpoint();
    process.env.DYNAMODB_ENDPOINT = endpoint;
    return {
      endpoint,
      client: createDynamoDbClient({ endpoint, requestTimeoutMs: TEST_REQUEST_TIMEOUT_MS }),
      doc: createDocumentClient({ endpoint, requestTimeoutMs: TEST_REQUEST_TIMEOUT_MS }),
    };
  })();
  return shared;
}

async function sharedEndpoint(): Promise<string> {
  const url = inject("dynamodbStartUrl");
  if (!url) {
    throw new Error(
      "this test needs DynamoDB Local: name its file *.integration.test.ts (unit tests run without Java)",
    );
  }
  const response = await fetch(url);
  const body = (await response.json()) as { endpoint?: string; error?: string };
  if (!body.endpoint) throw new Error(`DynamoDB Local is not available: ${body.error ?? response.statusText}`);
  return body.endpoint;
}

/** A document client that records the name of every low-level command it sends (e.g. "GetItemCommand"). */
export async function countingDocumentClient(): Promise<{ doc: DynamoDBDocumentClient; sent: string[] }> {
  const { endpoint } = await dynamoDbForTests();
  const sent: string[] = [];
  const doc = createDocumentClient({ endpoint, requestTimeoutMs: TEST_REQUEST_TIMEOUT_MS });
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push(String(context.commandName));
      return next(args);
    },
    { step: "initialize", name: "recordCommandNames" },
  );
  return { doc, sent };
}

/** A key no other test (or earlier run against the same endpoint) uses. */
export function uniqueId(prefix = "test"): string {
  return `${prefix}-${randomUUID()}`;
}
