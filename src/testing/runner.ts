/**
 * Runs scenarios: each one is a call placed through a TestRig, its steps played in order. The first step that
 * fails ends the scenario (later steps would only report its consequences), with the expected/actual pairs that
 * the report prints as a diff.
 */
import { checkExpectation, checkVars, isSubsequence, type Mismatch } from "./expectations.js";
import type { TestRig } from "./rig.js";
import type { EventExpectation, Scenario, Step, SummaryExpectation } from "./scenario.js";
import type { TestCall, Turn } from "./test-call.js";

export interface StepFailure {
  /** line of the failing step in the scenario file (or of the scenario, for the summary) */
  line: number;
  /** the step as written, e.g. `press "1"` */
  step: string;
  mismatches: Mismatch[];
  /** the call could not go on (e.g. a key pressed after the call ended, a handler error) */
  error?: string;
}

export interface ScenarioResult {
  file: string;
  line: number;
  flow: string;
  name: string;
  passed: boolean;
  failure?: StepFailure;
  /** every answer of the call and the keys that led to it */
  turns: Turn[];
  /** the call's 8x8 sessionId (absent when it could not be placed) */
  sessionId?: string;
  durationMs: number;
}

export async function runScenario(rig: TestRig, scenario: Scenario): Promise<ScenarioResult> {
  const started = performance.now();
  const base = { file: scenario.file, line: scenario.line, flow: scenario.flow, name: scenario.name };
  const finish = (call: TestCall | undefined, failure?: StepFailure): ScenarioResult => ({
    ...base,
    passed: failure === undefined,
    ...(failure && { failure }),
    turns: call?.turns ?? [],
    ...(call && { sessionId: call.sessionId }),
    durationMs: Math.round(performance.now() - started),
  });

  let call: TestCall;
  try {
    call = await rig.dial(scenario.flow, {
      ...(scenario.caller !== undefined && { caller: scenario.caller }),
      ...(scenario.called !== undefined && { called: scenario.called }),
      ...(scenario.direction !== undefined && { direction: scenario.direction }),
      ...(scenario.at !== undefined && { at: scenario.at }),
      ...(scenario.services !== undefined && { services: scenario.services }),
      ...(scenario.inputs !== undefined && { inputs: scenario.inputs }),
    });
  } catch (err) {
    return finish(undefined, { line: scenario.line, step: "dial", mismatches: [], error: messageOf(err) });
  }

  for (const step of scenario.steps) {
    try {
      const mismatches = await playStep(call, step, scenario.summary);
      if (mismatches.length > 0) return finish(call, { line: step.line, step: describeStep(step), mismatches });
    } catch (err) {
      return finish(call, { line: step.line, step: describeStep(step), mismatches: [], error: messageOf(err) });
    }
  }
  if (scenario.summary) {
    try {
      const mismatches = await checkSummary(call, scenario.summary);
      if (mismatches.length > 0) return finish(call, { line: scenario.line, step: "summary", mismatches });
    } catch (err) {
      return finish(call, { line: scenario.line, step: "summary", mismatches: [], error: messageOf(err) });
    }
  }
  if (scenario.event) {
    try {
      const mismatches = await checkEvent(call, scenario.event, scenario.summary?.status);
      if (mismatches.length > 0) return finish(call, { line: scenario.line, step: "event", mismatches });
    } catch (err) {
      return finish(call, { line: scenario.line, step: "event", mismatches: [], error: messageOf(err) });
    }
  }
  return finish(call);
}

/** The Call Completed event, field by field: objects as subsets, transitions by from/to/on, the rest exactly. */
async function checkEvent(call: TestCall, want: EventExpectation, status: string | undefined): Promise<Mismatch[]> {
  await call.hangup(status);
  const event = call.events.at(-1) as Record<string, unknown> | undefined;
  if (!event) return [{ what: "event", expected: "a Call Completed event", actual: "(none published)" }];
  const out: Mismatch[] = [];
  for (const [field, expected] of Object.entries(want)) {
    let actual = event[field];
    if (field === "transitions" && Array.isArray(actual)) {
      actual = actual.map(({ from, to, on }: { from: string; to: string; on: string }) => ({ from, to, on }));
    }
    if (!subset(expected, actual)) {
      out.push({
        what: `event.${field}`,
        expected: JSON.stringify(expected),
        actual: JSON.stringify(actual) ?? "(absent)",
      });
    }
  }
  return out;
}

function subset(expected: unknown, actual: unknown): boolean {
  if (expected !== null && typeof expected === "object" && !Array.isArray(expected)) {
    if (actual === null || typeof actual !== "object") return false;
    return Object.entries(expected).every(([k, v]) =>
      v === null && !Object.hasOwn(actual, k) ? true : subset(v, (actual as Record<string, unknown>)[k]),
    );
  }
  return JSON.stringify(expected) === JSON.stringify(actual);
}

/** Runs scenarios a few at a time (each is its own call, so they do not interfere), results in input order. */
export async function runScenarios(
  rig: TestRig,
  scenarios: readonly Scenario[],
  options: { concurrency?: number; onResult?: (result: ScenarioResult) => void } = {},
): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = new Array(scenarios.length);
  let next = 0;
  const worker = async () => {
    while (next < scenarios.length) {
      const i = next++;
      const result = await runScenario(rig, scenarios[i] as Scenario);
      results[i] = result;
      options.onResult?.(result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  return results;
}

async function playStep(call: TestCall, step: Step, summary: SummaryExpectation | undefined): Promise<Mismatch[]> {
  switch (step.kind) {
    case "press":
      await call.press(step.digits);
      return [];
    case "silence":
      await call.silence();
      return [];
    case "hangup":
      await call.hangup(summary?.status);
      return [];
    case "fault":
      call.failStore(step.fault === "store-write" ? "write" : "read");
      return [];
    case "expect": {
      const { expect } = step;
      const needsSession = expect.state !== undefined || expect.vars !== undefined;
      const record = needsSession ? await call.session() : undefined;
      return checkExpectation(expect, {
        callflow: call.answeredWith,
        state: record?.session.state,
        vars: record?.session.vars ?? {},
        ended: call.ended,
        requests: call.requests,
      });
    }
  }
}

async function checkSummary(call: TestCall, want: SummaryExpectation): Promise<Mismatch[]> {
  const stored = await call.hangup(want.status);
  const out: Mismatch[] = [];
  if (stored.sessionStatus !== want.status) {
    out.push({ what: "summary.status", expected: want.status, actual: stored.sessionStatus });
  }
  if (want.finalState !== undefined && stored.finalState !== want.finalState) {
    out.push({ what: "summary.finalState", expected: want.finalState, actual: stored.finalState ?? "(none)" });
  }
  if (want.path !== undefined && !isSubsequence(want.path, stored.path ?? [])) {
    out.push({
      what: "summary.path",
      expected: `${want.path.join(" → ")} (in this order)`,
      actual: (stored.path ?? []).join(" → ") || "(none)",
    });
  }
  for (const m of checkVars(want.vars, stored.vars ?? {})) out.push({ ...m, what: `summary.${m.what}` });
  return out;
}

export function describeStep(step: Step): string {
  switch (step.kind) {
    case "press":
      return `press ${JSON.stringify(step.digits)}`;
    case "silence":
    case "hangup":
      return step.kind;
    case "fault":
      return `fault: ${step.fault}`;
    case "expect":
      return `expect ${Object.keys(step.expect).join(", ")}`;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
