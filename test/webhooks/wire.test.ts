import { describe, expect, it } from "vitest";
import { parseJsonBody, validateVca, validateVss } from "../../src/webhooks/validation.js";
import { extractDigits, toVcaEvent } from "../../src/webhooks/vca-event.js";
import { fixture } from "./fixtures.js";

function reasonFor(body: unknown): string {
  const result = validateVca(body);
  if (result.ok) throw new Error("expected a validation failure");
  return result.reason;
}

describe("VCA normalisation", () => {
  it("reads digits from payload.eventData.dtmf (current docs)", () => {
    const valid = validateVca(fixture("vca-action-completed"));
    expect(valid.ok).toBe(true);
    if (!valid.ok) return;
    expect(toVcaEvent(valid.value)).toEqual({
      eventId: "77e6a667-133a-11ef-9dd4-e911cc6fc82f",
      sessionId: "a4fad4b3-b388-12ee-b217-2fb8260fcf59",
      callId: "627e25f1-133a-11ef-b08c-e33c09483244",
      callStatus: "ACTION_COMPLETED",
      direction: "OUTBOUND",
      caller: "+6568888888",
      called: "+6598888888",
      digits: "1",
      clientActionId: "ivr1_level1",
      subAccountId: "account_x",
    });
  });

  it("reads digits from payload.eventData as a plain string (2025), with callDuration as a string", () => {
    const valid = validateVca(fixture("vca-eventdata-string-2025"));
    expect(valid.ok && toVcaEvent(valid.value).digits).toBe("1");
  });

  it("reads digits from payload.dtmf with callStatus DTMF_RECEIVED (2023)", () => {
    const valid = validateVca(fixture("vca-dtmf-received-2023"));
    expect(valid.ok).toBe(true);
    if (!valid.ok) return;
    const event = toVcaEvent(valid.value);
    expect(event.digits).toBe("3");
    expect(event.callStatus).toBe("DTMF_RECEIVED");
  });

  it("treats a null, empty or missing capture as no input", () => {
    const valid = validateVca(fixture("vca-no-input"));
    expect(valid.ok && toVcaEvent(valid.value).digits).toBeNull();
    const base = fixture("vca-no-input").payload;
    expect(extractDigits({ ...base, eventData: undefined })).toBeNull();
    expect(extractDigits({ ...base, eventData: "" })).toBeNull();
    expect(extractDigits({ ...base, eventData: {} })).toBeNull();
    expect(extractDigits({ ...base, eventData: null, dtmf: null })).toBeNull();
  });

  it("prefers eventData.dtmf, then eventData as a string, then payload.dtmf", () => {
    const base = fixture("vca-no-input").payload;
    expect(extractDigits({ ...base, eventData: { dtmf: "12" }, dtmf: "9" })).toBe("12");
    expect(extractDigits({ ...base, eventData: "34", dtmf: "9" })).toBe("34");
    expect(extractDigits({ ...base, eventData: {}, dtmf: "9" })).toBe("9");
  });

  it("takes the first placement that holds digits: an empty or null one never hides payload.dtmf (#10 defect 9)", () => {
    const base = fixture("vca-no-input").payload;
    expect(extractDigits({ ...base, eventData: "", dtmf: "1" })).toBe("1");
    expect(extractDigits({ ...base, eventData: { dtmf: null }, dtmf: "1" })).toBe("1");
    expect(extractDigits({ ...base, eventData: { dtmf: "" }, dtmf: "1" })).toBe("1");
    expect(extractDigits({ ...base, eventData: null, dtmf: "1" })).toBe("1");
    // and through validation, as 8x8 would send it
    const body = fixture("vca-no-input");
    body.payload.eventData = { dtmf: null };
    body.payload.dtmf = "1";
    const valid = validateVca(body);
    expect(valid.ok && toVcaEvent(valid.value).digits).toBe("1");
  });

  it("has no clientActionId on the first event, and ignores an empty or null one", () => {
    const received = validateVca(fixture("vca-call-received"));
    expect(received.ok && "clientActionId" in toVcaEvent(received.value)).toBe(false);
    const body = fixture("vca-action-completed");
    body.payload.clientActionId = null;
    const valid = validateVca(body);
    expect(valid.ok && toVcaEvent(valid.value).clientActionId).toBeUndefined();
  });

  it("accepts callDuration as a number or a string, and unknown extra fields", () => {
    for (const callDuration of [0, 12.5, "37", "0"]) {
      const body = fixture("vca-action-completed");
      body.payload.callDuration = callDuration;
      body.payload.somethingNew = { nested: true };
      body.brandNewRootField = 1;
      expect(validateVca(body).ok).toBe(true);
    }
  });

  it("accepts the DTMF characters 0-9, * and #", () => {
    const body = fixture("vca-action-completed");
    body.payload.eventData.dtmf = "0123456789*#";
    expect(validateVca(body).ok).toBe(true);
  });
});

