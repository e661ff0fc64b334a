/**
 * 8x8's Send Callflow, simulated by the local stack: `POST /api/v1/subaccounts/{id}/callflows` answers as 8x8 does
 * (200 with a sessionId; 429 past its rate limit; 4xx for a request 8x8 would refuse), then plays the call the way
 * 8x8 would: through the local server's REAL webhooks, over HTTP (ACTION_COMPLETED events to /vca, then the session
 * summary to /vss). The callee does what its script says (src/outbound/callee-script.ts): answer and press keys,
 * or not answer, be busy, fail. Campaign dispatchers and `ivr dial` reach it with the ordinary VoiceApiClient, its
 * base URL pointed at the local server.
 */
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyResult } from "aws-lambda";
import type { CallflowAction, VcaAnswer } from "../engine/callflow.js";
import { attemptOf, type CalleeScript, parseCalleeScript } from "../outbound/callee-script.js";
import type { SessionStore } from "../store/ports.js";
import {
  actionCompletedEvent,
  callflowEndsCall,
  captureOf,
  isHoldAnswer,
  lastActionName,
  newSimulatedCall,
  type SimulatedCall,
  sessionSummaryEvent,
  simulateCapture,
} from "./simulated-8x8.js";

/** 8x8's documented limit per subaccount. */
export const EIGHT_BY_EIGHT_RATE_LIMIT = 1_800;
/** A call whose flow would go on forever (a script that stays silent on a looping menu) is hung up after this. */
const MAX_EVENTS_PER_CALL = 50;

export interface SimulatedVoiceApiOptions {
  /** the local server, whose /vca and /vss receive the calls' events */
  webhookBaseUrl: () => string;
  /** to wait, before the call connects, until the dialler has stored its session (as a ringing phone gives it time) */
  sessions: WatchedSessions;
  /** headers sent with every webhook (the shared secret, when the server checks one) */
  webhookHeaders?: Record<string, string>;
  /** Send Callflow requests per second before 429 (default 8x8's 1,800) */
  rateLimitPerSecond?: number;
  /** how long a phone rings before it is answered (or not); default 50 ms */
  ringMs?: number;
  /** answer every Nth Send Callflow request with 429 whatever the rate, to watch dispatchers back off locally */
  refuseEvery?: number;
  /** the fetch states with a hold message of a flow version: an answer waiting in one is reported heard at once
   * (dtmf null), without using a step of the callee's script, as 8x8 does once the message has played */
  holdStates?: (flow: string, version: string) => Promise<readonly string[]>;
  /** report what went wrong while playing a call (the local server prints it) */
  print?: (text: string) => void;
}

/** One call 8x8 accepted, for tests and the local stack's counters. */
export interface SimulatedDial {
  sessionId: string;
  destination: string;
  source: string;
  /** the how-manieth call to this destination since its script was registered (1-based) */
  attempt: number;
  at: number;
  /** when the session summary was sent (undefined while the call is on) */
  endedAt?: number;
  sessionStatus?: string;
}

export class SimulatedVoiceApi {
  readonly dials: SimulatedDial[] = [];
  /** calls accepted and not yet summarised, now and at most */
  inFlight = 0;
  maxInFlight = 0;
  /** Send Callflow requests received, and those refused with 429 */
  requests = 0;
  rateLimited = 0;
  private readonly scripts = new Map<string, { script: CalleeScript; calls: number }>();
  private readonly playing = new Set<Promise<void>>();
  private tokens: number;
  private refilledAt = Date.now();
  private stopped = false;

  constructor(private readonly options: SimulatedVoiceApiOptions) {
    this.tokens = Math.max(1, this.rate / 10);
  }

  private get rate(): number {
    return this.options.rateLimitPerSecond ?? EIGHT_BY_EIGHT_RATE_LIMIT;
  }

  /** The callee at `destination` follows `script` from its next call on (a later registration replaces it). */
  registerScript(destination: string, script: string): void {
    this.scripts.set(destination, { script: parseCalleeScript(script), calls: 0 });
  }

