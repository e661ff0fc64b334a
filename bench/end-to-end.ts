/**
 * Measurement 3, end to end on the local stack: N concurrent simulated calls of M VCA events each, over HTTP to
 * the real local server (src/local/server.ts: the Lambdas' handler factories behind API Gateway's proxy format,
 * webhook authentication on) on DynamoDB Local, against the floor: the DynamoDB work those calls cannot avoid,
 * done by N concurrent workers from this process to the same DynamoDB Local with the same client settings. Per
 * call that is one conditional PutItem creating the session (CALL_RECEIVED), then a consistent GetItem and a
 * conditional PutItem of the next revision for each of the M - 1 ACTION_COMPLETED events, each writing the item a
 * call of the warm-up wrote at that event.
 *
 * Also, for information (no target): the floor behind the same HTTP hop, an in-process server that parses each event,
 * does that DynamoDB work and answers with the text the call got; what we spend beyond it is our own per-event work.
 *
 * Load generator, server and floor all run in this one Node process; DynamoDB Local is the only other process.
 * The load generator (./load-client.ts) writes its requests and reads the answers on raw keep-alive sockets, so
 * that what it spends playing 8x8 and API Gateway takes as little as possible of the CPU the stack is measured on.
 * Rounds alternate floor-first and calls-first so drift (JVM JIT, GC, other load) hits both alike.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { CallflowAction, VcaAnswer } from "../src/engine/callflow.js";
import { startLocalServer } from "../src/local/server.js";
import {
  actionCompletedEvent,
  callflowEndsCall,
  callReceivedEvent,
  captureOf,
  newSimulatedCall,
  simulateCapture,
} from "../src/local/simulated-8x8.js";
import { ensureTables } from "../src/store/create-tables.js";
import { createDocumentClient, createDynamoDbClient } from "../src/store/dynamodb-client.js";
import { startDynamoDbLocal } from "../src/store/dynamodb-local.js";
import { DynamoSessionStore } from "../src/store/dynamodb-session-store.js";
import { SESSIONS_TABLE, tableName } from "../src/store/tables.js";
import { BENCH_FLOWS_DIR, callScript, compileBenchFlow } from "./bench-flow.js";
import { LoadClient } from "./load-client.js";
import { type BenchOptions, type MeasurementResult, ms, type Row, ratio, type Target } from "./measurement.js";
import { round, type Summary, summarise } from "./stats.js";

const TARGET_P50_RATIO = 1.2;
/** one call at a time (issue #11): the difference to the floor is our own per-event work, nothing queues */
const TARGET_SERIAL_P50_RATIO = 1.15;
const WEBHOOK_SECRET = "callflow-bench-webhook-secret";
/** calls (and floor workers) run one after the other in the low-load comparison */
const SERIAL_CALLS = 20;

interface EventTiming {
  /** CALL_RECEIVED (the floor: create), or ACTION_COMPLETED (the floor: read + write) */
  kind: "start" | "input";
  ms: number;
}

/** One round of calls or of floor workers. */
interface Round {
  timings: EventTiming[];
  errors: string[];
  /** the calls' sessions, checked in DynamoDB afterwards (none for the floor) */
  sessionIds: string[];
  wallMs: number;
  cpu: CpuUse;
}

/** CPU milliseconds spent during a round by this process and by the DynamoDB Local JVM (when we can see it). */
interface CpuUse {
  nodeMs: number;
  jvmMs: number | undefined;
}

interface ByKind {
  all: Summary;
  start: Summary;
  input: Summary;
}

