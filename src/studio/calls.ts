/**
 * The studio's phone: calls placed from the page, played against the local stack's REAL webhooks over HTTP, as
 * 8x8 would play them. The server side plays 8x8's part (CALL_RECEIVED, ACTION_COMPLETED with what 8x8's capture
 * keeps of the keys pressed, then the session summary) so the page only says what the caller did: pressed keys,
 * stayed silent, hung up. Between turns the session is read back from DynamoDB for the state the call is in.
 */
import type { CallflowAction, VcaAnswer } from "../engine/callflow.js";
import type { CompiledMachine } from "../engine/machine.js";
import { LOCAL_CLOCK_HEADER } from "../local/request-clock.js";
import {
  actionCompletedEvent,
  callflowEndsCall,
  callReceivedEvent,
  captureOf,
  DEFAULT_CALLER,
  holdStatesOf,
  isHoldAnswer,
  lastActionName,
  newSimulatedCall,
  type SimulatedCall,
  sessionSummaryEvent,
  simulateCapture,
} from "../local/simulated-8x8.js";
import { maskPhone } from "../observability/masking.js";
import type { SessionStore, SummaryStore } from "../store/ports.js";
import { edgeId, normaliseEdge } from "../testing/coverage.js";
import { callClock } from "./clock.js";
import type { CallTurn, CallView, CaptureView, Heard, PlaceCallRequest, ServiceRequestView } from "./protocol.js";

