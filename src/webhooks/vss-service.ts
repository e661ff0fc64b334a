/**
 * The Voice Session Summary domain: mark the session ended and keep 8x8's summary, once, next to what only we
 * know (flow, version, the path through it, the final state, the variables with sensitive ones masked).
 * A redelivered summary changes nothing.
 */
import { callCompletedEvent } from "../analytics/event.js";
import { callDurationMs, classifyOutcome, type OutcomeKind } from "../analytics/outcome.js";
import type { EventPublisher } from "../analytics/publisher.js";
import type { VcaAnswer } from "../engine/callflow.js";
import type { CompiledMachine } from "../engine/machine.js";
import { errorFields, type Logger, withholdValues } from "../observability/logger.js";
import { maskPhone, maskVars } from "../observability/masking.js";
import { countMetric, MetricName, type Metrics } from "../observability/metrics.js";
import type { CampaignCallRecorder } from "../outbound/attempts.js";
import type { SessionRecord, SessionStore, SummaryRecord, SummaryStore } from "../store/ports.js";
import { type FallbackMarkers, markersFor } from "./fallback-markers.js";
import type { FlowRegistry } from "./flow-registry.js";
import type { VssRequest } from "./validation.js";

/** Summaries are kept for 90 days by default: long enough for monthly reporting, short for personal data. */
export const DEFAULT_SUMMARY_TTL_SECONDS = 90 * 24 * 60 * 60;

export interface VssDeps {
  sessions: SessionStore;
  summaries: SummaryStore;
  flows: FlowRegistry;
  logger: Logger;
  metrics: Metrics;
  now: () => Date;
  summaryTtlSeconds?: number;
  /** told of the `Call Completed` event of each summary stored (the local stack; deployed, the summaries table's
   * stream publishes instead, at least once and off this path). A failure here is logged, never retried. */
  events?: EventPublisher;
  /** the VCA's pending fallback markers (default: the ones shared by handlers on `sessions`) */
  markers?: FallbackMarkers;
  /** outbound campaigns: told how each campaign call ended (absent: campaigns are not deployed here) */
  campaigns?: CampaignCallRecorder;
}

/** The per-flow outcome counters (no per-state dimension: see src/observability/metrics.ts). */
const OUTCOME_METRIC: Record<OutcomeKind, MetricName> = {
  completed: MetricName.CallsCompleted,
  transferred: MetricName.CallsTransferred,
  abandoned: MetricName.CallsAbandoned,
  failed: MetricName.CallsFailed,
  unreached: MetricName.CallsUnreached,
};

export interface VssResult {
  /** false: this summary was stored before (a redelivery) and nothing changed */
  created: boolean;
  summary: SummaryRecord;
}

/** One call leg of a summary, found whatever the case of its key (`callA`, `CallA`). */
export interface LegSummary {
  leg: string;
  callStatus?: string;
  callDuration?: number;
}

/** The legs of `details`, keyed `callA`, `callB`, ... case-insensitively, in leg order. */
export function legsOf(details: Record<string, unknown> | null | undefined): LegSummary[] {
  if (!details) return [];
  const legs: LegSummary[] = [];
  for (const [key, value] of Object.entries(details)) {
    const match = /^call([a-z])$/i.exec(key);
    if (!match?.[1] || value === null || typeof value !== "object") continue;
    const leg = value as Record<string, unknown>;
    const summary: LegSummary = { leg: `call${match[1].toUpperCase()}` };
    if (typeof leg.callStatus === "string") summary.callStatus = leg.callStatus;
    const duration = Number(leg.callDuration);
    if (leg.callDuration !== undefined && leg.callDuration !== null && Number.isFinite(duration)) {
      summary.callDuration = duration;
    }
    legs.push(summary);
  }
  return legs.sort((a, b) => a.leg.localeCompare(b.leg));
}

/** Raised when the session kept changing under the summary (a transient condition: a redelivery will do). */
export class VssBusy extends Error {
  override readonly name = "VssBusy";
}

/** How long a summary waits for a pending fallback marker of its session (the store is likely struggling). */
const MARKER_SETTLE_MS = 2_000;

/** How often the summary is rebuilt when the session moved on between reading it and ending it. */
const MAX_SUMMARY_ATTEMPTS = 3;

/**
 * Store the summary and end the session, in that order and atomically (SummaryStore.putOnce with `end`): a
 * summary that cannot be stored leaves the session as it was, for a redelivery to summarise. `body` is the request
 * as 8x8 sent it (text): that is what is kept, so no content can make the write fail.
 */
export async function handleVssEvent(deps: VssDeps, request: VssRequest, body: string): Promise<VssResult> {
  const now = deps.now();
  const { payload } = request;
  // A fallback marker of this call still waiting to be written would change what the summary must say.
  await markersFor(deps).settle(payload.sessionId, MARKER_SETTLE_MS);
  for (let attempt = 0; attempt < MAX_SUMMARY_ATTEMPTS; attempt++) {
    const record = await deps.sessions.get(payload.sessionId, now, { includeExpired: true });
    const summary = await summarise(deps, request, body, record, now);
    const end =
      record && record.endedAt === undefined
        ? { sessionId: payload.sessionId, rev: record.rev, endedAt: now.toISOString() }
        : undefined;
    const outcome = await deps.summaries.putOnce(summary, end);
    if (outcome.sessionChanged) continue;
    await settleCampaignCall(deps, record, summary, now);
    await report(deps, request, record, summary, outcome.created);
    return { created: outcome.created, summary };
  }
  throw new VssBusy("the session kept changing while its summary was being stored");
}

