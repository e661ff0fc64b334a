/** How a SessionRecord is laid out as a DynamoDB item, shared by the DynamoDB and in-memory adapters. */
import { canonicalJson } from "../engine/canonical-json.js";
import type { Session } from "../engine/session.js";
import { MASK } from "../observability/masking.js";
import type { FallbackMarker, SessionRecord } from "./ports.js";
import { decodeTransitions, encodeTransitions } from "./transitions-codec.js";
import type { SealedVars, VarVault } from "./var-encryption.js";

/** The stored item: the record plus its key. Optional fields that are undefined are left out. */
export function sessionItem(record: SessionRecord): Record<string, unknown> {
  return {
    sessionId: record.session.sessionId,
    session: sessionAttribute(record.session),
    rev: record.rev,
    expiresAt: record.expiresAt,
    ...(record.lastEventId !== undefined ? { lastEventId: record.lastEventId } : {}),
    ...(record.lastAnswer !== undefined ? { lastAnswer: record.lastAnswer } : {}),
    ...(record.endedAt !== undefined ? { endedAt: record.endedAt } : {}),
    ...(record.fallback !== undefined ? { fallback: record.fallback } : {}),
    ...(record.claim !== undefined ? { claim: record.claim } : {}),
  };
}

/** The `session` attribute: the session with its transitions as text (src/store/transitions-codec.ts), a third of
 * the bytes of a list of maps. Every writer of the attribute uses it (the fallback marker too). */
export function sessionAttribute(session: Session): Record<string, unknown> {
  return { ...session, transitions: encodeTransitions(session.transitions ?? []) };
}

/**
 * The record an item stands for. A fallback marker is final: a session carrying one is over, whatever else landed
 * in the item (a marker written when the session could not be read marks it without rewriting it).
 */
export function sessionRecordFromItem(item: Record<string, unknown>): SessionRecord {
  const fallback = item.fallback as FallbackMarker | undefined;
  const stored = item.session as Omit<Session, "transitions"> & { transitions?: unknown };
  let session: Session = {
    ...stored,
    // Items stored before transitions were kept have none.
    transitions: typeof stored.transitions === "string" ? decodeTransitions(stored.transitions) : [],
  };
  if (fallback && session.status !== "ended") session = { ...session, status: "ended" };
  const record: SessionRecord = {
    session,
    rev: item.rev as number,
    expiresAt: item.expiresAt as number,
  };
  if (item.lastEventId !== undefined) record.lastEventId = item.lastEventId as string;
  if (item.lastAnswer !== undefined) record.lastAnswer = answerText(item.lastAnswer);
  if (item.endedAt !== undefined) record.endedAt = item.endedAt as string;
  if (fallback !== undefined) record.fallback = fallback;
  if (item.claim !== undefined) record.claim = item.claim as SessionRecord["claim"];
  const sealed = item.sealed as SealedVars | undefined;
  if (sealed) {
    // Still sealed (a reader without the key, e.g. the VSS, which only ever shows them masked): masked.
    const names = Object.keys(sealed.vars);
    for (const name of names) session.vars[name] = MASK;
    record.sensitive = names;
  }
  return record;
}

/** The item with `record.sensitive` variables encrypted (VarVault), when there is a vault and something to seal. */
export async function sealedSessionItem(
  record: SessionRecord,
  vault: VarVault | undefined,
  names: readonly string[] | undefined = record.sensitive,
): Promise<Record<string, unknown>> {
  const item = sessionItem(record);
  if (!vault || !names || names.length === 0) return item;
  const { vars, sealed } = await vault.seal(record.session.sessionId, record.session.vars, names);
  if (!sealed) return item;
  return { ...item, session: { ...(item.session as Record<string, unknown>), vars }, sealed };
}

/** The record of an item whose sealed variables are opened (when there is a vault); see sessionRecordFromItem. */
export async function openedSessionRecord(
  item: Record<string, unknown>,
  vault: VarVault | undefined,
): Promise<SessionRecord> {
  const sealed = item.sealed as SealedVars | undefined;
  if (!sealed || !vault) return sessionRecordFromItem(item);
  const { sealed: _opened, ...rest } = item;
  const stored = item.session as Session;
  const vars = { ...stored.vars, ...(await vault.open(stored.sessionId, sealed)) };
  const record = sessionRecordFromItem({ ...rest, session: { ...stored, vars } });
  record.sensitive = Object.keys(sealed.vars);
  return record;
}

/**
 * The stored answer as the text that was sent. Items written before answers were stored as text hold a map, and
 * were answered with canonical JSON (keys sorted): a redelivery for such a call, in flight across the deploy, gets
 * those very bytes again.
 */
function answerText(stored: unknown): string {
  return typeof stored === "string" ? stored : canonicalJson(stored);
}
