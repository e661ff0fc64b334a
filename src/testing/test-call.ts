/**
 * Calls placed in tests: the real VCA and VSS handlers (validation, DynamoDB stores, exactly-once writes) driven
 * the way 8x8 drives them, with no HTTP server in between. `ivr test`, the vitest scenario suite and users'
 * own TypeScript replays all go through here:
 *
 *   const call = await dial("acme-support");
 *   await call.press("1");
 *   expect(call.heard()).toMatch(/account number/);
 */
import type { CallCompletedDetail } from "../analytics/event.js";
import type { CallflowAction, VcaAnswer } from "../engine/callflow.js";
import type { CompiledMachine } from "../engine/machine.js";
import { createFetchPerformer } from "../integration/performer.js";
import type { SecretSource } from "../integration/secrets.js";
import {
  describeRequest,
  type ServiceStub,
  type StubbedRequest,
  StubServices,
  stubBaseUrl,
} from "../integration/stubs.js";
import { syntheticEvent } from "../local/apigw-adapter.js";
import { lagSeconds } from "../local/clock.js";
import type { LocalDynamo } from "../local/local-dynamo.js";
import { createLocalObservability } from "../local/observability.js";
import {
  actionCompletedEvent,
  callReceivedEvent,
  captureInput,
  captureOf,
  holdStatesOf,
  isHoldAnswer,
  lastActionName,
  newSimulatedCall,
  PLACEHOLDER_NUMBER,
  type SimulatedCall,
  sessionSummaryEvent,
} from "../local/simulated-8x8.js";
import { InputsError } from "../outbound/inputs.js";
import type {
  FallbackWrite,
  ReadOptions,
  SessionRecord,
  SessionStore,
  StoreCallOptions,
  SummaryRecord,
} from "../store/ports.js";
import type { FetchObserver } from "../webhooks/fetch-effects.js";
import { alsoRoutedTo, FlowRegistry } from "../webhooks/flow-registry.js";
import { createVcaHandler, createVssHandler, type ProxyHandler } from "../webhooks/http-handlers.js";
import {
  DEFAULT_SESSION_TTL_SECONDS,
  type FallbackObserver,
  prepareOutboundSession,
  type StepObserver,
} from "../webhooks/vca-service.js";
import { endingOf, spokenLines } from "./expectations.js";

/** A number in a range no subscriber holds, for calls that do not care who calls. */
export const DEFAULT_TEST_CALLER = "+6590000001";

export interface DialOptions {
  /** who places the call (inbound: the caller; outbound: our number, default the flow's first number) */
  caller?: string;
  /** the number dialled (inbound: default the flow's first number; outbound: the person called) */
  called?: string;
  /** outbound calls are placed as `ivr dial` places them; flows without numbers are outbound by default */
  direction?: "inbound" | "outbound";
  /** freeze the handlers' clock at this instant (for `hours` states) */
  at?: Date;
  /** stubbed services: every request the flow makes is answered by these (none: any request fails the call) */
  services?: readonly ServiceStub[];
  /** values for the flow's inputs: the call is placed outbound (the default direction then), and refused
   * (CallError, nothing stored) when the flow refuses them */
  inputs?: Record<string, string>;
}

/** Secrets in tests: a stand-in value per name, so service headers render without real credentials. */
const TEST_SECRETS: SecretSource = { get: async (name) => `test-secret-${name}` };

/** Holds in a row before a test call gives up (a flow cannot reasonably hold more often than this). */
const MAX_HOLDS_IN_A_ROW = 20;

/** One answer of ours and the keys that led to it. */
export interface Turn {
  /** what 8x8 reported for the event this answers: digits, null (no input), or undefined for the first answer */
  dtmf?: string | null;
  answer: VcaAnswer;
}

export class CallError extends Error {
  override name = "CallError";
}

/** What a call needs from its surroundings: the stores, the machines, and who wants to hear about transitions. */
export interface CallSurroundings {
  dynamo: LocalDynamo;
  machines: readonly CompiledMachine[];
  onStep?: StepObserver;
  onFallback?: FallbackObserver;
  onFetch?: FetchObserver;
}

