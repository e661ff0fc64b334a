/**
 * Measurement: a fetch step. The engine's own overhead for a `fetch` (walk to it, render the request, resolve the
 * service and its secret header, send with a deadline and a size limit, read and parse the JSON, route, fill
 * `into`, walk on) beyond the HTTP round trip itself. The floor is that round trip alone: Node's fetch of the same
 * POST to the same loopback stub, reading the same JSON. Both alternate, so they share JIT state and load.
 *
 * Target: overhead (p50 of the step minus p50 of the floor) at most 1 ms. Metrics are on, as deployed (one EMF set
 * per request); their lines are built and written, then dropped here rather than flood the report.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { newSession, resume, transition } from "../src/engine/engine.js";
import type { CompiledMachine } from "../src/engine/machine.js";
import type { Session } from "../src/engine/session.js";
import { createFetchPerformer } from "../src/integration/performer.js";
import { envSecrets } from "../src/integration/secrets.js";
import { compileFlowSource } from "../src/language/index.js";
import { createLogger } from "../src/observability/logger.js";
import { createMetrics } from "../src/observability/metrics.js";
import { type BenchOptions, type MeasurementResult, ms, us } from "./measurement.js";
import { round, summarise } from "./stats.js";

const TARGET_OVERHEAD_MS = 1;

const FLOW = `
flow: bench-fetch
numbers: ["+6530000999"]
start: pin
onError: sorry
services:
  bank:
    url: https://bank.bench.example/v1
    headers: { Authorization: "Bearer {{secrets.bankToken}}" }
    timeout: 2
secrets: [bankToken]
states:
  pin:
    ask:
      prompt: "Your PIN, please."
      into: pin
      digits: { min: 4, max: 4 }
      sensitive: true
      next: verify
  verify:
    fetch:
      service: bank
      method: POST
      path: /cards/{{caller}}/verify
      query: { lang: en }
      body: { pin: "{{pin}}", channel: ivr }
      into: { holder: holder.firstName, balance: balance.available, currency: balance.currency }
      sensitive: [balance]
      on: { "403": wrong-pin, "404": sorry }
      next: speak
      onError: sorry
  speak:
    hangup: { say: "Thank you {{holder}}. Your balance is {{balance}} {{currency}}." }
  wrong-pin:
    hangup: { say: "That PIN is not correct." }
  sorry:
    hangup: { say: "Sorry." }
`;

const RESPONSE = JSON.stringify({
  holder: { firstName: "Wei Ling" },
  balance: { available: 1234.56, currency: "SGD" },
  meta: { requestId: "r-0001", issuedAt: "2026-11-24T10:00:00Z" },
});

export async function measureFetchStep(options: BenchOptions): Promise<MeasurementResult> {
  const { machine, diagnostics } = compileFlowSource(FLOW, "bench-fetch.yaml");
  if (!machine) throw new Error(`bench flow does not compile: ${JSON.stringify(diagnostics)}`);
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) =>
    String(chunk).startsWith('{"_aws"') ? true : write(chunk, ...rest)) as typeof process.stdout.write;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(RESPONSE) });
      res.end(RESPONSE);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    return await measure(machine, base, options);
  } finally {
    process.stdout.write = write;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function measure(machine: CompiledMachine, base: string, options: BenchOptions): Promise<MeasurementResult> {
  const performer = createFetchPerformer({
    secrets: envSecrets({ CALLFLOW_SECRET_bankToken: "bench-token" }),
    logger: createLogger({ logLevel: "SILENT" }),
    metrics: createMetrics(),
    env: { CALLFLOW_SERVICE_URL_bank: `${base}/v1` },
  });
  const now = new Date();
  const started = transition(
    machine,
    newSession(
      machine,
      { sessionId: "bench", caller: "+6591234567", called: "+6530000999", direction: "INBOUND" },
      now,
    ),
    { type: "start" },
    now,
  );
  const waiting: Session = started.session;
  const failures: string[] = [];

  const step = async (): Promise<number> => {
    let result = transition(machine, waiting, { type: "input", digits: "4821" }, now);
    while (result.effect) {
      const { outcome } = await performer.perform(machine, result.effect.request);
      result = resume(machine, result, outcome, now);
    }
    return result.actions.length;
  };
  const floorUrl = `${base}/v1/cards/%2B6591234567/verify?lang=en`;
  const floorBody = JSON.stringify({ pin: "4821", channel: "ivr" });
  const floor = async (): Promise<number> => {
    const res = await fetch(floorUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer bench-token" },
      body: floorBody,
    });
    return Object.keys((await res.json()) as object).length;
  };

  // The step must really end where a 200 leads, or the figure measures the wrong thing.
  const check = transition(machine, waiting, { type: "input", digits: "4821" }, now);
  if (!check.effect) failures.push("fetch step: the bench flow did not stop at its fetch");
  else {
    const done = resume(machine, check, (await performer.perform(machine, check.effect.request)).outcome, now);
    if (done.session.state !== "speak") failures.push(`fetch step: ended in ${done.session.state}, not speak`);
  }

  const warmup = options.quick ? 200 : 1_000;
  const samples = options.quick ? 500 : 3_000;
  let sink = 0;
  for (let i = 0; i < warmup; i++) sink += (await step()) + (await floor());
  const stepMs: number[] = [];
  const floorMs: number[] = [];
  for (let i = 0; i < samples; i++) {
    let t0 = performance.now();
    sink += await step();
    stepMs.push(performance.now() - t0);
    t0 = performance.now();
    sink += await floor();
    floorMs.push(performance.now() - t0);
  }
  if (sink === 0) failures.push("fetch step: nothing measured");

  const s = summarise(stepMs);
  const f = summarise(floorMs);
  const overhead = s.p50 - f.p50;
  return {
    title: "Fetch step",
    rows: [
      { measure: "fetch step (p50)", value: ms(s.p50), floor: ms(f.p50), ratio: `+${us(overhead)}` },
      { measure: "fetch step (p99)", value: ms(s.p99), floor: ms(f.p99), ratio: `+${us(s.p99 - f.p99)}` },
    ],
    figures: { fetch_overhead_p50_ms: round(overhead), fetch_step_p50_ms: round(s.p50) },
    targets: [
      {
        key: "fetch_overhead_p50_ms",
        label: `a fetch step costs at most ${TARGET_OVERHEAD_MS} ms over the HTTP round trip to a local stub (p50)`,
        actual: round(overhead),
        limit: TARGET_OVERHEAD_MS,
        noisy: true,
      },
    ],
    failures,
    detail: {
      samples,
      step_ms: { p50: round(s.p50), p90: round(s.p90), p99: round(s.p99) },
      floor_ms: { p50: round(f.p50), p90: round(f.p90), p99: round(f.p99) },
      overhead_p50_ms: round(overhead),
    },
  };
}
