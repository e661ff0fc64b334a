/** The session item's layout (src/store/session-item.ts): lossless both ways, and lean. */
import { describe, expect, it } from "vitest";
import { newSession } from "../../src/engine/engine.js";
import type { FetchEffect } from "../../src/engine/session.js";
import type { SessionRecord } from "../../src/store/ports.js";
import {
  openedSessionRecord,
  sealedSessionItem,
  sessionItem,
  sessionRecordFromItem,
} from "../../src/store/session-item.js";
import { LocalKeyring, VarVault } from "../../src/store/var-encryption.js";
import { advanced, machine, NOW, sessionRecord } from "./fixtures.js";

describe("session items", () => {
  it("give back the record they were made from", () => {
    const first = sessionRecord("s-1");
    const later = advanced(advanced(first, "e-2"), "e-3");
    for (const record of [first, later]) expect(sessionRecordFromItem(sessionItem(record))).toEqual(record);
  });

  it("give back a fresh session's built-in variables, inbound and outbound, callId or not", () => {
    const m = machine("flow-a", "aaaaaaaaaaaaaaaa");
    for (const init of [
      { sessionId: "s-2", callId: "c-2", caller: "+6590000001", called: "+6531234567", direction: "INBOUND" as const },
      { sessionId: "s-3", caller: "+6531234567", called: "+6590000001", direction: "OUTBOUND" as const },
    ]) {
      const session = newSession(m, init, NOW);
      const record = { session, rev: 1, expiresAt: 1 };
      expect(sessionRecordFromItem(sessionItem(record))).toEqual(record);
    }
  });

  it("keep a variable that differs from the session's field (never dropped when it is not a repeat)", () => {
    const record = sessionRecord("s-4");
    record.session = { ...record.session, vars: { ...record.session.vars, caller: "+6500000000" } };
    expect(sessionRecordFromItem(sessionItem(record)).session.vars.caller).toBe("+6500000000");
  });

  it("keep a field with no variable that way (the variable is not made up on the way back)", () => {
    const record = sessionRecord("s-6");
    const { callId: _dropped, ...vars } = { ...record.session.vars, callId: "x" };
    record.session = { ...record.session, callId: "call-6", vars };
    expect(sessionRecordFromItem(sessionItem(record)).session.vars).toEqual(vars);
  });

  it("hold the session as one JSON string, the answer as the text sent", () => {
    const item = sessionItem(sessionRecord("s-5"));
    expect(typeof item.session).toBe("string");
    expect(typeof item.lastAnswer).toBe("string");
  });

  it("carry every field the workstreams added: transitions with fetch latency, fetch results, the campaign contact, the fallback marker, an in-flight claim", () => {
    const base = sessionRecord("s-7");
    const record: SessionRecord = {
      ...base,
      session: {
        ...base.session,
        status: "ended",
        direction: "OUTBOUND",
        vars: { ...base.session.vars, fetchStatus: "200", customerName: "Wei Ling", patient: "Ann Lee" },
        transitions: [
          { from: "welcome", to: "lookup", on: "next", at: 0 },
          { from: "lookup", to: "main", on: "on:200", at: 1200, ms: 184 },
          { from: "main", to: "(apology)", on: "onError", at: 5300 },
        ],
        contact: {
          campaignId: "c-1",
          contactId: "k-9",
          attempt: 2,
          retry: { attempts: 3, delaySeconds: 600, on: ["NO_ANSWER", "BUSY"] },
        },
      },
      endedAt: "2030-01-15T09:31:00.000Z",
      fallback: { at: "2030-01-15T09:30:05.300Z", turn: 3, state: null },
      claim: {
        id: "claim-1",
        eventId: "event-3",
        deadline: 1_900_000_000_000,
        effect: { kind: "fetch", request: { state: "lookup", service: "crm" } } as unknown as FetchEffect,
      },
    };
    expect(sessionRecordFromItem(sessionItem(record))).toEqual(record);
  });

  it("seal the sensitive variables and open them again with the key, masked without it", async () => {
    const base = sessionRecord("s-8");
    const record: SessionRecord = {
      ...base,
      session: { ...base.session, vars: { ...base.session.vars, pin: "4821", card: "4111111111111111" } },
      sensitive: ["pin", "card"],
    };
    const vault = new VarVault(new LocalKeyring());
    const item = await sealedSessionItem(record, vault);
    expect(JSON.stringify(item)).not.toMatch(/4821|4111111111111111/);
    expect(await openedSessionRecord(item, vault)).toEqual(record);
    const masked = sessionRecordFromItem(item);
    expect(masked.session.vars).toMatchObject({ pin: "****", card: "****" });
    expect(masked.sensitive).toEqual(["pin", "card"]);
  });
});
