/**
 * The Voice Call Action domain: one VCA event in, one answer out, with the session advanced exactly once per
 * eventId however often (and however concurrently) 8x8 delivers it.
 *
 * - Duplicates (same eventId) get the stored answer back, byte for byte: the session stores the answer's JSON as
 *   it was sent (`lastAnswer`), and a redelivery is answered with that very text, without serialising anything.
 * - A stale clientActionId (an event answering an older prompt) never advances the session: the current prompt is
 *   re-issued.
 * - Writes are conditional on the session's revision; a lost race is retried once from the winner's record.
 * - Anything that goes wrong inside (store, missing flow version, engine fault) still answers 200 with the flow's
 *   onError callflow: a 5xx would make 8x8 end the call with an error, which is worse than an apology.
 * - A step that stops at a `fetch` is completed through src/integration (./fetch-effects.ts); a request other than
 *   GET is sent at most once per event: the event claims the session first, and other deliveries wait for its
 *   answer (a claim whose sender vanished takes the fetch's error route, without sending again).
 */
import type { VcaAnswer } from "../engine/callflow.js";
import { fallbackStep, newSession, transition } from "../engine/engine.js";
import type { CompiledMachine } from "../engine/machine.js";
import type { ContactRef, Session, StepResult } from "../engine/session.js";
import type { FetchPerformer } from "../integration/performer.js";
import { errorFields, type Logger } from "../observability/logger.js";
import { maskPhone, maskVars } from "../observability/masking.js";
import { countMetric, MetricName, type Metrics } from "../observability/metrics.js";
import { requireInputs } from "../outbound/inputs.js";
import type { FallbackWrite, FetchClaim, SessionRecord, SessionStore, WriteOutcome } from "../store/ports.js";
import { EventDeadline, FALLBACK_MARKER_BUDGET_MS, sessionsWithin } from "./deadline.js";
import { type FallbackMarkers, markersFor } from "./fallback-markers.js";
import { type Completed, completeStep, type FetchObserver, pollDelay, sleep, unknownOutcome } from "./fetch-effects.js";
import type { FlowRegistry } from "./flow-registry.js";
import type { VcaEvent } from "./vca-event.js";

/** Sessions outlive any plausible call; DynamoDB TTL then removes the item (and the numbers in it). */
export const DEFAULT_SESSION_TTL_SECONDS = 6 * 60 * 60;

/** Said when a call reaches a number that no flow owns (a routing mistake, not a fault). */
export const UNROUTED_TEXT = "Sorry, this number is not in service. Goodbye.";
export const UNROUTED_VOICE = "en-GB-Emma";

export interface VcaDeps {
  sessions: SessionStore;
  flows: FlowRegistry;
  logger: Logger;
  metrics: Metrics;
  now: () => Date;
  sessionTtlSeconds?: number;
  /** told of every committed transition (once per event, never for duplicates): flow coverage in `ivr test` */
  onStep?: StepObserver;
  /** told of the flow states a fallback answer rendered (its `onError` chain): coverage again */
  onFallback?: FallbackObserver;
  /** performs `fetch` requests (src/integration); absent: every fetch takes its error route */
  fetcher?: FetchPerformer;
  /** told once per request performed: service, path template, status, route, duration (local stack, studio) */
  onFetch?: FetchObserver;
  /** where fallback markers are written and retried (default: the ones shared by handlers on `sessions`) */
  markers?: FallbackMarkers;
  /**
   * The event's deadline (./deadline.ts): handleVcaEvent bounds every store call with its signal; service requests
   * and waits on another delivery run `outside` it, bounded by their own limits. Absent: handleVcaEvent starts one.
   */
  deadline?: EventDeadline;
}

/**
 * The longest a delivery waits for another delivery's claimed answer: inside the VCA function's 10 s timeout
 * (cdk/integration.ts), so a delivery that gives up still answers (the fallback) rather than time out.
 */
export const MAX_CLAIM_WAIT_MS = 7000;

