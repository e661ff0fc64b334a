/**
 * Test harness for the webhook handlers: inline flows compiled from YAML, handler deps over real stores, and 8x8
 * events as API Gateway proxy events.
 */
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { expect, vi } from "vitest";
import type { VcaAnswer } from "../../src/engine/callflow.js";
import type { CompiledMachine } from "../../src/engine/machine.js";
import type { StepResult } from "../../src/engine/session.js";
import { compileFlowSource } from "../../src/language/index.js";
import { createLogger } from "../../src/observability/logger.js";
import { createMetrics, type Metrics, metricSetOf } from "../../src/observability/metrics.js";
import type { SessionStore, SummaryStore } from "../../src/store/ports.js";
import { FlowRegistry } from "../../src/webhooks/flow-registry.js";
import { createVcaHandler, createVssHandler, type WebhookDeps } from "../../src/webhooks/http-handlers.js";
import { assertValidCallflow } from "../support/callflow-schema.js";

/** Compile inline YAML; fails the test on any error diagnostic. */
export function compile(yaml: string, file = "inline.yaml"): CompiledMachine {
  const { machine, diagnostics } = compileFlowSource(yaml, file);
  const errors = diagnostics.filter((d) => d.severity === "error");
  if (!machine || errors.length > 0) throw new Error(`flow does not compile: ${JSON.stringify(errors)}`);
  return machine;
}