/**
 * The session store as the call's handlers see it: the real one, unless a test asked for the next access to fail
 * (`failStore`), to hear what a caller hears when DynamoDB is down.
 */
class FaultInjectingSessionStore implements SessionStore {
  /** the next read (get) or write (create, replace) throws, once */
  failNext: "read" | "write" | undefined;

  constructor(private readonly store: SessionStore) {}

  private check(access: "read" | "write"): void {
    if (this.failNext !== access) return;
    this.failNext = undefined;
    throw new Error(`injected fault: the session store refused a ${access}`);
  }

  async get(sessionId: string, now: Date, options?: ReadOptions) {
    this.check("read");
    return this.store.get(sessionId, now, options);
  }

  async create(record: SessionRecord, now: Date, options?: StoreCallOptions) {
    this.check("write");
    return this.store.create(record, now, options);
  }

  async replace(prev: SessionRecord, next: SessionRecord, options?: StoreCallOptions) {
    this.check("write");
    return this.store.replace(prev, next, options);
  }

  async markFallback(write: FallbackWrite, options?: StoreCallOptions) {
    this.check("write");
    return this.store.markFallback(write, options);
  }
}

export class TestCall {
  readonly turns: Turn[] = [];
  private summaryRecord: SummaryRecord | undefined;
  private hungUp = false;
  /** where the answers to the latest input begin (a hold message and what followed it) */
  private inputTurn = 0;
  private inputRequest = 0;
  private readonly holds: Set<string>;

  private constructor(
    readonly flow: CompiledMachine,
    private readonly sim: SimulatedCall,
    private readonly vca: ProxyHandler,
    private readonly vss: ProxyHandler,
    private readonly env: CallSurroundings,
    private readonly sessions: FaultInjectingSessionStore,
    private readonly clock: () => Date,
    private readonly startedAt: Date,
    /** the `Call Completed` events the summary produced (one, once the call is over) */
    readonly events: readonly CallCompletedDetail[],
    /** the stubbed services' requests (the call's own: nothing is shared between calls) */
    readonly services: StubServices,
  ) {
    this.holds = new Set(holdStatesOf(flow));
  }

