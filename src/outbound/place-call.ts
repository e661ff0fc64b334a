/**
 * One outbound call, as `ivr dial` and the campaign dispatcher both place it:
 *
 * 1. render the flow's first answer with the engine (pure; the inputs are checked here, so a refused call stores
 *    and dials nothing);
 * 2. POST `[makeCall, ...that answer]` to 8x8's Send Callflow;
 * 3. store the session under the sessionId 8x8 returns, positioned after that first answer, so the call's VCAs
 *    continue it (and its VSS finds the campaign contact it belongs to).
 *
 * Step 3 follows the POST because the sessionId only exists once 8x8 has accepted the call; the first VCA of the
 * call comes after the callee answers and the first prompt completes, seconds later.
 */
import type { CallflowAction } from "../engine/callflow.js";
import type { CompiledMachine } from "../engine/machine.js";
import type { ContactRef } from "../engine/session.js";
import type { Metrics } from "../observability/metrics.js";
import type { SessionStore } from "../store/ports.js";
import type { SendCallflowRequest, SendCallflowResult } from "../voice-api/client.js";
import { FlowRegistry } from "../webhooks/flow-registry.js";
import { prepareOutboundSession, renderOutboundStart } from "../webhooks/vca-service.js";

/** What placing a call needs from 8x8 (VoiceApiClient has it; it is pointed at the local stack's 8x8 locally). */
export interface CallSender {
  sendCallflow(request: SendCallflowRequest): Promise<SendCallflowResult>;
}

export interface PlaceCallDeps {
  api: CallSender;
  sessions: SessionStore;
  metrics?: Metrics;
  sessionTtlSeconds?: number;
}

export interface PlaceCallInput {
  machine: CompiledMachine;
  /** caller id: one of the account's virtual numbers */
  from: string;
  to: string;
  inputs?: Readonly<Record<string, string>>;
  contact?: ContactRef;
  now: Date;
  /** 8x8 must not place the call after this */
  validUntil: Date;
}

export interface PlacedCall {
  sessionId: string;
  sessionStatus: string;
}

/**
 * Throws InputsError (nothing sent), a VoiceApiError from 8x8 (nothing stored), or a store error after 8x8
 * accepted the call (the call rings but its VCAs will find no session and hear the apology: reported, not hidden).
 */
export async function placeOutboundCall(deps: PlaceCallDeps, input: PlaceCallInput): Promise<PlacedCall> {
  const { machine, from, to, now } = input;
  const flows = new FlowRegistry([machine]);
  const call = {
    flow: machine.flow,
    caller: from,
    called: to,
    now,
    ...(input.inputs !== undefined && { inputs: input.inputs }),
    ...(input.contact !== undefined && { contact: input.contact }),
  };
  const { step } = renderOutboundStart(flows, call);
  const makeCall: CallflowAction = { action: "makeCall", params: { source: from, destination: to } };
  const created = await deps.api.sendCallflow({
    callflow: [makeCall, ...step.actions],
    validUntil: input.validUntil.toISOString(),
  });
  await prepareOutboundSession(
    {
      sessions: deps.sessions,
      flows,
      ...(deps.metrics !== undefined && { metrics: deps.metrics }),
      ...(deps.sessionTtlSeconds !== undefined && { sessionTtlSeconds: deps.sessionTtlSeconds }),
    },
    { ...call, sessionId: created.sessionId },
  );
  return { sessionId: created.sessionId, sessionStatus: created.sessionStatus };
}
