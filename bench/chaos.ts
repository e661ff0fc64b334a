/**
 * `npm run chaos`: the fault and fuzz campaign of issue #10, so its defects stay fixed. Everything runs on this
 * machine, on loopback, bounded in count and time: the real local stack (src/local/server.ts, authentication on)
 * with its own DynamoDB Local, then
 *
 *   fuzz        N hostile VCA and VSS bodies: only 200, 400 or 413, nothing stored for a refused one, no crash
 *   duplicates  50 concurrent deliveries of one CALL_RECEIVED and of one capture: one step, identical answers
 *   load        C callers for T seconds, about a second between key presses: no 5xx, every stored session agrees
 *               with its caller (fallbacks, when the machine is saturated, are reported)
 *   pause       P callers mid-call, DynamoDB Local paused (SIGSTOP) then resumed: every caller hears a prompt or
 *               the fallback in time, and afterwards no stored session or summary disagrees with what it heard
 *   kill        callers while DynamoDB Local is killed (SIGKILL): no 5xx, the stack restarts it, calls work again
 *
 *   npm run chaos                  full campaign (a few minutes); writes bench/chaos-results.json
 *   npm run chaos -- --quick       CI: the same scenarios, smaller (well under a minute after DynamoDB Local starts)
 *   npm run chaos -- --seed 7      replay a fuzz run
 *
 * Exit code 1 when an invariant breaks (a 5xx, an unexpected status, a write for a refused body, a duplicate that
 * advanced twice, a session that disagrees with its caller). Latencies are reported, never judged.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import type { VcaAnswer } from "../src/engine/callflow.js";
import type { LocalServer } from "../src/local/server.js";
import {
  actionCompletedEvent,
  callflowEndsCall,
  callReceivedEvent,
  captureOf,
  lastActionName,
  newSimulatedCall,
  type SimulatedCall,
  sessionSummaryEvent,
  simulateCapture,
} from "../src/local/simulated-8x8.js";
import { createDocumentClient } from "../src/store/dynamodb-client.js";
import { DynamoSessionStore } from "../src/store/dynamodb-session-store.js";
import { DynamoSummaryStore } from "../src/store/dynamodb-summary-store.js";
import { disagreements, isFallbackAnswer } from "../src/testing/agreement.js";
import { BENCH_FLOWS_DIR, callScript } from "./bench-flow.js";
import { fuzzBodies } from "./chaos-fuzz.js";
import { round, summarise } from "./stats.js";

const SECRET = "chaos-webhook-secret";
const CALLED = "+6531990000"; // the bench flow's number
const RESULTS_FILE = join(import.meta.dirname, "chaos-results.json");

interface Sizes {
  fuzz: number;
  loadCallers: number;
  loadSeconds: number;
  pauseCallers: number;
  pauseMs: number;
  killCallers: number;
}

const FULL: Sizes = {
  fuzz: 10_000,
  loadCallers: 200,
  loadSeconds: 30,
  pauseCallers: 100,
  pauseMs: 3_000,
  killCallers: 50,
};
const QUICK: Sizes = {
  fuzz: 1_000,
  loadCallers: 50,
  loadSeconds: 5,
  pauseCallers: 30,
  pauseMs: 2_000,
  killCallers: 20,
};

interface Row {
  scenario: string;
  figure: string;
  value: string;
  ok: boolean;
}

interface Posted {
  status: number;
  text: string;
  ms: number;
}

async function post(url: string, body: string): Promise<Posted> {
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: SECRET },
      body,
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    return { status: response.status, text, ms: performance.now() - started };
  } catch (err) {
    // no answer at all: counted like a 5xx (8x8 would end the call)
    return { status: 599, text: String(err), ms: performance.now() - started };
  }
}

/** Run `work` over `items` with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index] as T, index);
      }
    }),
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One caller's call: what it heard last, every answer's status and time, and whether the call ended. */
interface CallRecord {
  call: SimulatedCall;
  heard: VcaAnswer | undefined;
  statuses: number[];
  fallbacks: { ms: number }[];
  latencies: number[];
  startedAt: Date;
}

