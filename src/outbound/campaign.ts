/**
 * Outbound campaigns: the model (a campaign and its contacts as stored), and the pure decisions taken on them: what
 * an attempt's end means for the contact (retry later, or a final outcome), and the pace's token bucket.
 *
 * Lifecycle of a contact (its `status`):
 *
 *   pending --claim--> dialing --8x8 accepted--> calling --session summary--> pending (retry) | done
 *                         |                                                     ^
 *                         +--refused by 8x8, lease expired (crash)--------------+
 *
 * Every move is a conditional write on the contact; `attempts` counts the claims, so a late or repeated report
 * about attempt k can never move attempt k+1.
 */
import type { WeeklySchedule } from "../engine/hours.js";

export type CampaignStatus = "running" | "paused" | "stopped" | "completed";
export type ContactStatus = "pending" | "dialing" | "calling" | "done";

/**
 * How a contact ended. A call that connected ends as the flow saw it (src/analytics/outcome.ts): completed (the flow
 * hung up; `result` says how), transferred, abandoned (the callee hung up first), failed (our side failed: the
 * callee heard the apology). One that did not, as 8x8's summary says.
 */
export type Outcome =
  | "completed"
  | "transferred"
  | "abandoned"
  /** the call failed: the network could not complete it (8x8 FAILED), or it connected and our side failed */
  | "failed"
  | "no-answer"
  | "busy"
  | "canceled"
  /** 8x8 reported an error (e.g. caller id not allowed, our VCA webhook failing) */
  | "error"
  /** 8x8 refused the Send Callflow request for this contact (e.g. an invalid destination): never retried */
  | "rejected"
  /** nobody knows whether the call took place: its dispatcher stopped mid-dial, or no summary ever came */
  | "unknown";

/** 8x8 session statuses a campaign may retry on (VSS `sessionStatus`). */
export const RETRYABLE_STATUSES = ["NO_ANSWER", "BUSY", "FAILED", "CANCELED", "ERROR"] as const;
export const DEFAULT_RETRY_ON = ["NO_ANSWER", "BUSY", "FAILED"];

/** The calling window: weekly local hours and closed dates, the same shape as a flow's `hours` state. */
export type CallingWindow = WeeklySchedule;

export interface Pace {
  /** new calls per second, across every dispatcher */
  callsPerSecond: number;
  /** calls placed and not yet summarised, at most */
  maxInProgress: number;
}

export interface RetryPolicy {
  /** calls per contact at most, the first included */
  attempts: number;
  /** wait between the end of an attempt and the next */
  delaySeconds: number;
  /** VSS statuses that earn another attempt (8x8's NO_ANSWER, BUSY, FAILED, ...) */
  on: string[];
}

export interface Campaign {
  campaignId: string;
  name?: string;
  flow: string;
  /** the flow version every call of the campaign runs */
  version: string;
  /** caller id */
  from: string;
  status: CampaignStatus;
  /** why the campaign paused itself (e.g. 8x8 refused the API key) */
  pausedReason?: string;
  window: CallingWindow;
  pace: Pace;
  retry: RetryPolicy;
  /** how many contacts were loaded */
  contacts: number;
  createdAt: string;
  updatedAt: string;
  completedAt?: string;
  // --- the pacer, updated conditionally by every dispatcher ---
  /** token bucket: tokens left at `refilledAt` (epoch ms); refills at callsPerSecond up to `burst` */
  tokens: number;
  refilledAt: number;
  /** one member per call in progress, "<contactId>#<attempt>" (a set: removing one twice is harmless) */
  active: string[];
  /** epoch ms: no dispatcher sends a call before this (8x8 answered 429) */
  backoffUntil?: number;
  /** epoch ms of the last dial or settled attempt, for the stall alarm */
  lastProgressAt: number;
  /** epoch seconds (DynamoDB TTL) */
  expiresAt: number;
}

/** One attempt as the results keep it. */
export interface AttemptRecord {
  attempt: number;
  /** ISO time the attempt ended */
  at: string;
  /** 8x8's session status, or what the dispatcher saw (REJECTED, DIAL_ERROR, INTERRUPTED, NO_SUMMARY) */
  status: string;
  sessionId?: string;
  error?: string;
}

export interface Contact {
  campaignId: string;
  /** zero-padded row number in the contacts file: results come back in file order */
  contactId: string;
  /** line in the contacts file (for messages) */
  line: number;
  to: string;
  /** the flow's inputs for this contact (non-sensitive ones; kept for the results) */
  inputs: Record<string, string>;
  /** sensitive inputs: removed as soon as the contact is done */
  secretInputs?: Record<string, string>;
  status: ContactStatus;
  /** epoch ms: pending: may be dialled from; dialing: the claim's lease ends; calling: the summary is overdue;
   * done: when it finished */
  dueAt: number;
  /** calls started (claims), the current one included */
  attempts: number;
  /** the claim holding a dialing contact */
  claimId?: string;
  /** the 8x8 session of the latest attempt */
  sessionId?: string;
  outcome?: Outcome;
  /** the flow's result label for the final call (e.g. "confirmed") */
  result?: string;
  lastError?: string;
  history: AttemptRecord[];
  updatedAt: string;
  expiresAt: number;
}

