/**
 * Performing the requests a step stopped at, for the VCA domain: the engine describes a fetch, this performs it
 * through src/integration and resumes the walk, as many times as the answer needs.
 *
 * Exactly once with side effects: before a request other than GET is sent, the event claims the session with a
 * conditional write (rev + 1 and a FetchClaim). Concurrent deliveries of the event lose that write (or find the
 * claim when they read) and wait for the claimant's stored answer. A GET needs no claim: sending it twice changes
 * nothing, and the session write that follows still lets one delivery advance the session.
 */
import { randomUUID } from "node:crypto";
import { resume } from "../engine/engine.js";
import type { CompiledMachine } from "../engine/machine.js";
import type { FetchErrorKind, FetchRequest, StepResult } from "../engine/session.js";
import type { FetchPerformer, PerformedFetch } from "../integration/performer.js";
import type { Logger } from "../observability/logger.js";
import type { FetchClaim, SessionRecord, SessionStore } from "../store/ports.js";
import type { EventDeadline } from "./deadline.js";

/**
 * Beyond the request's own timeout: resuming, the session write (with its retries), a slow secret read. A live
 * claimant should always finish inside it; past it, the claimant is presumed gone.
 */
export const CLAIM_MARGIN_MS = 3000;
/** A delivery waiting on another's claim reads the session again after this, doubling up to CLAIM_POLL_MAX_MS. */
export const CLAIM_POLL_MS = 50;
export const CLAIM_POLL_MAX_MS = 400;

/** The wait before the n-th read (0-based) of a claimed session: doubling, capped, with jitter so the readers of
 * many concurrent deliveries do not arrive together. */
export function pollDelay(attempt: number): number {
  const base = Math.min(CLAIM_POLL_MAX_MS, CLAIM_POLL_MS * 2 ** attempt);
  return Math.round(base / 2 + Math.random() * (base / 2));
}

/** What the local stack and the studio are told of each request performed (never bodies, headers, values). */
export interface FetchEvent {
  sessionId: string;
  flow: string;
  version: string;
  /** the fetch state */
  state: string;
  service: string;
  method: FetchRequest["method"];
  /** the path as written, e.g. "/cards/{{card}}/verify" */
  pathTemplate: string;
  /** null when no response came (timeout, network, misconfiguration) */
  status: number | null;
  /** the edge taken: "next", "on:<route>" or "onError" */
  route: string;
  /** the state the route leads to ("#apology": the built-in apology, when neither the fetch nor the flow has onError) */
  to: string;
  durationMs: number;
  error?: FetchErrorKind;
}

export type FetchObserver = (event: FetchEvent) => void;

/** One line for a terminal: `fetch bank POST /cards/{{card}}/verify -> 200 (next -> speak) in 35 ms`. */
export function describeFetch(e: FetchEvent): string {
  const result = e.status === null ? (e.error ?? "no response") : String(e.status);
  const failed = e.status === null && e.error ? "" : e.error ? ` ${e.error}` : "";
  return `fetch ${e.flow}/${e.state}: ${e.service} ${e.method} ${e.pathTemplate} -> ${result}${failed} (${e.route} -> ${e.to}) in ${Math.round(e.durationMs)} ms`;
}

export interface EffectDeps {
  sessions: SessionStore;
  logger: Logger;
  now: () => Date;
  fetcher?: FetchPerformer;
  onFetch?: FetchObserver;
  /** the event's store budget: a request runs outside it (bounded by its own timeout) */
  deadline?: EventDeadline;
}

/** Who is answering: the event, and the record as it stands (undefined: a session not stored yet). */
export interface Claimant {
  eventId: string;
  base: SessionRecord | undefined;
  /** the claim this event already holds on `base` (a takeover continues under the expired claim's record) */
  claimId?: string;
  /** the session's expiry, for a session created holding a claim */
  expiresAt: number;
}

