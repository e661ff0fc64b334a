/**
 * The campaign dispatcher: the same code runs in the deployed Lambda (invoked every minute by EventBridge
 * Scheduler, it loops for most of that minute) and in `npm start` (a loop on DynamoDB Local). Any number may run at
 * once; they share nothing but the store, and every decision there is a conditional write:
 *
 * - **claims**: a due contact moves pending -> dialing in one conditional UpdateItem (status pending AND
 *   dueAt <= now), with a lease: two dispatchers never dial the same contact, and the claim of one that dies mid-dial
 *   expires and is settled as an interrupted attempt (retried as a new attempt: 8x8 may have placed that call);
 * - **pace**: a token bucket on the campaign item, taken with a conditional write (calls per second across all
 *   dispatchers), and a set of calls in progress added to only while it is smaller than maxInProgress;
 * - **8x8's 429**: the claim is given back (no attempt used) and the whole campaign backs off, for every dispatcher;
 * - **window**: no call starts outside the campaign's calling window (the engine's `hours` logic, its time zone
 *   and closed dates).
 */
import { randomUUID } from "node:crypto";
import { isOpen } from "../engine/hours.js";
import type { CompiledMachine } from "../engine/machine.js";
import type { ContactRef } from "../engine/session.js";
import { errorFields, type Logger } from "../observability/logger.js";
import { countMetric, MetricName, type Metrics } from "../observability/metrics.js";
import type { SessionStore } from "../store/ports.js";
import { VoiceApiError } from "../voice-api/client.js";
import type { FlowRegistry } from "../webhooks/flow-registry.js";
import { settleAttempt } from "./attempts.js";
import { type Campaign, type Contact, capacityOf, memberOf, parseMember } from "./campaign.js";
import type { CampaignStore, ContactKey } from "./campaign-store.js";
import { mapLimit } from "./map-limit.js";
import { type CallSender, placeOutboundCall } from "./place-call.js";

export interface DispatcherOptions {
  /** a claim not turned into a call within this long is someone else's to settle (> the longest dial) */
  leaseMs: number;
  /** a call 8x8 accepted whose summary has not come within this long is settled as unknown */
  callTimeoutMs: number;
  /** 8x8 must not place a call later than this after we asked (Send Callflow validUntil) */
  validForMs: number;
  /** calls sent to 8x8 at once, per campaign */
  concurrency: number;
  /** calls started per campaign per tick, at most */
  maxPerTick: number;
  /** backoff after a 429: base, doubling per consecutive 429, capped */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** expired claims and overdue calls are looked for this often per campaign */
  reapEveryMs: number;
  /** a full campaign with no progress this long gets its in-progress set checked for leftovers */
  auditAfterMs: number;
  /** due contacts and no call started for this long: the campaign is reported stalled */
  stallAfterMs: number;
  /** the list of running campaigns is read this often (each campaign itself is read every tick) */
  listEveryMs: number;
}

export const DEFAULT_DISPATCHER_OPTIONS: DispatcherOptions = {
  leaseMs: 120_000,
  callTimeoutMs: 2 * 60 * 60 * 1000,
  validForMs: 5 * 60 * 1000,
  concurrency: 16,
  maxPerTick: 200,
  backoffBaseMs: 1_000,
  backoffMaxMs: 60_000,
  reapEveryMs: 5_000,
  auditAfterMs: 60_000,
  stallAfterMs: 10 * 60 * 1000,
  listEveryMs: 1_000,
};

export interface DispatcherDeps {
  store: CampaignStore;
  sessions: SessionStore;
  /** loads each campaign's pinned flow version */
  flows: FlowRegistry;
  /** 8x8 (a VoiceApiClient with maxRetries 0: a 429 is handled here, for the whole campaign) */
  api: CallSender;
  logger: Logger;
  metrics?: Metrics;
  now: () => Date;
  /** for logs: which dispatcher did what */
  id?: string;
  options?: Partial<DispatcherOptions>;
  sessionTtlSeconds?: number;
}

