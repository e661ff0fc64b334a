/**
 * `npm run bench`: measures the hot path against its physical floor, prints a table and writes bench/results.json.
 * docs/performance.md explains each measurement, its floor and the latest results.
 *
 *   npm run bench                      full run (about 1.5 minutes on 2 cores); writes bench/results.json
 *   npm run bench -- --quick           short CI run: every measurement, fewer samples; fails only when broken
 *   npm run bench -- --calls 20 --events 8 --only e2e,engine --out /tmp/r.json
 *
 * Exit code 1 when something is broken (end-to-end errors, incomplete sessions, YAML or ajv on the Lambda's init
 * path, a bundle over its size budget, a flow that does not compile). Ratio targets depend on machine load: they
 * print PASS or MISS but only fail the run with --strict.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { buildFlowsJson } from "../src/build/flows-json.js";
import { measureColdStart } from "./cold-start.js";
import { measureCompilerScale } from "./compiler-scale.js";
import { measureEncryption } from "./encryption.js";
import { measureEndToEnd } from "./end-to-end.js";
import { measureEngineStep } from "./engine-step.js";
import { measureFetchStep } from "./fetch-step.js";
import type { BenchOptions, MeasurementResult, Row, Target } from "./measurement.js";

const PROJECT_ROOT = join(import.meta.dirname, "..");
const RESULTS_FILE = join(import.meta.dirname, "results.json");

const MEASUREMENTS = {
  engine: measureEngineStep,
  compile: measureCompilerScale,
  cold: measureColdStart,
  e2e: measureEndToEnd,
  fetch: measureFetchStep,
  encryption: measureEncryption,
} satisfies Record<string, (options: BenchOptions) => MeasurementResult | Promise<MeasurementResult>>;
type MeasurementName = keyof typeof MEASUREMENTS;

/** The figures issue 6 asks results.json for, first and in this order. */
const HEADLINE = [
  "engine_step_ratio",
  "cold_start_ratio",
  "bundle_bytes",
  "e2e_p50_ratio",
  "e2e_serial_p50_ratio",
  "e2e_p99_ms",
  "e2e_errors",
  "compile_10000_ms",
];

interface Cli {
  options: BenchOptions;
  only: MeasurementName[];
  out: string;
  strict: boolean;
}