/** Plays the bench flow's script; `think` between events. Stops at the first answer that ends the call. */
async function playCall(server: LocalServer, events: number, think: () => number): Promise<CallRecord> {
  const call = newSimulatedCall({
    caller: `+659${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`,
    called: CALLED,
  });
  const record: CallRecord = {
    call,
    heard: undefined,
    statuses: [],
    fallbacks: [],
    latencies: [],
    startedAt: new Date(),
  };
  const send = async (body: Record<string, unknown>): Promise<VcaAnswer | undefined> => {
    const answered = await post(`${server.url}/vca`, JSON.stringify(body));
    record.statuses.push(answered.status);
    record.latencies.push(answered.ms);
    if (answered.status !== 200) return undefined;
    const answer = JSON.parse(answered.text) as VcaAnswer;
    record.heard = answer;
    if (isFallbackAnswer(answer)) record.fallbacks.push({ ms: answered.ms });
    return answer;
  };
  let answer = await send(callReceivedEvent(call, new Date()));
  for (const keys of callScript(events)) {
    if (!answer || callflowEndsCall(answer.callflow)) break;
    const capture = captureOf(answer.callflow);
    if (!capture) break;
    await sleep(think());
    answer = await send(
      actionCompletedEvent(call, new Date(), answer.clientActionId, simulateCapture(capture.params, keys)),
    );
  }
  return record;
}

/** The summary 8x8 sends after the call, delivered until it is stored (8x8 retries; a 503 asks for it). */
async function deliverSummary(server: LocalServer, record: CallRecord, giveUpMs: number): Promise<number[]> {
  const statuses: number[] = [];
  const body = JSON.stringify(
    sessionSummaryEvent(
      record.call,
      record.startedAt,
      new Date(),
      record.heard ? lastActionName(record.heard.callflow) : "HANGUP",
    ),
  );
  const until = Date.now() + giveUpMs;
  for (;;) {
    const { status } = await post(`${server.url}/vss`, body);
    statuses.push(status);
    if (status === 200 || status === 400 || Date.now() > until) return statuses;
    await sleep(500);
  }
}

interface Stores {
  sessions: DynamoSessionStore;
  summaries: DynamoSummaryStore;
}

/** How many of these calls' stored sessions and summaries disagree with what their callers heard. */
async function countDisagreements(stores: Stores, records: CallRecord[], withSummary: boolean) {
  const examples: string[] = [];
  let count = 0;
  await pool(records, 20, async (record) => {
    if (!record.heard) return;
    const stored = await stores.sessions.get(record.call.sessionId, new Date(), { includeExpired: true });
    const summary = withSummary ? await stores.summaries.get(record.call.sessionId) : undefined;
    const why = disagreements(record.heard, stored, summary);
    if (why.length > 0) {
      count++;
      if (examples.length < 5) examples.push(`${record.call.sessionId}: ${why.join("; ")}`);
    }
  });
  return { count, examples };
}

async function waitForMarkers(server: LocalServer, timeoutMs: number): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const health = (await (await fetch(`${server.url}/health`)).json()) as { fallbackMarkersPending?: number };
      if ((health.fallbackMarkersPending ?? 0) === 0 || Date.now() > until) return health.fallbackMarkersPending ?? 0;
    } catch {
      if (Date.now() > until) return -1;
    }
    await sleep(250);
  }
}

async function fuzz(server: LocalServer, stores: Stores, sizes: Sizes, seed: number, rows: Row[]) {
  const bodies = fuzzBodies(sizes.fuzz, seed, CALLED);
  const statuses = new Map<number, number>();
  const refused: string[] = [];
  const unexpected: string[] = [];
  await pool(bodies, 20, async (body) => {
    const { status } = await post(`${server.url}${body.route}`, body.text);
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (![200, 400, 413].includes(status)) unexpected.push(`${status} for ${body.mutation} on ${body.route}`);
    if (status === 400 || status === 413) refused.push(body.sessionId);
  });
  let written = 0;
  await pool(refused, 20, async (sessionId) => {
    const session = await stores.sessions.get(sessionId, new Date(), { includeExpired: true });
    const summary = await stores.summaries.get(sessionId);
    if (session || summary) written++;
  });
  const alive = (await fetch(`${server.url}/health`)).status === 200;
  const fivexx = [...statuses.entries()].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
  const byStatus = [...statuses.entries()]
    .sort(([a], [b]) => a - b)
    .map(([s, c]) => `${s}: ${c}`)
    .join(", ");
  rows.push(
    { scenario: "fuzz", figure: "bodies sent (VCA and VSS)", value: String(bodies.length), ok: true },
    { scenario: "fuzz", figure: "answers by status", value: byStatus, ok: unexpected.length === 0 },
    { scenario: "fuzz", figure: "5xx", value: String(fivexx), ok: fivexx === 0 },
    {
      scenario: "fuzz",
      figure: "refused bodies with something stored",
      value: `${written} of ${refused.length}`,
      ok: written === 0,
    },
    { scenario: "fuzz", figure: "server alive afterwards", value: alive ? "yes" : "no", ok: alive },
  );
  return {
    statuses: Object.fromEntries(statuses),
    refused: refused.length,
    written,
    unexpected: unexpected.slice(0, 10),
  };
}