export async function measureEndToEnd(options: BenchOptions): Promise<MeasurementResult> {
  const { calls, events } = options;
  const rounds = options.quick ? 2 : 6;
  const warmups = options.quick ? 1 : 2;
  const restoreEnv = setEnv({
    // Silent handlers: logging is not what is measured, and 50 calls' worth of lines would drown the report.
    LOG_LEVEL: "SILENT",
    POWERTOOLS_LOG_LEVEL: "SILENT",
    POWERTOOLS_METRICS_DISABLED: "true",
    // Authentication on, as deployed: every request's header is checked against the secret.
    WEBHOOK_SECRET,
    WEBHOOK_AUTH_HEADER: undefined,
  });
  const serverOutput: string[] = [];
  const dynamo = await startDynamoDbLocal();
  // Idle connections close after 3 s, before the server's 5 s keep-alive timeout can close one under a new request
  // (an ECONNRESET that would be the load generator's fault, not the stack's).
  const client = new LoadClient(3_000);
  // The same client settings the local server's stores get (src/local/local-dynamo.ts).
  const doc = createDocumentClient({ endpoint: dynamo.endpoint, requestTimeoutMs: 5_000, connectionTimeoutMs: 1_000 });
  let server: Awaited<ReturnType<typeof startLocalServer>> | undefined;
  try {
    // Tables first, with a patient client: the server's own table check uses the runtime's 400 ms request budget,
    // which a just-started JVM on a busy machine can miss.
    const admin = createDynamoDbClient({ endpoint: dynamo.endpoint, requestTimeoutMs: 10_000 });
    await ensureTables(admin).finally(() => admin.destroy());
    server = await startLocalServer({
      port: 0,
      flowsDir: BENCH_FLOWS_DIR,
      dynamodbEndpoint: dynamo.endpoint,
      watch: false,
      print: (text) => serverOutput.push(text),
    });
    const called = compileBenchFlow().numbers[0] as string;
    const vcaUrl = `${server.url.replace("localhost", "127.0.0.1")}/vca`;
    const healthUrl = `${server.url.replace("localhost", "127.0.0.1")}/health`;
    const cpu = cpuMeter(dynamo.pid);
    const runCalls = async (n: number, m: number) => {
      // Every call gets an open keep-alive connection, which has answered a GET /health, before the clock starts:
      // deployed, API Gateway and not our code terminates 8x8's connections. The first request on a fresh
      // connection to this server is slow in a burst of 50 (CALL_RECEIVED p90 0.3 to 0.5 s, against 0.08 s on
      // connections that have answered once; a request that needs no DynamoDB does as well as /health): a cost of
      // this load generator sharing the server's process, not of the handler.
      await client.open(healthUrl, n, { get: true });
      return cpu.during(() => callsRound(client, vcaUrl, called, n, m));
    };

    // Warm-up, not recorded: the JVM's JIT, sockets on both sides, V8 (calls half as long as the measured ones).
    const warmEvents = Math.max(2, Math.round(events / 2));
    const warmErrors: string[] = [];
    for (let i = 0; i < warmups; i++) warmErrors.push(...(await runCalls(calls, warmEvents)).errors);
    // The floor writes, at each event, the item one of the calls wrote at that event (read back after each event of
    // one measured-length call): items grow with the call, and unevenly (a news chain adds many transitions at once),
    // so one item for every write would be too small or too large.
    const items: Record<string, unknown>[] = [];
    const sample = await callsRound(client, vcaUrl, called, 1, events, async (sessionId) => {
      const item = await storedItem(doc, sessionId);
      if (item) items.push(item);
    });
    warmErrors.push(...sample.errors);
    if (items.length !== events)
      throw new Error(`no stored session after the warm-up (${warmErrors[0] ?? "no error"})`);
    const runFloor = (n: number, m: number) => cpu.during(() => floorRound(doc, items, n, m));
    for (let i = 0; i < warmups; i++) warmErrors.push(...(await runFloor(calls, warmEvents)).errors);

    // The floor behind the same HTTP hop (information, no target): a webhook server that only parses the event, does
    // the floor's DynamoDB work and sends the answer. What we spend beyond it is our own per-event work.
    const hopFloor = await startHopFloor(doc, items);
    const measured: Round[] = [];
    const floors: Round[] = [];
    const hopFloors: Round[] = [];
    // One call at a time: no queue in DynamoDB Local, so the difference to the floor is our own per-event work.
    const serialCalls: Round[] = [];
    const serialFloors: Round[] = [];
    const serialHopFloors: Round[] = [];
    try {
      const runHopFloor = async (n: number, m: number) => {
        await client.open(hopFloor.url, n);
        return cpu.during(() => hopFloorRound(client, hopFloor.url, n, m));
      };
      warmErrors.push(...(await runHopFloor(calls, warmEvents)).errors);
      for (let r = 0; r < rounds; r++) {
        if (r % 2 === 0) {
          floors.push(await runFloor(calls, events));
          hopFloors.push(await runHopFloor(calls, events));
          measured.push(await runCalls(calls, events));
        } else {
          measured.push(await runCalls(calls, events));
          hopFloors.push(await runHopFloor(calls, events));
          floors.push(await runFloor(calls, events));
        }
      }
      if (!options.quick) {
        for (let i = 0; i < SERIAL_CALLS; i++) {
          serialCalls.push(await runCalls(1, events));
          serialFloors.push(await runFloor(1, events));
          serialHopFloors.push(await runHopFloor(1, events));
        }
      }
    } finally {
      await hopFloor.stop();
    }

    // What the HTTP hop alone costs this process: the same requests to a server that answers at once.
    const httpHop = options.quick ? undefined : await measureHttpHop(calls, events);

    const sessionIds = [...measured, ...serialCalls].flatMap((r) => r.sessionIds);
    const errors = [
      ...warmErrors,
      ...[...measured, ...floors, ...hopFloors, ...serialCalls, ...serialFloors, ...serialHopFloors].flatMap(
        (r) => r.errors,
      ),
      ...(await verifySessions(doc, sessionIds, events)),
      ...serverOutput.filter((line) => line.startsWith("handler failed")),
    ];

    const ours = byKind(measured);
    const floor = byKind(floors);
    const hopFloorKinds = byKind(hopFloors);
    const serial =
      serialCalls.length > 0
        ? { ours: byKind(serialCalls), floor: byKind(serialFloors), hopFloor: byKind(serialHopFloors) }
        : undefined;
    const eventsPerSecond = rate(measured);
    const floorPerSecond = rate(floors);
    const p50Ratio = ours.all.p50 / floor.all.p50;

    const rows: Row[] = [
      {
        measure: `e2e ${calls} calls x ${events} events: p50`,
        value: ms(ours.all.p50),
        floor: ms(floor.all.p50),
        ratio: ratio(p50Ratio),
      },
      {
        measure: "e2e p50, floor over HTTP",
        value: ms(ours.all.p50),
        floor: ms(hopFloorKinds.all.p50),
        ratio: ratio(ours.all.p50 / hopFloorKinds.all.p50),
      },
      {
        measure: "e2e p99",
        value: ms(ours.all.p99),
        floor: ms(floor.all.p99),
        ratio: ratio(ours.all.p99 / floor.all.p99),
      },
      {
        measure: "e2e p50, ACTION_COMPLETED (read + write)",
        value: ms(ours.input.p50),
        floor: ms(floor.input.p50),
        ratio: ratio(ours.input.p50 / floor.input.p50),
      },
      {
        measure: "e2e p50, CALL_RECEIVED (create)",
        value: ms(ours.start.p50),
        floor: ms(floor.start.p50),
        ratio: ratio(ours.start.p50 / floor.start.p50),
      },
      {
        measure: "e2e throughput (events/s)",
        value: eventsPerSecond.toFixed(0),
        floor: floorPerSecond.toFixed(0),
        ratio: ratio(floorPerSecond / eventsPerSecond),
      },
      ...(serial
        ? [
            {
              measure: "e2e one call at a time: p50",
              value: ms(serial.ours.all.p50),
              floor: ms(serial.floor.all.p50),
              ratio: ratio(serial.ours.all.p50 / serial.floor.all.p50),
            },
            {
              measure: "e2e one call at a time: p50, floor over HTTP",
              value: ms(serial.ours.all.p50),
              floor: ms(serial.hopFloor.all.p50),
              ratio: ratio(serial.ours.all.p50 / serial.hopFloor.all.p50),
            },
          ]
        : []),
      { measure: "e2e errors", value: String(errors.length), floor: "", ratio: "" },
    ];
    const targets: Target[] = [
      {
        key: "e2e_p50_ratio",
        label: `end-to-end p50 / floor p50 <= ${TARGET_P50_RATIO}`,
        actual: round(p50Ratio),
        limit: TARGET_P50_RATIO,
        noisy: true,
      },
      ...(serial
        ? [
            {
              key: "e2e_serial_p50_ratio",
              label: `end-to-end one call at a time: p50 / floor p50 <= ${TARGET_SERIAL_P50_RATIO}`,
              actual: round(serial.ours.all.p50 / serial.floor.all.p50),
              limit: TARGET_SERIAL_P50_RATIO,
              noisy: true,
            },
          ]
        : []),
      { key: "e2e_errors", label: "end-to-end errors = 0", actual: errors.length, limit: 0, noisy: false },
    ];
    return {
      title: "End to end",
      rows,
      figures: {
        e2e_p50_ms: round(ours.all.p50),
        e2e_p99_ms: round(ours.all.p99),
        e2e_floor_p50_ms: round(floor.all.p50),
        e2e_floor_p99_ms: round(floor.all.p99),
        e2e_p50_ratio: round(p50Ratio),
        e2e_hop_floor_p50_ratio: round(ours.all.p50 / hopFloorKinds.all.p50),
        ...(serial && {
          e2e_serial_p50_ratio: round(serial.ours.all.p50 / serial.floor.all.p50),
          e2e_serial_hop_floor_p50_ratio: round(serial.ours.all.p50 / serial.hopFloor.all.p50),
        }),
        e2e_events_per_s: Math.round(eventsPerSecond),
        e2e_errors: errors.length,
      },
      targets,
      failures: errors.slice(0, 10).map((e) => `end to end: ${e}`),
      detail: {
        method:
          "closed loop: N calls (or floor workers) at once, each sending its M events back to back; per-event " +
          "latency from sending the request to the end of the response. Floor per call: a conditional PutItem " +
          "(create), then M - 1 times a consistent GetItem + a PutItem conditional on rev (ALL_OLD on failure), " +
          "each writing the item a warm-up call wrote at that event, with the server's DynamoDB client settings. " +
          "Floor over HTTP (information): the same work behind an in-process HTTP server that parses each event and " +
          "answers with the text a call got, reached over keep-alive connections like the stack",
        calls,
        events_per_call: events,
        rounds,
        warmup_rounds: warmups,
        item_bytes: Math.round(items.reduce((sum, item) => sum + JSON.stringify(item).length, 0) / items.length),
        ours_ms: kindsReport(ours),
        floor_ms: kindsReport(floor),
        floor_over_http_ms: kindsReport(hopFloorKinds),
        p50_ratio: round(p50Ratio),
        p50_ratio_to_floor_over_http: round(ours.all.p50 / hopFloorKinds.all.p50),
        p99_ratio: round(ours.all.p99 / floor.all.p99),
        action_completed_p50_ratio: round(ours.input.p50 / floor.input.p50),
        call_received_p50_ratio: round(ours.start.p50 / floor.start.p50),
        events_per_s: Math.round(eventsPerSecond),
        floor_events_per_s: Math.round(floorPerSecond),
        cpu_ms_per_event: {
          node_ours: perEvent(measured, (r) => r.cpu.nodeMs),
          node_floor: perEvent(floors, (r) => r.cpu.nodeMs),
          node_floor_over_http: perEvent(hopFloors, (r) => r.cpu.nodeMs),
          dynamodb_local_ours: perEvent(measured, (r) => r.cpu.jvmMs),
          dynamodb_local_floor: perEvent(floors, (r) => r.cpu.jvmMs),
          dynamodb_local_floor_over_http: perEvent(hopFloors, (r) => r.cpu.jvmMs),
        },
        ...(httpHop && { http_hop_only: httpHop }),
        sessions_checked: sessionIds.length,
        ...(serial && {
          one_call_at_a_time: {
            calls: SERIAL_CALLS,
            ours_ms: kindsReport(serial.ours),
            floor_ms: kindsReport(serial.floor),
            p50_ratio: round(serial.ours.all.p50 / serial.floor.all.p50),
            action_completed_p50_ratio: round(serial.ours.input.p50 / serial.floor.input.p50),
            action_completed_overhead_p50_ms: round(serial.ours.input.p50 - serial.floor.input.p50),
            floor_over_http_ms: kindsReport(serial.hopFloor),
            p50_ratio_to_floor_over_http: round(serial.ours.all.p50 / serial.hopFloor.all.p50),
            node_cpu_ms_per_event: {
              ours: perEvent(serialCalls, (r) => r.cpu.nodeMs),
              floor: perEvent(serialFloors, (r) => r.cpu.nodeMs),
              floor_over_http: perEvent(serialHopFloors, (r) => r.cpu.nodeMs),
            },
          },
        }),
        dynamodb: dynamo.started ? "DynamoDB Local, started by the benchmark" : "DYNAMODB_ENDPOINT",
      },
    };
  } finally {
    await server?.stop().catch(() => undefined);
    doc.destroy();
    client.close();
    await dynamo.stop();
    restoreEnv();
  }
}

