/**
 * Measurement 1, engine step: the pure transition function (src/engine `transition`) on the compiled bench flow,
 * for a menu digit, a validated `ask` and a chain of 10 non-blocking states, against the floor of any webhook
 * answer: JSON.parse of the same VCA event plus JSON.stringify of the same answer.
 *
 * Each operation is timed on its own (performance.now() around one call), engine and floor alternating, so both
 * see the same JIT state, GC pressure and machine load; the timer's own cost is reported alongside.
 */
import type { VcaAnswer } from "../src/engine/callflow.js";
import { newSession, transition } from "../src/engine/engine.js";
import type { CompiledMachine } from "../src/engine/machine.js";
import type { EngineEvent, Session } from "../src/engine/session.js";
import { actionCompletedEvent, newSimulatedCall } from "../src/local/simulated-8x8.js";
import { ACCOUNT_ENTRY, compileBenchFlow } from "./bench-flow.js";
import { type BenchOptions, type MeasurementResult, type Row, ratio, type Target, us } from "./measurement.js";
import { round, type Summary, summarise } from "./stats.js";

interface Scenario {
  name: string;
  session: Session;
  event: EngineEvent;
  /** the VCA event 8x8 would send for this step, as it arrives on the wire */
  eventText: string;
  /** what the webhook answers with after this step */
  answer: VcaAnswer;
}

const TARGET_RATIO = 2;

export function measureEngineStep(options: BenchOptions): MeasurementResult {
  const machine = compileBenchFlow();
  const failures: string[] = [];
  const scenarios = buildScenarios(machine, failures);
  const warmup = options.quick ? 2_000 : 10_000;
  const samples = options.quick ? 5_000 : 50_000;
  const now = new Date();
  let sink = 0;

  const timerOverhead: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    timerOverhead.push(performance.now() - t0);
  }

  const rows: Row[] = [];
  const detail: Record<string, unknown> = {};
  let worstRatio = 0;
  let worstP99Ratio = 0;
  for (const scenario of scenarios) {
    const engineOp = () => transition(machine, scenario.session, scenario.event, now).actions.length;
    const floorOp = () => {
      const parsed = JSON.parse(scenario.eventText) as { payload?: unknown };
      return JSON.stringify(scenario.answer).length + (parsed.payload ? 1 : 0);
    };
    for (let i = 0; i < warmup; i++) sink += engineOp() + floorOp();
    const engine: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < samples; i++) {
      let t0 = performance.now();
      sink += engineOp();
      engine.push(performance.now() - t0);
      t0 = performance.now();
      sink += floorOp();
      floor.push(performance.now() - t0);
    }
    const e = summarise(engine);
    const f = summarise(floor);
    const p50Ratio = e.p50 / f.p50;
    const p99Ratio = e.p99 / f.p99;
    worstRatio = Math.max(worstRatio, p50Ratio);
    worstP99Ratio = Math.max(worstP99Ratio, p99Ratio);
    rows.push(
      { measure: `engine step: ${scenario.name} (p50)`, value: us(e.p50), floor: us(f.p50), ratio: ratio(p50Ratio) },
      { measure: `engine step: ${scenario.name} (p99)`, value: us(e.p99), floor: us(f.p99), ratio: ratio(p99Ratio) },
    );
    detail[scenario.name] = {
      engine_us: micro(e),
      floor_us: micro(f),
      p50_ratio: round(p50Ratio),
      p99_ratio: round(p99Ratio),
      event_bytes: scenario.eventText.length,
      answer_bytes: JSON.stringify(scenario.answer).length,
      actions: scenario.answer.callflow.length,
    };
  }
  if (sink === 0) failures.push("engine step: the measured operations did no work");

  const targets: Target[] = [
    {
      key: "engine_step_ratio",
      label: `engine step p50 / floor p50, worst scenario <= ${TARGET_RATIO}`,
      actual: round(worstRatio),
      limit: TARGET_RATIO,
      noisy: true,
    },
    {
      key: "engine_step_p99_ratio",
      label: `engine step p99 / floor p99, worst scenario <= ${TARGET_RATIO}`,
      actual: round(worstP99Ratio),
      limit: TARGET_RATIO,
      noisy: true,
    },
  ];
  return {
    title: "Engine step",
    rows,
    figures: { engine_step_ratio: round(worstRatio), engine_step_p99_ratio: round(worstP99Ratio) },
    targets,
    failures,
    detail: {
      method:
        "per-operation performance.now() timing, engine and floor alternating; floor = JSON.parse(VCA event) + " +
        "JSON.stringify(answer) of the same step",
      samples_per_scenario: samples,
      warmup_per_scenario: warmup,
      timer_overhead_us: micro(summarise(timerOverhead)),
      ...detail,
    },
  };
}

/**
 * The three steps, each from a session positioned where a real call would be, checked once so the benchmark
 * cannot silently time a wrong path (a fallback, a reprompt).
 */
function buildScenarios(machine: CompiledMachine, failures: string[]): Scenario[] {
  const now = new Date();
  const called = machine.numbers[0] ?? "+6531990000";
  const call = newSimulatedCall({ caller: "+6590000001", called });
  const fresh = newSession(
    machine,
    { sessionId: call.sessionId, callId: call.callId, caller: call.caller, called, direction: "INBOUND" },
    now,
  );
  const atMain = transition(machine, fresh, { type: "start" }, now).session;
  const atAccount = transition(machine, atMain, { type: "input", digits: "1" }, now).session;

  const scenario = (name: string, session: Session, digits: string, check: (visited: string[]) => boolean) => {
    const event: EngineEvent = { type: "input", digits };
    const step = transition(machine, session, event, now);
    if (!check(step.visited)) {
      failures.push(`engine step: ${name} visited [${step.visited.join(", ")}], not the path it is meant to time`);
    }
    return {
      name,
      session,
      event,
      eventText: JSON.stringify(actionCompletedEvent(call, now, session.clientActionId, digits)),
      answer: { clientActionId: step.session.clientActionId, callflow: step.actions },
    };
  };
  return [
    scenario("menu digit", atMain, "1", (v) => v.join() === "account"),
    scenario("ask with validation", atAccount, ACCOUNT_ENTRY, (v) => v.join() === "read-back,main"),
    scenario("chain of 10 states", atMain, "2", (v) => v.length === 11 && v[0] === "news-1" && v[10] === "main"),
  ];
}

function micro(s: Summary) {
  return {
    n: s.n,
    p50: round(s.p50 * 1000),
    p90: round(s.p90 * 1000),
    p99: round(s.p99 * 1000),
    max: round(s.max * 1000),
  };
}
