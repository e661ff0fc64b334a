/** The hot-path client fails fast: a VCA answer must leave within about 2 s even when DynamoDB does not answer. */
import { createServer, type Server, type Socket } from "node:net";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDocumentClient, createDynamoDbClient, DEFAULT_REGION } from "../../src/store/dynamodb-client.js";
import { findFreePort } from "../../src/store/dynamodb-local.js";

describe("createDocumentClient", () => {
  let silent: Server;
  const sockets = new Set<Socket>();
  let silentEndpoint: string;

  beforeAll(async () => {
    // Accepts connections and never answers: a DynamoDB that hangs.
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    silentEndpoint = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
  });

  afterAll(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  });

  it("gives up on a DynamoDB that never answers well within 2 s, after 3 attempts", async () => {
    const client = createDocumentClient({ endpoint: silentEndpoint });
    const startedAt = Date.now();

    const error = await client.send(new GetCommand({ TableName: "t", Key: { sessionId: "s" } })).catch((e) => e);

    const elapsed = Date.now() - startedAt;
    expect(error).toMatchObject({ name: "TimeoutError", $metadata: { attempts: 3 } });
    expect(elapsed).toBeGreaterThanOrEqual(3 * 400);
    expect(elapsed).toBeLessThan(2_000);
    client.destroy();
  });

  it("fails fast when nothing listens", async () => {
    const client = createDocumentClient({ endpoint: `http://127.0.0.1:${await findFreePort()}` });
    const startedAt = Date.now();

    await expect(client.send(new GetCommand({ TableName: "t", Key: { sessionId: "s" } }))).rejects.toThrow();

    expect(Date.now() - startedAt).toBeLessThan(2_000);
    client.destroy();
  });

  it("takes the region from the environment, defaulting to ap-southeast-1", async () => {
    const configured = createDynamoDbClient({ env: { AWS_REGION: "eu-west-1" } });
    const unconfigured = createDynamoDbClient({ env: {} });

    expect(await configured.config.region()).toBe("eu-west-1");
    expect(await unconfigured.config.region()).toBe(DEFAULT_REGION);
  });

  it("uses DYNAMODB_ENDPOINT with dummy credentials, and real AWS otherwise", async () => {
    const local = createDynamoDbClient({ env: { DYNAMODB_ENDPOINT: "http://127.0.0.1:8000" } });
    const aws = createDynamoDbClient({ env: { AWS_REGION: "ap-southeast-1" } });

    const endpoint = await local.config.endpoint?.();
    expect(endpoint).toMatchObject({ hostname: "127.0.0.1", port: 8000, protocol: "http:" });
    expect(await local.config.credentials()).toMatchObject({ accessKeyId: "local" });
    expect(aws.config.endpoint).toBeUndefined();
  });
});
