/** Records for the store tests. */
import type { CompiledMachine } from "../../src/engine/machine.js";
import type { SessionRecord, SummaryRecord } from "../../src/store/ports.js";

export const NOW = new Date("2030-01-15T09:30:00.000Z");
export const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);

export function sessionRecord(sessionId: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    session: {
      sessionId,
      callId: `call-${sessionId}`,
      flow: "support",
      version: "0123456789abcdef",
      state: "main",
      clientActionId: "main:1",
      turn: 1,
      status: "active",
      failures: 0,
      vars: { caller: "+6591234567", called: "+6560000000", sessionId, lastInput: "" },
      path: ["welcome", "main"],
      transitions: [{ from: "welcome", to: "main", on: "next", at: 0 }],
      menus: ["main"],
      caller: "+6591234567",
      called: "+6560000000",
      direction: "INBOUND",
      startedAt: NOW.toISOString(),
    },
    rev: 1,
    lastEventId: "event-1",
    lastAnswer: JSON.stringify({ clientActionId: "main:1", callflow: [{ action: "hangup" }] }),
    expiresAt: NOW_SECONDS + 3600,
    ...overrides,
  };
}

/** The record after one more answer, as the domain would write it. */
export function advanced(prev: SessionRecord, eventId: string): SessionRecord {
  const turn = prev.session.turn + 1;
  return {
    ...prev,
    session: {
      ...prev.session,
      turn,
      clientActionId: `main:${turn}`,
      vars: { ...prev.session.vars, lastInput: eventId },
    },
    rev: prev.rev + 1,
    lastEventId: eventId,
    lastAnswer: JSON.stringify({ clientActionId: `main:${turn}`, callflow: [{ action: "hangup" }] }),
  };
}

export function machine(flow: string, version: string, description = "first"): CompiledMachine {
  return {
    flow,
    version,
    description,
    numbers: ["+6560000000"],
    start: "bye",
    onError: null,
    keys: {},
    states: {},
    sensitive: [],
  };
}

export function summary(sessionId: string, payload: unknown): SummaryRecord {
  return {
    sessionId,
    subAccountId: "acme",
    sessionStatus: "COMPLETED",
    body: JSON.stringify({ payload }),
    flow: "support",
    version: "0123456789abcdef",
    path: ["welcome", "main"],
    finalState: "main",
    vars: { account: "****" },
    receivedAt: NOW.toISOString(),
    expiresAt: NOW_SECONDS + 86_400,
  };
}