/** A request with a reason the page can show; `status` is the HTTP status the route answers with. */
export class CallDeskError extends Error {
  override name = "CallDeskError";
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface CallDeskDeps {
  /** the local server's base URL, e.g. http://localhost:3000 */
  baseUrl: () => string;
  /** headers 8x8 sends with every webhook: the shared secret when the stack checks one */
  webhookHeaders: () => Record<string, string>;
  /** the machines the local stack answers with */
  machines: () => readonly CompiledMachine[];
  sessions: SessionStore;
  summaries: SummaryStore;
  /** the timezone a flow's clock setting is read in (its first `hours` state), null when it has none */
  hoursTimezone: (flow: string) => string | null;
  /** requests the flow made to services while a session was being answered (PLAN decision 11) */
  requestsOf?: (sessionId: string) => ServiceRequestView[];
  now?: () => Date;
}

/** Calls kept for the page (the oldest are forgotten). */
const MAX_CALLS = 50;
const KEYS = /^[0-9*#]{1,64}$/;
/** Holds in a row before the phone gives up (as `ivr test` does: no flow reasonably holds more often). */
const MAX_HOLDS_IN_A_ROW = 10;

interface LiveCall {
  sim: SimulatedCall;
  view: CallView;
  answer: VcaAnswer;
  /** real time at the start and the call's own clock then (when set): events carry start + elapsed */
  realStart: number;
  clockStart?: Date;
  requestsSeen: number;
  /** one action at a time per call: a double click must not send two events for one prompt */
  queue: Promise<unknown>;
}

export class CallDesk {
  private readonly calls = new Map<string, LiveCall>();
  private readonly now: () => Date;

  constructor(private readonly deps: CallDeskDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  get(id: string): CallView {
    return this.live(id).view;
  }

  async place(request: PlaceCallRequest): Promise<CallView> {
    const machine = this.deps.machines().find((m) => m.flow === request.flow);
    if (!machine) throw new CallDeskError(`the local stack does not serve a flow '${request.flow}'`, 404);
    const caller = request.caller ?? DEFAULT_CALLER;
    if (!/^\+[1-9][0-9]{6,14}$/.test(caller)) {
      throw new CallDeskError("caller must be an E.164 number like +6590000001", 400);
    }
    let clock: { start: Date; note?: string } | undefined;
    if (request.at !== undefined) {
      try {
        clock = callClock(request.at, this.deps.hoursTimezone(machine.flow) ?? "UTC", this.now());
      } catch (err) {
        throw new CallDeskError(err instanceof Error ? err.message : String(err), 400);
      }
    }
    const realStart = Date.now();
    const base = {
      realStart,
      ...(clock && { clockStart: clock.start }),
      requestsSeen: 0,
      queue: Promise.resolve(),
    };
    const inbound = machine.numbers[0];
    let call: LiveCall;
    let answer: VcaAnswer;
    let status = 200;
    const started = performance.now();
    if (inbound) {
      const sim = newSimulatedCall({ caller, called: inbound });
      call = { ...base, sim, view: this.newView(machine, sim, clock), answer: { clientActionId: "", callflow: [] } };
      const at = this.clockOf(call);
      ({ answer, status } = await this.postVca(callReceivedEvent(sim, at), at));
    } else {
      // Outbound only: what `ivr call` does, through the same route (the server plays `ivr dial`).
      const at = clock?.start ?? this.now();
      const dial = { flow: machine.flow, to: caller, ...(request.inputs && { inputs: request.inputs }) };
      const dialled = await this.postJson("/local/dial", dial, at);
      const body = dialled.body as VcaAnswer & { sessionId: string; from: string };
      const sim = newSimulatedCall({
        caller: body.from,
        called: caller,
        direction: "OUTBOUND",
        sessionId: body.sessionId,
      });
      call = { ...base, sim, view: this.newView(machine, sim, clock), answer: { clientActionId: "", callflow: [] } };
      answer = { clientActionId: body.clientActionId, callflow: body.callflow };
      status = dialled.status;
    }
    this.remember(call);
    await this.record(call, answer, status, performance.now() - started, {
      event: inbound ? "CALL_RECEIVED" : "DIAL",
    });
    await this.hearHolds(call);
    return call.view;
  }

  /** The caller pressed `keys` during the prompt; 8x8 reports what its capture settings keep of them. */
  press(id: string, keys: string): Promise<CallView> {
    if (!KEYS.test(keys)) throw new CallDeskError("keys must be 1 to 64 of 0-9, * and #", 400);
    return this.serially(id, (call) => {
      const capture = this.waiting(call, "press keys");
      return this.complete(call, keys, simulateCapture(capture.params, keys));
    });
  }

  /** The caller says nothing until the prompt times out: 8x8 reports no input. */
  silence(id: string): Promise<CallView> {
    return this.serially(id, (call) => {
      this.waiting(call, "stay silent");
      return this.complete(call, undefined, null);
    });
  }

  /** The caller hangs up (or the call is already over): 8x8's session summary is sent, once. */
  hangup(id: string): Promise<CallView> {
    return this.serially(id, (call) => this.finish(call, "caller"));
  }

  private live(id: string): LiveCall {
    const call = this.calls.get(id);
    if (!call) throw new CallDeskError(`no call '${id}' (calls are kept while the studio runs)`, 404);
    return call;
  }

  private serially(id: string, action: (call: LiveCall) => Promise<void>): Promise<CallView> {
    const call = this.live(id);
    const run = call.queue.then(() => action(call)).then(() => call.view);
    call.queue = run.catch(() => undefined);
    return run;
  }

  private remember(call: LiveCall): void {
    this.calls.set(call.view.id, call);
    for (const id of this.calls.keys()) {
      if (this.calls.size <= MAX_CALLS) break;
      this.calls.delete(id);
    }
  }

  private newView(machine: CompiledMachine, sim: SimulatedCall, clock?: { start: Date; note?: string }): CallView {
    return {
      id: sim.sessionId,
      flow: machine.flow,
      version: machine.version,
      direction: sim.direction,
      caller: sim.caller,
      called: sim.called,
      ...(clock && { clock: clock.start.toISOString() }),
      ...(clock?.note && { clockNote: clock.note }),
      turns: [],
      state: null,
      path: [],
      taken: [],
      waiting: null,
      ended: null,
    };
  }

  /** The machine a call runs on (its version, while the stack still serves it; else the flow's current one). */
  private machineOf(view: CallView): CompiledMachine | undefined {
    const machines = this.deps.machines().filter((m) => m.flow === view.flow);
    return machines.find((m) => m.version === view.version) ?? machines[0];
  }

  /** The call's clock now: its own (set on the page) moving with real time, or the real one. */
  private clockOf(call: LiveCall): Date {
    if (!call.clockStart) return this.now();
    return new Date(call.clockStart.getTime() + (Date.now() - call.realStart));
  }

  private waiting(call: LiveCall, what: string) {
    if (call.view.ended) throw new CallDeskError(`cannot ${what}: the call has ended`, 409);
    const capture = captureOf(call.answer.callflow);
    if (!capture) throw new CallDeskError(`cannot ${what}: nothing is waiting for keys`, 409);
    return capture;
  }

  /**
   * A fetch's hold message ends with a capture that only tells when it has been heard: 8x8 reports it played (no
   * keys) and the flow's request runs on that event. The phone does the same at once, as `ivr call` does.
   */
  private async hearHolds(call: LiveCall): Promise<void> {
    const machine = this.machineOf(call.view);
    const holds = machine ? holdStatesOf(machine) : [];
    for (let n = 0; !call.view.ended && isHoldAnswer(call.answer, holds); n++) {
      if (n >= MAX_HOLDS_IN_A_ROW)
        throw new CallDeskError(`more than ${MAX_HOLDS_IN_A_ROW} hold messages in a row`, 502);
      await this.complete(call, undefined, null, true);
    }
  }

  private async complete(
    call: LiveCall,
    pressed: string | undefined,
    dtmf: string | null,
    hold = false,
  ): Promise<void> {
    const at = this.clockOf(call);
    const event = actionCompletedEvent(call.sim, at, call.answer.clientActionId, dtmf);
    const started = performance.now();
    const { answer, status } = await this.postVca(event, at);
    await this.record(call, answer, status, performance.now() - started, {
      event: "ACTION_COMPLETED",
      ...(pressed !== undefined && { pressed }),
      dtmf,
      ...(hold && { holdHeard: true }),
    });
    if (!hold) await this.hearHolds(call);
  }

  /** Keeps one answer in the transcript, reads the session back, and ends the call when the answer does. */
  private async record(
    call: LiveCall,
    answer: VcaAnswer,
    status: number,
    ms: number,
    sent: Pick<CallTurn, "event" | "pressed" | "dtmf" | "holdHeard">,
  ): Promise<void> {
    call.answer = answer;
    const record = await this.deps.sessions.get(call.sim.sessionId, this.clockOf(call));
    const path = record?.session.path ?? call.view.path;
    const visited = path.length >= call.view.path.length ? path.slice(call.view.path.length) : path;
    const requests = this.deps.requestsOf?.(call.sim.sessionId) ?? [];
    call.view.turns.push({
      ...sent,
      heard: answer.callflow.map(heardOf),
      callflow: answer.callflow,
      visited,
      requests: requests.slice(call.requestsSeen),
      status,
      ms: Math.round(ms),
    });
    call.requestsSeen = requests.length;
    call.view.path = path;
    const machine = this.machineOf(call.view);
    call.view.taken = (record?.session.transitions ?? []).map((t) => edgeId(machine ? normaliseEdge(machine, t) : t));
    call.view.state = record?.session.state ?? call.view.state;
    call.view.waiting = captureView(answer.callflow);
    if (callflowEndsCall(answer.callflow)) await this.finish(call, "flow");
  }

  private async finish(call: LiveCall, by: "flow" | "caller"): Promise<void> {
    if (call.view.ended) return;
    const lastAction = by === "caller" ? "SAY_AND_CAPTURE" : lastActionName(call.answer.callflow);
    const at = this.clockOf(call);
    const started = new Date(call.clockStart?.getTime() ?? call.realStart);
    await this.postJson("/vss", sessionSummaryEvent(call.sim, started, at, lastAction), at);
    const stored = await this.deps.summaries.get(call.sim.sessionId);
    call.view.waiting = null;
    call.view.ended = {
      by,
      lastAction,
      summary: stored
        ? {
            sessionStatus: stored.sessionStatus,
            ...(stored.finalState !== undefined && { finalState: stored.finalState }),
            ...(stored.path !== undefined && { path: stored.path }),
            ...(stored.vars !== undefined && { vars: stored.vars }),
            ...(stored.outcome !== undefined && { outcome: { ...stored.outcome } }),
            ...(stored.durationMs !== undefined && { durationMs: stored.durationMs }),
          }
        : null,
    };
  }

  private async postVca(event: unknown, at: Date): Promise<{ status: number; answer: VcaAnswer }> {
    const { status, body } = await this.postJson("/vca", event, at);
    return { status, answer: body as VcaAnswer };
  }

  /** POSTs as 8x8 does; anything but 200 is an error the page shows (8x8 could not go on with the call). */
  private async postJson(path: string, body: unknown, at: Date): Promise<{ status: number; body: unknown }> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.deps.baseUrl()), {
        method: "POST",
        headers: {
          "content-type": "application/json",
          [LOCAL_CLOCK_HEADER]: at.toISOString(),
          ...this.deps.webhookHeaders(),
        },
        body: JSON.stringify(body),
      });
    } catch (err) {
      throw new CallDeskError(`POST ${path} failed: ${err instanceof Error ? err.message : String(err)}`, 502);
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // keep the text: an error page says more than nothing
    }
    if (res.status !== 200) {
      // a refused dial (e.g. a missing input) is the caller's to fix; anything else is the stack failing
      const refused = path === "/local/dial" && res.status === 400;
      throw new CallDeskError(
        `POST ${path} answered HTTP ${res.status}: ${reasonOf(parsed, text)}`,
        refused ? 400 : 502,
      );
    }
    return { status: res.status, body: parsed };
  }
}

