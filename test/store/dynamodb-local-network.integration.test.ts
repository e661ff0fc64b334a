/**
 * DynamoDB Local accepts any credentials and holds phone numbers: it must listen on the loopback address only
 * (#10 defect 6), and must not try to reach the network itself (its telemetry is off).
 */
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { describe, expect, it } from "vitest";
import { startDynamoDbLocal } from "../../src/store/dynamodb-local.js";

/** Resolves true when something accepts a TCP connection at host:port. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
  });
}

/** An address of this machine that is not loopback, if it has one. */
function externalAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) if (!entry.internal && entry.family === "IPv4") return entry.address;
  }
  return undefined;
}

describe("the DynamoDB Local we start", () => {
  it("listens on 127.0.0.1 only, with its telemetry off", async () => {
    const local = await startDynamoDbLocal({ env: {} });
    try {
      const port = Number(new URL(local.endpoint).port);
      expect(local.loopbackOnly).toBe(true);
      expect(await accepts("127.0.0.1", port)).toBe(true);
      const external = externalAddress();
      if (external) expect(await accepts(external, port)).toBe(false);
      const cmdline = readFileSync(`/proc/${local.pid}/cmdline`, "utf8").split("\0");
      expect(cmdline).toContain("-disableTelemetry");
    } finally {
      await local.stop();
    }
  });
});
