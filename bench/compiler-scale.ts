/**
 * Measurement 4, compiler scale: compile time of generated flows (bench/flow-generator.ts) of 100, 1,000 and
 * 10,000 states through `compileFlowSource` (parse, schema, checker, data flow, compile, version hash), and the
 * growth exponent k in time ~ states^k from a least-squares fit on log-log axes (1 = linear).
 *
 * Each size is compiled several times and the best time kept: compiling is deterministic single-threaded work, so
 * anything above the minimum is other load on the machine (the median is kept in the detail).
 */
import { compileFlowSource } from "../src/language/index.js";
import { generateFlow } from "./flow-generator.js";
import { type BenchOptions, type MeasurementResult, ms, type Row, type Target } from "./measurement.js";
import { logLogSlope, median, round } from "./stats.js";

const SIZES = [100, 1_000, 10_000] as const;
/** "about linear": a little over 1 allows for the hash maps and the version hash's sort */
const TARGET_EXPONENT = 1.2;

export function measureCompilerScale(options: BenchOptions): MeasurementResult {
  const failures: string[] = [];
  // Small flows repeat more: they are fast and noisier. The warm-up pays for module loading and the JIT.
  const repeats = (states: number) => (options.quick ? (states >= 10_000 ? 1 : 3) : states >= 10_000 ? 3 : 9);
  for (let i = 0; i < (options.quick ? 2 : 5); i++) compileOnce(1_000, failures);

  const points: { x: number; y: number }[] = [];
  const rows: Row[] = [];
  const timings: Record<string, number[]> = {};
  const medians: Record<string, number> = {};
  for (const states of SIZES) {
    const times: number[] = [];
    for (let i = 0; i < repeats(states); i++) times.push(compileOnce(states, failures));
    timings[states] = times.map(round);
    medians[states] = round(median(times));
    const t = Math.min(...times);
    points.push({ x: states, y: t });
    rows.push({ measure: `compile ${states.toLocaleString("en")} states (best)`, value: ms(t), floor: "", ratio: "" });
  }
  const exponent = logLogSlope(points);
  const last = points.length - 1;
  const tailExponent = Math.log((points[last]?.y ?? 0) / (points[last - 1]?.y ?? 1)) / Math.log(10);
  rows.push({ measure: "compile growth exponent (log-log fit)", value: exponent.toFixed(2), floor: "1.00", ratio: "" });

  const targets: Target[] = [
    {
      key: "compile_exponent",
      label: `compile time grows about linearly: exponent <= ${TARGET_EXPONENT}`,
      actual: round(exponent),
      limit: TARGET_EXPONENT,
      noisy: true,
    },
  ];
  return {
    title: "Compiler scale",
    rows,
    figures: {
      compile_100_ms: round(points[0]?.y ?? Number.NaN),
      compile_1000_ms: round(points[1]?.y ?? Number.NaN),
      compile_10000_ms: round(points[2]?.y ?? Number.NaN),
      compile_exponent: round(exponent),
    },
    targets,
    failures,
    detail: {
      method: "best wall time of several compileFlowSource runs on bench/flow-generator.ts flows, after warm-up",
      runs_ms: timings,
      median_ms: medians,
      exponent_fit: round(exponent),
      exponent_1000_to_10000: round(tailExponent),
    },
  };
}

function compileOnce(states: number, failures: string[]): number {
  const text = generateFlow(states);
  const started = performance.now();
  const { machine, diagnostics } = compileFlowSource(text, `generated-${states}.yaml`);
  const elapsed = performance.now() - started;
  const errors = diagnostics.filter((d) => d.severity === "error");
  const compiledStates = machine ? Object.keys(machine.states).length : 0;
  if (errors.length > 0 || compiledStates !== states + 1) {
    failures.push(
      `compiler: the ${states}-state flow gave ${errors.length} error(s) and ${compiledStates} states ` +
        `(expected ${states + 1})${errors[0] ? `: ${errors[0].message}` : ""}`,
    );
  }
  return elapsed;
}
