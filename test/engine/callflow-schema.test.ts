import { describe, expect, it } from "vitest";
import { assertValidCallflow, callflowProblems } from "../support/callflow-schema.js";
import { capture, say } from "../support/callflows.js";

const makeCall = { action: "makeCall", params: { source: "+6531234567", destination: "+6560000000" } };
const withParams = (action: { action: string; params: object }, params: object) => ({
  ...action,
  params: { ...action.params, ...params },
});

describe("assertValidCallflow", () => {
  it("accepts what the docs show, including the documented fixes to the schema", () => {
    assertValidCallflow([say, capture]);
    assertValidCallflow([withParams(say, { speed: 1.5, repetition: 2 }), { action: "hangup" }]);
    assertValidCallflow([withParams(makeCall, { callRecording: true })]);
    assertValidCallflow([{ action: "playFile", params: { fileUrl: "https://example.com/a.mp3" } }, makeCall]);
    assertValidCallflow([makeCall, makeCall]);
  });

  it.each([
    ["an unknown action", [{ action: "transfer", params: {} }], /should be one of/],
    ["a missing action", [{ params: {} }], /should be one of/],
    ["an empty callflow", [], /empty/],
    ["say without voiceProfile", [{ action: "say", params: { text: "x" } }], /voiceProfile/],
    ["capture without voiceProfile", [withParams(capture, { voiceProfile: undefined })], /voiceProfile/],
    ["capture without promptMessage", [withParams(capture, { promptMessage: undefined })], /promptMessage/],
    ["text over 3000", [withParams(say, { text: "x".repeat(3001) })], /3000/],
    ["prompt over 3000", [withParams(capture, { promptMessage: "x".repeat(3001) })], /3000/],
    ["maxDigits 26", [withParams(capture, { maxDigits: 26 })], /maxDigits/],
    ["maxDigits 0", [withParams(capture, { maxDigits: 0, minDigits: 0 })], /maxDigits/],
    ["minDigits > maxDigits", [withParams(capture, { minDigits: 2 })], /minDigits/],
    ["digitTimeout not below overall", [withParams(capture, { digitTimeout: 5000 })], /digitTimeout/],
    ["implicit capture defaults", [withParams(capture, { noOfTries: undefined })], /noOfTries must be explicit/],
    ["hangup after capture", [capture, { action: "hangup" }], /hangup right after sayAndCapture/],
    ["three makeCall", [makeCall, makeCall, makeCall], /at most two makeCall/],
    ["speed out of range", [withParams(say, { speed: 3 })], /speed|schema/],
    ["an unknown makeCall param", [withParams(makeCall, { callRecording: true, extra: 1 })], /schema/],
    ["a makeCall without destination", [{ action: "makeCall", params: { source: "+6531234567" } }], /destination/],
    ["a non-http fileUrl", [{ action: "playFile", params: { fileUrl: "ftp://x/a.mp3" } }], /fileUrl/],
    ["repetition 4", [withParams(say, { repetition: 4 })], /repetition/],
  ])("refuses %s", (_name, actions, problem) => {
    const problems = callflowProblems(actions);
    expect(problems.join("\n")).toMatch(problem);
    expect(() => assertValidCallflow(actions)).toThrow(/invalid callflow/);
  });
});
