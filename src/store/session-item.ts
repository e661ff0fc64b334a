/**
 * How a SessionRecord is laid out as a DynamoDB item, shared by the DynamoDB and in-memory adapters.
 *
 * Every VCA event reads the whole item and writes it back, so it is kept cheap to handle: the session is one JSON
 * string (the document client marshals a string for free, where a map of maps and lists is a recursive walk on the
 * way in and out, in the Lambda and in DynamoDB alike), without what the item says elsewhere: its key is the
 * sessionId, and the built-in variables caller, called, sessionId and callId repeat the session's own fields (a flow
 * cannot assign them). The transitions are text (src/store/transitions-codec.ts), and the last answer is the JSON
 * text that was sent. Items written before (the session as a map, the answer as a map) are still read.
 */
import { canonicalJson } from "../engine/canonical-json.js";
import type { Session } from "../engine/session.js";
import { MASK } from "../observability/masking.js";
import type { FallbackMarker, SessionRecord } from "./ports.js";
import { decodeTransitions, encodeTransitions } from "./transitions-codec.js";
import type { SealedVars, VarVault } from "./var-encryption.js";

/** Built-in variables that repeat a field of the session: stored once, as the field. */
const REPEATED_VARS = ["caller", "called", "sessionId", "callId"] as const;

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

/** The `session` attribute: the session as JSON text, without what the item says elsewhere (see above). Every
 * writer of the attribute uses it (the fallback marker too). */
export function sessionAttribute(session: Session): string {
  const { sessionId: _key, transitions, vars, ...rest } = session;
  const own: Record<string, string> = { ...vars };
  // names the session has a field for but no variable (never so for a session the engine started): kept that way
  const unset: string[] = [];
  for (const name of REPEATED_VARS) {
    const field = session[name];
    if (field === undefined) continue;
    if (!(name in vars)) unset.push(name);
    else if (vars[name] === field) delete own[name];
  }
  return JSON.stringify({
    ...rest,
    vars: own,
    ...(unset.length > 0 && { unsetVars: unset }),
    transitions: encodeTransitions(transitions ?? []),
  });
}

/**
 * The record an item stands for. A fallback marker is final: a session carrying one is over, whatever else landed
 * in the item (a marker written when the session could not be read marks it without rewriting it).
 */
export function sessionRecordFromItem(item: Record<string, unknown>): SessionRecord {
  const fallback = item.fallback as FallbackMarker | undefined;
  let session = sessionOf(item);
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
  if (!vault || !names || names.length === 0) return sessionItem(record);
  const { vars, sealed } = await vault.seal(record.session.sessionId, record.session.vars, names);
  if (!sealed) return sessionItem(record);
  return { ...sessionItem({ ...record, session: { ...record.session, vars } }), sealed };
}

/** The record of an item whose sealed variables are opened (when there is a vault); see sessionRecordFromItem. */
export async function openedSessionRecord(
  item: Record<string, unknown>,
  vault: VarVault | undefined,
): Promise<SessionRecord> {
  const sealed = item.sealed as SealedVars | undefined;
  if (!sealed || !vault) return sessionRecordFromItem(item);
  const record = sessionRecordFromItem(item);
  Object.assign(record.session.vars, await vault.open(record.session.sessionId, sealed));
  return record;
}

type StoredSession = Omit<Session, "transitions" | "sessionId"> & {
  sessionId?: string;
  transitions?: unknown;
  unsetVars?: string[];
};

function sessionOf(item: Record<string, unknown>): Session {
  const text = typeof item.session === "string";
  const stored = (text ? JSON.parse(item.session as string) : item.session) as StoredSession;
  const { unsetVars = [], ...fields } = stored;
  const sessionId = (stored.sessionId ?? item.sessionId) as string;
  const session: Session = {
    ...fields,
    sessionId,
    // Items stored before transitions were kept have none.
    transitions: typeof stored.transitions === "string" ? decodeTransitions(stored.transitions) : [],
  };
  if (text) {
    const repeated: Record<string, string> = {};
    for (const name of REPEATED_VARS) {
      const value = name === "sessionId" ? sessionId : stored[name];
      if (typeof value === "string" && !(name in stored.vars) && !unsetVars.includes(name)) repeated[name] = value;
    }
    session.vars = { ...repeated, ...stored.vars };
  } else session.vars = { ...stored.vars };
  return session;
}

/**
 * The stored answer as the text that was sent. Items written before answers were stored as text hold a map, and
 * were answered with canonical JSON (keys sorted): a redelivery for such a call, in flight across the deploy, gets
 * those very bytes again.
 */
function answerText(stored: unknown): string {
  return typeof stored === "string" ? stored : canonicalJson(stored);
}
