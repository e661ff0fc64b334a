/** Callflow actions shared by tests that need a plain prompt rather than one compiled from a flow. */
import type { SayAction, SayAndCaptureAction } from "../../src/engine/callflow.js";

export const say: SayAction = { action: "say", params: { text: "Hello.", voiceProfile: "en-GB-Emma" } };

/** A one-digit capture with the explicit values the engine always sends. */
export const capture: SayAndCaptureAction = {
  action: "sayAndCapture",
  params: {
    promptMessage: "Press 1.",
    voiceProfile: "en-GB-Emma",
    minDigits: 1,
    maxDigits: 1,
    completeOnHash: false,
    digitTimeout: 3000,
    overallTimeout: 5000,
    noOfTries: 1,
  },
};
