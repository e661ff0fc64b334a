/**
 * The deployed keyring: data keys from AWS KMS (GenerateDataKey, AES-256) under the stack's session key, cached per
 * container (DataKeyCache: renewed every 15 minutes), and another container's wrapped keys opened with Decrypt once
 * each. The encryption context binds every data key to this purpose; the key policy can require it.
 */
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { type DataKey, DataKeyCache, type Keyring, VarVault } from "./var-encryption.js";

const KMS_PREFIX = "kms:";
/** Every data key is made and opened with this context (kms:EncryptionContext:purpose in the key's grants). */
export const SESSION_KEY_CONTEXT = { purpose: "callflow-session-variables" } as const;

export class KmsKeyring implements Keyring {
  private readonly cache: DataKeyCache;

  constructor(
    private readonly client: KMSClient,
    private readonly keyId: string,
  ) {
    this.cache = new DataKeyCache(
      () => this.generate(),
      (wrapped) => this.decrypt(wrapped),
    );
  }

  current(): Promise<DataKey> {
    return this.cache.current();
  }

  unwrap(wrapped: string): Promise<Buffer> {
    return this.cache.unwrap(wrapped);
  }

  private async generate(): Promise<DataKey> {
    const out = await this.client.send(
      new GenerateDataKeyCommand({ KeyId: this.keyId, KeySpec: "AES_256", EncryptionContext: SESSION_KEY_CONTEXT }),
    );
    if (!out.Plaintext || !out.CiphertextBlob) throw new Error("KMS GenerateDataKey returned no key");
    return {
      key: Buffer.from(out.Plaintext),
      wrapped: KMS_PREFIX + Buffer.from(out.CiphertextBlob).toString("base64"),
    };
  }

  private async decrypt(wrapped: string): Promise<Buffer> {
    if (!wrapped.startsWith(KMS_PREFIX)) throw new Error("this data key was not wrapped by KMS");
    const out = await this.client.send(
      new DecryptCommand({
        KeyId: this.keyId,
        CiphertextBlob: Buffer.from(wrapped.slice(KMS_PREFIX.length), "base64"),
        EncryptionContext: SESSION_KEY_CONTEXT,
      }),
    );
    if (!out.Plaintext) throw new Error("KMS Decrypt returned no key");
    return Buffer.from(out.Plaintext);
  }
}

/** The environment variable holding the session key's id or ARN (set by cdk/session-encryption.ts). */
export const SESSION_KEY_ENV = "SESSION_KEY_ID";

/**
 * The VCA Lambda's vault: KMS under SESSION_KEY_ID, or undefined when it is not set (then sensitive variables are
 * stored as they are: the deployed stack always sets it). KMS requests get the hot path's budgets: a KMS that does
 * not answer must not hold the caller past the event's deadline (which bounds them anyway).
 */
export function kmsVaultFromEnv(env: NodeJS.ProcessEnv = process.env): VarVault | undefined {
  const keyId = env[SESSION_KEY_ENV];
  if (!keyId) return undefined;
  const client = new KMSClient({
    maxAttempts: 2,
    requestHandler: { requestTimeout: 1_000, throwOnRequestTimeout: true, connectionTimeout: 500 },
  });
  return new VarVault(new KmsKeyring(client, keyId));
}