  static async place(env: CallSurroundings, flowId: string, options: DialOptions = {}): Promise<TestCall> {
    const machine = env.machines.find((m) => m.flow === flowId);
    if (!machine) {
      const known = env.machines.map((m) => m.flow).join(", ") || "none";
      throw new CallError(`no flow "${flowId}" (flows: ${known})`);
    }
    const outboundByDefault = machine.numbers.length === 0 || options.inputs !== undefined;
    const outbound = (options.direction ?? (outboundByDefault ? "outbound" : "inbound")) === "outbound";
    if (!outbound && options.inputs !== undefined) {
      throw new CallError("inputs travel with outbound calls only: drop `direction: inbound` or the inputs");
    }
    const ours = machine.numbers[0] ?? PLACEHOLDER_NUMBER;
    const caller = options.caller ?? (outbound ? ours : DEFAULT_TEST_CALLER);
    const called = options.called ?? (outbound ? DEFAULT_TEST_CALLER : ours);
    const frozen = options.at;
    const clock = () => (frozen ? new Date(frozen) : new Date());
    // A call frozen in the past keeps its session for as long as one placed now would (clock.ts).
    const sessionTtlSeconds = DEFAULT_SESSION_TTL_SECONDS + lagSeconds(clock());

    // The number dialled reaches this flow whatever the flows say.
    const routed = outbound ? machine : alsoRoutedTo(machine, called);
    const others = env.machines.filter((m) => m.flow !== machine.flow && !m.numbers.includes(called));
    const flows = new FlowRegistry([routed, ...others], env.dynamo.flowVersions);
    const { logger, metrics } = createLocalObservability();
    const sessions = new FaultInjectingSessionStore(env.dynamo.sessions);
    const events: CallCompletedDetail[] = [];
    const services = new StubServices(options.services ?? []);
    const fetcher = createFetchPerformer({
      secrets: TEST_SECRETS,
      logger,
      metrics,
      baseUrl: stubBaseUrl,
      transport: services.transport,
    });
    const deps = {
      events: { publish: async (published: readonly CallCompletedDetail[]) => void events.push(...published) },
      fetcher,
      ...(env.onFetch && { onFetch: env.onFetch }),
      sessions,
      summaries: env.dynamo.summaries,
      flows,
      logger,
      metrics,
      now: clock,
      sessionTtlSeconds,
      ...(env.onStep && { onStep: env.onStep }),
      ...(env.onFallback && { onFallback: env.onFallback }),
    };
    const sim = newSimulatedCall({ caller, called, direction: outbound ? "OUTBOUND" : "INBOUND" });
    const call = new TestCall(
      machine,
      sim,
      createVcaHandler(deps),
      createVssHandler(deps),
      env,
      sessions,
      clock,
      clock(),
      events,
      services,
    );
    if (outbound) {
      // As `ivr dial` does: the session is stored under 8x8's sessionId before the phone rings, and the first
      // actions travel in the Send Callflow request (after its makeCall), not in a VCA answer.
      const { callflow } = await prepareOutboundSession(
        { sessions: env.dynamo.sessions, flows, sessionTtlSeconds, ...(env.onStep && { onStep: env.onStep }) },
        { flow: machine.flow, sessionId: sim.sessionId, caller, called, now: clock(), inputs: options.inputs ?? {} },
      ).catch((err: unknown) => {
        if (err instanceof InputsError) throw new CallError(`the call was refused: ${err.message}`);
        throw err;
      });
      call.turns.push({ answer: { clientActionId: "", callflow } });
    } else {
      await call.send(callReceivedEvent(sim, clock()), undefined);
    }
    return call;
  }

  get sessionId(): string {
    return this.sim.sessionId;
  }

  /** The latest answer. */
  get answer(): VcaAnswer {
    return (this.turns.at(-1) as Turn).answer;
  }

  get callflow(): CallflowAction[] {
    return this.answer.callflow;
  }

  /** What the caller heard in the latest answer, one line per prompt or message. */
  heard(): string {
    return spokenLines(this.callflow).join("\n");
  }

  /**
   * Everything the latest input was answered with: a fetch's hold message, then the answer that followed it
   * (the hold's completion is reported by "8x8" at once). Without a hold, the latest answer.
   */
  get answeredWith(): CallflowAction[] {
    return this.turns.slice(this.inputTurn).flatMap((t) => t.answer.callflow);
  }

  /** The requests the flow made while answering the latest input. */
  get requests(): StubbedRequest[] {
    return this.services.since(this.inputRequest);
  }

  /** Everything heard since the call started. */
  transcript(): string {
    return this.turns.flatMap((t) => spokenLines(t.answer.callflow)).join("\n");
  }

  /** How the latest answer leaves the call: waiting for keys, transferred, hung up. */
  get action(): "capture" | "transfer" | "hangup" | "none" {
    return endingOf(this.callflow);
  }

  /** The number the call was transferred to, if it was. */
  get transferTo(): string | undefined {
    for (const a of this.callflow) if (a.action === "makeCall") return a.params.destination;
    return undefined;
  }

  /** Our part of the call is over: we hung up or transferred, or the caller hung up. */
  get ended(): boolean {
    return this.hungUp || this.action === "hangup" || this.action === "transfer";
  }

  /** The caller presses keys in answer to the current prompt; 8x8 reports what its capture settings keep. */
  async press(keys: string): Promise<VcaAnswer> {
    const capture = this.waitingCapture("press");
    const input = captureInput(capture.params, keys);
    if ("refused" in input) throw new CallError(`cannot press '${keys}': ${input.refused}`);
    return this.completeCapture(input.dtmf);
  }

