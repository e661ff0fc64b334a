import { describe, expect, it } from "vitest";
import type { CallflowAction } from "../../src/engine/callflow.js";
import {
  actionCompletedEvent,
  callflowEndsCall,
  callReceivedEvent,
  captureInput,
  describeAction,
  lastActionName,
  newSimulatedCall,
  sessionSummaryEvent,
} from "../../src/local/simulated-8x8.js";
import { capture, say } from "../support/callflows.js";

const at = new Date("2026-01-05T02:00:00.000Z");
const transfer: CallflowAction = { action: "makeCall", params: { source: "+6531234567", destination: "+6560000000" } };

describe("simulated 8x8 events", () => {
  const call = newSimulatedCall({ caller: "+6590000001", called: "+6531234567" });

  it("CALL_RECEIVED carries the caller as source and our number as destination", () => {
    const event = callReceivedEvent(call, at) as { payload: Record<string, unknown> };
    expect(event).toMatchObject({ namespace: "VOICE", eventType: "CALL_ACTION" });
    expect(event.payload).toMatchObject({
      callStatus: "CALL_RECEIVED",
      callDirection: "INBOUND",
      sessionId: call.sessionId,
      callId: call.callId,
      source: "+6590000001",
      destination: "+6531234567",
      timestamp: at.toISOString(),
    });
    expect(event.payload.clientActionId).toBeUndefined();
  });

  it("ACTION_COMPLETED echoes clientActionId and reports dtmf (null = no input), with a fresh eventId", () => {
    const a = actionCompletedEvent(call, at, "main:1", "1") as { payload: Record<string, unknown> };
    const b = actionCompletedEvent(call, at, "main:2", null) as { payload: Record<string, unknown> };
    expect(a.payload).toMatchObject({
      callStatus: "ACTION_COMPLETED",
      clientActionId: "main:1",
      eventData: { dtmf: "1" },
    });
    expect(b.payload.eventData).toEqual({ dtmf: null });
    expect(a.payload.eventId).not.toBe(b.payload.eventId);
    expect(a.payload.sessionId).toBe(b.payload.sessionId);
  });

  it("an outbound call keeps source/destination as given (our number calls the person)", () => {
    const out = newSimulatedCall({ caller: "+6531234567", called: "+6590000001", direction: "OUTBOUND" });
    const event = actionCompletedEvent(out, at, "init:1", null) as { payload: Record<string, unknown> };
    expect(event.payload).toMatchObject({
      callDirection: "OUTBOUND",
      source: "+6531234567",
      destination: "+6590000001",
    });
  });

  it("VSS summary carries the session and the duration", () => {
    const vss = sessionSummaryEvent(call, at, new Date(at.getTime() + 42_000), "HANGUP") as {
      payload: Record<string, unknown>;
    };
    expect(vss).toMatchObject({ eventType: "SESSION_SUMMARY" });
    expect(vss.payload).toMatchObject({ sessionId: call.sessionId, sessionStatus: "COMPLETED", lastAction: "HANGUP" });
    expect(vss.payload.details).toMatchObject({ callA: { callDuration: 42 } });
  });
});

describe("callflow helpers", () => {
  it("a call ends on hangup or transfer, not on a capture", () => {
    expect(callflowEndsCall([say, capture])).toBe(false);
    expect(callflowEndsCall([say, { action: "hangup" }])).toBe(true);
    expect(callflowEndsCall([transfer])).toBe(true);
  });

  it("names the last action like the VSS does", () => {
    expect(lastActionName([say, capture])).toBe("SAY_AND_CAPTURE");
    expect(lastActionName([transfer])).toBe("MAKE_CALL");
    expect(lastActionName([say, { action: "hangup" }])).toBe("HANGUP");
  });

  it("describes what the caller hears, masking transfer numbers", () => {
    expect(describeAction(say)).toBe("Hello.");
    expect(describeAction(capture)).toBe("Press 1.");
    expect(describeAction({ action: "playFile", params: { fileUrl: "https://x/a.mp3" } })).toBe(
      "[plays https://x/a.mp3]",
    );
    expect(describeAction(transfer)).toBe("[transfer to +65****0000]");
    expect(describeAction({ action: "hangup" })).toBe("[hangs up]");
  });
});

describe("the phone simulation (captureInput), shared by ivr call and ivr test", () => {
  const menu = { minDigits: 1, maxDigits: 1, completeOnHash: false };
  const account = { minDigits: 8, maxDigits: 8, completeOnHash: true };

  it("keeps what 8x8's capture keeps: keys past maxDigits dropped, spaces ignored, # ending the input", () => {
    expect(captureInput(menu, "12")).toEqual({ dtmf: "1" });
    expect(captureInput(account, "1234 5678#")).toEqual({ dtmf: "12345678#" });
    expect(captureInput(account, "123#")).toEqual({ dtmf: null }); // too short: a failed capture
  });

  it("reports nothing typed as no input", () => {
    expect(captureInput(menu, "")).toEqual({ dtmf: null });
    expect(captureInput(menu, "  ")).toEqual({ dtmf: null });
  });

  it("refuses keys a phone does not have, saying which", () => {
    expect(captureInput(menu, "a")).toEqual({ refused: "a phone has only the keys 0-9, * and #, not 'a'" });
    expect(captureInput(account, "1234567B")).toHaveProperty("refused");
  });
});