/** A fresh E.164-looking number, so tests sharing a registry never collide. */
export function uniqueNumber(): string {
  return `+659${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
}

/** A metrics object whose counts are recorded, and not printed. */
export function recordingMetrics(): { metrics: Metrics; counts: Record<string, number> } {
  const metrics = createMetrics();
  const counts: Record<string, number> = {};
  const set = metricSetOf(metrics);
  vi.spyOn(set, "addDimension").mockReturnValue(set);
  vi.spyOn(set, "addMetric").mockImplementation((name: string, _unit: unknown, value: number) => {
    counts[name] = (counts[name] ?? 0) + value;
    return set;
  });
  vi.spyOn(set, "publishStoredMetrics").mockImplementation(() => set);
  return { metrics, counts };
}

export interface Clock {
  now: () => Date;
  set(iso: string): void;
  advance(ms: number): void;
}

/**
 * A Wednesday, 10:00 in Singapore: inside any office-hours schedule. In the future on purpose: DynamoDB Local runs
 * TTL deletion against the real clock, so sessions stamped with a past clock would vanish mid-test.
 */
export const OFFICE_HOURS = "2036-03-05T02:00:00.000Z";
/** A Sunday, 10:00 in Singapore. */
export const SUNDAY = "2036-03-09T02:00:00.000Z";

export function clock(start = OFFICE_HOURS): Clock {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    set(iso) {
      t = new Date(iso).getTime();
    },
    advance(ms) {
      t += ms;
    },
  };
}

/** Tests of healthy paths must not fall back because a loaded CI machine made DynamoDB Local slow for a moment. */
const GENEROUS_EVENT_BUDGET_MS = 10_000;

export interface Harness {
  deps: WebhookDeps;
  counts: Record<string, number>;
  /** every committed transition, as the onStep observer was told of it */
  steps: StepResult[];
  clock: Clock;
  vca: ReturnType<typeof createVcaHandler>;
  vss: ReturnType<typeof createVssHandler>;
}

export function harness(options: {
  sessions: SessionStore;
  summaries: SummaryStore;
  flows: FlowRegistry;
  sessionTtlSeconds?: number;
  auth?: WebhookDeps["auth"];
  fetcher?: WebhookDeps["fetcher"];
  onFetch?: WebhookDeps["onFetch"];
  /** each event's deadline: generous by default (healthy paths on a loaded machine); fault tests pass production's */
  eventBudgetMs?: number;
}): Harness {
  const { metrics, counts } = recordingMetrics();
  const steps: StepResult[] = [];
  const time = clock();
  const deps: WebhookDeps = {
    sessions: options.sessions,
    summaries: options.summaries,
    flows: options.flows,
    logger: createLogger(process.env.TEST_LOG_LEVEL ? { logLevel: process.env.TEST_LOG_LEVEL } : {}),
    metrics,
    now: time.now,
    onStep: (step) => steps.push(step),
    eventBudgetMs: options.eventBudgetMs ?? GENEROUS_EVENT_BUDGET_MS,
    ...(options.sessionTtlSeconds !== undefined && { sessionTtlSeconds: options.sessionTtlSeconds }),
    ...(options.auth && { auth: options.auth }),
    ...(options.fetcher && { fetcher: options.fetcher }),
    ...(options.onFetch && { onFetch: options.onFetch }),
  };
  return { deps, counts, steps, clock: time, vca: createVcaHandler(deps), vss: createVssHandler(deps) };
}

export function registry(machines: CompiledMachine[], versions?: ConstructorParameters<typeof FlowRegistry>[1]) {
  return new FlowRegistry(machines, versions);
}

/** One simulated call: its ids, and builders for the VCA events 8x8 would send during it. */
export class SimulatedCall {
  readonly sessionId = `it-${randomUUID()}`;
  readonly callId = randomUUID();
  constructor(
    readonly called: string,
    readonly caller = "+6591234567",
    readonly direction: "INBOUND" | "OUTBOUND" = "INBOUND",
  ) {}

  received(eventId = randomUUID()): Record<string, unknown> {
    return this.body({ eventId, callStatus: "CALL_RECEIVED" });
  }

  /** A capture result: digits (null for no input), echoing `clientActionId` (omitted when undefined). */
  completed(digits: string | null, clientActionId: string | undefined, eventId = randomUUID()) {
    return this.body({
      eventId,
      callStatus: "ACTION_COMPLETED",
      eventData: { dtmf: digits },
      ...(clientActionId !== undefined && { clientActionId }),
    });
  }

  summary(sessionStatus = "COMPLETED"): Record<string, unknown> {
    return {
      namespace: "VOICE",
      eventType: "SESSION_SUMMARY",
      version: 5,
      payload: {
        sessionId: this.sessionId,
        subAccountId: "test_account",
        sessionStatus,
        startTime: "2026-03-04T02:00:00Z",
        endTime: "2026-03-04T02:01:00Z",
        lastAction: "HANGUP",
        callCount: 1,
        details: { callA: { callId: this.callId, callStatus: sessionStatus, callDuration: 60 } },
      },
    };
  }

  private body(fields: Record<string, unknown>): Record<string, unknown> {
    return {
      namespace: "VOICE",
      eventType: "CALL_ACTION",
      description: "Action request of a call",
      payload: {
        callId: this.callId,
        sessionId: this.sessionId,
        subAccountId: "test_account",
        callDirection: this.direction,
        callType: "PSTN",
        source: this.direction === "INBOUND" ? this.caller : this.called,
        destination: this.direction === "INBOUND" ? this.called : this.caller,
        callDuration: 0,
        timestamp: "2026-03-04T02:00:00.000Z",
        ...fields,
      },
    };
  }
}

/** `body` as JSON of exactly `bytes` bytes (UTF-8), grown by a `padding` field in its payload. */
export function jsonOfSize(body: { payload: Record<string, unknown> }, bytes: number, fill = "x"): string {
  const bare = JSON.stringify({ ...body, payload: { ...body.payload, padding: "" } });
  const missing = bytes - Buffer.byteLength(bare);
  const fillBytes = Buffer.byteLength(fill);
  if (missing < 0 || missing % fillBytes !== 0) throw new Error(`cannot pad to ${bytes} bytes with '${fill}'`);
  const text = JSON.stringify({ ...body, payload: { ...body.payload, padding: fill.repeat(missing / fillBytes) } });
  expect(Buffer.byteLength(text)).toBe(bytes);
  return text;
}

export function proxyEvent(body: unknown, headers: Record<string, string> = {}): APIGatewayProxyEvent {
  return {
    httpMethod: "POST",
    path: "/vca",
    resource: "/vca",
    headers: { "content-type": "application/json", ...headers },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: typeof body === "string" ? body : JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: { identity: { sourceIp: "127.0.0.1" } } as APIGatewayProxyEvent["requestContext"],
  };
}

export interface Answered {
  status: number;
  text: string;
  answer: VcaAnswer;
}

/** POST a VCA body; a 200 answer's callflow is checked against 8x8's Send Callflow schema and rules. */
export async function post(h: Harness, body: unknown, headers?: Record<string, string>): Promise<Answered> {
  const result = await h.vca(proxyEvent(body, headers));
  const answer = JSON.parse(result.body) as VcaAnswer;
  if (result.statusCode === 200) {
    expect(typeof answer.clientActionId).toBe("string");
    assertValidCallflow(answer.callflow);
  }
  return { status: result.statusCode, text: result.body, answer };
}

export async function postSummary(h: Harness, body: unknown, headers?: Record<string, string>) {
  const result = await h.vss(proxyEvent(body, headers));
  return { status: result.statusCode, json: JSON.parse(result.body) as Record<string, unknown> };
}

/** The action names of an answer, e.g. ["say", "sayAndCapture"]. */
export function actions(answer: VcaAnswer): string[] {
  return answer.callflow.map((a) => a.action);
}

/** All spoken text of an answer, joined. */
export function spoken(answer: VcaAnswer): string {
  return answer.callflow
    .map((a) => (a.action === "say" ? a.params.text : a.action === "sayAndCapture" ? a.params.promptMessage : ""))
    .filter(Boolean)
    .join(" | ");
}
