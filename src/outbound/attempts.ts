/**
 * The end of one attempt, wherever it is learnt: the session summary (VSS), 8x8 refusing the request, a claim
 * whose lease ran out, a summary that never came. One function for all, so every path decides alike, frees the
 * attempt's in-progress slot, and a repeat (a redelivered summary) changes nothing.
 */
import type { CallOutcome } from "../analytics/outcome.js";
import type { ContactRef } from "../engine/session.js";
import { type AttemptEnd, type AttemptRecord, memberOf, type NextStep, nextAfterAttempt } from "./campaign.js";
import type { CampaignStore } from "./campaign-store.js";

/** What the VSS handler tells a campaign about a call that carried a ContactRef. */
export interface CampaignCallRecorder {
  callEnded(contact: ContactRef, call: EndedCall, now: Date): Promise<NextStep | undefined>;
}

export interface EndedCall {
  sessionId: string;
  /** 8x8's sessionStatus: what retries are decided on */
  sessionStatus: string;
  /** how the call ended for the flow (src/analytics/outcome.ts), with its result label */
  outcome?: Pick<CallOutcome, "kind" | "result"> | undefined;
}

/**
 * Settle attempt `ref.attempt`: the contact goes back to pending (a retry) or is done, if it is still in that
 * attempt. The attempt's slot is freed either way: if the contact has moved on, the attempt is over too, and
 * freeing a slot twice is harmless. Returns the step taken, undefined when the attempt was settled before.
 */
export async function settleAttempt(
  store: CampaignStore,
  ref: ContactRef,
  end: AttemptEnd,
  now: number,
  sessionId?: string,
): Promise<NextStep | undefined> {
  const next = nextAfterAttempt(ref.retry, ref.attempt, end, now);
  const record: AttemptRecord = {
    attempt: ref.attempt,
    at: new Date(now).toISOString(),
    status: next.status,
    ...(sessionId !== undefined && { sessionId }),
    ...(next.error !== undefined && { error: next.error }),
  };
  const { campaignId, contactId, attempt } = ref;
  const settled = await store.settle({ campaignId, contactId, attempt, next, record, now });
  await store.removeActive(ref.campaignId, memberOf(ref.contactId, ref.attempt), now);
  return settled ? next : undefined;
}

/** The VSS side: a campaign call's summary settles its attempt. */
export function campaignCallRecorder(store: CampaignStore): CampaignCallRecorder {
  return {
    callEnded: (contact, call, now) =>
      settleAttempt(
        store,
        contact,
        {
          kind: "summary",
          sessionStatus: call.sessionStatus,
          ...(call.outcome && call.outcome.kind !== "unreached" && { answered: call.outcome.kind }),
          ...(call.outcome?.result !== undefined && { result: call.outcome.result }),
        },
        now.getTime(),
        call.sessionId,
      ),
  };
}
