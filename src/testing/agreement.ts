/**
 * Does what we stored agree with what the caller heard? The check behind issue #10's trial (a store paused
 * mid-call, then resumed) and `npm run chaos`: after any fault, the stored session and summary must say what the
 * caller actually heard, whatever landed late.
 */
import type { VcaAnswer } from "../engine/callflow.js";
import { canonicalJson } from "../engine/canonical-json.js";
import type { SessionRecord, SummaryRecord } from "../store/ports.js";

/** A fallback answer: the apology or the flow's onError (error:<turn>). */
export function isFallbackAnswer(answer: VcaAnswer): boolean {
  return answer.clientActionId.startsWith("error:");
}

/**
 * Why `record` (and `summary`, when given) disagree with the last answer the caller heard; empty when they agree.
 * A caller who heard the fallback must find the session marked (contract 4), over, with that very answer stored; a
 * caller who heard a prompt must find the session waiting on it, unmarked. A call that was never stored at all (it
 * heard the apology on its first event) contradicts nothing.
 */
export function disagreements(heard: VcaAnswer, record: SessionRecord | undefined, summary?: SummaryRecord): string[] {
  const why: string[] = [];
  const fellBack = isFallbackAnswer(heard);
  if (!record) {
    if (!fellBack) why.push("the caller heard a prompt but no session is stored");
    if (summary?.finalState !== undefined) why.push("the summary describes a session that is not stored");
    return why;
  }
  const stored = record.lastAnswer === undefined ? undefined : (JSON.parse(record.lastAnswer) as VcaAnswer);
  if (canonicalJson(stored) !== canonicalJson(heard)) {
    why.push(`the stored answer is ${stored?.clientActionId ?? "none"}, the caller heard ${heard.clientActionId}`);
  }
  if (fellBack && !record.fallback) why.push("the caller heard the fallback but the session has no fallback marker");
  if (fellBack && record.session.status !== "ended") why.push("the caller heard the fallback but the session goes on");
  if (!fellBack && record.fallback) why.push("the session has a fallback marker but the caller heard a prompt");
  if (summary) {
    if (summary.finalState !== record.session.state) {
      why.push(`the summary ends in ${summary.finalState}, the session in ${record.session.state}`);
    }
    if (fellBack !== (summary.fallback !== undefined)) {
      why.push(`the summary ${fellBack ? "lacks" : "has"} the fallback marker`);
    }
  }
  return why;
}