export type StepObserver = (step: StepResult) => void;
export type FallbackObserver = (flow: string, visited: string[]) => void;

export type VcaOutcome =
  /** a new session was created */
  | "started"
  /** the session moved on */
  | "advanced"
  /** a redelivered event: the stored answer was returned */
  | "duplicate"
  /** an event for an older prompt: the current prompt was re-issued */
  | "stale"
  /** a CALL_RECEIVED for an outbound session we prepared: its current prompt is sent again */
  | "reissued"
  /** the session had already ended: hang up */
  | "ended"
  /** no flow owns the number called */
  | "unrouted"
  /** something failed (or the session is unknown/expired): the fallback callflow */
  | "fallback";

export interface VcaResult {
  /** the answer's JSON, as sent: the very text the session stores as `lastAnswer` */
  body: string;
  outcome: VcaOutcome;
  clientActionId: string;
  /** what this event did to the call, for the one log line per event (none for stored answers sent again) */
  moved?: { flow: string; version: string; from: string | null; to: string; ended: boolean };
}

/** An answer worked out by this event, serialised once: the response body and the stored `lastAnswer`. */
function sent(answer: VcaAnswer, outcome: VcaOutcome, moved?: VcaResult["moved"]): VcaResult {
  return { body: JSON.stringify(answer), outcome, clientActionId: answer.clientActionId, ...(moved && { moved }) };
}

/** A stored answer sent again (a duplicate, a stale event, a re-issued prompt): its text, untouched. */
function again(record: SessionRecord, outcome: VcaOutcome): VcaResult {
  return { body: record.lastAnswer as string, outcome, clientActionId: record.session.clientActionId };
}

/** Raised inside the service for conditions that end in the fallback answer. */
class VcaFault extends Error {
  override readonly name = "VcaFault";
}

export async function handleVcaEvent(outer: VcaDeps, event: VcaEvent): Promise<VcaResult> {
  const deadline = outer.deadline ?? new EventDeadline();
  const deps: VcaDeps = { ...outer, deadline, sessions: sessionsWithin(outer.sessions, deadline.signal) };
  const now = deps.now();
  const context: FaultContext = {};
  try {
    if (event.callStatus !== "CALL_RECEIVED") return await continueSession(deps, event, now, context);
    return event.direction === "INBOUND"
      ? await startSession(deps, event, now, context)
      : await resumeOutbound(deps, event, now, context);
  } catch (err) {
    deps.logger.error("VCA event failed; answering with the fallback callflow", {
      sessionId: event.sessionId,
      eventId: event.eventId,
      callStatus: event.callStatus,
      flow: context.session?.flow,
      version: context.session?.version,
      state: context.session?.state,
      ...errorFields(err),
    });
    const machine = context.machine ?? routedMachine(deps, event);
    const result = fallback(deps, machine, context.session, now);
    const answered = sent(result.answer, result.outcome);
    await recordFallback(outer, event, context, result, answered.body, now);
    return answered;
  } finally {
    if (!outer.deadline) deadline.dispose();
  }
}

/**
 * Fence the session behind the fallback answer and store what the caller heard (./fallback-markers.ts). With the
 * session known (read, or created by this event), the item is written as heard whether or not it exists, since
 * this event's own create or replace may still land; without it (the read failed), an existing item is marked.
 */
async function recordFallback(
  deps: VcaDeps,
  event: VcaEvent,
  context: FaultContext,
  result: ReturnType<typeof fallback>,
  body: string,
  now: Date,
): Promise<void> {
  const { session, machine } = context;
  const write: FallbackWrite = {
    sessionId: event.sessionId,
    marker: { at: now.toISOString(), turn: session?.turn ?? echoedTurn(event), state: result.visited[0] ?? null },
    eventId: event.eventId,
    answer: body,
    expiresAt: expiresAt(deps, now),
  };
  if (session) {
    // Over, where the call was when it failed (analytics' `failed` state); the marker names the onError state heard.
    const heard: Session = { ...session, status: "ended", clientActionId: result.answer.clientActionId };
    write.session = machine ? withoutSecretsOnceEnded(machine, heard) : { ...heard, vars: maskVars(heard.vars, "all") };
  }
  await markersFor(deps).record(write, FALLBACK_MARKER_BUDGET_MS);
}

