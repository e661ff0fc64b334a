/** How a SessionRecord is laid out as a DynamoDB item, shared by the DynamoDB and in-memory adapters. */
import type { SessionRecord } from "./ports.js";
import { decodeTransitions, encodeTransitions } from "./transitions-codec.js";

/** The stored item: the record plus its key. Optional fields that are undefined are left out. The session's
 * transitions are stored as text (src/store/transitions-codec.ts): a third of the bytes of a list of maps. */
export function sessionItem(record: SessionRecord): Record<string, unknown> {
  return {
    sessionId: record.session.sessionId,
    session: { ...record.session, transitions: encodeTransitions(record.session.transitions ?? []) },
    rev: record.rev,
    expiresAt: record.expiresAt,
    ...(record.lastEventId !== undefined ? { lastEventId: record.lastEventId } : {}),
    ...(record.lastAnswer !== undefined ? { lastAnswer: record.lastAnswer } : {}),
    ...(record.endedAt !== undefined ? { endedAt: record.endedAt } : {}),
    ...(record.fallback !== undefined ? { fallback: record.fallback } : {}),
    ...(record.claim !== undefined ? { claim: record.claim } : {}),
  };
}

export function sessionRecordFromItem(item: Record<string, unknown>): SessionRecord {
  const stored = item.session as Omit<SessionRecord["session"], "transitions"> & { transitions?: unknown };
  const session: SessionRecord["session"] = {
    ...stored,
    // Items stored before transitions were kept have none.
    transitions: typeof stored.transitions === "string" ? decodeTransitions(stored.transitions) : [],
  };
  const record: SessionRecord = {
    session,
    rev: item.rev as number,
    expiresAt: item.expiresAt as number,
  };
  if (item.lastEventId !== undefined) record.lastEventId = item.lastEventId as string;
  if (item.lastAnswer !== undefined) record.lastAnswer = item.lastAnswer as SessionRecord["lastAnswer"];
  if (item.endedAt !== undefined) record.endedAt = item.endedAt as string;
  if (item.fallback !== undefined) record.fallback = item.fallback as SessionRecord["fallback"];
  if (item.claim !== undefined) record.claim = item.claim as SessionRecord["claim"];
  return record;
}
