/**
 * The campaign store port: what campaigns, the dispatcher and the session summary need from storage. Every move of
 * a contact and every change of the pacer is one conditional write, so any number of dispatchers (and summaries
 * arriving concurrently) can share it. Adapter: src/outbound/dynamodb-campaign-store.ts.
 */
import type { AttemptRecord, Campaign, CampaignStatus, Contact, ContactStatus, NextStep, Outcome } from "./campaign.js";

export interface ContactKey {
  campaignId: string;
  contactId: string;
  dueAt: number;
}

/** The end of one attempt, as stored on its contact. */
export interface Settlement {
  campaignId: string;
  contactId: string;
  attempt: number;
  next: NextStep;
  record: AttemptRecord;
  now: number;
}

export interface StatusCounts {
  byStatus: Record<ContactStatus, number>;
  /** final outcomes of the contacts that are done */
  outcomes: Partial<Record<Outcome, number>>;
}

export interface CampaignStore {
  /** Store the contacts, then the campaign (a campaign is only seen once all its contacts are in). */
  create(campaign: Campaign, contacts: readonly Contact[]): Promise<void>;
  /** Strongly consistent: the pacer is decided on it. */
  get(campaignId: string): Promise<Campaign | undefined>;
  /** Campaigns in one status (index query, then consistent reads), oldest first. */
  list(status: CampaignStatus): Promise<Campaign[]>;
  /** Move to `to` if the campaign is in one of `from`; the campaign after the move, undefined when it was not. */
  setStatus(
    campaignId: string,
    from: readonly CampaignStatus[],
    to: CampaignStatus,
    now: number,
    reason?: string,
  ): Promise<Campaign | undefined>;

  // --- the pacer ---------------------------------------------------------------------------------------------
  /** Take up to `wanted` tokens (fewer when the bucket holds fewer); 0 when none or the campaign is not running. */
  takeTokens(campaign: Campaign, wanted: number, now: number): Promise<number>;
  /** Give back tokens taken for calls that were not placed after all. */
  refundTokens(campaignId: string, count: number): Promise<void>;
  /** Count a call in progress: false when the campaign is full (maxInProgress) or no longer running. */
  addActive(campaignId: string, member: string, maxInProgress: number, now: number): Promise<boolean>;
  /** The call is over (or was never placed); idempotent. */
  removeActive(campaignId: string, member: string, now: number): Promise<void>;
  /** No dispatcher sends a call of this campaign before `until` (8x8 rate-limited us). */
  backOff(campaignId: string, until: number): Promise<void>;
  /** Remove a member whose contact is no longer in that attempt (left by a writer that stopped half way). */
  removeStaleMember(campaignId: string, member: string): Promise<boolean>;

  // --- contacts ----------------------------------------------------------------------------------------------
  /** Contacts in `status` whose dueAt has come, earliest first (the index: eventually consistent). */
  due(campaignId: string, status: ContactStatus, now: number, limit: number): Promise<ContactKey[]>;
  /** pending with dueAt <= now -> dialing (attempts + 1, lease until `leaseUntil`); undefined when taken. */
  claim(
    campaignId: string,
    contactId: string,
    now: number,
    leaseUntil: number,
    claimId: string,
  ): Promise<Contact | undefined>;
  /** A claim given back without a call (the pacer said no, 8x8 answered 429): dialing -> pending, attempt undone. */
  release(contact: Contact, dueAt: number, now: number): Promise<boolean>;
  /** 8x8 accepted the call: dialing -> calling, with its session and the time its summary is overdue. */
  markCalling(contact: Contact, sessionId: string, deadline: number, now: number): Promise<boolean>;
  /** An attempt ended: to pending (retry) or done, only if the contact is still in that attempt. */
  settle(settlement: Settlement): Promise<boolean>;
  /** Strongly consistent reads of some contacts. */
  getContacts(campaignId: string, contactIds: readonly string[]): Promise<Contact[]>;
  /** Every contact of a campaign, in file order, page by page. */
  contacts(campaignId: string): AsyncIterable<Contact>;
  /** Counts per status and outcome, from the index. */
  counts(campaignId: string): Promise<StatusCounts>;
  /** Is any contact not done? Strongly consistent (the last word before a campaign is marked completed). */
  hasUnfinished(campaignId: string): Promise<boolean>;
}