async function duplicates(server: LocalServer, stores: Stores, rows: Row[]) {
  const call = newSimulatedCall({ caller: "+6590000002", called: CALLED });
  const received = JSON.stringify(callReceivedEvent(call, new Date()));
  const first = await Promise.all(Array.from({ length: 50 }, () => post(`${server.url}/vca`, received)));
  const answer = JSON.parse(first[0]?.text ?? "{}") as VcaAnswer;
  const capture = captureOf(answer.callflow ?? []);
  const completed = JSON.stringify(
    actionCompletedEvent(call, new Date(), answer.clientActionId, capture ? simulateCapture(capture.params, "2") : "2"),
  );
  const second = await Promise.all(Array.from({ length: 50 }, () => post(`${server.url}/vca`, completed)));
  const identical = (answers: Posted[]) => answers.every((a) => a.status === 200 && a.text === answers[0]?.text);
  const stored = await stores.sessions.get(call.sessionId, new Date());
  const once = stored?.rev === 2;
  rows.push(
    {
      scenario: "duplicates",
      figure: "50 x CALL_RECEIVED: identical answers",
      value: identical(first) ? "yes" : "no",
      ok: identical(first),
    },
    {
      scenario: "duplicates",
      figure: "50 x one capture: identical answers",
      value: identical(second) ? "yes" : "no",
      ok: identical(second),
    },
    { scenario: "duplicates", figure: "session advanced once per event (rev)", value: String(stored?.rev), ok: once },
  );
}

async function load(server: LocalServer, stores: Stores, sizes: Sizes, rows: Row[]) {
  const until = Date.now() + sizes.loadSeconds * 1000;
  const records: CallRecord[] = [];
  await Promise.all(
    Array.from({ length: sizes.loadCallers }, async () => {
      while (Date.now() < until) {
        // A caller takes about a second to press keys after a prompt (8x8 sends the capture when it is done).
        const record = await playCall(server, 8, () => 500 + Math.random() * 1_000);
        await deliverSummary(server, record, 10_000);
        records.push(record);
      }
    }),
  );
  const latencies = records.flatMap((r) => r.latencies);
  const statuses = records.flatMap((r) => r.statuses);
  const fivexx = statuses.filter((s) => s >= 500).length;
  const fallbacks = records.reduce((n, r) => n + r.fallbacks.length, 0);
  const { count, examples } = await countDisagreements(stores, records, true);
  const s = summarise(latencies);
  rows.push(
    {
      scenario: "load",
      figure: `${sizes.loadCallers} callers for ${sizes.loadSeconds} s: calls, events`,
      value: `${records.length}, ${statuses.length}`,
      ok: true,
    },
    { scenario: "load", figure: "latency p50 / p99", value: `${round(s.p50)} / ${round(s.p99)} ms`, ok: true },
    { scenario: "load", figure: "5xx", value: String(fivexx), ok: fivexx === 0 },
    // A saturated machine answers with the fallback rather than late: reported, not judged.
    { scenario: "load", figure: "fallbacks (the store over its budget)", value: String(fallbacks), ok: true },
    {
      scenario: "load",
      figure: "sessions or summaries disagreeing with the caller",
      value: String(count),
      ok: count === 0,
    },
  );
  return {
    calls: records.length,
    events: statuses.length,
    p50: round(s.p50),
    p99: round(s.p99),
    fivexx,
    fallbacks,
    disagreeing: count,
    examples,
  };
}