/** When the session could not be read: the turn the event answers, from the clientActionId it echoes
 * (`<state>:<turn>`). */
function echoedTurn(event: VcaEvent): number {
  const turn = Number(event.clientActionId?.split(":").at(-1));
  return Number.isInteger(turn) ? turn : 0;
}

/**
 * The flow an inbound call is on when the session could not be read: the one owning the number called, so the
 * caller hears that flow's own onError rather than the built-in apology. (An outbound call's number says nothing.)
 */
function routedMachine(deps: VcaDeps, event: VcaEvent): CompiledMachine | undefined {
  return event.direction === "INBOUND" ? deps.flows.byNumber(event.called) : undefined;
}

/** What was known when a fault happened, so the fallback can use the flow's own onError state. */
interface FaultContext {
  machine?: CompiledMachine;
  session?: Session;
}

function expiresAt(deps: VcaDeps, now: Date): number {
  return Math.floor(now.getTime() / 1000) + (deps.sessionTtlSeconds ?? DEFAULT_SESSION_TTL_SECONDS);
}

function answerOf(step: StepResult): VcaAnswer {
  return { clientActionId: step.session.clientActionId, callflow: step.actions };
}

function fallback(deps: VcaDeps, machine: CompiledMachine | undefined, session: Session | undefined, now: Date) {
  countMetric(deps.metrics, MetricName.Fallbacks, session?.flow ?? machine?.flow);
  const { actions, visited } = fallbackStep(machine, session, now);
  if (machine && visited.length > 0) deps.onFallback?.(machine.flow, visited);
  const answer: VcaAnswer = { clientActionId: `error:${session?.turn ?? 0}`, callflow: actions };
  return { answer, outcome: "fallback" as const, visited };
}

async function startSession(deps: VcaDeps, event: VcaEvent, now: Date, context: FaultContext): Promise<VcaResult> {
  const machine = deps.flows.byNumber(event.called);
  if (!machine) {
    deps.logger.warn("No flow owns the number called; answering 'not in service'", {
      called: maskPhone(event.called),
      direction: event.direction,
    });
    countMetric(deps.metrics, MetricName.UnroutedCalls, undefined);
    return sent(unroutedAnswer(), "unrouted");
  }
  context.machine = machine;
  const session = newSession(
    machine,
    {
      sessionId: event.sessionId,
      callId: event.callId,
      caller: event.caller,
      called: event.called,
      direction: event.direction,
    },
    now,
  );
  context.session = session;
  const expiry = expiresAt(deps, now);
  const first = transition(machine, session, { type: "start" }, now);
  const done = await completeStep(deps, machine, first, { eventId: event.eventId, base: undefined, expiresAt: expiry });
  if (!done.ok) return lostStart(deps, event, done.current, now, context);
  const step = done.step;
  const result = sent(answerOf(step), "started", moved(machine, null, step.session));
  const record: SessionRecord = {
    session: withoutSecretsOnceEnded(machine, step.session),
    rev: (done.base?.rev ?? 0) + 1,
    sensitive: machine.sensitive,
    lastEventId: event.eventId,
    lastAnswer: result.body,
    expiresAt: expiry,
  };
  const outcome = done.base ? await writeOver(deps, done, record) : await deps.sessions.create(record, now);
  if (outcome.ok) {
    countMetric(deps.metrics, MetricName.CallsStarted, machine.flow);
    recordVisits(deps, step);
    return result;
  }
  return lostStart(deps, event, outcome.current, now, context);
}

/**
 * The session exists already: a redelivered CALL_RECEIVED (ours, or one that won a concurrent race), or a
 * CALL_RECEIVED for a session prepared by `ivr dial`. Either way: answer with what the caller should hear now
 * (once a delivery holding a claim on it has answered).
 */
