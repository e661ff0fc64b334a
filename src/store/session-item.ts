/** How a SessionRecord is laid out as a DynamoDB item, shared by the DynamoDB and in-memory adapters. */
import type { SessionRecord } from "./ports.js";

/** The stored item: the record plus its key. Optional fields that are undefined are left out. */
export function sessionItem(record: SessionRecord): Record<string, unknown> {
  return {
    sessionId: record.session.sessionId,
    session: record.session,
    rev: record.rev,
    expiresAt: record.expiresAt,
    ...(record.lastEventId !== undefined ? { lastEventId: record.lastEventId } : {}),
    ...(record.lastAnswer !== undefined ? { lastAnswer: record.lastAnswer } : {}),
    ...(record.endedAt !== undefined ? { endedAt: record.endedAt } : {}),
    ...(record.fallback !== undefined ? { fallback: record.fallback } : {}),
  };
}

export function sessionRecordFromItem(item: Record<string, unknown>): SessionRecord {
  const session = item.session as SessionRecord["session"];
  // Items stored before transitions were kept have none.
  if (session && session.transitions === undefined) session.transitions = [];
  const record: SessionRecord = {
    session,
    rev: item.rev as number,
    expiresAt: item.expiresAt as number,
  };
  if (item.lastEventId !== undefined) record.lastEventId = item.lastEventId as string;
  if (item.lastAnswer !== undefined) record.lastAnswer = item.lastAnswer as SessionRecord["lastAnswer"];
  if (item.endedAt !== undefined) record.endedAt = item.endedAt as string;
  if (item.fallback !== undefined) record.fallback = item.fallback as SessionRecord["fallback"];
  return record;
}