/** Signals DynamoDB Local's JVM: pausing it is what "a store that hangs" looks like from the handlers. */
function signalStore(server: LocalServer, signal: NodeJS.Signals): void {
  const pid = server.dynamodbPid();
  if (pid === undefined)
    throw new Error("the chaos campaign needs the DynamoDB Local it started (unset DYNAMODB_ENDPOINT)");
  process.kill(pid, signal);
}

async function pause(server: LocalServer, stores: Stores, sizes: Sizes, rows: Row[]) {
  const calls = Array.from({ length: sizes.pauseCallers }, () => playCall(server, 10, () => 100 + Math.random() * 200));
  await sleep(700); // mid-call: every caller has had its first answer or two
  signalStore(server, "SIGSTOP");
  const pausedAt = performance.now();
  await sleep(sizes.pauseMs);
  signalStore(server, "SIGCONT");
  const resumedAfter = performance.now() - pausedAt;
  const records = await Promise.all(calls);
  // 8x8 sends each summary once the call is over (and again while we answer 503)
  await pool(records, 20, async (record) => void (await deliverSummary(server, record, 20_000)));
  const pending = await waitForMarkers(server, 30_000);
  const { count, examples } = await countDisagreements(stores, records, true);
  const statuses = records.flatMap((r) => r.statuses);
  const fivexx = statuses.filter((s) => s >= 500).length;
  const fallbackTimes = records.flatMap((r) => r.fallbacks.map((f) => f.ms));
  const heardFallback = records.filter((r) => r.heard && isFallbackAnswer(r.heard)).length;
  const f = summarise(fallbackTimes);
  rows.push(
    {
      scenario: "pause",
      figure: `${sizes.pauseCallers} callers, DynamoDB Local paused ${round(resumedAfter / 1000)} s mid-call`,
      value: `${heardFallback} heard the fallback`,
      ok: true,
    },
    {
      scenario: "pause",
      figure: "fallback answer time p50 / max (store hung)",
      value: fallbackTimes.length ? `${round(f.p50)} / ${round(f.max)} ms` : "n/a",
      ok: fallbackTimes.every((ms) => ms < 2_000),
    },
    { scenario: "pause", figure: "5xx", value: String(fivexx), ok: fivexx === 0 },
    { scenario: "pause", figure: "fallback markers still pending", value: String(pending), ok: pending === 0 },
    {
      scenario: "pause",
      figure: "sessions or summaries disagreeing with the caller",
      value: String(count),
      ok: count === 0,
    },
  );
  return {
    callers: records.length,
    heardFallback,
    fallbackP50: round(f.p50),
    fallbackMax: round(f.max),
    fivexx,
    pending,
    disagreeing: count,
    examples,
  };
}

async function kill(server: LocalServer, stores: Stores, sizes: Sizes, rows: Row[]) {
  const before = server.dynamodbPid();
  const calls = Array.from({ length: sizes.killCallers }, () => playCall(server, 10, () => 100 + Math.random() * 200));
  await sleep(500);
  signalStore(server, "SIGKILL");
  const killedAt = performance.now();
  const records = await Promise.all(calls);
  // Back when a new call is answered with its first prompt again.
  let recoveredMs = Number.NaN;
  let after: CallRecord | undefined;
  while (performance.now() - killedAt < 90_000) {
    const probe = await playCall(server, 2, () => 10);
    if (probe.heard && !isFallbackAnswer(probe.heard) && probe.statuses.every((s) => s === 200)) {
      recoveredMs = performance.now() - killedAt;
      after = probe;
      break;
    }
    await sleep(500);
  }
  const statuses = records.flatMap((r) => r.statuses);
  const fivexx = statuses.filter((s) => s >= 500).length;
  const restarted = server.dynamodbPid() !== before;
  const afterwards = after
    ? await countDisagreements(stores, [after], false)
    : { count: 1, examples: ["no call got through"] };
  rows.push(
    {
      scenario: "kill",
      figure: `${sizes.killCallers} callers, DynamoDB Local killed mid-call: 5xx`,
      value: String(fivexx),
      ok: fivexx === 0,
    },
    {
      scenario: "kill",
      figure: "restarted by the stack, calls answered again after",
      value: restarted && Number.isFinite(recoveredMs) ? `${round(recoveredMs / 1000)} s` : "no",
      ok: restarted && Number.isFinite(recoveredMs),
    },
    {
      scenario: "kill",
      figure: "a call after the restart agrees with its caller",
      value: afterwards.count === 0 ? "yes" : "no",
      ok: afterwards.count === 0,
    },
  );
  return { callers: records.length, fivexx, restarted, recoveredMs: round(recoveredMs), examples: afterwards.examples };
}