  /** Resolves once every call in progress has sent its summary. */
  async idle(): Promise<void> {
    while (this.playing.size > 0) await Promise.allSettled([...this.playing]);
  }

  /** No new call is accepted; calls in progress finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle();
  }

  /** POST /api/v1/subaccounts/{id}/callflows */
  sendCallflow(body: string): APIGatewayProxyResult {
    if (this.stopped) return answer(503, { statusCode: 503, statusMessage: "The local stack is stopping" });
    this.requests++;
    const refuse = this.options.refuseEvery;
    if (refuse !== undefined && this.requests % refuse === 0) {
      this.rateLimited++;
      return answer(429, { statusCode: 429, statusMessage: "Too many requests" });
    }
    if (!this.takeToken()) {
      this.rateLimited++;
      return {
        ...answer(429, { statusCode: 429, statusMessage: "Too many requests" }),
        headers: { ...JSON_HEADERS, "retry-after": "1" },
      };
    }
    let request: { callflow?: CallflowAction[] };
    try {
      request = JSON.parse(body) as typeof request;
    } catch {
      return refused(400, -1001, "Invalid JSON request body");
    }
    const [first, ...rest] = Array.isArray(request.callflow) ? request.callflow : [];
    if (first?.action !== "makeCall")
      return refused(422, -1013, "Invalid Callflow : First action should be a MakeCall action");
    const { destination, source } = first.params;
    if (!/^\+?[1-9][0-9]{6,14}$/.test(destination)) return refused(422, -1017, "Invalid MSISDN format in Destination");

    const scripted = this.scripts.get(destination);
    const attempt = scripted ? ++scripted.calls : 1;
    const plan = attemptOf(scripted?.script ?? [], attempt);
    const call = newSimulatedCall({ caller: source, called: destination, direction: "OUTBOUND" });
    const dial: SimulatedDial = { sessionId: call.sessionId, destination, source, attempt, at: Date.now() };
    this.dials.push(dial);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const playing = this.play(call, plan, rest, dial)
      .catch((error: unknown) => {
        this.options.print?.(
          `simulated call ${call.sessionId} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      })
      .finally(() => {
        this.inFlight--;
        this.playing.delete(playing);
      });
    this.playing.add(playing);
    return answer(200, {
      sessionId: call.sessionId,
      sessionStatus: "CREATED",
      callFlowRequestId: randomUUID(),
      statusCode: 1,
      statusMessage: "Created",
    });
  }

  /** 8x8 documents a rate, not a burst: a tenth of a second's worth may come at once. */
  private takeToken(): boolean {
    const now = Date.now();
    const burst = Math.max(1, this.rate / 10);
    this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAt) / 1000) * this.rate);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private async play(
    call: SimulatedCall,
    plan: ReturnType<typeof attemptOf>,
    firstActions: CallflowAction[],
    dial: SimulatedDial,
  ): Promise<void> {
    const startedAt = new Date();
    await sleep(this.options.ringMs ?? 50);
    const stored = await this.sessionStored(call.sessionId);
    const holds = stored && this.options.holdStates ? await this.options.holdStates(stored.flow, stored.version) : [];
    if (!plan.answer) {
      await this.summary(call, startedAt, "MAKE_CALL", plan.status, dial);
      return;
    }
    let answer: VcaAnswer = { clientActionId: "", callflow: firstActions };
    const steps = [...plan.steps];
    for (let events = 0; events < MAX_EVENTS_PER_CALL; events++) {
      if (callflowEndsCall(answer.callflow)) break;
      const capture = captureOf(answer.callflow);
      if (!capture) throw new Error(`the answer neither waits for keys nor ends the call: ${JSON.stringify(answer)}`);
      const step = isHoldAnswer(answer, holds)
        ? { silence: true as const }
        : (steps.shift() ?? { silence: true as const });
      if ("hangup" in step) break;
      const dtmf = "press" in step ? simulateCapture(capture.params, step.press) : null;
      const event = actionCompletedEvent(call, new Date(), answer.clientActionId, dtmf);
      answer = await this.webhook<VcaAnswer>("/vca", event);
    }
    await this.summary(call, startedAt, lastActionName(answer.callflow), "COMPLETED", dial);
  }

  private async summary(call: SimulatedCall, startedAt: Date, lastAction: string, status: string, dial: SimulatedDial) {
    await this.webhook("/vss", sessionSummaryEvent(call, startedAt, new Date(), lastAction, status));
    dial.endedAt = Date.now();
    dial.sessionStatus = status;
  }

  /** The dialler stores the session once 8x8 answered its request; wait for it (bounded), as a real call would. */
  private async sessionStored(sessionId: string): Promise<{ flow: string; version: string } | undefined> {
    const created = await this.options.sessions.created(sessionId, 10_000);
    if (created) return created;
    // Stored by another process (or not at all): look in the table itself before the call goes on regardless.
    return (await this.options.sessions.get(sessionId, new Date()))?.session;
  }

  private async webhook<T>(path: string, body: unknown): Promise<T> {
    const res = await fetch(new URL(path, this.options.webhookBaseUrl()), {
      method: "POST",
      headers: { "content-type": "application/json", ...this.options.webhookHeaders },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`POST ${path} answered HTTP ${res.status}: ${text}`);
    return JSON.parse(text) as T;
  }
}

const JSON_HEADERS = { "content-type": "application/json" };

function answer(statusCode: number, body: unknown): APIGatewayProxyResult {
  return { statusCode, headers: JSON_HEADERS, body: JSON.stringify(body) };
}

function refused(status: number, statusCode: number, statusMessage: string): APIGatewayProxyResult {
  return answer(status, { sessionStatus: "NOT_CREATED", callFlowRequestId: randomUUID(), statusCode, statusMessage });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Which flow version a session was created on. */
type SessionFlow = { flow: string; version: string };

/** The session store, telling the simulated 8x8 when a dialler has stored a call's session. */
export type WatchedSessions = SessionStore & {
  /** Resolves with its flow once `sessionId` was created through this store (or had been); undefined after
   * `timeoutMs`. */
  created(sessionId: string, timeoutMs: number): Promise<SessionFlow | undefined>;
};

/**
 * The local stack's session store, telling the simulated 8x8 when a dialler has stored a call's session (rather than
 * hundreds of ringing phones polling DynamoDB for it). Every other call passes straight through to `store`.
 */
export function watchSessions(store: SessionStore): WatchedSessions {
  const stored = new Map<string, { at: number; flow: SessionFlow }>();
  const waiting = new Map<string, (flow: SessionFlow) => void>();
  const mark = (sessionId: string, flow: SessionFlow) => {
    const waiter = waiting.get(sessionId);
    if (waiter) {
      waiting.delete(sessionId);
      waiter(flow);
      return;
    }
    const now = Date.now();
    stored.set(sessionId, { at: now, flow });
    // Sessions nobody waits for (dialled elsewhere) are forgotten after a minute.
    for (const [id, entry] of stored) {
      if (now - entry.at < 60_000) break;
      stored.delete(id);
    }
  };
  const create: SessionStore["create"] = async (record, now, options) => {
    const outcome = await store.create(record, now, options);
    const { sessionId, flow, version } = record.session;
    if (outcome.ok) mark(sessionId, { flow, version });
    return outcome;
  };
  const created = (sessionId: string, timeoutMs: number): Promise<SessionFlow | undefined> => {
    const entry = stored.get(sessionId);
    if (entry) {
      stored.delete(sessionId);
      return Promise.resolve(entry.flow);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiting.delete(sessionId);
        resolve(undefined);
      }, timeoutMs);
      waiting.set(sessionId, (flow) => {
        clearTimeout(timer);
        resolve(flow);
      });
    });
  };
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === "create") return create;
      if (property === "created") return created;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as WatchedSessions;
}