/** A campaign call settles its contact's attempt (idempotent: a redelivered summary changes nothing there either). */
async function settleCampaignCall(
  deps: VssDeps,
  record: SessionRecord | undefined,
  summary: SummaryRecord,
  now: Date,
): Promise<void> {
  const contact = record?.session.contact;
  if (!contact || !deps.campaigns) return;
  const call = { sessionId: summary.sessionId, sessionStatus: summary.sessionStatus, outcome: summary.outcome };
  await deps.campaigns.callEnded(contact, call, now);
}

/** 8x8's summary next to what only we know: the flow, version, path, final state, masked variables, outcome. */
async function summarise(
  deps: VssDeps,
  request: VssRequest,
  body: string,
  record: SessionRecord | undefined,
  now: Date,
): Promise<SummaryRecord> {
  const { payload } = request;
  const summary: SummaryRecord = {
    sessionId: payload.sessionId,
    ...(payload.subAccountId !== undefined && { subAccountId: payload.subAccountId }),
    sessionStatus: payload.sessionStatus,
    body,
    ...(typeof payload.endTime === "string" && { endTime: payload.endTime }),
    receivedAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + (deps.summaryTtlSeconds ?? DEFAULT_SUMMARY_TTL_SECONDS),
  };
  if (!record) return summary;
  const { session } = record;
  const machine = await loadMachine(deps, session.flow, session.version);
  summary.flow = session.flow;
  summary.version = session.version;
  summary.path = [...session.path];
  summary.finalState = session.state;
  // Without the machine we cannot tell which variables are sensitive: mask them all rather than guess.
  summary.vars = maskVars(session.vars, machine ? machine.sensitive : "all");
  summary.outcome = classifyOutcome({
    session,
    sessionStatus: payload.sessionStatus,
    ...(record.lastEventId !== undefined && { lastEventId: record.lastEventId }),
    ...(record.lastAnswer !== undefined && { lastAnswer: JSON.parse(record.lastAnswer) as VcaAnswer }),
    ...(record.fallback !== undefined && { fallback: record.fallback }),
    ...(machine !== undefined && { machine }),
  });
  summary.transitions = session.transitions ?? [];
  summary.durationMs = callDurationMs(payload, session.startedAt, summary.receivedAt);
  summary.direction = session.direction;
  summary.startedAt = session.startedAt;
  summary.caller = maskPhone(session.caller);
  summary.called = maskPhone(session.called);
  if (record.fallback) summary.fallback = record.fallback;
  return summary;
}

async function report(
  deps: VssDeps,
  request: VssRequest,
  record: SessionRecord | undefined,
  summary: SummaryRecord,
  created: boolean,
): Promise<void> {
  const { payload } = request;
  const session = record?.session;
  const flow = session?.flow;
  if (!created) {
    countMetric(deps.metrics, MetricName.DuplicateEvents, flow);
    deps.logger.info("Duplicate session summary; nothing changed", { flow });
    return;
  }
  countMetric(deps.metrics, MetricName.CallsEnded, flow);
  if (summary.outcome) countMetric(deps.metrics, OUTCOME_METRIC[summary.outcome.kind], flow);
  // The line the stack's Logs Insights queries read (per-state drop-off): keep its field names stable.
  deps.logger.info("Session summary stored", {
    flow,
    version: session?.version,
    finalState: session?.state,
    outcome: summary.outcome?.kind,
    outcomeState: summary.outcome?.state,
    result: summary.outcome?.result,
    durationMs: summary.durationMs,
    sessionStatus: payload.sessionStatus,
    lastAction: label(payload.lastAction),
    legs: legsOf(payload.details).map((leg) => ({ ...leg, callStatus: label(leg.callStatus) })),
    errorDetails: errorDetailsForLog(payload.errorDetails),
    knownSession: session !== undefined,
    fallback: record?.fallback !== undefined,
  });
  await publish(deps, summary);
}

/** A status-like word from the payload as a log field; anything else is not worth a caller's data in the logs. */
function label(value: unknown): string | undefined {
  return typeof value === "string" && /^[A-Za-z_-]{1,40}$/.test(value) ? value : undefined;
}

/** 8x8's error code and message, with values in the message withheld; never the object as sent (any shape). */
function errorDetailsForLog(details: Record<string, unknown> | null | undefined) {
  if (!details) return undefined;
  const { errorCode, errorMsg } = details;
  return {
    ...(typeof errorCode === "number" && Number.isInteger(errorCode) && { errorCode }),
    ...(typeof errorMsg === "string" && { errorMsg: withholdValues(errorMsg.slice(0, 200)) }),
  };
}

async function publish(deps: VssDeps, summary: SummaryRecord): Promise<void> {
  if (!deps.events) return;
  const event = callCompletedEvent(summary);
  if (!event) return;
  try {
    await deps.events.publish([event]);
  } catch (err) {
    deps.logger.warn("Could not publish the Call Completed event", { flow: summary.flow, ...errorFields(err) });
  }
}

async function loadMachine(deps: VssDeps, flow: string, version: string): Promise<CompiledMachine | undefined> {
  try {
    return await deps.flows.get(flow, version);
  } catch (err) {
    deps.logger.warn("Could not load the flow version to mask variables; masking all", {
      flow,
      version,
      ...errorFields(err),
    });
    return undefined;
  }
}