/** N calls at once, each playing its script event by event against the VCA endpoint. */
async function callsRound(
  client: LoadClient,
  url: string,
  called: string,
  calls: number,
  events: number,
  /** told after each answer (the warm-up reads each event's stored item) */
  afterEvent?: (sessionId: string) => Promise<void>,
): Promise<Omit<Round, "cpu">> {
  const script = callScript(events);
  const timings: EventTiming[] = [];
  const errors: string[] = [];
  const sessionIds: string[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: calls }, async (_, i) => {
      const call = newSimulatedCall({ caller: `+659${String(1_000_000 + i).slice(-7)}`, called });
      sessionIds.push(call.sessionId);
      try {
        let answer = await postVca(client, url, callReceivedEvent(call, new Date()), "start", timings);
        await afterEvent?.(call.sessionId);
        for (const keys of script) {
          const capture = captureOf(answer.callflow);
          if (!capture) throw new Error(`no capture to answer in state ${answer.clientActionId}`);
          const dtmf = simulateCapture(capture.params, keys);
          const event = actionCompletedEvent(call, new Date(), answer.clientActionId, dtmf);
          answer = await postVca(client, url, event, "input", timings);
          await afterEvent?.(call.sessionId);
        }
        if (!callflowEndsCall(answer.callflow)) throw new Error(`call did not end (at ${answer.clientActionId})`);
      } catch (err) {
        errors.push(err instanceof Error ? err.message : String(err));
      }
    }),
  );
  return { timings, errors, sessionIds, wallMs: performance.now() - started };
}

