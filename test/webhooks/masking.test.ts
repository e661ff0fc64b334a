import { describe, expect, it } from "vitest";
import { MASK, maskPhone, maskVars, redactForLog } from "../../src/observability/masking.js";
import { legsOf } from "../../src/webhooks/vss-service.js";
import { fixture } from "./fixtures.js";

describe("maskPhone", () => {
  it("keeps a country-ish prefix and the last four digits", () => {
    expect(maskPhone("+6568888888")).toBe("+65****8888");
    expect(maskPhone("+14155550123")).toBe("+14****0123");
  });

  it("masks short or odd values entirely, and tolerates absence", () => {
    expect(maskPhone("12345")).toBe(MASK);
    expect(maskPhone("")).toBe("");
    expect(maskPhone(undefined)).toBe("");
    expect(maskPhone(null)).toBe("");
  });
});

describe("maskVars", () => {
  it("masks only the sensitive variables", () => {
    expect(maskVars({ account: "12345678", queue: "tech" }, ["account"])).toEqual({ account: MASK, queue: "tech" });
  });

  it("masks everything when the sensitive list is unknown", () => {
    expect(maskVars({ account: "12345678", queue: "tech" }, "all")).toEqual({ account: MASK, queue: MASK });
  });
});

describe("redactForLog", () => {
  it("masks phone fields and sensitive keys at any depth, without touching the input", () => {
    const input = {
      payload: { source: "+6591234567", destination: "+6531234567", sessionId: "s-1" },
      session: { vars: { pin: "1234", caller: "+6591234567", queue: "tech" } },
      legs: [{ callerId: "+6560000000" }],
    };
    const copy = structuredClone(input);
    expect(redactForLog(input, ["pin"])).toEqual({
      payload: { source: "+65****4567", destination: "+65****4567", sessionId: "s-1" },
      session: { vars: { pin: MASK, caller: "+65****4567", queue: "tech" } },
      legs: [{ callerId: "+65****0000" }],
    });
    expect(input).toEqual(copy);
  });

  it("passes primitives through", () => {
    expect(redactForLog("text")).toBe("text");
    expect(redactForLog(3)).toBe(3);
    expect(redactForLog(null)).toBeNull();
  });
});

describe("legsOf", () => {
  it("reads legs whatever the case of their keys, in order", () => {
    expect(legsOf(fixture("vss-busy").payload.details)).toEqual([
      { leg: "callA", callStatus: "COMPLETED", callDuration: 37 },
      { leg: "callB", callStatus: "BUSY", callDuration: 0 },
    ]);
    expect(legsOf(fixture("vss-error-voice-messaging").payload.details)).toEqual([
      { leg: "callA", callStatus: "ERROR", callDuration: 0 },
    ]);
    expect(legsOf(undefined)).toEqual([]);
  });
});