async function lostStart(
  deps: VcaDeps,
  event: VcaEvent,
  current: SessionRecord | undefined,
  now: Date,
  context: FaultContext,
): Promise<VcaResult> {
  if (!current) throw new VcaFault("create conflicted but no current session was returned");
  context.session = current.session;
  if (current.lastEventId === event.eventId && current.lastAnswer) return duplicate(deps, current);
  if (current.claim) return lostStart(deps, event, await settleClaim(deps, current, now, context), now, context);
  if (!current.lastAnswer) throw new VcaFault("create conflicted but no current session answer was returned");
  return stale(deps, event, current, "CALL_RECEIVED for an existing session");
}

export function unroutedAnswer(): VcaAnswer {
  return {
    clientActionId: "unrouted:0",
    callflow: [{ action: "say", params: { text: UNROUTED_TEXT, voiceProfile: UNROUTED_VOICE } }, { action: "hangup" }],
  };
}

/**
 * 8x8 documents CALL_RECEIVED for inbound calls only; should one arrive for an outbound call, its session was
 * prepared by `ivr dial` (routing by number would be wrong: the destination is the person called). Answer with
 * the current prompt without recording the event, so the first capture may still come without a clientActionId.
 */
async function resumeOutbound(deps: VcaDeps, event: VcaEvent, now: Date, context: FaultContext): Promise<VcaResult> {
  const record = await deps.sessions.get(event.sessionId, now);
  if (!record?.lastAnswer) {
    deps.logger.warn("CALL_RECEIVED for an unknown outbound session; answering with the apology", {
      eventId: event.eventId,
    });
    return fallbackResult(deps, now);
  }
  context.session = record.session;
  if (record.lastEventId === event.eventId) return duplicate(deps, record);
  deps.logger.info("CALL_RECEIVED for a prepared outbound session; re-issuing its current prompt", {
    flow: record.session.flow,
    state: record.session.state,
  });
  return again(record, "reissued");
}

async function continueSession(deps: VcaDeps, event: VcaEvent, now: Date, context: FaultContext): Promise<VcaResult> {
  const record = await deps.sessions.get(event.sessionId, now);
  if (!record) {
    deps.logger.warn("VCA event for an unknown or expired session; answering with the apology", {
      eventId: event.eventId,
      callStatus: event.callStatus,
      direction: event.direction,
    });
    return fallbackResult(deps, now);
  }
  return advance(deps, event, record, now, context, true);
}

async function advance(
  deps: VcaDeps,
  event: VcaEvent,
  record: SessionRecord,
  now: Date,
  context: FaultContext,
  mayRetry: boolean,
): Promise<VcaResult> {
  const { session } = record;
  context.session = session;
  if (record.lastEventId === event.eventId && record.lastAnswer) return duplicate(deps, record);
  if (session.status === "ended" || record.endedAt !== undefined) {
    return sent({ clientActionId: session.clientActionId, callflow: [{ action: "hangup" }] }, "ended");
  }
  // Another delivery is making a request for this session: judge this event once it has answered.
  if (record.claim) return advance(deps, event, await settleClaim(deps, record, now, context), now, context, mayRetry);
  if (!answersCurrentPrompt(event, record)) return stale(deps, event, record, "clientActionId does not match");

  // The call finishes on the version it started on, even if a newer one was deployed since.
  const machine = await deps.flows.get(session.flow, session.version, { signal: deps.deadline?.signal });
  if (!machine) throw new VcaFault(`flow ${session.flow} version ${session.version} is not available`);
  context.machine = machine;

  const first = transition(machine, session, { type: "input", digits: event.digits }, now);
  const expiry = expiresAt(deps, now);
  const done = await completeStep(deps, machine, first, { eventId: event.eventId, base: record, expiresAt: expiry });
  if (!done.ok) return lostRace(deps, event, done.current, now, context, mayRetry);
  const step = done.step;
  const base = done.base ?? record;
  const result = sent(answerOf(step), "advanced", moved(machine, session.state, step.session));
  const next: SessionRecord = {
    session: withoutSecretsOnceEnded(machine, step.session),
    rev: base.rev + 1,
    sensitive: machine.sensitive,
    lastEventId: event.eventId,
    lastAnswer: result.body,
    expiresAt: expiry,
    ...(base.endedAt !== undefined && { endedAt: base.endedAt }),
    ...(base.fallback !== undefined && { fallback: base.fallback }),
  };
  const outcome = await writeOver(deps, done, next);
  if (outcome.ok) {
    recordVisits(deps, step);
    return result;
  }
  return lostRace(deps, event, outcome.current, now, context, mayRetry);
}