async function postVca(
  client: LoadClient,
  url: string,
  event: Record<string, unknown>,
  kind: EventTiming["kind"],
  timings: EventTiming[],
): Promise<VcaAnswer> {
  const body = JSON.stringify(event);
  const started = performance.now();
  const { status, text } = await client.post(url, body, { authorization: WEBHOOK_SECRET });
  timings.push({ kind, ms: performance.now() - started });
  if (status !== 200) throw new Error(`HTTP ${status}: ${text.slice(0, 200)}`);
  const answer = JSON.parse(text) as VcaAnswer;
  if (/^(error|unrouted):/.test(answer.clientActionId)) {
    throw new Error(`fallback answer ${answer.clientActionId}: ${describe(answer.callflow)}`);
  }
  return answer;
}

/**
 * The HTTP hop without the handler: N connections each sending M VCA-sized POSTs back to back to an in-process
 * server that reads the body and answers a fixed callflow. Node CPU per request and latency, for the method notes.
 */
async function measureHttpHop(connections: number, requests: number) {
  const answer = JSON.stringify({
    clientActionId: "main:2",
    callflow: [{ action: "sayAndCapture", params: { promptMessage: "x".repeat(200), voiceProfile: "en-GB-Emma" } }],
  });
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/vca`;
  const client = new LoadClient(3_000);
  const body = JSON.stringify(
    callReceivedEvent(newSimulatedCall({ caller: "+6590000001", called: "+6531990000" }), new Date()),
  );
  try {
    await client.open(url, connections);
    const latencies: number[] = [];
    const cpu0 = process.cpuUsage();
    await Promise.all(
      Array.from({ length: connections }, async () => {
        for (let i = 0; i < requests; i++) {
          const t0 = performance.now();
          await client.post(url, body, { authorization: WEBHOOK_SECRET });
          latencies.push(performance.now() - t0);
        }
      }),
    );
    const cpu = process.cpuUsage(cpu0);
    return {
      requests: latencies.length,
      node_cpu_ms_per_request: round((cpu.user + cpu.system) / 1000 / latencies.length),
      latency_ms: msSummary(summarise(latencies)),
    };
  } finally {
    client.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function describe(callflow: readonly CallflowAction[]): string {
  return callflow.map((a) => a.action).join(",");
}

/**
 * The floor: what a call's events cannot avoid doing to DynamoDB, with the parameters DynamoSessionStore uses.
 * First event: create the session on condition that it does not exist. Every later event: read the session
 * consistently, write the next revision on condition of the one read.
 */
async function floorRound(
  doc: DynamoDBDocumentClient,
  /** the item to write at each event (one per event) */
  items: readonly Record<string, unknown>[],
  workers: number,
  events: number,
): Promise<Omit<Round, "cpu">> {
  return workerRound("floor", workers, events, (sessionId, rev) => floorEvent(doc, items, sessionId, rev));
}

/** The floor's DynamoDB work for one event: create the session (rev 0), or read it and write the next revision. */
async function floorEvent(
  doc: DynamoDBDocumentClient,
  items: readonly Record<string, unknown>[],
  sessionId: string,
  rev: number,
): Promise<void> {
  const table = tableName(SESSIONS_TABLE);
  if (rev === 0) {
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: { ...items[0], sessionId, rev: 1 },
        ConditionExpression: "attribute_not_exists(sessionId) OR expiresAt <= :now",
        ExpressionAttributeValues: { ":now": Math.floor(Date.now() / 1000) },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
    return;
  }
  const { Item } = await doc.send(new GetCommand({ TableName: table, Key: { sessionId }, ConsistentRead: true }));
  if (Item?.rev !== rev) throw new Error(`read rev ${String(Item?.rev)}, expected ${rev}`);
  await doc.send(
    new PutCommand({
      TableName: table,
      Item: { ...items[rev], sessionId, rev: rev + 1 },
      ConditionExpression: "rev = :prevRev",
      ExpressionAttributeValues: { ":prevRev": rev },
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    }),
  );
}

/** N workers at once, each a session of `events` events done one after the other by `event` (rev 0 creates it). */
async function workerRound(
  name: string,
  workers: number,
  events: number,
  event: (sessionId: string, rev: number) => Promise<void>,
): Promise<Omit<Round, "cpu">> {
  const timings: EventTiming[] = [];
  const errors: string[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      const sessionId = `bench-${name.replaceAll(" ", "-")}-${randomUUID()}`;
      try {
        for (let rev = 0; rev < events; rev++) {
          const t0 = performance.now();
          await event(sessionId, rev);
          timings.push({ kind: rev === 0 ? "start" : "input", ms: performance.now() - t0 });
        }
      } catch (err) {
        errors.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }),
  );
  return { timings, errors, sessionIds: [], wallMs: performance.now() - started };
}

/**
 * The floor behind an HTTP hop: an in-process server that reads the event (JSON.parse), does the floor's DynamoDB
 * work for it and answers with the text a call was answered with at that event. Told the session and revision in
 * headers.
 */
async function startHopFloor(doc: DynamoDBDocumentClient, items: readonly Record<string, unknown>[]) {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const sessionId = String(req.headers["x-floor-session"]);
      const rev = Number(req.headers["x-floor-rev"]);
      const work = async () => {
        JSON.parse(Buffer.concat(chunks).toString("utf8"));
        await floorEvent(doc, items, sessionId, rev);
        return String(items[rev]?.lastAnswer ?? "{}");
      };
      work().then(
        (answer) => res.writeHead(200, { "content-type": "application/json" }).end(answer),
        (err: unknown) => res.writeHead(500).end(err instanceof Error ? err.message : String(err)),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/vca`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** N floor calls over HTTP at once: VCA-sized POSTs, each doing one event of the floor's work behind the server. */
function hopFloorRound(client: LoadClient, url: string, calls: number, events: number): Promise<Omit<Round, "cpu">> {
  const body = JSON.stringify(
    callReceivedEvent(newSimulatedCall({ caller: "+6590000001", called: "+6531990000" }), new Date()),
  );
  return workerRound("floor over HTTP", calls, events, async (sessionId, rev) => {
    const { status, text } = await client.post(url, body, { "x-floor-session": sessionId, "x-floor-rev": String(rev) });
    if (status !== 200) throw new Error(`HTTP ${status}: ${text.slice(0, 200)}`);
  });
}

async function storedItem(doc: DynamoDBDocumentClient, sessionId: string | undefined) {
  if (!sessionId) return undefined;
  const { Item } = await doc.send(
    new GetCommand({ TableName: tableName(SESSIONS_TABLE), Key: { sessionId }, ConsistentRead: true }),
  );
  return Item;
}

/** Every measured call must have ended with exactly `events` transitions, each stored once. */
async function verifySessions(doc: DynamoDBDocumentClient, sessionIds: string[], events: number): Promise<string[]> {
  const store = new DynamoSessionStore(doc);
  const problems: string[] = [];
  const now = new Date();
  for (let i = 0; i < sessionIds.length; i += 25) {
    await Promise.all(
      sessionIds.slice(i, i + 25).map(async (id) => {
        const record = await store.get(id, now);
        if (!record) {
          problems.push(`session ${id} was not stored`);
        } else if (record.session.turn !== events || record.rev !== events || record.session.status !== "ended") {
          problems.push(
            `session ${id}: turn ${record.session.turn}, rev ${record.rev}, ${record.session.status} ` +
              `(expected ${events} transitions and ended)`,
          );
        }
      }),
    );
  }
  return problems;
}

/** Wraps a round with CPU accounting for this process and (on Linux, when we started it) the JVM. */
function cpuMeter(jvmPid: number | undefined) {
  const jvmCpuMs = (): number | undefined => {
    if (jvmPid === undefined) return undefined;
    try {
      // /proc/<pid>/stat fields 14 and 15 (after the command name): user and system time in clock ticks (1/100 s).
      const fields = readFileSync(`/proc/${jvmPid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      return (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      return undefined;
    }
  };
  return {
    async during<R>(round: () => Promise<R>): Promise<R & { cpu: CpuUse }> {
      const node0 = process.cpuUsage();
      const jvm0 = jvmCpuMs();
      const result = await round();
      const node = process.cpuUsage(node0);
      const jvm1 = jvmCpuMs();
      const jvmMs = jvm0 !== undefined && jvm1 !== undefined ? jvm1 - jvm0 : undefined;
      return { ...result, cpu: { nodeMs: (node.user + node.system) / 1000, jvmMs } };
    },
  };
}

function perEvent(rounds: Round[], pick: (r: Round) => number | undefined) {
  const values = rounds.map(pick);
  if (values.some((v) => v === undefined)) return null;
  const events = rounds.reduce((n, r) => n + r.timings.length, 0);
  return round((values as number[]).reduce((a, b) => a + b, 0) / events);
}

function byKind(rounds: Round[]): ByKind {
  const timings = rounds.flatMap((r) => r.timings);
  return {
    all: summarise(timings.map((t) => t.ms)),
    start: summarise(timings.filter((t) => t.kind === "start").map((t) => t.ms)),
    input: summarise(timings.filter((t) => t.kind === "input").map((t) => t.ms)),
  };
}

function kindsReport(k: ByKind) {
  return { all: msSummary(k.all), call_received: msSummary(k.start), action_completed: msSummary(k.input) };
}

/** Events per second over whole rounds (first request sent to last answer received). */
function rate(rounds: Round[]): number {
  const n = rounds.reduce((sum, r) => sum + r.timings.length, 0);
  const seconds = rounds.reduce((sum, r) => sum + r.wallMs, 0) / 1000;
  return n / seconds;
}

function msSummary(s: Summary) {
  return { n: s.n, p50: round(s.p50), p90: round(s.p90), p99: round(s.p99), max: round(s.max) };
}

/** Set (or, with undefined, remove) environment variables; returns a function that puts the old values back. */
function setEnv(values: Record<string, string | undefined>): () => void {
  const previous = Object.fromEntries(Object.keys(values).map((k) => [k, process.env[k]]));
  const apply = (vars: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(vars)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply(values);
  return () => apply(previous);
}
