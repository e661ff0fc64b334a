/**
 * The deployed secrets adapter for real: Powertools Parameters over the AWS SDK's Secrets Manager client, talking
 * to a loopback server that speaks Secrets Manager's JSON protocol (no AWS account needed): values by ARN, cached
 * per container, the last value kept when a read fails, a secret without an ARN reported as not set.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { powertoolsSecretReader, secretsManagerSecrets } from "../../src/integration/secrets.js";

const ARN = "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:FlowSecretbankToken-AbCdEf";
let server: Server;
let endpoint: string;
let reads = 0;
let failing = false;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      reads++;
      const target = req.headers["x-amz-target"];
      const { SecretId } = JSON.parse(body) as { SecretId: string };
      if (failing || target !== "secretsmanager.GetSecretValue") {
        res.writeHead(500, { "content-type": "application/x-amz-json-1.1" });
        res.end(JSON.stringify({ __type: "InternalServiceError", message: "down" }));
        return;
      }
      res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify({ ARN: SecretId, Name: "bankToken", SecretString: "tok-from-secrets-manager" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function client(): SecretsManagerClient {
  return new SecretsManagerClient({
    endpoint,
    region: "ap-southeast-1",
    maxAttempts: 1,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
}

describe("secrets from Secrets Manager", () => {
  it("reads a value by the ARN the stack gave the function, then serves it from the cache", async () => {
    const errors: string[] = [];
    const source = secretsManagerSecrets({ CALLFLOW_SECRET_ARN_bankToken: ARN }, powertoolsSecretReader(client), (n) =>
      errors.push(n),
    );
    const before = reads;
    expect(await source.get("bankToken")).toBe("tok-from-secrets-manager");
    expect(await source.get("bankToken")).toBe("tok-from-secrets-manager");
    expect(reads - before).toBe(1);
    expect(await source.get("crmKey")).toBeUndefined(); // no ARN: not set, nothing read
    expect(reads - before).toBe(1);
    expect(errors).toEqual([]);
  });

  it("a read that fails reports the secret's name and gives no value", async () => {
    failing = true;
    try {
      const errors: string[] = [];
      const source = secretsManagerSecrets(
        { CALLFLOW_SECRET_ARN_other: `${ARN}x` },
        powertoolsSecretReader(client),
        (n) => errors.push(n),
      );
      expect(await source.get("other")).toBeUndefined();
      expect(errors).toEqual(["other"]);
    } finally {
      failing = false;
    }
  });
});
