/**
 * `npm run bench:report`: how `ivr report` scales (issue #12). Generates N call summaries of the example flow
 * card-services on DynamoDB Local (each a real engine walk with random keys, classified as the VSS classifies it),
 * then runs the report over the first tenth of them and over all of them, each in a fresh process, and prints
 * time and peak memory. Not part of `npm test` (it writes 100,000 items).
 *
 *   npm run bench:report                       100,000 summaries (about 4 minutes on 2 cores)
 *   npm run bench:report -- --calls 20000
 *   DYNAMODB_ENDPOINT=http://127.0.0.1:8000 npm run bench:report   reuse a running DynamoDB Local
 *
 * The report process measures itself: wall time of buildReport, peak V8 heap (sampled every 10 ms) and the
 * process's maximum resident set (getrusage). Memory must not grow with the number of calls: the report processes
 * run with their V8 heap capped (--heap-mb, default 64 MB), so one that grew with the calls would fail here.
 */
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { BatchWriteCommand } from "@aws-sdk/lib-dynamodb";
import { classifyOutcome } from "../src/analytics/outcome.js";
import { buildReport } from "../src/analytics/report.js";
import { newSession, transition } from "../src/engine/engine.js";
import type { CompiledMachine } from "../src/engine/machine.js";
import type { Session } from "../src/engine/session.js";
import { loadFlows } from "../src/language/index.js";
import { maskPhone, maskVars } from "../src/observability/masking.js";
import { ensureTables } from "../src/store/create-tables.js";
import { createDocumentClient, createDynamoDbClient } from "../src/store/dynamodb-client.js";
import { DynamoFlowVersionStore } from "../src/store/dynamodb-flow-version-store.js";
import { startDynamoDbLocal } from "../src/store/dynamodb-local.js";
import { DynamoSummaryStore } from "../src/store/dynamodb-summary-store.js";
import type { SummaryRecord } from "../src/store/ports.js";
import { SUMMARIES_TABLE } from "../src/store/tables.js";

const FLOW = "card-services";
const DAY = 86_400_000;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      calls: { type: "string", default: "100000" },
      "heap-mb": { type: "string", default: "64" },
      measure: { type: "boolean", default: false },
      endpoint: { type: "string" },
      flow: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
    },
  });
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  if (values.measure) return measure(values.endpoint!, values.flow!, values.from!, values.to!);

  const calls = Number(values.calls);
  const dynamo = await startDynamoDbLocal();
  try {
    const admin = createDynamoDbClient({ endpoint: dynamo.endpoint, requestTimeoutMs: 30_000 });
    await ensureTables(admin).finally(() => admin.destroy());
    const doc = createDocumentClient({ endpoint: dynamo.endpoint, requestTimeoutMs: 30_000, maxAttempts: 8 });
    const machine = loadFlows("flows").machines.find((m) => m.flow === FLOW) as CompiledMachine;
    await new DynamoFlowVersionStore(doc).put(machine);
    // A flow id of this run's own, so a reused DynamoDB holds no other calls of it.
    const flow = `${FLOW}-${randomUUID().slice(0, 8)}`;
    const end = Date.now();
    const start = end - 7 * DAY;
    process.stdout.write(`generating ${calls} summaries of ${FLOW} on ${dynamo.endpoint} ...\n`);
    const t0 = performance.now();
    await generate(doc, machine, flow, calls, start, end);
    const writeSeconds = (performance.now() - t0) / 1000;
    process.stdout.write(`written in ${writeSeconds.toFixed(1)} s (${Math.round(calls / writeSeconds)} items/s)\n`);
    doc.destroy();

    const tenth = new Date(start + (end - start) / 10).toISOString();
    const rows = [];
    for (const [label, to] of [
      [`${Math.round(calls / 10)} calls`, tenth],
      [`${calls} calls`, new Date(end).toISOString()],
    ] as const) {
      const child = spawnSync(
        process.execPath,
        [
          "--import",
          "tsx",
          "bench/report-volume.ts",
          "--measure",
          "--endpoint",
          dynamo.endpoint,
          "--flow",
          flow,
          "--from",
          new Date(start - 1).toISOString(),
          "--to",
          to,
        ],
        { encoding: "utf8", env: process.env },
      );
      if (child.status !== 0) throw new Error(`report process failed: ${child.stderr}`);
      const result = JSON.parse(child.stdout.trim().split("\n").at(-1) as string) as Record<string, number>;
      rows.push({ window: label, heapLimitMB: Number(values["heap-mb"]), ...result });
    }
    process.stdout.write(`\n${JSON.stringify(rows, null, 2)}\n`);
  } finally {
    await dynamo.stop();
  }
}