/** What an error answer says: `{ error, problems? }` or `{ message }` as the local routes word them, else the text. */
function reasonOf(parsed: unknown, text: string): string {
  if (parsed && typeof parsed === "object") {
    const { error, message, problems } = parsed as { error?: unknown; message?: unknown; problems?: unknown };
    const reason = typeof error === "string" ? error : typeof message === "string" ? message : undefined;
    if (reason) return Array.isArray(problems) && problems.length > 0 ? `${reason}: ${problems.join("; ")}` : reason;
  }
  return text.slice(0, 300);
}

function heardOf(action: CallflowAction): Heard {
  switch (action.action) {
    case "say":
      return { kind: "say", text: action.params.text };
    case "sayAndCapture":
      return { kind: "prompt", text: action.params.promptMessage };
    case "playFile":
      return { kind: "play", url: action.params.fileUrl };
    case "makeCall":
      return {
        kind: "transfer",
        to: maskPhone(action.params.destination),
        recorded: action.params.callRecording === true,
      };
    case "hangup":
      return { kind: "hangup" };
  }
}

function captureView(callflow: readonly CallflowAction[]): CaptureView | null {
  if (callflowEndsCall(callflow)) return null;
  const capture = captureOf(callflow);
  if (!capture) return null;
  const p = capture.params;
  return {
    minDigits: p.minDigits,
    maxDigits: p.maxDigits,
    completeOnHash: p.completeOnHash,
    digitTimeoutMs: p.digitTimeout,
    overallTimeoutMs: p.overallTimeout,
  };
}