function table(rows: Row[]): string {
  const width = (k: keyof Omit<Row, "ok">) => Math.max(k.length, ...rows.map((r) => r[k].length));
  const w = { scenario: width("scenario"), figure: width("figure"), value: width("value") };
  const line = (s: string, f: string, v: string, ok: string) =>
    `${s.padEnd(w.scenario)}  ${f.padEnd(w.figure)}  ${v.padStart(w.value)}  ${ok}`;
  return [
    line("scenario", "figure", "value", ""),
    "-".repeat(w.scenario + w.figure + w.value + 10),
    ...rows.map((r) => line(r.scenario, r.figure, r.value, r.ok ? "ok" : "BROKEN")),
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { quick: { type: "boolean", default: false }, seed: { type: "string" }, out: { type: "string" } },
  });
  const quick = values.quick === true;
  const sizes = quick ? QUICK : FULL;
  const seed = values.seed !== undefined ? Number(values.seed) : 20261201;
  // The campaign's own stack: quiet handlers, authentication on as deployed, its own DynamoDB Local (to pause it).
  Object.assign(process.env, {
    LOG_LEVEL: "SILENT",
    POWERTOOLS_METRICS_DISABLED: "true",
    WEBHOOK_SECRET: SECRET,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  });
  delete process.env.DYNAMODB_ENDPOINT;
  const out = values.out ?? (quick ? join(tmpdir(), "callflow-chaos", "results.quick.json") : RESULTS_FILE);
  process.stdout.write(
    `callflow chaos campaign (${quick ? "quick" : "full"}, seed ${seed}); ${cpus().length} CPUs, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}\n`,
  );
  const started = performance.now();
  const { startLocalServer } = await import("../src/local/server.js");
  const printed: string[] = [];
  const server = await startLocalServer({
    port: 0,
    flowsDir: BENCH_FLOWS_DIR,
    watch: false,
    onFetch: () => {},
    print: (text) => printed.push(text),
  });
  const doc = createDocumentClient({ endpoint: server.dynamodbEndpoint, requestTimeoutMs: 5_000 });
  const stores = { sessions: new DynamoSessionStore(doc), summaries: new DynamoSummaryStore(doc) };
  const rows: Row[] = [];
  const detail: Record<string, unknown> = {};
  try {
    for (const [name, run] of Object.entries({
      fuzz: () => fuzz(server, stores, sizes, seed, rows),
      duplicates: () => duplicates(server, stores, rows),
      load: () => load(server, stores, sizes, rows),
      pause: () => pause(server, stores, sizes, rows),
      kill: () => kill(server, stores, sizes, rows),
    })) {
      const t0 = performance.now();
      process.stdout.write(`-- ${name} ...\n`);
      detail[name] = await run();
      process.stdout.write(`-- ${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    }
  } finally {
    doc.destroy();
    await server.stop();
  }
  const broken = rows.filter((r) => !r.ok);
  process.stdout.write(`\n${table(rows)}\n`);
  const wall = (performance.now() - started) / 1000;
  const record = {
    run: {
      mode: quick ? "quick" : "full",
      seed,
      sizes,
      wall_s: Math.round(wall),
      node: process.version,
      cpus: cpus().length,
      load_after: loadavg().map((l) => round(l)),
      started_at: new Date().toISOString(),
    },
    rows,
    detail,
    stack_said: printed.filter((line) => /DynamoDB Local|warning/.test(line)),
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(record, null, 2)}\n`);
  process.stdout.write(
    `\n${broken.length === 0 ? "every invariant held" : `${broken.length} invariant(s) BROKEN`}; wrote ${out} in ${wall.toFixed(0)} s\n`,
  );
  return broken.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`npm run chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
