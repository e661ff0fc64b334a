/** Sensitive variables encrypted at rest: the envelope, the key caches, and the KMS keyring on a loopback KMS. */
import { KMSClient } from "@aws-sdk/client-kms";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { KmsKeyring, SESSION_KEY_CONTEXT } from "../../src/store/kms-keyring.js";
import { DATA_KEY_MAX_AGE_MS, DataKeyCache, LocalKeyring, VarVault } from "../../src/store/var-encryption.js";
import { type KmsStub, kmsStub } from "../support/kms-stub.js";

describe("VarVault", () => {
  const vault = new VarVault(new LocalKeyring());

  it("seals the named variables that hold something and opens them again", async () => {
    const vars = { pin: "4321", card: "4111111111111111", topic: "billing", empty: "", masked: "****" };
    const { vars: clear, sealed } = await vault.seal("s-1", vars, ["pin", "card", "empty", "masked", "absent"]);
    expect(clear).toEqual({ topic: "billing", empty: "", masked: "****" });
    expect(Object.keys(sealed?.vars ?? {})).toEqual(["pin", "card"]);
    expect(JSON.stringify(sealed)).not.toMatch(/4321|4111111111111111/);
    expect(await vault.open("s-1", sealed as NonNullable<typeof sealed>)).toEqual({
      pin: "4321",
      card: "4111111111111111",
    });
  });

  it("binds each value to its session and name: moved elsewhere, it does not open", async () => {
    const { sealed } = await vault.seal("s-1", { pin: "4321", other: "9999" }, ["pin", "other"]);
    if (!sealed) throw new Error("nothing sealed");
    await expect(vault.open("s-2", sealed)).rejects.toThrow();
    await expect(vault.open("s-1", { ...sealed, vars: { other: sealed.vars.pin as string } })).rejects.toThrow();
  });

  it("has nothing to seal when no named variable holds a value", async () => {
    expect(await vault.seal("s-1", { topic: "x" }, ["pin"])).toEqual({ vars: { topic: "x" } });
  });

  it("cannot open values sealed under another local key", async () => {
    const { sealed } = await vault.seal("s-1", { pin: "4321" }, ["pin"]);
    if (!sealed) throw new Error("nothing sealed");
    await expect(new VarVault(new LocalKeyring()).open("s-1", sealed)).rejects.toThrow();
  });
});

describe("DataKeyCache", () => {
  it("makes one data key for concurrent first callers, and a new one after its age", async () => {
    let now = 0;
    let made = 0;
    const cache = new DataKeyCache(
      async () => ({ key: Buffer.alloc(32, ++made), wrapped: `k${made}` }),
      async () => Buffer.alloc(32),
      () => now,
    );
    const keys = await Promise.all(Array.from({ length: 20 }, () => cache.current()));
    expect(new Set(keys.map((k) => k.wrapped))).toEqual(new Set(["k1"]));
    now += DATA_KEY_MAX_AGE_MS;
    expect((await cache.current()).wrapped).toBe("k2");
    expect(made).toBe(2);
  });

  it("unwraps a stored key once, and does not cache a failure", async () => {
    const unwrap = vi.fn(async (wrapped: string) => {
      if (wrapped === "bad") throw new Error("no");
      return Buffer.alloc(32);
    });
    const cache = new DataKeyCache(async () => ({ key: Buffer.alloc(32), wrapped: "own" }), unwrap);
    await Promise.all([cache.unwrap("other"), cache.unwrap("other"), cache.unwrap("other")]);
    expect(unwrap).toHaveBeenCalledTimes(1);
    await expect(cache.unwrap("bad")).rejects.toThrow();
    await expect(cache.unwrap("bad")).rejects.toThrow();
    expect(unwrap).toHaveBeenCalledTimes(3);
  });
});

describe("KmsKeyring on a loopback KMS", () => {
  let kms: KmsStub;
  let client: KMSClient;

  beforeAll(async () => {
    kms = await kmsStub();
    client = new KMSClient({
      endpoint: kms.endpoint,
      region: "ap-southeast-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    });
  });

  afterAll(async () => {
    client.destroy();
    await kms.close();
  });

  it("asks KMS for one data key per container, whatever the number of values sealed", async () => {
    const vault = new VarVault(new KmsKeyring(client, "alias/callflow-sessions"));
    for (let i = 0; i < 50; i++) {
      const { sealed } = await vault.seal(`s-${i}`, { pin: String(1000 + i) }, ["pin"]);
      if (!sealed) throw new Error("nothing sealed");
      expect(await vault.open(`s-${i}`, sealed)).toEqual({ pin: String(1000 + i) });
    }
    expect(kms.calls.GenerateDataKey).toBe(1);
    expect(kms.calls.Decrypt ?? 0).toBe(0); // its own key is known without asking
    expect(kms.contexts.every((c) => JSON.stringify(c) === JSON.stringify(SESSION_KEY_CONTEXT))).toBe(true);
  });

  it("opens another container's values with one Decrypt of its data key", async () => {
    const writer = new VarVault(new KmsKeyring(client, "alias/callflow-sessions"));
    const reader = new VarVault(new KmsKeyring(client, "alias/callflow-sessions"));
    const before = kms.calls.Decrypt ?? 0;
    for (let i = 0; i < 10; i++) {
      const { sealed } = await writer.seal(`t-${i}`, { card: "4111111111111111" }, ["card"]);
      if (!sealed) throw new Error("nothing sealed");
      expect(await reader.open(`t-${i}`, sealed)).toEqual({ card: "4111111111111111" });
    }
    expect((kms.calls.Decrypt ?? 0) - before).toBe(1);
  });
});