async function lostRace(
  deps: VcaDeps,
  event: VcaEvent,
  current: SessionRecord | undefined,
  now: Date,
  context: FaultContext,
  mayRetry: boolean,
): Promise<VcaResult> {
  if (!current) throw new VcaFault("session disappeared while being updated");
  // Lost the race to a concurrent delivery of this very event: its answer is the answer.
  if (current.lastEventId === event.eventId && current.lastAnswer) return duplicate(deps, current);
  // It holds a claim (its request is in flight): its answer will be the answer.
  if (current.claim?.eventId === event.eventId) return advance(deps, event, current, now, context, mayRetry);
  if (!mayRetry) throw new VcaFault("session changed concurrently twice; giving up");
  // Another event got in first: judge this one again against the session as it now is (usually: stale).
  return advance(deps, event, current, now, context, false);
}

/**
 * The answer's conditional write over the record it was computed from (or claimed). Should an unrelated write land
 * while our request was out (the VSS marking the session ended, a fallback marker), the claim is still ours: write
 * over that once, keeping what it recorded.
 */
async function writeOver(
  deps: VcaDeps,
  done: Extract<Completed, { ok: true }>,
  next: SessionRecord,
): Promise<WriteOutcome> {
  const base = done.base as SessionRecord;
  const outcome = await deps.sessions.replace(base, next);
  const current = outcome.ok ? undefined : outcome.current;
  if (!current || done.claimId === undefined || current.claim?.id !== done.claimId) return outcome;
  return deps.sessions.replace(current, {
    ...next,
    rev: current.rev + 1,
    ...(current.endedAt !== undefined && { endedAt: current.endedAt }),
    ...(current.fallback !== undefined && { fallback: current.fallback }),
  });
}

/**
 * Waits until no delivery holds a claim on the session, reading it again now and then (pollDelay). A claim past its
 * deadline is settled here: its request's outcome is unknown, so the fetch's error route is taken and stored as
 * the claimed event's answer; the request is never sent again.
 */
async function settleClaim(
  deps: VcaDeps,
  record: SessionRecord,
  now: Date,
  context: FaultContext,
): Promise<SessionRecord> {
  // Waiting on another delivery is bounded by MAX_CLAIM_WAIT_MS, not by this event's store budget.
  return deps.deadline
    ? deps.deadline.outside(() => waitForClaim(deps, record, now, context))
    : waitForClaim(deps, record, now, context);
}

async function waitForClaim(
  deps: VcaDeps,
  record: SessionRecord,
  now: Date,
  context: FaultContext,
): Promise<SessionRecord> {
  let current = record;
  const giveUpAt = Date.now() + MAX_CLAIM_WAIT_MS;
  for (let attempt = 0; current.claim; attempt++) {
    const claim = current.claim;
    const left = claim.deadline - Date.now();
    if (left <= 0) {
      current = await takeOver(deps, current, claim, now, context);
      continue;
    }
    if (Date.now() >= giveUpAt) throw new VcaFault("another delivery has held the session for too long");
    await sleep(Math.min(pollDelay(attempt), left));
    const read = await deps.sessions.get(current.session.sessionId, now);
    if (!read) throw new VcaFault("session disappeared while another delivery held it");
    current = read;
  }
  return current;
}

