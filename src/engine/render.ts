import type { CallflowAction, MakeCallAction, SayAndCaptureAction } from "./callflow.js";
import { EngineError } from "./errors.js";
import type { AskState, FetchState, MenuState, Message, TransferState } from "./machine.js";
import type { Session } from "./session.js";
import { fitSpeech, renderTemplate } from "./templates.js";

type Vars = Readonly<Record<string, string>>;

/**
 * Turns messages into 8x8 actions. Text that renders empty is dropped: 8x8 has nothing to say and an empty
 * `text` is not something its docs promise to accept.
 */
export function messageActions(messages: readonly Message[], voiceProfile: string, vars: Vars): CallflowAction[] {
  const actions: CallflowAction[] = [];
  for (const message of messages) {
    if ("play" in message) {
      actions.push({ action: "playFile", params: { fileUrl: message.play } });
      continue;
    }
    const text = fitSpeech(renderTemplate(message.say, vars));
    if (text.trim() !== "") actions.push({ action: "say", params: { text, voiceProfile } });
  }
  return actions;
}

/** The message for the Nth failed attempt (1-based): one per attempt, the last one repeats; none when empty. */
export function messageForAttempt(messages: readonly Message[], failures: number): Message[] {
  if (messages.length === 0) return [];
  const message = messages[Math.min(failures, messages.length) - 1];
  return message ? [message] : [];
}

/**
 * The prompt of a menu or ask. Every value is explicit because 8x8's guide and schema disagree on the defaults,
 * and `noOfTries` is 1 because the engine counts attempts itself (each failure gets its own message).
 */
export function captureAction(state: MenuState | AskState, vars: Vars): SayAndCaptureAction {
  const { capture } = state;
  return {
    action: "sayAndCapture",
    params: {
      promptMessage: fitSpeech(renderTemplate(state.prompt, vars)),
      voiceProfile: state.voiceProfile,
      minDigits: capture.minDigits,
      maxDigits: capture.maxDigits,
      completeOnHash: capture.completeOnHash,
      digitTimeout: capture.digitTimeoutMs,
      overallTimeout: capture.overallTimeoutMs,
      noOfTries: 1,
    },
  };
}

/**
 * The caller id shown to the transfer target when the flow sets none: always OUR virtual number, never the
 * customer's (8x8 only presents numbers the account owns or has allowlisted; anything else fails with -2008).
 * - INBOUND: the customer dialled our number, which is `session.called`.
 * - OUTBOUND: we dialled the customer (Send Callflow `makeCall.source` = our number, reported as the VCA
 *   `source`), so our number is `session.caller`.
 */
export function defaultCallerId(session: Pick<Session, "direction" | "caller" | "called">): string {
  return session.direction === "INBOUND" ? session.called : session.caller;
}

export function makeCallAction(
  state: TransferState,
  session: Pick<Session, "direction" | "caller" | "called"> | undefined,
): MakeCallAction {
  const source = state.callerId ?? (session ? defaultCallerId(session) : undefined);
  if (!source) throw new EngineError("transfer has no callerId and no session number to present");
  const params: MakeCallAction["params"] = { source, destination: state.to };
  // `callRecording` is only documented in the VCA guide; send it only when asked for.
  if (state.record) params.callRecording = true;
  return { action: "makeCall", params };
}

/**
 * The capture that ends a hold message. 8x8 reports the completion of a `sayAndCapture` (never of a plain `say`),
 * so the hold text is spoken as one with the smallest capture: one key, no `#`, and the shortest timeouts, so
 * the ACTION_COMPLETED (dtmf null, or a key pressed meanwhile, which is ignored) follows the text at once.
 * Assumption (8x8 documents no minimum): the timeouts run once the prompt has been spoken, as "time allowed for
 * the user to complete entering all digits" implies.
 */
export const HOLD_CAPTURE = {
  minDigits: 1,
  maxDigits: 1,
  completeOnHash: false,
  digitTimeout: 500,
  overallTimeout: 1000,
  noOfTries: 1,
} as const;

/**
 * A fetch's hold message (`say`) as actions: every message, the last spoken text as a minimal `sayAndCapture`.
 * None when no text renders non-empty (then the request is made without a hold).
 */
export function holdActions(state: FetchState, vars: Vars): CallflowAction[] {
  const texts = state.hold.map((m) => ("say" in m ? fitSpeech(renderTemplate(m.say, vars)) : ""));
  const last = texts.findLastIndex((text) => text.trim() !== "");
  if (last === -1) return [];
  const actions = messageActions(state.hold.slice(0, last), state.voiceProfile, vars);
  actions.push({
    action: "sayAndCapture",
    params: { promptMessage: texts[last] as string, voiceProfile: state.voiceProfile, ...HOLD_CAPTURE },
  });
  return actions;
}
