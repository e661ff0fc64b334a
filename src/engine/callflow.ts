/**
 * The 8x8 callflow actions we send in a VCA answer (and in Send Callflow requests).
 * Shapes follow the Send Callflow schema in 8x8's OpenAPI description; see docs/8x8.md for the deviations
 * 8x8's own docs force on us (e.g. `callRecording` on makeCall, documented only in the VCA guide).
 */
export interface SayAction {
  action: "say";
  params: { text: string; voiceProfile: string; repetition?: 1 | 2 | 3; speed?: number };
}

export interface PlayFileAction {
  action: "playFile";
  params: { fileUrl: string; repetition?: 1 | 2 | 3 };
}

export interface SayAndCaptureAction {
  action: "sayAndCapture";
  params: {
    promptMessage: string;
    voiceProfile: string;
    speed?: number;
    minDigits: number;
    maxDigits: number;
    completeOnHash: boolean;
    /** milliseconds */
    digitTimeout: number;
    /** milliseconds; always greater than digitTimeout */
    overallTimeout: number;
    /** always 1: the engine counts attempts itself */
    noOfTries: 1;
  };
}

export interface MakeCallAction {
  action: "makeCall";
  params: { source: string; destination: string; callRecording?: boolean };
}

export interface HangupAction {
  action: "hangup";
}

export type CallflowAction = SayAction | PlayFileAction | SayAndCaptureAction | MakeCallAction | HangupAction;

/** The body of our HTTP 200 answer to a VCA event. */
export interface VcaAnswer {
  clientActionId: string;
  callflow: CallflowAction[];
}