async function takeOver(
  deps: VcaDeps,
  record: SessionRecord,
  claim: FetchClaim,
  now: Date,
  context: FaultContext,
): Promise<SessionRecord> {
  const { session } = claim.effect.continuation;
  const { request } = claim.effect;
  const machine = await deps.flows.get(session.flow, session.version);
  if (!machine) throw new VcaFault(`flow ${session.flow} version ${session.version} is not available`);
  context.machine = machine;
  deps.logger.warn("A claimed request never got its answer stored: taking its error route, not sending it again", {
    flow: session.flow,
    state: request.state,
    fetchService: request.service,
    method: request.method,
    path: request.pathTemplate,
  });
  const first = unknownOutcome(machine, claim, now);
  const expiry = expiresAt(deps, now);
  const done = await completeStep(deps, machine, first, {
    eventId: claim.eventId,
    base: record,
    claimId: claim.id,
    expiresAt: expiry,
  });
  if (!done.ok) {
    if (!done.current) throw new VcaFault("session disappeared while being updated");
    return done.current;
  }
  const base = done.base as SessionRecord;
  const next: SessionRecord = {
    session: withoutSecretsOnceEnded(machine, done.step.session),
    rev: base.rev + 1,
    sensitive: machine.sensitive,
    lastEventId: claim.eventId,
    lastAnswer: JSON.stringify(answerOf(done.step)),
    expiresAt: expiry,
    ...(base.endedAt !== undefined && { endedAt: base.endedAt }),
    ...(base.fallback !== undefined && { fallback: base.fallback }),
  };
  const outcome = await writeOver(deps, done, next);
  if (outcome.ok) {
    recordVisits(deps, done.step);
    return next;
  }
  if (!outcome.current) throw new VcaFault("session disappeared while being updated");
  return outcome.current;
}

/**
 * A card number or PIN is kept in the session only while the call may still need it: once our part of the call is
 * over, the stored item keeps it masked (the item itself lives on until its TTL, for duplicates and the VSS).
 */
function withoutSecretsOnceEnded(machine: CompiledMachine, session: Session): Session {
  if (session.status !== "ended" || machine.sensitive.length === 0) return session;
  return { ...session, vars: maskVars(session.vars, machine.sensitive) };
}

/**
 * Does this event answer the prompt the session waits on? A clientActionId that is present must echo our last
 * answer's; only a present, different one is stale. A missing one is taken as answering the current prompt: an
 * outbound session's first capture was sent with Send Callflow (which has no clientActionId field), and an observed
 * 2025 payload carries none at all. Exactly-once does not rest on it: a redelivery is recognised by its eventId.
 */
function answersCurrentPrompt(event: VcaEvent, record: SessionRecord): boolean {
  return event.clientActionId === undefined || event.clientActionId === record.session.clientActionId;
}

function duplicate(deps: VcaDeps, record: SessionRecord): VcaResult {
  countMetric(deps.metrics, MetricName.DuplicateEvents, record.session.flow);
  deps.logger.info("Duplicate VCA event; answering as before", { flow: record.session.flow });
  return again(record, "duplicate");
}

function stale(deps: VcaDeps, event: VcaEvent, record: SessionRecord, why: string): VcaResult {
  countMetric(deps.metrics, MetricName.StaleEvents, record.session.flow);
  deps.logger.warn("Stale VCA event; re-issuing the current prompt", {
    why,
    flow: record.session.flow,
    state: record.session.state,
    expected: record.session.clientActionId,
    received: event.clientActionId ?? null,
  });
  if (!record.lastAnswer) throw new VcaFault("stored session has no answer to re-issue");
  return again(record, "stale");
}

/** The apology for an event whose session is unknown: nothing to mark. */
function fallbackResult(deps: VcaDeps, now: Date): VcaResult {
  const { answer, outcome } = fallback(deps, undefined, undefined, now);
  return sent(answer, outcome);
}

