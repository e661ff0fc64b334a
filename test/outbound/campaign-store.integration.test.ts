/**
 * The campaign store on DynamoDB Local: every guarantee the dispatcher builds on, under real concurrency. Claims
 * are exclusive, the pace's token bucket and the in-progress set hold against many writers, a stale report can
 * never move a contact, and leftovers are only removed when they are leftovers.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { type AttemptRecord, memberOf, type NextStep } from "../../src/outbound/campaign.js";
import type { DynamoCampaignStore } from "../../src/outbound/dynamodb-campaign-store.js";
import { campaignStores, contactsCsv, createCampaign } from "./campaign-support.js";
import { reminderMachine } from "./fixtures.js";

const machine = reminderMachine({ inputs: undefined });
let store: DynamoCampaignStore;

beforeAll(async () => {
  store = (await campaignStores()).campaigns;
});

const retryLater = (dueAt: number): NextStep => ({ kind: "retry", dueAt, status: "NO_ANSWER" });
const settleAttempt = (
  campaignId: string,
  contactId: string,
  attempt: number,
  next: NextStep,
  rec: AttemptRecord,
  now: number,
) => store.settle({ campaignId, contactId, attempt, next, record: rec, now });
const record = (attempt: number) => ({ attempt, at: new Date().toISOString(), status: "NO_ANSWER" });

describe("claims", () => {
  it("give each due contact to exactly one of many concurrent claimers", async () => {
    const campaign = await createCampaign(machine, contactsCsv(120));
    const now = Date.now();
    const due = await store.due(campaign.campaignId, "pending", now, 200);
    expect(due).toHaveLength(120);
    // Eight claimers race over the same list, each trying every contact in its own order.
    const claims = await Promise.all(
      Array.from({ length: 8 }, async (_, claimer) => {
        const mine: string[] = [];
        const order = claimer % 2 === 0 ? due : [...due].reverse();
        for (const key of order) {
          if (await store.claim(campaign.campaignId, key.contactId, now, now + 60_000, `claimer-${claimer}`)) {
            mine.push(key.contactId);
          }
        }
        return mine;
      }),
    );
    expect(claims.filter((mine) => mine.length > 0).length).toBeGreaterThan(1);
    const won = claims.flat();
    expect(won).toHaveLength(120);
    expect(new Set(won).size).toBe(120);
    const contacts = await store.getContacts(campaign.campaignId, won);
    expect(contacts.every((c) => c.status === "dialing" && c.attempts === 1 && c.dueAt === now + 60_000)).toBe(true);
    expect(await store.due(campaign.campaignId, "pending", now, 10)).toEqual([]);
  });

  it("take only contacts whose time has come, and can be given back without using an attempt", async () => {
    const campaign = await createCampaign(machine, contactsCsv(1), {}, () => new Date(Date.now() + 60_000));
    const [key] = await store.due(campaign.campaignId, "pending", Date.now() + 60_000, 1);
    expect(
      await store.claim(campaign.campaignId, key!.contactId, Date.now(), Date.now() + 1000, "early"),
    ).toBeUndefined();
    const later = Date.now() + 60_000;
    const claimed = await store.claim(campaign.campaignId, key!.contactId, later, later + 1000, "c1");
    expect(claimed?.attempts).toBe(1);
    expect(await store.release({ ...claimed!, claimId: "someone-else" }, later, later)).toBe(false);
    expect(await store.release(claimed!, later + 5000, later)).toBe(true);
    const [back] = await store.getContacts(campaign.campaignId, [key!.contactId]);
    expect(back).toMatchObject({ status: "pending", attempts: 0, dueAt: later + 5000 });
    expect(back?.claimId).toBeUndefined();
  });
});

describe("settling an attempt", () => {
  it("moves the contact only while it is in that attempt: a late or repeated report changes nothing", async () => {
    const campaign = await createCampaign(machine, contactsCsv(1));
    const now = Date.now();
    const [key] = await store.due(campaign.campaignId, "pending", now, 1);
    const id = key!.contactId;
    const first = await store.claim(campaign.campaignId, id, now, now + 60_000, "c1");
    expect(await store.markCalling(first!, "session-1", now + 3_600_000, now)).toBe(true);
    expect(await settleAttempt(campaign.campaignId, id, 1, retryLater(now), record(1), now)).toBe(true);
    // the same summary again, and one for an attempt that never was
    expect(await settleAttempt(campaign.campaignId, id, 1, retryLater(now), record(1), now)).toBe(false);
    expect(await settleAttempt(campaign.campaignId, id, 2, retryLater(now), record(2), now)).toBe(false);
    const second = await store.claim(campaign.campaignId, id, now, now + 60_000, "c2");
    expect(second?.attempts).toBe(2);
    // attempt 1's summary arriving now cannot touch attempt 2
    expect(await settleAttempt(campaign.campaignId, id, 1, retryLater(now), record(1), now)).toBe(false);
    const final: NextStep = { kind: "final", outcome: "completed", status: "COMPLETED", result: "confirmed" };
    expect(await settleAttempt(campaign.campaignId, id, 2, final, { ...record(2), status: "COMPLETED" }, now)).toBe(
      true,
    );
    const [done] = await store.getContacts(campaign.campaignId, [id]);
    expect(done).toMatchObject({
      status: "done",
      outcome: "completed",
      result: "confirmed",
      attempts: 2,
      sessionId: "session-1",
    });
    expect(done?.history.map((h) => h.attempt)).toEqual([1, 2]);
    expect(await store.counts(campaign.campaignId)).toEqual({
      byStatus: { pending: 0, dialing: 0, calling: 0, done: 1 },
      outcomes: { completed: 1 },
    });
    expect(await store.hasUnfinished(campaign.campaignId)).toBe(false);
  });

  it("drops a contact's sensitive inputs once it is done", async () => {
    const withPin = reminderMachine();
    const campaign = await createCampaign(
      withPin,
      contactsCsv(1, () => ({ patient: "Ann", time: "10:30", pin: "1234" })),
    );
    const now = Date.now();
    const [key] = await store.due(campaign.campaignId, "pending", now, 1);
    const claimed = await store.claim(campaign.campaignId, key!.contactId, now, now + 1000, "c");
    expect(claimed?.secretInputs).toEqual({ pin: "1234" });
    expect(claimed?.inputs).toEqual({ patient: "Ann", time: "10:30", clinic: "" });
    const final: NextStep = { kind: "final", outcome: "busy", status: "BUSY" };
    await settleAttempt(campaign.campaignId, key!.contactId, 1, final, record(1), now);
    const [done] = await store.getContacts(campaign.campaignId, [key!.contactId]);
    expect(done?.secretInputs).toBeUndefined();
    expect(done?.inputs.patient).toBe("Ann");
  });
});

describe("the pacer", () => {
  it("hands out no more tokens than the bucket holds, however many dispatchers ask at once", async () => {
    const campaign = await createCampaign(machine, contactsCsv(1), { pace: { callsPerSecond: 5, maxInProgress: 10 } });
    const now = campaign.refilledAt; // the bucket starts full: 5 tokens
    const taken = await Promise.all(Array.from({ length: 6 }, () => store.takeTokens(campaign, 2, now)));
    expect(taken.reduce((a, b) => a + b, 0)).toBe(5);
    // one second later, five more; a refund is added back
    const later = await store.get(campaign.campaignId);
    expect(await store.takeTokens(later!, 20, now + 1000)).toBe(5);
    await store.refundTokens(campaign.campaignId, 2);
    expect(await store.takeTokens((await store.get(campaign.campaignId))!, 20, now + 1000)).toBe(2);
  });

  it("never counts more calls in progress than allowed, and frees a slot once however often it is freed", async () => {
    const campaign = await createCampaign(machine, contactsCsv(1), { pace: { callsPerSecond: 5, maxInProgress: 4 } });
    const added = await Promise.all(
      Array.from({ length: 12 }, (_, i) => store.addActive(campaign.campaignId, memberOf(`c${i}`, 1), 4, Date.now())),
    );
    expect(added.filter(Boolean)).toHaveLength(4);
    const winner = added.findIndex(Boolean);
    await store.removeActive(campaign.campaignId, memberOf(`c${winner}`, 1), Date.now());
    await store.removeActive(campaign.campaignId, memberOf(`c${winner}`, 1), Date.now());
    expect((await store.get(campaign.campaignId))?.active).toHaveLength(3);
    expect(await store.addActive(campaign.campaignId, memberOf("late", 1), 4, Date.now())).toBe(true);
    expect(await store.addActive(campaign.campaignId, memberOf("later", 1), 4, Date.now())).toBe(false);
  });

  it("refuses slots and tokens to a campaign that is not running", async () => {
    const campaign = await createCampaign(machine, contactsCsv(1));
    await store.setStatus(campaign.campaignId, ["running"], "paused", Date.now(), "testing");
    expect(await store.addActive(campaign.campaignId, memberOf("x", 1), 10, Date.now())).toBe(false);
    expect(await store.takeTokens(campaign, 1, Date.now())).toBe(0);
    expect((await store.get(campaign.campaignId))?.pausedReason).toBe("testing");
    expect(await store.setStatus(campaign.campaignId, ["running"], "stopped", Date.now())).toBeUndefined();
  });

  it("removes an in-progress entry only once its contact has left that attempt", async () => {
    const campaign = await createCampaign(machine, contactsCsv(1));
    const now = Date.now();
    const [key] = await store.due(campaign.campaignId, "pending", now, 1);
    const claimed = await store.claim(campaign.campaignId, key!.contactId, now, now + 1000, "c");
    const member = memberOf(claimed!.contactId, 1);
    await store.addActive(campaign.campaignId, member, 10, now);
    expect(await store.removeStaleMember(campaign.campaignId, member)).toBe(false);
    await settleAttempt(campaign.campaignId, claimed!.contactId, 1, retryLater(now), record(1), now);
    expect(await store.removeStaleMember(campaign.campaignId, member)).toBe(true);
    expect((await store.get(campaign.campaignId))?.active).toEqual([]);
  });
});
