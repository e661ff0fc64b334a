/**
 * The real VCA handler wired for `ivr replay`: DynamoDB stores, a registry holding just the replayed machine, and
 * the (possibly frozen) clock.
 */
import type { VcaAnswer } from "../engine/callflow.js";
import type { CompiledMachine } from "../engine/machine.js";
import { createFetchPerformer } from "../integration/performer.js";
import { envSecrets } from "../integration/secrets.js";
import { alsoRoutedTo, FlowRegistry } from "../webhooks/flow-registry.js";
import { createVcaHandler, createVssHandler } from "../webhooks/http-handlers.js";
import { DEFAULT_SESSION_TTL_SECONDS, prepareOutboundSession } from "../webhooks/vca-service.js";
import { lagSeconds } from "./clock.js";
import type { LocalDynamo } from "./local-dynamo.js";
import { createLocalObservability } from "./observability.js";
import type { VcaHandler } from "./replay.js";

export async function createReplayHandler(options: {
  machine: CompiledMachine;
  /** the number the replayed call dials: routed to the machine whatever flows/ says */
  called: string;
  dynamo: LocalDynamo;
  now: () => Date;
}): Promise<{ vca: VcaHandler; vss: VcaHandler }> {
  const { machine, called, dynamo, now } = options;
  // Stored like the deploy stores it, so the call is served exactly as a deployed one would be.
  await dynamo.flowVersions.put(machine);
  // Route --to (or the placeholder of an outbound-only flow) to this machine.
  const routed = alsoRoutedTo(machine, called);
  const { logger, metrics } = createLocalObservability();
  const deps = {
    sessions: dynamo.sessions,
    summaries: dynamo.summaries,
    flows: new FlowRegistry([routed], dynamo.flowVersions),
    logger,
    metrics,
    now,
    // Real requests: the flow's URLs, or CALLFLOW_SERVICE_URL_<service>; secrets from CALLFLOW_SECRET_<name>.
    fetcher: createFetchPerformer({ secrets: envSecrets(), logger, metrics }),
    // --at in the past: DynamoDB Local expires the session by the real clock, so it lives that much longer
    sessionTtlSeconds: DEFAULT_SESSION_TTL_SECONDS + lagSeconds(now()),
  };
  return { vca: createVcaHandler(deps), vss: createVssHandler(deps) };
}

/**
 * What `ivr dial` stores before 8x8 rings someone, for an outbound replay: the session (with the flow's inputs,
 * checked: an InputsError stores nothing) and the first answer.
 */
export function replayDialOut(options: {
  machine: CompiledMachine;
  dynamo: LocalDynamo;
  caller: string;
  called: string;
  inputs: Record<string, string>;
  now: () => Date;
}): (sessionId: string) => Promise<VcaAnswer> {
  const { machine, dynamo, caller, called, inputs, now } = options;
  return async (sessionId) => {
    const flows = new FlowRegistry([machine], dynamo.flowVersions);
    return prepareOutboundSession(
      // --at in the past: the session lives longer by the lag, as the inbound replay's do
      { sessions: dynamo.sessions, flows, sessionTtlSeconds: DEFAULT_SESSION_TTL_SECONDS + lagSeconds(now()) },
      { flow: machine.flow, sessionId, caller, called, now: now(), inputs },
    );
  };
}
