/**
 * Sensitive variables encrypted at rest while the call lasts (envelope encryption). A card number or PIN captured by
 * a `sensitive` ask must live in the session item until the flow no longer needs it; in the item it is ciphertext.
 *
 * - A **data key** (AES-256) encrypts the values with AES-GCM: a fresh 12-byte IV per value, the session id and the
 *   variable's name as additional data (a value cannot be moved to another session or variable).
 * - A **keyring** makes data keys and wraps them: KMS when deployed (src/store/kms-keyring.ts: GenerateDataKey once
 *   per container and then every few minutes, Decrypt of another container's key once, both cached), a local key on
 *   the local stack (LocalKeyring). The wrapped key is stored next to the values, so any container can open them.
 *
 * Item layout: the session's `vars` without the sealed names, and `sealed: { key, vars: { name: base64(iv|tag|ct) } }`.
 * The hot-path cost is a few microseconds per value once the data key is cached (measured in `npm run bench`).
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { MASK } from "../observability/masking.js";

/** A data key: the plaintext to encrypt with (kept in memory only) and its wrapped form (stored). */
export interface DataKey {
  key: Buffer;
  wrapped: string;
}

export interface Keyring {
  /** The data key for new encryptions (cached: a KMS round trip only when it is renewed). */
  current(): Promise<DataKey>;
  /** The plaintext of a stored, wrapped data key (cached). */
  unwrap(wrapped: string): Promise<Buffer>;
}

/** The `sealed` attribute of a session item. */
export interface SealedVars {
  /** the wrapped data key the values were encrypted with */
  key: string;
  /** variable name -> base64(iv | tag | ciphertext) */
  vars: Record<string, string>;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

function additionalData(sessionId: string, name: string): Buffer {
  return Buffer.from(`callflow:v1:${sessionId}:${name}`, "utf8");
}

export function encryptValue(key: Buffer, aad: Buffer, value: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
}

export function decryptValue(key: Buffer, aad: Buffer, sealed: string): string {
  const raw = Buffer.from(sealed, "base64");
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_BYTES));
  decipher.setAAD(aad);
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
}

/** Encrypts and decrypts the sensitive variables of session items with one keyring. */
export class VarVault {
  constructor(private readonly keyring: Keyring) {}

  /**
   * `vars` split into what stays in the clear and what is sealed: the values of `names` that hold something (a
   * masked "****" or an empty value is left as it is). `sealed` is undefined when there was nothing to seal.
   */
  async seal(
    sessionId: string,
    vars: Readonly<Record<string, string>>,
    names: readonly string[],
  ): Promise<{ vars: Record<string, string>; sealed?: SealedVars }> {
    const secret = names.filter((name) => {
      const value = vars[name];
      return value !== undefined && value !== "" && value !== MASK;
    });
    if (secret.length === 0) return { vars: { ...vars } };
    const { key, wrapped } = await this.keyring.current();
    const clear: Record<string, string> = { ...vars };
    const sealed: Record<string, string> = {};
    for (const name of secret) {
      sealed[name] = encryptValue(key, additionalData(sessionId, name), vars[name] as string);
      delete clear[name];
    }
    return { vars: clear, sealed: { key: wrapped, vars: sealed } };
  }

  /** The sealed values in the clear. */
  async open(sessionId: string, sealed: SealedVars): Promise<Record<string, string>> {
    const key = await this.keyring.unwrap(sealed.key);
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(sealed.vars)) {
      out[name] = decryptValue(key, additionalData(sessionId, name), value);
    }
    return out;
  }
}

/** How long a data key is used for new encryptions before a fresh one is made (KMS: one call per renewal). */
export const DATA_KEY_MAX_AGE_MS = 15 * 60 * 1000;
/** And at most this many values under one key (well inside AES-GCM's limits for random IVs). */
export const DATA_KEY_MAX_USES = 1_000_000;

/**
 * Data keys for new encryptions, renewed by age and use, with concurrent first callers sharing one request; and
 * unwrapped keys cached (bounded). Shared by the KMS and local keyrings.
 */
export class DataKeyCache {
  private currentKey: { key: DataKey; madeAt: number; uses: number } | undefined;
  private making: Promise<DataKey> | undefined;
  private readonly unwrapped = new Map<string, Promise<Buffer>>();

  constructor(
    private readonly make: () => Promise<DataKey>,
    private readonly unwrapKey: (wrapped: string) => Promise<Buffer>,
    private readonly clock: () => number = Date.now,
    private readonly maxUnwrapped = 256,
  ) {}

  async current(): Promise<DataKey> {
    const held = this.currentKey;
    if (held && this.clock() - held.madeAt < DATA_KEY_MAX_AGE_MS && held.uses < DATA_KEY_MAX_USES) {
      held.uses++;
      return held.key;
    }
    this.making ??= this.make().then(
      (key) => {
        this.currentKey = { key, madeAt: this.clock(), uses: 1 };
        this.unwrapped.set(key.wrapped, Promise.resolve(key.key));
        this.making = undefined;
        return key;
      },
      (err: unknown) => {
        this.making = undefined;
        throw err;
      },
    );
    return this.making;
  }

  unwrap(wrapped: string): Promise<Buffer> {
    let pending = this.unwrapped.get(wrapped);
    if (!pending) {
      if (this.unwrapped.size >= this.maxUnwrapped) {
        const oldest = this.unwrapped.keys().next().value;
        if (oldest !== undefined) this.unwrapped.delete(oldest);
      }
      pending = this.unwrapKey(wrapped);
      this.unwrapped.set(wrapped, pending);
      pending.catch(() => this.unwrapped.delete(wrapped)); // a failure is not cached
    }
    return pending;
  }
}

const LOCAL_PREFIX = "local:";
const LOCAL_WRAP_AAD = Buffer.from("callflow:data-key:v1", "utf8");

/**
 * The local stack's keyring: data keys wrapped with a master key held in memory (CALLFLOW_LOCAL_KEY, base64 of 32
 * bytes, or a random one per process: DynamoDB Local runs in memory, so its sessions die with the process anyway).
 */
export class LocalKeyring implements Keyring {
  private readonly cache: DataKeyCache;

  constructor(private readonly masterKey: Buffer = randomBytes(32)) {
    if (masterKey.length !== 32)
      throw new Error("the local session key must be 32 bytes (base64 in CALLFLOW_LOCAL_KEY)");
    this.cache = new DataKeyCache(
      async () => {
        const key = randomBytes(32);
        const wrapped = LOCAL_PREFIX + encryptValue(this.masterKey, LOCAL_WRAP_AAD, key.toString("base64"));
        return { key, wrapped };
      },
      async (wrapped) => {
        if (!wrapped.startsWith(LOCAL_PREFIX)) throw new Error("this data key was not wrapped by the local keyring");
        return Buffer.from(decryptValue(this.masterKey, LOCAL_WRAP_AAD, wrapped.slice(LOCAL_PREFIX.length)), "base64");
      },
    );
  }

  /** From CALLFLOW_LOCAL_KEY when set (base64, 32 bytes), else a random key for this process. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): LocalKeyring {
    const configured = env.CALLFLOW_LOCAL_KEY;
    return new LocalKeyring(configured ? Buffer.from(configured, "base64") : undefined);
  }

  current(): Promise<DataKey> {
    return this.cache.current();
  }

  unwrap(wrapped: string): Promise<Buffer> {
    return this.cache.unwrap(wrapped);
  }
}