/** Where the call went: logged once per event with the answer (http-handlers.ts). */
function moved(machine: CompiledMachine, from: string | null, session: Session): VcaResult["moved"] {
  return { flow: machine.flow, version: machine.version, from, to: session.state, ended: session.status === "ended" };
}

function recordVisits(deps: VcaDeps, step: StepResult): void {
  deps.onStep?.(step);
  countMetric(deps.metrics, MetricName.StateVisits, step.session.flow, step.visited.length);
}

export interface OutboundSessionInput {
  flow: string;
  /** the sessionId 8x8 returned for the Send Callflow request */
  sessionId: string;
  /** our virtual number (the caller id) */
  caller: string;
  /** the person being called */
  called: string;
  now: Date;
  /** values for the flow's declared inputs: refused (InputsError) when one is missing, unknown or malformed */
  inputs?: Readonly<Record<string, string>>;
  /** set when the call is an attempt of a campaign contact */
  contact?: ContactRef;
}

export interface OutboundDeps {
  sessions: SessionStore;
  flows: FlowRegistry;
  metrics?: Metrics;
  sessionTtlSeconds?: number;
  onStep?: StepObserver;
}

/**
 * The first answer of an outbound call, rendered without storing anything: what goes after `makeCall` in the
 * Send Callflow request. Pure; `prepareOutboundSession` with the same input renders the same actions (unless a
 * prompt speaks `{{sessionId}}`, which is unknown until 8x8 answers).
 */
export function renderOutboundStart(
  flows: FlowRegistry,
  input: Omit<OutboundSessionInput, "sessionId"> & { sessionId?: string },
): { machine: CompiledMachine; step: StepResult } {
  const machine = flows.current(input.flow);
  if (!machine) throw new Error(`unknown flow "${input.flow}"`);
  // Every way of placing an outbound call comes through here: none can store or dial one with bad inputs.
  const inputs = requireInputs(machine, input.inputs ?? {});
  const session = newSession(
    machine,
    {
      sessionId: input.sessionId ?? "",
      caller: input.caller,
      called: input.called,
      direction: "OUTBOUND",
      inputs,
      ...(input.contact !== undefined && { contact: input.contact }),
    },
    input.now,
  );
  const step = transition(machine, session, { type: "start" }, input.now);
  if (step.effect) {
    // The first answer of an outbound call travels in the Send Callflow request, before 8x8 has given the call a
    // sessionId: there is no session yet to make a request for, or to claim it with.
    throw new Error(
      `flow ${machine.flow} reaches fetch "${step.effect.request.state}" before its first prompt, which an ` +
        "outbound call cannot do: put the fetch after the first menu or ask",
    );
  }
  return { machine, step };
}

/**
 * Store an outbound session under 8x8's sessionId, positioned after its first answer, so the call's first VCA
 * (8x8 reports the capture as ACTION_COMPLETED, possibly without a clientActionId) continues it. Returns the
 * answer stored with it: its callflow is what to send after `makeCall`. Throws when the flow is unknown or the
 * session already exists.
 */
export async function prepareOutboundSession(deps: OutboundDeps, input: OutboundSessionInput): Promise<VcaAnswer> {
  const { machine, step } = renderOutboundStart(deps.flows, input);
  const answer = answerOf(step);
  const record: SessionRecord = {
    session: step.session,
    rev: 1,
    sensitive: machine.sensitive,
    lastAnswer: JSON.stringify(answer),
    expiresAt: Math.floor(input.now.getTime() / 1000) + (deps.sessionTtlSeconds ?? DEFAULT_SESSION_TTL_SECONDS),
  };
  const outcome = await deps.sessions.create(record, input.now);
  if (!outcome.ok) throw new Error(`session ${input.sessionId} already exists`);
  if (deps.metrics) countMetric(deps.metrics, MetricName.CallsStarted, machine.flow);
  deps.onStep?.(step);
  return answer;
}
