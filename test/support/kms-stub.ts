/**
 * A loopback stand-in for AWS KMS (JSON 1.1 protocol, TrentService): GenerateDataKey and Decrypt, with the data keys
 * wrapped under one in-memory master key and bound to the encryption context. Counts the calls it serves, so tests
 * can prove the per-container caching. Not a security device: a test double that speaks the real wire format.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface KmsStub {
  endpoint: string;
  calls: Record<string, number>;
  contexts: unknown[];
  close(): Promise<void>;
}

export async function kmsStub(): Promise<KmsStub> {
  const master = randomBytes(32);
  const calls: Record<string, number> = {};
  const contexts: unknown[] = [];
  const aad = (context: unknown) => Buffer.from(JSON.stringify(context ?? {}));
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const operation = String(req.headers["x-amz-target"]).split(".").at(-1) ?? "";
      calls[operation] = (calls[operation] ?? 0) + 1;
      const input = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      contexts.push(input.EncryptionContext);
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
        res.end(JSON.stringify(body));
      };
      try {
        if (operation === "GenerateDataKey") {
          const plaintext = randomBytes(32);
          const iv = randomBytes(12);
          const cipher = createCipheriv("aes-256-gcm", master, iv).setAAD(aad(input.EncryptionContext));
          const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
          const blob = Buffer.concat([iv, cipher.getAuthTag(), body]);
          return reply(200, {
            KeyId: input.KeyId,
            Plaintext: plaintext.toString("base64"),
            CiphertextBlob: blob.toString("base64"),
          });
        }
        if (operation === "Decrypt") {
          const blob = Buffer.from(String(input.CiphertextBlob), "base64");
          const decipher = createDecipheriv("aes-256-gcm", master, blob.subarray(0, 12)).setAAD(
            aad(input.EncryptionContext),
          );
          decipher.setAuthTag(blob.subarray(12, 28));
          const plaintext = Buffer.concat([decipher.update(blob.subarray(28)), decipher.final()]);
          return reply(200, { KeyId: input.KeyId, Plaintext: plaintext.toString("base64") });
        }
        reply(400, { __type: "UnsupportedOperationException", message: operation });
      } catch {
        reply(400, { __type: "InvalidCiphertextException", message: "cannot decrypt" });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    contexts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
