/**
 * The dispatcher on DynamoDB Local, against a loopback fake 8x8: the calling window's edges (a frozen clock: time is
 * the subject), retries decided by the session summary, 8x8 refusing or rate-limiting calls, pause and resume, a
 * dispatcher that dies mid-dial, and completion. Summaries go through the real VSS handler.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { syntheticEvent } from "../../src/local/apigw-adapter.js";
import { createLocalObservability } from "../../src/local/observability.js";
import { campaignCallRecorder } from "../../src/outbound/attempts.js";
import type { Campaign, Contact } from "../../src/outbound/campaign.js";
import { Dispatcher, type DispatcherOptions } from "../../src/outbound/dispatcher.js";
import type { CallSender } from "../../src/outbound/place-call.js";
import { VoiceApiClient } from "../../src/voice-api/client.js";
import { FlowRegistry } from "../../src/webhooks/flow-registry.js";
import { createVssHandler } from "../../src/webhooks/http-handlers.js";
import { Fake8x8 } from "../voice-api/fake-8x8.js";
import { campaignStores, contactsCsv, createCampaign } from "./campaign-support.js";
import { reminderMachine } from "./fixtures.js";

const machine = reminderMachine({ inputs: undefined });
const CALLFLOWS = "POST /api/v1/subaccounts/acme/callflows";
let fake: Fake8x8;
let stores: Awaited<ReturnType<typeof campaignStores>>;
const { logger, metrics } = createLocalObservability();

beforeAll(async () => {
  stores = await campaignStores();
  await stores.flowVersions.put(machine);
  fake = await new Fake8x8().start();
});

afterAll(async () => {
  await fake?.stop();
});

// Each test's dispatcher must see that test's campaign only.
afterEach(async () => {
  for (const status of ["running", "paused"] as const) {
    for (const c of await stores.campaigns.list(status)) {
      await stores.campaigns.setStatus(c.campaignId, [status], "stopped", Date.now());
    }
  }
});

/** A clock the test moves by hand. */
function clock(start: string) {
  let now = new Date(start).getTime();
  return {
    now: () => new Date(now),
    set: (iso: string) => {
      now = new Date(iso).getTime();
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

function dispatcher(now: () => Date, options: Partial<DispatcherOptions> = {}, api?: CallSender): Dispatcher {
  return new Dispatcher({
    store: stores.campaigns,
    sessions: stores.sessions,
    flows: new FlowRegistry([machine], stores.flowVersions),
    api: api ?? new VoiceApiClient({ apiKey: "k", subAccountId: "acme", baseUrl: fake.baseUrl, maxRetries: 0 }),
    logger,
    metrics,
    now,
    options: { reapEveryMs: 0, ...options },
  });
}

/** What 8x8 was asked to call, per number (from the fake's request log). */
function dialsTo(campaignFirst: number, count: number): number[] {
  const numbers = Array.from({ length: count }, (_, i) => `+659${String(campaignFirst + i).padStart(7, "0")}`);
  const requests = fake.requests.filter((r) => r.path.endsWith("/callflows"));
  return numbers.map(
    (n) =>
      requests.filter(
        (r) => (r.body as { callflow: { params: { destination?: string } }[] }).callflow[0]?.params.destination === n,
      ).length,
  );
}

async function contactsOf(campaign: Campaign): Promise<Contact[]> {
  const out: Contact[] = [];
  for await (const c of stores.campaigns.contacts(campaign.campaignId)) out.push(c);
  return out;
}

/** 8x8's session summary for a contact's current call, through the real VSS handler. */
async function summary(contact: Contact, sessionStatus: string, now: () => Date): Promise<void> {
  const handler = createVssHandler({
    sessions: stores.sessions,
    summaries: stores.summaries,
    flows: new FlowRegistry([machine], stores.flowVersions),
    logger,
    metrics,
    now,
    campaigns: campaignCallRecorder(stores.campaigns),
  });
  const body = {
    namespace: "VOICE",
    eventType: "SESSION_SUMMARY",
    description: "Session summary",
    version: 5,
    payload: { sessionId: contact.sessionId, subAccountId: "acme", sessionStatus, callCount: 1, details: {} },
  };
  const result = await handler(syntheticEvent("POST", "/vss", JSON.stringify(body)));
  expect(result.statusCode).toBe(200);
}

let first = 1_000;
/** Contacts numbered from a fresh range per campaign, so the fake's request log tells campaigns apart. */
function freshContacts(count: number): { csv: string; first: number } {
  const start = first;
  first += count;
  return { csv: contactsCsv(count, undefined, start), first: start };
}

describe("the calling window", () => {
  it("starts calls from its first minute up to (not including) its end, never on a closed date or day", async () => {
    const time = clock("2026-11-24T00:00:00+08:00"); // Tuesday midnight in Singapore
    const { csv, first: from } = freshContacts(8);
    const campaign = await createCampaign(
      machine,
      csv,
      { window: "mon-fri 09:00-18:00", closedOn: ["2026-11-25"], pace: { callsPerSecond: 1, maxInProgress: 10 } },
      time.now,
    );
    // Calls 8x8 accepted stay "calling" across the days the clock jumps (no summary is sent in this test).
    const d = dispatcher(time.now, { callTimeoutMs: 30 * 86_400_000 });
    const dialledAt = async (iso: string) => {
      time.set(iso);
      return (await d.tick()).dialled;
    };
    expect(await dialledAt("2026-11-24T08:59:59+08:00")).toBe(0);
    expect(await dialledAt("2026-11-24T09:00:00+08:00")).toBe(1);
    expect(await dialledAt("2026-11-24T17:59:59+08:00")).toBe(1);
    expect(await dialledAt("2026-11-24T18:00:00+08:00")).toBe(0);
    expect(await dialledAt("2026-11-25T10:00:00+08:00")).toBe(0); // closed on that date
    expect(await dialledAt("2026-11-28T10:00:00+08:00")).toBe(0); // Saturday
    expect(await dialledAt("2026-11-30T09:00:00+08:00")).toBe(1); // Monday
    expect(await dialledAt("2026-11-30T02:00:00Z")).toBe(1); // 10:00 in Singapore, whatever the server's zone
    expect(dialsTo(from, 8).reduce((a, b) => a + b, 0)).toBe(4);
    expect((await stores.campaigns.counts(campaign.campaignId)).byStatus).toMatchObject({ pending: 4, calling: 4 });
  });
});

describe("retries", () => {
  it("call again after the delay when 8x8 reports no answer or busy, up to the attempts, and record each one", async () => {
    const time = clock("2026-11-24T10:00:00+08:00");
    const { csv, first: from } = freshContacts(2);
    const campaign = await createCampaign(
      machine,
      csv,
      { retry: { attempts: 3, delaySeconds: 60 }, pace: { callsPerSecond: 10, maxInProgress: 10 } },
      time.now,
    );
    const d = dispatcher(time.now);
    expect((await d.tick()).dialled).toBe(2);
    let [a, b] = await contactsOf(campaign);
    await summary(a!, "NO_ANSWER", time.now);
    await summary(b!, "BUSY", time.now);
    expect((await stores.campaigns.get(campaign.campaignId))?.active).toEqual([]);
    time.advance(59_000);
    expect((await d.tick()).dialled).toBe(0); // not before the delay
    time.advance(1_000);
    expect((await d.tick()).dialled).toBe(2);
    [a, b] = await contactsOf(campaign);
    await summary(a!, "COMPLETED", time.now);
    await summary(b!, "BUSY", time.now);
    time.advance(60_000);
    expect((await d.tick()).dialled).toBe(1);
    [, b] = await contactsOf(campaign);
    await summary(b!, "BUSY", time.now);
    // a repeated summary changes nothing
    await summary(b!, "BUSY", time.now);
    time.advance(60_000);
    const last = await d.tick();
    expect(last.dialled).toBe(0);
    expect(last.completed).toBe(1);
    [a, b] = await contactsOf(campaign);
    // Answered, then hung up before the flow had ended the call (no key is pressed here): abandoned.
    expect(a).toMatchObject({ status: "done", outcome: "abandoned", attempts: 2, lastError: "8x8 session NO_ANSWER" });
    expect(a?.history.map((h) => h.status)).toEqual(["NO_ANSWER", "COMPLETED"]);
    expect(b).toMatchObject({ status: "done", outcome: "busy", attempts: 3 });
    expect(b?.history.map((h) => h.status)).toEqual(["BUSY", "BUSY", "BUSY"]);
    expect(dialsTo(from, 2)).toEqual([2, 3]);
    expect((await stores.campaigns.get(campaign.campaignId))?.status).toBe("completed");
  });
});

describe("8x8 refusing calls", () => {
  it("backs the whole campaign off on 429, giving the claim back unused", async () => {
    const time = clock("2026-11-24T10:00:00+08:00");
    const { csv, first: from } = freshContacts(1);
    const campaign = await createCampaign(machine, csv, {}, time.now);
    fake.script(CALLFLOWS, {
      status: 429,
      body: { statusCode: 429, statusMessage: "Too many requests" },
      headers: { "Retry-After": "30" },
    });
    const d = dispatcher(time.now);
    expect(await d.tick()).toMatchObject({ dialled: 0, rateLimited: 1 });
    const [contact] = await contactsOf(campaign);
    expect(contact).toMatchObject({ status: "pending", attempts: 0 });
    expect((await stores.campaigns.get(campaign.campaignId))?.backoffUntil).toBeGreaterThanOrEqual(
      time.now().getTime() + 30_000,
    );
    time.advance(29_000);
    expect((await dispatcher(time.now).tick()).dialled).toBe(0); // another dispatcher backs off too
    time.advance(2_000);
    expect((await d.tick()).dialled).toBe(1);
    expect(dialsTo(from, 1)).toEqual([2]); // the refused request, and the call
  });

  it("marks a contact rejected when 8x8 refuses its number, and pauses the campaign when it refuses the account", async () => {
    const time = clock("2026-11-24T10:00:00+08:00");
    const { csv } = freshContacts(3);
    const campaign = await createCampaign(machine, csv, { pace: { callsPerSecond: 1, maxInProgress: 10 } }, time.now);
    const d = dispatcher(time.now);
    fake.script(CALLFLOWS, {
      status: 422,
      body: { sessionStatus: "NOT_CREATED", statusCode: -1017, statusMessage: "Invalid MSISDN format in Destination" },
    });
    expect(await d.tick()).toMatchObject({ dialled: 0, settled: 1 });
    fake.script(CALLFLOWS, {
      status: 422,
      body: { sessionStatus: "NOT_CREATED", statusCode: -1014, statusMessage: "Source or caller ID is not allowed" },
    });
    time.advance(1_000);
    await d.tick();
    const paused = await stores.campaigns.get(campaign.campaignId);
    expect(paused?.status).toBe("paused");
    expect(paused?.pausedReason).toMatch(/Source or caller ID is not allowed/);
    const contacts = await contactsOf(campaign);
    expect(contacts.map((c) => `${c.status}:${c.attempts}:${c.outcome ?? ""}`).sort()).toEqual([
      "done:1:rejected",
      "pending:0:",
      "pending:0:",
    ]);
    time.advance(1_000);
    expect((await d.tick()).dialled).toBe(0); // paused: nothing starts
    await stores.campaigns.setStatus(campaign.campaignId, ["paused"], "running", time.now().getTime());
    expect((await d.tick()).dialled).toBe(1);
  });
});

describe("a dispatcher that dies mid-dial", () => {
  it("leaves claims that expire and are settled as interrupted, then retried as a new attempt, never twice as one", async () => {
    const time = clock("2026-11-24T10:00:00+08:00");
    const { csv, first: from } = freshContacts(2);
    const campaign = await createCampaign(
      machine,
      csv,
      { retry: { attempts: 3, delaySeconds: 0 }, pace: { callsPerSecond: 10, maxInProgress: 10 } },
      time.now,
    );
    // This one sends the request to 8x8, then never hears back: its process died with the call placed (or not).
    const real = new VoiceApiClient({ apiKey: "k", subAccountId: "acme", baseUrl: fake.baseUrl, maxRetries: 0 });
    const dying: CallSender = {
      sendCallflow: async (request) => {
        await real.sendCallflow(request);
        return new Promise(() => {});
      },
    };
    void dispatcher(time.now, { leaseMs: 60_000 }, dying).tick();
    await waitFor(async () => dialsTo(from, 2).every((n) => n === 1));
    const claimed = await contactsOf(campaign);
    expect(claimed.map((c) => [c.status, c.attempts])).toEqual([
      ["dialing", 1],
      ["dialing", 1],
    ]);

    const survivor = dispatcher(time.now, { leaseMs: 60_000 });
    time.advance(59_000);
    expect(await survivor.tick()).toMatchObject({ dialled: 0, settled: 0 }); // the lease still holds
    time.advance(1_001);
    // The expired claims are settled, and (no retry delay here) called again in the same tick.
    expect(await survivor.tick()).toMatchObject({ settled: 2, dialled: 2 });
    const after = await contactsOf(campaign);
    expect(after.map((c) => [c.status, c.attempts])).toEqual([
      ["calling", 2],
      ["calling", 2],
    ]);
    expect(after[0]?.history).toEqual([expect.objectContaining({ attempt: 1, status: "INTERRUPTED" })]);
    expect(dialsTo(from, 2)).toEqual([2, 2]); // one call per attempt
    expect((await stores.campaigns.get(campaign.campaignId))?.active.sort()).toEqual(
      after.map((c) => `${c.contactId}#2`).sort(),
    );
  });
});

describe("two dispatchers", () => {
  it("share the pace and the slots: together they start no more than either would alone", async () => {
    const time = clock("2026-11-24T10:00:00+08:00");
    const { csv, first: from } = freshContacts(30);
    const campaign = await createCampaign(machine, csv, { pace: { callsPerSecond: 5, maxInProgress: 8 } }, time.now);
    const [a, b] = [dispatcher(time.now), dispatcher(time.now)];
    const first = await Promise.all([a.tick(), b.tick()]);
    expect(first[0].dialled + first[1].dialled).toBe(5); // a full bucket: one second's worth
    time.advance(1_000);
    const second = await Promise.all([a.tick(), b.tick()]);
    expect(second[0].dialled + second[1].dialled).toBe(3); // 5 tokens, but only 8 calls in progress
    time.advance(10_000);
    expect((await Promise.all([a.tick(), b.tick()])).reduce((n, r) => n + r.dialled, 0)).toBe(0);
    expect((await stores.campaigns.get(campaign.campaignId))?.active).toHaveLength(8);
    expect(dialsTo(from, 30).filter((n) => n > 1)).toEqual([]);
  });
});

async function waitFor(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}
