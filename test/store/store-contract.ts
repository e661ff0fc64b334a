/**
 * The behaviour every store adapter must have, written once and run against DynamoDB Local
 * (dynamodb-stores.integration.test.ts) and the in-memory adapters (memory-stores.test.ts).
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { FlowVersionStore, SessionStore, SummaryStore } from "../../src/store/ports.js";
import { uniqueId } from "../support/dynamodb.js";
import { advanced, machine, NOW, NOW_SECONDS, sessionRecord, summary } from "./fixtures.js";

export interface Stores {
  sessions: SessionStore;
  flowVersions: FlowVersionStore;
  summaries: SummaryStore;
}

export function describeStoreContract(adapter: string, makeStores: () => Promise<Stores>): void {
  let stores: Stores;
  beforeAll(async () => {
    stores = await makeStores();
  });

  describe(`${adapter} SessionStore`, () => {
    it("creates a session and reads it back", async () => {
      const record = sessionRecord(uniqueId());

      const outcome = await stores.sessions.create(record, NOW);

      expect(outcome).toEqual({ ok: true, record });
      expect(await stores.sessions.get(record.session.sessionId, NOW)).toEqual(record);
    });

    it("returns undefined for an unknown session", async () => {
      expect(await stores.sessions.get(uniqueId(), NOW)).toBeUndefined();
    });

    it("keeps records without the optional fields, and drops undefined values", async () => {
      const sessionId = uniqueId();
      const record = sessionRecord(sessionId, { lastEventId: undefined });
      record.session = { ...record.session, callId: undefined };

      await stores.sessions.create(record, NOW);

      const stored = await stores.sessions.get(sessionId, NOW);
      expect(stored).toEqual(record);
      expect(stored && "lastEventId" in stored).toBe(false);
      expect(stored && "callId" in stored.session).toBe(false);
    });

    it("keeps the last answer as the very text that was sent", async () => {
      const sessionId = uniqueId();
      // keys in the order the engine writes them, not sorted: the bytes are what matters
      const sentText =
        '{"clientActionId":"main:1","callflow":[{"action":"say","params":{"text":"Hi \\u00e9","voiceProfile":"en-GB-Emma"}}]}';
      await stores.sessions.create(sessionRecord(sessionId, { lastAnswer: sentText }), NOW);
      expect((await stores.sessions.get(sessionId, NOW))?.lastAnswer).toBe(sentText);
    });

    it("treats a record whose expiresAt has passed as absent (expiresAt <= now)", async () => {
      const record = sessionRecord(uniqueId(), { expiresAt: NOW_SECONDS });
      await stores.sessions.create(record, new Date(NOW.getTime() - 60_000));

      expect(await stores.sessions.get(record.session.sessionId, new Date(NOW.getTime() - 1_000))).toEqual(record);
      expect(await stores.sessions.get(record.session.sessionId, NOW)).toBeUndefined();
    });

    it("refuses to create over a live session and returns it", async () => {
      const sessionId = uniqueId();
      const first = sessionRecord(sessionId);
      await stores.sessions.create(first, NOW);

      const outcome = await stores.sessions.create(sessionRecord(sessionId, { lastEventId: "event-2" }), NOW);

      expect(outcome).toEqual({ ok: false, current: first });
    });

    it("creates over an expired session", async () => {
      const sessionId = uniqueId();
      await stores.sessions.create(sessionRecord(sessionId, { expiresAt: NOW_SECONDS - 1 }), new Date(0));
      const fresh = sessionRecord(sessionId, { lastEventId: "event-new" });

      const outcome = await stores.sessions.create(fresh, NOW);

      expect(outcome).toEqual({ ok: true, record: fresh });
      expect(await stores.sessions.get(sessionId, NOW)).toEqual(fresh);
    });

    it("replaces when the stored rev is still prev.rev", async () => {
      const prev = sessionRecord(uniqueId());
      await stores.sessions.create(prev, NOW);
      const next = advanced(prev, "event-2");

      const outcome = await stores.sessions.replace(prev, next);

      expect(outcome).toEqual({ ok: true, record: next });
      expect(await stores.sessions.get(prev.session.sessionId, NOW)).toEqual(next);
    });

    it("refuses a replace from a stale rev and returns the current record", async () => {
      const first = sessionRecord(uniqueId());
      await stores.sessions.create(first, NOW);
      const second = advanced(first, "event-2");
      await stores.sessions.replace(first, second);

      const outcome = await stores.sessions.replace(first, advanced(first, "event-other"));

      expect(outcome).toEqual({ ok: false, current: second });
    });

    it("refuses a replace of a session that does not exist", async () => {
      const prev = sessionRecord(uniqueId());

      const outcome = await stores.sessions.replace(prev, advanced(prev, "event-2"));

      expect(outcome).toEqual({ ok: false, current: undefined });
      expect(await stores.sessions.get(prev.session.sessionId, NOW)).toBeUndefined();
    });

    it("treats a rival's write of the very same record as a conflict (concurrent deliveries of one event)", async () => {
      const prev = sessionRecord(uniqueId());
      await stores.sessions.create(prev, NOW);
      const next = advanced(prev, "event-2");
      await stores.sessions.replace(prev, next);

      expect(await stores.sessions.replace(prev, next)).toEqual({ ok: false, current: next });
      expect(await stores.sessions.create(next, NOW)).toEqual({ ok: false, current: next });
    });

    it("rejects a next record that is not prev's successor", async () => {
      const prev = sessionRecord(uniqueId());

      await expect(stores.sessions.replace(prev, { ...prev, rev: prev.rev + 2 })).rejects.toThrow(/rev 2/);
    });

    it("lets exactly one of 20 concurrent replaces from the same rev win", async () => {
      const prev = sessionRecord(uniqueId());
      await stores.sessions.create(prev, NOW);
      const candidates = Array.from({ length: 20 }, (_, i) => advanced(prev, `event-${i}`));

      const outcomes = await Promise.all(candidates.map((next) => stores.sessions.replace(prev, next)));

      const winners = outcomes.filter((outcome) => outcome.ok);
      expect(winners).toHaveLength(1);
      const stored = await stores.sessions.get(prev.session.sessionId, NOW);
      expect(winners[0]).toEqual({ ok: true, record: stored });
      for (const outcome of outcomes.filter((o) => !o.ok)) expect(outcome).toEqual({ ok: false, current: stored });
    });

    it("reads an expired record only when asked to (the VSS of a call that outlived its TTL)", async () => {
      const expired = sessionRecord(uniqueId(), { expiresAt: NOW_SECONDS - 10 });
      await stores.sessions.create(expired, new Date(0));

      expect(await stores.sessions.get(expired.session.sessionId, NOW)).toBeUndefined();
      expect(await stores.sessions.get(expired.session.sessionId, NOW, { includeExpired: true })).toEqual(expired);
    });
  });

  describe(`${adapter} FlowVersionStore`, () => {
    it("stores a machine version and reads it back", async () => {
      const flow = uniqueId("flow");
      const stored = machine(flow, "aaaaaaaaaaaaaaaa");

      await stores.flowVersions.put(stored);

      expect(await stores.flowVersions.get(flow, "aaaaaaaaaaaaaaaa")).toEqual(stored);
      expect(await stores.flowVersions.get(flow, "bbbbbbbbbbbbbbbb")).toBeUndefined();
    });

    it("is idempotent: a second put of the same version keeps the first copy", async () => {
      const flow = uniqueId("flow");
      await stores.flowVersions.put(machine(flow, "aaaaaaaaaaaaaaaa", "first"));

      await expect(stores.flowVersions.put(machine(flow, "aaaaaaaaaaaaaaaa", "second"))).resolves.toBeUndefined();

      expect((await stores.flowVersions.get(flow, "aaaaaaaaaaaaaaaa"))?.description).toBe("first");
    });

    it("keeps versions of one flow apart", async () => {
      const flow = uniqueId("flow");
      await stores.flowVersions.put(machine(flow, "aaaaaaaaaaaaaaaa", "old"));
      await stores.flowVersions.put(machine(flow, "bbbbbbbbbbbbbbbb", "new"));

      expect((await stores.flowVersions.get(flow, "aaaaaaaaaaaaaaaa"))?.description).toBe("old");
      expect((await stores.flowVersions.get(flow, "bbbbbbbbbbbbbbbb"))?.description).toBe("new");
    });
  });

  describe(`${adapter} SummaryStore`, () => {
    it("stores a summary once; a redelivery returns created: false and keeps the first payload", async () => {
      const sessionId = uniqueId();
      const first = summary(sessionId, { sessionStatus: "COMPLETED", nested: { list: [1, "two", null] }, empty: "" });

      expect(await stores.summaries.putOnce(first)).toEqual({ created: true });
      expect(await stores.summaries.putOnce(summary(sessionId, { redelivered: true }))).toEqual({ created: false });

      expect(await stores.summaries.get(sessionId)).toEqual(first);
    });

    it("returns undefined for an unknown session", async () => {
      expect(await stores.summaries.get(uniqueId())).toBeUndefined();
    });

    it("stores the summary and ends the session together, once", async () => {
      const record = sessionRecord(uniqueId());
      const { sessionId } = record.session;
      await stores.sessions.create(record, NOW);
      const end = { sessionId, rev: record.rev, endedAt: "2030-01-15T09:31:00.000Z" };

      expect(await stores.summaries.putOnce(summary(sessionId, { first: true }), end)).toEqual({ created: true });
      const ended = { ...record, endedAt: end.endedAt, rev: record.rev + 1 };
      expect(await stores.sessions.get(sessionId, NOW)).toEqual(ended);
      // a redelivery: nothing changes, whatever it carries
      const later = { ...end, rev: ended.rev, endedAt: "2030-01-15T09:32:00.000Z" };
      expect(await stores.summaries.putOnce(summary(sessionId, { again: true }), later)).toEqual({ created: false });
      expect(await stores.sessions.get(sessionId, NOW)).toEqual(ended);
      expect(JSON.parse((await stores.summaries.get(sessionId))?.body ?? "{}").payload).toEqual({ first: true });
    });

    it("writes neither when the session moved on since it was read", async () => {
      const first = sessionRecord(uniqueId());
      const { sessionId } = first.session;
      await stores.sessions.create(first, NOW);
      const second = advanced(first, "event-2");
      await stores.sessions.replace(first, second);

      const outcome = await stores.summaries.putOnce(summary(sessionId, {}), {
        sessionId,
        rev: first.rev,
        endedAt: NOW.toISOString(),
      });

      expect(outcome).toEqual({ created: false, sessionChanged: true });
      expect(await stores.summaries.get(sessionId)).toBeUndefined();
      expect(await stores.sessions.get(sessionId, NOW)).toEqual(second);
    });

    it("makes a replace based on the record before the session ended fail, so endedAt is never lost", async () => {
      const prev = sessionRecord(uniqueId());
      const { sessionId } = prev.session;
      await stores.sessions.create(prev, NOW);
      await stores.summaries.putOnce(summary(sessionId, {}), { sessionId, rev: prev.rev, endedAt: NOW.toISOString() });

      const outcome = await stores.sessions.replace(prev, advanced(prev, "event-2"));

      expect(outcome.ok).toBe(false);
      expect(outcome.ok ? undefined : outcome.current?.endedAt).toBe(NOW.toISOString());
    });
  });
}