/** N calls: a random walk through the flow per call (keys a caller might press), summarised as the VSS does. */
async function generate(
  doc: ReturnType<typeof createDocumentClient>,
  machine: CompiledMachine,
  flow: string,
  calls: number,
  start: number,
  end: number,
): Promise<void> {
  const keys = ["1", "2", "3", "0", "9", "*", null, "4111111111111111", "4111111111111112", "1234", "9999"];
  let batch: Record<string, unknown>[] = [];
  const inFlight = new Set<Promise<void>>();
  const flush = async (items: Record<string, unknown>[]) => {
    let request: Record<string, { PutRequest: { Item: Record<string, unknown> } }[]> | undefined = {
      [SUMMARIES_TABLE.localName]: items.map((Item) => ({ PutRequest: { Item } })),
    };
    while (request && Object.keys(request).length > 0) {
      const result = await doc.send(new BatchWriteCommand({ RequestItems: request }));
      request = result.UnprocessedItems as typeof request;
    }
  };
  for (let i = 0; i < calls; i++) {
    const at = new Date(start + ((end - start) * (i + 0.5)) / calls);
    const startedAt = new Date(at.getTime() - 30_000 - (i % 240) * 1000);
    let session: Session = newSession(
      machine,
      { sessionId: randomUUID(), caller: "+6590000001", called: machine.numbers[0] ?? "", direction: "INBOUND" },
      startedAt,
    );
    session = transition(machine, session, { type: "start" }, startedAt).session;
    const presses = (i * 7) % 6;
    for (let p = 0; p < presses && session.status === "active"; p++) {
      const digits = keys[(i * 31 + p * 17) % keys.length] ?? null;
      session = transition(
        machine,
        session,
        { type: "input", digits },
        new Date(startedAt.getTime() + p * 8000),
      ).session;
    }
    const sessionStatus = i % 97 === 0 ? "ERROR" : "COMPLETED";
    const summary: SummaryRecord = {
      sessionId: session.sessionId,
      sessionStatus,
      body: JSON.stringify({ payload: { sessionId: session.sessionId, sessionStatus } }),
      flow,
      version: machine.version,
      path: session.path,
      finalState: session.state,
      vars: maskVars(session.vars, machine.sensitive),
      outcome: classifyOutcome({ session, sessionStatus, lastEventId: "e", machine }),
      transitions: session.transitions,
      durationMs: at.getTime() - startedAt.getTime(),
      direction: "INBOUND",
      startedAt: session.startedAt,
      caller: maskPhone(session.caller),
      called: maskPhone(session.called),
      receivedAt: at.toISOString(),
      expiresAt: Math.floor(end / 1000) + 90 * 86_400,
    };
    batch.push(summary as unknown as Record<string, unknown>);
    if (batch.length === 25) {
      const p: Promise<void> = flush(batch).finally(() => inFlight.delete(p));
      inFlight.add(p);
      batch = [];
      if (inFlight.size >= 8) await Promise.race(inFlight);
    }
    if ((i + 1) % 20_000 === 0) process.stdout.write(`  ${i + 1}\n`);
  }
  if (batch.length > 0) await flush(batch);
  await Promise.all(inFlight);
}

/** In a fresh process: the report over [from, to], its wall time and peak memory. */
async function measure(endpoint: string, flow: string, from: string, to: string): Promise<void> {
  const doc = createDocumentClient({ endpoint, requestTimeoutMs: 30_000, maxAttempts: 5 });
  let heapPeak = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => {
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }, 10);
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const { report } = await buildReport(
    { index: new DynamoSummaryStore(doc), machines: new DynamoFlowVersionStore(doc) },
    { flows: [flow], from: new Date(from), to: new Date(to) },
  );
  const ms = performance.now() - t0;
  clearInterval(sampler);
  heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  const calls = report.flows.reduce((n, f) => n + f.calls, 0);
  doc.destroy();
  const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
  process.stdout.write(
    `${JSON.stringify({
      calls,
      seconds: Math.round(ms / 100) / 10,
      callsPerSecond: Math.round(calls / (ms / 1000)),
      heapBeforeMB: mb(heapBefore),
      heapPeakMB: mb(heapPeak),
      maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