describe("VCA validation reasons (400)", () => {
  it.each([["eventId"], ["sessionId"], ["callId"], ["callStatus"], ["callDirection"], ["source"], ["destination"]])(
    "names a missing payload.%s",
    (field) => {
      const body = fixture("vca-action-completed");
      delete body.payload[field];
      expect(reasonFor(body)).toBe(`payload.${field} is required`);
    },
  );

  it("names a missing payload", () => {
    expect(reasonFor({ namespace: "VOICE" })).toBe("payload is required");
  });

  it("refuses a body that is not an object", () => {
    expect(reasonFor([1, 2])).toBe("body must be an object");
    expect(reasonFor("hello")).toBe("body must be an object");
  });

  it("refuses an unknown callStatus, listing the accepted ones", () => {
    const body = fixture("vca-action-completed");
    body.payload.callStatus = "CALL_DISCONNECTED";
    expect(reasonFor(body)).toBe("payload.callStatus must be one of CALL_RECEIVED, ACTION_COMPLETED, DTMF_RECEIVED");
  });

  it("refuses a wrong direction", () => {
    const body = fixture("vca-action-completed");
    body.payload.callDirection = "SIDEWAYS";
    expect(reasonFor(body)).toBe("payload.callDirection must be one of INBOUND, OUTBOUND");
  });

  it("refuses ids of the wrong type or empty", () => {
    const body = fixture("vca-action-completed");
    body.payload.sessionId = 42;
    expect(reasonFor(body)).toBe("payload.sessionId must be a string");
    body.payload.sessionId = "";
    expect(reasonFor(body)).toBe("payload.sessionId must not be empty");
  });

  it("refuses DTMF characters outside 0-9, * and #, in every placement", () => {
    const nested = fixture("vca-action-completed");
    nested.payload.eventData.dtmf = "12a";
    expect(reasonFor(nested)).toBe("payload.eventData.dtmf must contain only the DTMF characters 0-9, * and #");
    const flat = fixture("vca-action-completed");
    flat.payload.eventData = "1 2";
    expect(reasonFor(flat)).toBe("payload.eventData must contain only the DTMF characters 0-9, * and #");
    const legacy = fixture("vca-dtmf-received-2023");
    legacy.payload.dtmf = "x";
    expect(reasonFor(legacy)).toBe("payload.dtmf must contain only the DTMF characters 0-9, * and #");
  });

  it("refuses a callDuration that is neither a number nor a string", () => {
    const body = fixture("vca-action-completed");
    body.payload.callDuration = { seconds: 3 };
    expect(reasonFor(body)).toBe("payload.callDuration must be a string, a number or null");
  });

  it("refuses a summary sent to the VCA endpoint", () => {
    expect(reasonFor(fixture("vss-busy"))).toBe('eventType must be "CALL_ACTION"');
  });

  it("explains unparseable bodies without echoing them", () => {
    expect(parseJsonBody('{"payload": {"source": "+6591234567"')).toEqual({
      ok: false,
      reason: "body is not valid JSON",
    });
    expect(parseJsonBody("")).toEqual({ ok: false, reason: "body is empty" });
    expect(parseJsonBody(null)).toEqual({ ok: false, reason: "body is empty" });
  });
});

describe("VSS validation", () => {
  it("accepts the documented IVR and Voice Messaging summaries", () => {
    expect(validateVss(fixture("vss-busy")).ok).toBe(true);
    expect(validateVss(fixture("vss-error-voice-messaging")).ok).toBe(true);
  });

  it("names what is missing", () => {
    const body = fixture("vss-busy");
    delete body.payload.sessionStatus;
    expect(validateVss(body)).toEqual({ ok: false, reason: "payload.sessionStatus is required" });
    expect(validateVss(fixture("vca-call-received"))).toEqual({
      ok: false,
      reason: 'eventType must be "SESSION_SUMMARY"',
    });
  });
});
