/** The DynamoDB Local launcher: configured endpoints, startup failures, and no JVM outliving its parent. */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, type Server } from "node:net";
import { createInterface } from "node:readline";
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { createDynamoDbClient } from "../../src/store/dynamodb-client.js";
import { findFreePort, startDynamoDbLocal } from "../../src/store/dynamodb-local.js";
import { dynamoDbForTests } from "../support/dynamodb.js";

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

describe("startDynamoDbLocal", () => {
  it("uses DYNAMODB_ENDPOINT as is and starts nothing", async () => {
    const { endpoint } = await dynamoDbForTests();

    const local = await startDynamoDbLocal({ env: { DYNAMODB_ENDPOINT: endpoint } });

    expect(local).toMatchObject({ endpoint, started: false });
    expect(local.pid).toBeUndefined();
    await local.stop();
  });

  it("fails clearly when DYNAMODB_ENDPOINT does not answer", async () => {
    const endpoint = `http://127.0.0.1:${await findFreePort()}`;

    await expect(startDynamoDbLocal({ env: { DYNAMODB_ENDPOINT: endpoint }, startTimeoutMs: 500 })).rejects.toThrow(
      `DYNAMODB_ENDPOINT=${endpoint} does not answer`,
    );
  });

  it("fails with a Java 17+ hint when java is not on PATH", async () => {
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      await expect(startDynamoDbLocal({ env: {} })).rejects.toThrow(/java.*not found.*Java 17\+/);
    } finally {
      process.env.PATH = path;
    }
  });

  it("fails with the JVM's own output when DynamoDB Local exits during startup", async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "0.0.0.0", resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const failure = startDynamoDbLocal({ env: {}, port });

      await expect(failure).rejects.toThrow(/exited during startup.*Java 17\+/s);
      await expect(failure).rejects.toThrow(/Address already in use|BindException/);
    } finally {
      taken.close();
    }
  });

  // A second JVM, cold: on a loaded 2-core machine its start alone can pass the default 30 s.
  it("kills the JVM when its parent process is interrupted", { timeout: 120_000 }, async () => {
    const parent = spawn(process.execPath, ["--import", "tsx", "test/store/support/run-dynamodb-local.ts"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const [line] = (await once(createInterface({ input: parent.stdout }), "line")) as [string];
    const { endpoint, pid } = JSON.parse(line) as { endpoint: string; pid: number };
    const client = createDynamoDbClient({ endpoint, requestTimeoutMs: 5_000 });
    await expect(client.send(new ListTablesCommand({}))).resolves.toMatchObject({ TableNames: [] });
    client.destroy();
    expect(isRunning(pid)).toBe(true);

    parent.kill("SIGINT");
    const [, signal] = await once(parent, "exit");

    expect(signal).toBe("SIGINT");
    expect(await waitFor(() => !isRunning(pid), 5_000)).toBe(true);
  });
});