/** What one tick did, summed over the running campaigns. */
export interface TickReport {
  campaigns: number;
  /** calls 8x8 accepted */
  dialled: number;
  /** claims lost to another dispatcher */
  lost: number;
  /** attempts settled by this dispatcher (refused by 8x8, expired claims, overdue summaries) */
  settled: number;
  rateLimited: number;
  /** campaigns outside their calling window */
  closed: number;
  completed: number;
  stalled: number;
}

type DialResult = "dialled" | "lost" | "full" | "settled" | "rate-limited" | "paused";

function emptyReport(): TickReport {
  return { campaigns: 0, dialled: 0, lost: 0, settled: 0, rateLimited: 0, closed: 0, completed: 0, stalled: 0 };
}

export class Dispatcher {
  readonly id: string;
  /** everything this dispatcher did since it was created, summed over its ticks */
  readonly totals: TickReport = emptyReport();
  private readonly options: DispatcherOptions;
  /** per campaign: consecutive ticks that met a 429 (for the backoff), last reap, last audit */
  private readonly rateLimits = new Map<string, number>();
  private readonly reapedAt = new Map<string, number>();
  private readonly auditedAt = new Map<string, number>();
  private listed: { at: number; ids: string[] } | undefined;

  constructor(private readonly deps: DispatcherDeps) {
    this.id = deps.id ?? randomUUID().slice(0, 8);
    this.options = { ...DEFAULT_DISPATCHER_OPTIONS, ...deps.options };
  }

  private nowMs(): number {
    return this.deps.now().getTime();
  }

  /** One pass over every running campaign. */
  async tick(): Promise<TickReport> {
    const report = emptyReport();
    const campaigns = await this.runningCampaigns();
    report.campaigns = campaigns.length;
    for (const campaign of campaigns) {
      try {
        await this.campaignTick(campaign, report);
      } catch (error) {
        this.deps.logger.error("Campaign dispatch failed; trying again next tick", {
          campaignId: campaign.campaignId,
          dispatcher: this.id,
          ...errorFields(error),
        });
      }
    }
    for (const key of Object.keys(report) as (keyof TickReport)[]) this.totals[key] += report[key];
    return report;
  }

  /**
   * The running campaigns, each read now (its pacer is decided on it); which campaigns are running is asked of the
   * index at most every `listEveryMs` (a campaign started meanwhile waits that long for its first call).
   */
  private async runningCampaigns(): Promise<Campaign[]> {
    const { store } = this.deps;
    const now = Date.now();
    if (!this.listed || now - this.listed.at >= this.options.listEveryMs) {
      const campaigns = await store.list("running");
      this.listed = { at: now, ids: campaigns.map((c) => c.campaignId) };
      return campaigns;
    }
    const campaigns = await Promise.all(this.listed.ids.map((id) => store.get(id)));
    return campaigns.filter((c): c is Campaign => c?.status === "running");
  }

  /**
   * Tick until `until` (epoch ms, real clock) or the signal aborts, one tick every `tickMs` at most. Calls in flight
   * when it stops are finished first (never left half-dialled). Returns what this run did: the growth of `totals`
   * while it ran.
   */
  async run(options: { until?: number; signal?: AbortSignal; tickMs?: number } = {}): Promise<TickReport> {
    const before = { ...this.totals };
    const tickMs = options.tickMs ?? 250;
    while (!options.signal?.aborted && (options.until === undefined || Date.now() < options.until)) {
      const started = Date.now();
      try {
        await this.tick();
      } catch (error) {
        this.deps.logger.error("Dispatcher tick failed", { dispatcher: this.id, ...errorFields(error) });
      }
      const wait = tickMs - (Date.now() - started);
      if (wait > 0) await sleep(wait, options.signal);
    }
    const run = emptyReport();
    for (const key of Object.keys(run) as (keyof TickReport)[]) run[key] = this.totals[key] - before[key];
    return run;
  }