function parseCli(argv: string[]): Cli {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      calls: { type: "string" },
      events: { type: "string" },
      only: { type: "string" },
      out: { type: "string" },
      strict: { type: "boolean", default: false },
    },
  });
  const quick = values.quick === true;
  const calls = positiveInt(values.calls, "--calls") ?? (quick ? 10 : 50);
  const events = positiveInt(values.events, "--events") ?? (quick ? 6 : 12);
  if (events < 2) throw new Error("--events must be at least 2 (CALL_RECEIVED and the hang-up)");
  const all = Object.keys(MEASUREMENTS) as MeasurementName[];
  const only = values.only ? values.only.split(",").map((s) => s.trim()) : all;
  const unknown = only.filter((name) => !all.includes(name as MeasurementName));
  if (unknown.length > 0) throw new Error(`--only: unknown ${unknown.join(", ")} (choose from ${all.join(", ")})`);
  // Only a full run of everything is the documented record; anything else goes to a temporary file.
  const complete = !quick && only.length === all.length && values.calls === undefined && values.events === undefined;
  const out =
    values.out ??
    (complete ? RESULTS_FILE : join(tmpdir(), "callflow-bench", quick ? "results.quick.json" : "results.json"));
  return { options: { quick, calls, events }, only: only as MeasurementName[], out, strict: values.strict === true };
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  const cli = parseCli(argv);
  const { options } = cli;
  // The Lambda runs Node 24; on Node 20 the SDK warns once per process that support ends, which is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const started = performance.now();
  const startedAt = new Date();
  const loadBefore = loadavg();
  process.stdout.write(
    `callflow benchmark (${options.quick ? "quick" : "full"}): ${cli.only.join(", ")}; ` +
      `${cpus().length} CPUs, load ${loadBefore.map((l) => l.toFixed(1)).join(" ")}\n`,
  );

  const failures: string[] = [];
  // The bundle embeds the flows, as `npm run build` writes them (the generated validators are current already:
  // `npm run bench` preloads src/build/preload.ts).
  process.chdir(PROJECT_ROOT);
  if (!buildFlowsJson().file) failures.push("build: flows/ does not compile, so the Lambda cannot be bundled");

  const results: MeasurementResult[] = [];
  for (const name of cli.only) {
    if (name === "cold" && failures.length > 0) continue;
    const t0 = performance.now();
    process.stdout.write(`\n-- ${name} ...\n`);
    try {
      const result = await MEASUREMENTS[name](options);
      results.push(result);
      process.stdout.write(`-- ${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    } catch (err) {
      failures.push(`${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.stdout.write(`-- ${name} FAILED\n`);
    }
  }
  failures.push(...new Set(results.flatMap((r) => r.failures)));

  const targets = results.flatMap((r) => r.targets);
  const wallSeconds = (performance.now() - started) / 1000;
  process.stdout.write(`\n${table(results.flatMap((r) => r.rows))}\n`);
  const verdicts = targets.map((t) => verdict(t, options.quick));
  process.stdout.write(`\nTargets${options.quick ? " (--quick: ratios are reported, not judged)" : ""}:\n`);
  for (const v of verdicts) process.stdout.write(`  ${v.line}\n`);
  if (failures.length > 0) {
    process.stdout.write(`\nBroken (${failures.length}):\n${failures.map((f) => `  - ${f}`).join("\n")}\n`);
  }

  const figures = Object.assign({}, ...results.map((r) => r.figures)) as Record<string, number>;
  const record = {
    ...Object.fromEntries(HEADLINE.filter((k) => k in figures).map((k) => [k, figures[k]])),
    ...Object.fromEntries(Object.entries(figures).filter(([k]) => !HEADLINE.includes(k))),
    targets: Object.fromEntries(
      targets.map((t) => [t.key, { actual: t.actual, limit: t.limit, holds: t.actual <= t.limit, label: t.label }]),
    ),
    failures,
    run: {
      mode: options.quick ? "quick" : "full",
      measurements: cli.only,
      started_at: startedAt.toISOString(),
      wall_s: Math.round(wallSeconds),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus().length,
      cpu_model: cpus()[0]?.model ?? "unknown",
      load_before: loadBefore.map((l) => Number(l.toFixed(2))),
      load_after: loadavg().map((l) => Number(l.toFixed(2))),
      commit: gitCommit(),
      calls: options.calls,
      events_per_call: options.events,
    },
    detail: Object.fromEntries(results.map((r) => [r.title.toLowerCase().replaceAll(" ", "_"), r.detail])),
  };
  mkdirSync(dirname(cli.out), { recursive: true });
  writeFileSync(cli.out, `${JSON.stringify(record, null, 2)}\n`);
  process.stdout.write(`\nwrote ${cli.out} in ${wallSeconds.toFixed(0)} s\n`);

  const fatal = failures.length > 0 || verdicts.some((v) => v.fatal || (cli.strict && !v.holds));
  return fatal ? 1 : 0;
}

function verdict(target: Target, quick: boolean): { line: string; holds: boolean; fatal: boolean } {
  const holds = target.actual <= target.limit;
  const judged = !quick || !target.noisy;
  const word = !judged ? "info" : holds ? "PASS" : target.noisy ? "MISS" : "FAIL";
  const shown = `${target.key} = ${target.actual}`;
  const note = judged ? "" : holds ? " (holds)" : " (misses)";
  return {
    line: `${word}  ${shown.padEnd(34)} ${target.label}${note}`,
    holds,
    fatal: !holds && !target.noisy,
  };
}

function table(rows: Row[]): string {
  const header: Row = { measure: "measure", value: "value", floor: "floor", ratio: "ratio" };
  const all = [header, ...rows];
  const width = (k: keyof Row) => Math.max(...all.map((r) => r[k].length));
  const w = { measure: width("measure"), value: width("value"), floor: width("floor"), ratio: width("ratio") };
  const line = (r: Row) =>
    `${r.measure.padEnd(w.measure)}  ${r.value.padStart(w.value)}  ${r.floor.padStart(w.floor)}  ${r.ratio.padStart(w.ratio)}`;
  const rule = "-".repeat(w.measure + w.value + w.floor + w.ratio + 6);
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/** The commit measured, marked "+changes" when the working tree differs from it (outside bench/results.json). */
function gitCommit(): string {
  const git = (...args: string[]) => spawnSync("git", args, { cwd: PROJECT_ROOT, encoding: "utf8" });
  const head = git("rev-parse", "--short", "HEAD");
  if (head.status !== 0) return "unknown";
  const changes = git(
    "status",
    "--porcelain",
    "--",
    ".",
    ":(exclude)bench/results.json",
    ":(exclude)node_modules",
  ).stdout.trim();
  return `${head.stdout.trim()}${changes ? "+changes" : ""}`;
}

main(process.argv.slice(2)).then(
  (code) => {
    // DynamoDB Local and keep-alive sockets are closed by now; exit explicitly so nothing stray holds the run.
    process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