export type Completed =
  /** the answer is complete; write it over `base` (or create it when undefined) */
  | { ok: true; step: StepResult; base: SessionRecord | undefined; claimId?: string }
  /** another delivery got in first: the record as it now is */
  | { ok: false; current: SessionRecord | undefined };

/**
 * Performs every fetch the step stops at, in order, resuming after each. Never throws for a failed request (it
 * is an outcome the flow routes); store errors do propagate.
 */
export async function completeStep(
  deps: EffectDeps,
  machine: CompiledMachine,
  first: StepResult,
  claimant: Claimant,
): Promise<Completed> {
  let step = first;
  let { base, claimId } = claimant;
  while (step.effect) {
    const { request } = step.effect;
    if (request.method !== "GET") {
      const claimed = claimRecord(machine, step, claimant, base);
      const write = base ? await deps.sessions.replace(base, claimed) : await deps.sessions.create(claimed, deps.now());
      if (!write.ok) return { ok: false, current: write.current };
      base = claimed;
      claimId = claimed.claim?.id;
    }
    const performed = deps.deadline
      ? await deps.deadline.outside(() => perform(deps, machine, request))
      : await perform(deps, machine, request);
    const before = step.edges.length;
    step = resume(machine, step, performed.outcome, deps.now(), performed.durationMs);
    observe(deps, machine, step, request, performed, before);
  }
  return { ok: true, step, base, ...(claimId !== undefined && { claimId }) };
}

/** The record that claims the event for the request about to be sent. */
function claimRecord(
  machine: CompiledMachine,
  step: StepResult,
  claimant: Claimant,
  base: SessionRecord | undefined,
): SessionRecord {
  const effect = step.effect as NonNullable<StepResult["effect"]>;
  const claim: FetchClaim = {
    id: randomUUID(),
    eventId: claimant.eventId,
    deadline: Date.now() + effect.request.timeoutMs + CLAIM_MARGIN_MS,
    effect,
  };
  if (base) return { ...base, rev: base.rev + 1, claim };
  // A fetch before the first answer: the session is created holding the claim (no answer yet).
  return {
    session: effect.continuation.session,
    rev: 1,
    sensitive: machine.sensitive,
    expiresAt: claimant.expiresAt,
    claim,
  };
}

async function perform(deps: EffectDeps, machine: CompiledMachine, request: FetchRequest): Promise<PerformedFetch> {
  if (!deps.fetcher) {
    deps.logger.error("A fetch was reached but no fetch performer is configured: taking its error route", {
      flow: machine.flow,
      state: request.state,
    });
    return { outcome: { error: "config" }, durationMs: 0 };
  }
  return deps.fetcher.perform(machine, request);
}

function observe(
  deps: EffectDeps,
  machine: CompiledMachine,
  step: StepResult,
  request: FetchRequest,
  performed: PerformedFetch,
  edgeIndex: number,
): void {
  if (!deps.onFetch) return;
  const edge = step.edges[edgeIndex];
  const { outcome } = performed;
  try {
    deps.onFetch({
      sessionId: step.session.sessionId,
      flow: machine.flow,
      version: machine.version,
      state: request.state,
      service: request.service,
      method: request.method,
      pathTemplate: request.pathTemplate,
      status: outcome.status ?? null,
      route: edge?.on ?? "onError",
      to: edge?.to ?? "",
      durationMs: performed.durationMs,
      ...("error" in outcome && { error: outcome.error }),
    });
  } catch (err) {
    // An observer is for tools; it must never change what the caller hears.
    deps.logger.warn("fetch observer failed", { error: err instanceof Error ? err.message : String(err) });
  }
}

/**
 * The step an expired claim resumes to: its fetch's error route (outcome unknown), never a second request.
 */
export function unknownOutcome(machine: CompiledMachine, claim: FetchClaim, now: Date): StepResult {
  const { continuation } = claim.effect;
  const suspended: StepResult = {
    session: continuation.session,
    actions: continuation.actions,
    visited: continuation.visited,
    edges: continuation.edges,
    effect: claim.effect,
  };
  return resume(machine, suspended, { error: "unknown" }, now);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