  private async campaignTick(campaign: Campaign, report: TickReport): Promise<void> {
    const { store } = this.deps;
    const now = this.nowMs();
    await this.reap(campaign, now, report);
    if (campaign.backoffUntil !== undefined && campaign.backoffUntil > now) return;
    if (!isOpen(campaign.window, new Date(now))) {
      report.closed++;
      return;
    }
    const capacity = Math.min(capacityOf(campaign, now), this.options.maxPerTick);
    if (capacity === 0) {
      await this.whenFull(campaign, now, report);
      return;
    }
    const due = await store.due(campaign.campaignId, "pending", now, capacity);
    if (due.length === 0) {
      if (await this.completeIfDone(campaign, now)) report.completed++;
      return;
    }
    const machine = await this.deps.flows.get(campaign.flow, campaign.version);
    if (!machine) {
      await this.pause(campaign, `flow ${campaign.flow} version ${campaign.version} is not in the flowVersions table`);
      return;
    }
    const tokens = await store.takeTokens(campaign, due.length, now);
    if (tokens === 0) return;
    // Two dispatchers read the same head of the index: start at a random place in it to collide less.
    const offset = Math.floor(Math.random() * due.length);
    const chosen = [...due.slice(offset), ...due.slice(0, offset)].slice(0, tokens);
    let stop = false;
    const results = await mapLimit(chosen, this.options.concurrency, async (key) => {
      if (stop) return "lost" as const;
      const result = await this.dialOne(campaign, machine, key);
      if (result === "rate-limited" || result === "paused" || result === "full") stop = true;
      return result;
    });
    const used = results.filter((r) => r === "dialled" || r === "settled").length;
    await store.refundTokens(campaign.campaignId, tokens - used);
    for (const result of results) {
      if (result === "dialled") report.dialled++;
      else if (result === "lost") report.lost++;
      else if (result === "settled") report.settled++;
      else if (result === "rate-limited") report.rateLimited++;
    }
    const dialled = results.filter((r) => r === "dialled").length;
    if (results.includes("rate-limited")) {
      this.rateLimits.set(campaign.campaignId, (this.rateLimits.get(campaign.campaignId) ?? 0) + 1);
    } else if (dialled > 0) this.rateLimits.delete(campaign.campaignId);
    if (dialled > 0 && this.deps.metrics)
      countMetric(this.deps.metrics, MetricName.CampaignDials, campaign.flow, dialled);
  }

  /** Claim one contact, count it in progress, and place its call; any failure settles or gives back the claim. */
  private async dialOne(campaign: Campaign, machine: CompiledMachine, key: ContactKey): Promise<DialResult> {
    const { store } = this.deps;
    const now = this.nowMs();
    const contact = await store.claim(
      campaign.campaignId,
      key.contactId,
      now,
      now + this.options.leaseMs,
      randomUUID(),
    );
    if (!contact) return "lost";
    const member = memberOf(contact.contactId, contact.attempts);
    if (!(await store.addActive(campaign.campaignId, member, campaign.pace.maxInProgress, now))) {
      // Full, or paused/stopped since this tick began: the contact waits, its attempt unused.
      await store.release(contact, now, now);
      return "full";
    }
    const ref: ContactRef = {
      campaignId: campaign.campaignId,
      contactId: contact.contactId,
      attempt: contact.attempts,
      retry: campaign.retry,
    };
    try {
      const placed = await placeOutboundCall(
        {
          api: this.deps.api,
          sessions: this.deps.sessions,
          ...(this.deps.metrics !== undefined && { metrics: this.deps.metrics }),
          ...(this.deps.sessionTtlSeconds !== undefined && { sessionTtlSeconds: this.deps.sessionTtlSeconds }),
        },
        {
          machine,
          from: campaign.from,
          to: contact.to,
          inputs: { ...contact.inputs, ...contact.secretInputs },
          contact: ref,
          now: new Date(now),
          validUntil: new Date(now + this.options.validForMs),
        },
      );
      const at = this.nowMs();
      await store.markCalling(contact, placed.sessionId, at + this.options.callTimeoutMs, at);
      return "dialled";
    } catch (error) {
      return this.dialFailed(campaign, contact, ref, error);
    }
  }