/** The active-set member of one attempt. */
export function memberOf(contactId: string, attempt: number): string {
  return `${contactId}#${attempt}`;
}

export function parseMember(member: string): { contactId: string; attempt: number } | undefined {
  const hash = member.lastIndexOf("#");
  const attempt = Number(member.slice(hash + 1));
  return hash > 0 && Number.isInteger(attempt) ? { contactId: member.slice(0, hash), attempt } : undefined;
}

/** What ended an attempt: 8x8's session status, or one of the dispatcher's own. */
export type AttemptEnd =
  /** 8x8's summary; `answered`: how the flow saw a call that connected */
  | {
      kind: "summary";
      sessionStatus: string;
      answered?: "completed" | "transferred" | "abandoned" | "failed";
      result?: string;
    }
  /** 8x8 refused the request for this contact (4xx): the number or request is wrong, a retry would be too */
  | { kind: "rejected"; error: string }
  /** 8x8 answered 5xx, timed out or the network failed: the call may or may not have been placed */
  | { kind: "dial-error"; error: string }
  /** the claim's lease ran out (its dispatcher stopped between claiming and recording 8x8's answer) */
  | { kind: "interrupted" }
  /** 8x8 accepted the call but no session summary came in time */
  | { kind: "no-summary" };

export type NextStep =
  | { kind: "retry"; dueAt: number; status: string; error?: string }
  | { kind: "final"; outcome: Outcome; status: string; result?: string; error?: string };

const OUTCOME_OF_STATUS: Record<string, Outcome> = {
  COMPLETED: "completed",
  NO_ANSWER: "no-answer",
  BUSY: "busy",
  FAILED: "failed",
  CANCELED: "canceled",
  ERROR: "error",
};

/** 8x8's sessionStatus as an outcome (Voice Messaging's COMPLETED_* variants count as completed). */
export function outcomeOfStatus(sessionStatus: string): Outcome {
  const known = OUTCOME_OF_STATUS[sessionStatus];
  if (known) return known;
  return sessionStatus.startsWith("COMPLETED") ? "completed" : "error";
}

/**
 * After attempt `attempt` ended: another attempt `retry.delaySeconds` later, or the contact's final outcome.
 * A retry never goes past `retry.attempts`. A call that may have been placed without our knowing its end (a lost
 * summary) is not retried: ringing someone again who already answered is worse than one missing result.
 */
export function nextAfterAttempt(retry: RetryPolicy, attempt: number, end: AttemptEnd, now: number): NextStep {
  const left = attempt < retry.attempts;
  const again = (status: string, error?: string): NextStep => ({
    kind: "retry",
    dueAt: now + retry.delaySeconds * 1000,
    status,
    ...(error !== undefined && { error }),
  });
  switch (end.kind) {
    case "summary": {
      const byStatus = outcomeOfStatus(end.sessionStatus);
      const outcome = end.answered ?? byStatus;
      const error = byStatus === "completed" ? undefined : `8x8 session ${end.sessionStatus}`;
      if (byStatus !== "completed" && left && retry.on.includes(end.sessionStatus)) {
        return again(end.sessionStatus, error);
      }
      return {
        kind: "final",
        outcome,
        status: end.sessionStatus,
        ...(end.result !== undefined && { result: end.result }),
        ...(error !== undefined && { error }),
      };
    }
    case "rejected":
      return { kind: "final", outcome: "rejected", status: "REJECTED", error: end.error };
    case "dial-error":
      return left
        ? again("DIAL_ERROR", end.error)
        : { kind: "final", outcome: "unknown", status: "DIAL_ERROR", error: end.error };
    case "interrupted": {
      const error = "the dispatcher stopped while dialling; 8x8 may or may not have placed the call";
      return left ? again("INTERRUPTED", error) : { kind: "final", outcome: "unknown", status: "INTERRUPTED", error };
    }
    case "no-summary":
      return {
        kind: "final",
        outcome: "unknown",
        status: "NO_SUMMARY",
        error: "8x8 accepted the call but sent no session summary in time",
      };
  }
}

/** A bucket holds at most one second of calls (at least one): the pace allows `burst + rate * t` calls in any t. */
export function burstOf(pace: Pace): number {
  return Math.max(1, pace.callsPerSecond);
}

/** Tokens in the bucket at `now` (a clock behind `refilledAt` refills nothing). */
export function tokensAt(campaign: Pick<Campaign, "tokens" | "refilledAt" | "pace">, now: number): number {
  const elapsed = Math.max(0, now - campaign.refilledAt);
  return Math.min(burstOf(campaign.pace), campaign.tokens + (elapsed / 1000) * campaign.pace.callsPerSecond);
}

/** Calls a dispatcher may start now: within the pace's tokens and the free in-progress slots. */
export function capacityOf(campaign: Campaign, now: number): number {
  const slots = campaign.pace.maxInProgress - campaign.active.length;
  return Math.max(0, Math.min(slots, Math.floor(tokensAt(campaign, now) + 1e-9)));
}