  /** The caller says nothing until the prompt times out (8x8 reports dtmf null). */
  async silence(): Promise<VcaAnswer> {
    this.waitingCapture("stay silent");
    return this.completeCapture(null);
  }

  /**
   * The next event our handlers receive finds the session store failing: its read (DynamoDB is down), or, with
   * "write", its conditional write after a good read (a throttled or timed-out write).
   */
  failStore(access: "read" | "write" = "read"): void {
    this.sessions.failNext = access;
  }

  /** The session as stored now (undefined when absent or expired). */
  async session(): Promise<SessionRecord | undefined> {
    return this.env.dynamo.sessions.get(this.sim.sessionId, this.clock());
  }

  async state(): Promise<string | undefined> {
    return (await this.session())?.session.state;
  }

  async vars(): Promise<Record<string, string>> {
    return (await this.session())?.session.vars ?? {};
  }

  /**
   * The call is over (the caller hangs up now if we have not ended it): 8x8 sends the Voice Session Summary,
   * and the stored summary is returned.
   */
  async hangup(sessionStatus = "COMPLETED"): Promise<SummaryRecord> {
    if (this.summaryRecord) return this.summaryRecord;
    this.hungUp = true;
    const body = sessionSummaryEvent(
      this.sim,
      this.startedAt,
      this.clock(),
      lastActionName(this.callflow),
      sessionStatus,
    );
    const result = await this.vss(syntheticEvent("POST", "/vss", JSON.stringify(body)));
    if (result.statusCode !== 200)
      throw new CallError(`the VSS handler answered HTTP ${result.statusCode}: ${result.body}`);
    const stored = await this.env.dynamo.summaries.get(this.sim.sessionId);
    if (!stored) throw new CallError("the VSS handler answered 200 but stored no summary");
    this.summaryRecord = stored;
    return stored;
  }

  private waitingCapture(what: string) {
    if (this.ended) throw new CallError(`cannot ${what}: the call has ended (${this.action})`);
    const capture = captureOf(this.callflow);
    if (!capture) throw new CallError(`cannot ${what}: the latest answer does not wait for keys`);
    return capture;
  }

  private async completeCapture(dtmf: string | null): Promise<VcaAnswer> {
    const event = actionCompletedEvent(this.sim, this.clock(), this.answer.clientActionId, dtmf);
    return this.send(event, dtmf);
  }

  /**
   * One event to the handler, then, while the answer is a fetch's hold message, its completion (as 8x8 reports
   * it once the message has played: dtmf null). A request no stub answered fails the call here, by name.
   */
  private async send(body: unknown, dtmf: string | null | undefined): Promise<VcaAnswer> {
    this.inputTurn = this.turns.length;
    this.inputRequest = this.services.requests.length;
    let answer = await this.post(body, dtmf);
    for (let holds = 0; isHoldAnswer(answer, this.holds); holds++) {
      if (holds >= MAX_HOLDS_IN_A_ROW) throw new CallError(`more than ${MAX_HOLDS_IN_A_ROW} hold messages in a row`);
      answer = await this.post(actionCompletedEvent(this.sim, this.clock(), answer.clientActionId, null), null);
    }
    const missed = this.requests.filter((r) => r.unanswered);
    if (missed.length > 0) {
      throw new CallError(
        `no stub answers ${missed.map(describeRequest).join("; ")}: add one under \`services:\` ` +
          "(the request got a network error)",
      );
    }
    return answer;
  }

  private async post(body: unknown, dtmf: string | null | undefined): Promise<VcaAnswer> {
    const result = await this.vca(syntheticEvent("POST", "/vca", JSON.stringify(body)));
    if (result.statusCode !== 200)
      throw new CallError(`the VCA handler answered HTTP ${result.statusCode}: ${result.body}`);
    const answer = JSON.parse(result.body) as VcaAnswer;
    this.turns.push(dtmf === undefined ? { answer } : { dtmf, answer });
    return answer;
  }
}