  private async dialFailed(campaign: Campaign, contact: Contact, ref: ContactRef, error: unknown): Promise<DialResult> {
    const { store, logger } = this.deps;
    const now = this.nowMs();
    const member = memberOf(contact.contactId, ref.attempt);
    const where = { campaignId: campaign.campaignId, contactId: contact.contactId, attempt: ref.attempt };
    if (error instanceof VoiceApiError) {
      switch (error.kind) {
        case "rate-limited": {
          // A refused request placed no call: the attempt is given back, and the campaign waits, longer after each
          // tick that met a 429 (the streak), never less than 8x8's Retry-After.
          const streak = this.rateLimits.get(campaign.campaignId) ?? 0;
          const exponential = Math.min(this.options.backoffMaxMs, this.options.backoffBaseMs * 2 ** streak);
          const wait = Math.max(error.details.retryAfterMs ?? 0, exponential * (0.5 + Math.random() / 2));
          await store.release(contact, now + wait, now);
          await store.removeActive(campaign.campaignId, member, now);
          await store.backOff(campaign.campaignId, now + wait);
          if (this.deps.metrics) countMetric(this.deps.metrics, MetricName.CampaignRateLimited, campaign.flow);
          logger.warn("8x8 rate-limited the campaign; backing off", { ...where, waitMs: Math.round(wait) });
          return "rate-limited";
        }
        case "unauthorized":
        case "forbidden":
        case "not-found":
        case "bad-request":
        case "invalid":
        case "rejected": {
          if (refusesThisContact(error)) {
            await settleAttempt(store, ref, { kind: "rejected", error: error.message }, now);
            logger.warn("8x8 refused a campaign call; the contact will not be retried", { ...where, kind: error.kind });
            return "settled";
          }
          // Nothing about this contact: the account, caller id or flow is wrong, and every call would fail alike.
          // Pausing keeps the contacts' attempts for when it is fixed (`ivr campaign resume`).
          await store.release(contact, now, now);
          await store.removeActive(campaign.campaignId, member, now);
          await this.pause(campaign, error.message);
          return "paused";
        }
        default:
          await settleAttempt(store, ref, { kind: "dial-error", error: error.message }, now);
          logger.warn("Campaign call may not have been placed; retrying it later", { ...where, kind: error.kind });
          return "settled";
      }
    }
    // Our own side failed (e.g. storing the session after 8x8 accepted): whoever answered heard the apology.
    logger.error("Campaign call failed on our side", { ...where, ...errorFields(error) });
    await settleAttempt(store, ref, { kind: "dial-error", error: errorMessage(error) }, now);
    return "settled";
  }

  /**
   * Claims whose lease ran out (a dispatcher stopped mid-dial) and calls whose summary is overdue are settled, a few
   * per tick. Both are rare; looking costs two small index queries every few seconds per campaign.
   */
  private async reap(campaign: Campaign, now: number, report: TickReport): Promise<void> {
    if (now - (this.reapedAt.get(campaign.campaignId) ?? 0) < this.options.reapEveryMs) return;
    this.reapedAt.set(campaign.campaignId, now);
    const { store } = this.deps;
    for (const [status, end] of [
      ["dialing", { kind: "interrupted" }],
      ["calling", { kind: "no-summary" }],
    ] as const) {
      const keys = await store.due(campaign.campaignId, status, now, 25);
      if (keys.length === 0) continue;
      const contacts = await store.getContacts(
        campaign.campaignId,
        keys.map((k) => k.contactId),
      );
      for (const contact of contacts) {
        if (contact.status !== status || contact.dueAt > now) continue; // moved on since the index was read
        const ref = {
          campaignId: campaign.campaignId,
          contactId: contact.contactId,
          attempt: contact.attempts,
          retry: campaign.retry,
        };
        const settled = await settleAttempt(store, ref, end, now, contact.sessionId);
        if (settled) {
          report.settled++;
          this.deps.logger.warn(
            status === "dialing"
              ? "A claim expired mid-dial; its attempt is settled"
              : "No session summary came in time",
            {
              campaignId: campaign.campaignId,
              contactId: contact.contactId,
              attempt: contact.attempts,
              next: settled.kind,
            },
          );
        }
      }
    }
  }

  /**
   * No free slot. Normally calls in progress are just long; but a writer that stopped between settling an attempt and
   * freeing its slot leaves a member behind, so a full campaign without progress gets its members checked.
   */
  private async whenFull(campaign: Campaign, now: number, report: TickReport): Promise<void> {
    const idle = now - campaign.lastProgressAt;
    if (campaign.active.length >= campaign.pace.maxInProgress && idle > this.options.auditAfterMs) {
      if (now - (this.auditedAt.get(campaign.campaignId) ?? 0) > this.options.auditAfterMs) {
        this.auditedAt.set(campaign.campaignId, now);
        await this.audit(campaign);
      }
    }
    if (idle > this.options.stallAfterMs) {
      const waiting = await this.deps.store.due(campaign.campaignId, "pending", now, 1);
      if (waiting.length > 0) {
        report.stalled++;
        if (this.deps.metrics) countMetric(this.deps.metrics, MetricName.CampaignsStalled, campaign.flow);
        this.deps.logger.warn("Campaign stalled: contacts are due but no call started", {
          campaignId: campaign.campaignId,
          inProgress: campaign.active.length,
          idleMs: idle,
        });
      }
    }
  }

  private async audit(campaign: Campaign): Promise<void> {
    const members = campaign.active.map((m) => ({ member: m, parsed: parseMember(m) }));
    const ids = [...new Set(members.flatMap((m) => (m.parsed ? [m.parsed.contactId] : [])))];
    const contacts = new Map(
      (await this.deps.store.getContacts(campaign.campaignId, ids)).map((c) => [c.contactId, c]),
    );
    for (const { member, parsed } of members) {
      const contact = parsed && contacts.get(parsed.contactId);
      const live =
        contact &&
        contact.attempts === parsed.attempt &&
        (contact.status === "dialing" || contact.status === "calling");
      if (!live && (await this.deps.store.removeStaleMember(campaign.campaignId, member))) {
        this.deps.logger.warn("Removed a leftover call-in-progress entry", { campaignId: campaign.campaignId, member });
      }
    }
  }

  /**
   * Nothing due, nothing in progress: the index says whether anything is left at all, and a strongly consistent
   * read of the contacts has the last word (the index may lag a retry just written).
   */
  private async completeIfDone(campaign: Campaign, now: number): Promise<boolean> {
    if (campaign.active.length > 0) return false;
    const { store } = this.deps;
    for (const status of ["pending", "dialing", "calling"] as const) {
      if ((await store.due(campaign.campaignId, status, Number.MAX_SAFE_INTEGER, 1)).length > 0) return false;
    }
    if (await store.hasUnfinished(campaign.campaignId)) return false;
    const done = await store.setStatus(campaign.campaignId, ["running"], "completed", now);
    if (done) this.deps.logger.info("Campaign completed", { campaignId: campaign.campaignId, flow: campaign.flow });
    return done !== undefined;
  }

  private async pause(campaign: Campaign, reason: string): Promise<void> {
    const paused = await this.deps.store.setStatus(campaign.campaignId, ["running"], "paused", this.nowMs(), reason);
    if (paused) this.deps.logger.error("Campaign paused", { campaignId: campaign.campaignId, reason });
  }
}

/**
 * 8x8 status codes that are about the contact, not the campaign: -1017 invalid destination, -1011 more than one
 * destination, -1016 characters 8x8 refuses (a contact's input spoken in a prompt). Any other refusal (caller id not
 * allowed -1014, an invalid callflow, a bad API key) would refuse every contact alike.
 */
const CONTACT_REFUSALS = new Set([-1017, -1011, -1016]);

function refusesThisContact(error: VoiceApiError): boolean {
  return CONTACT_REFUSALS.has(Number(error.details.statusCode));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
