/** What every measurement returns to bench/run.ts: table rows, results.json figures, targets and hard failures. */

export interface BenchOptions {
  /** the short CI run: fewer samples, fewer calls; ratio targets are reported but never fail the run */
  quick: boolean;
  /** concurrent simulated calls in the end-to-end measurement */
  calls: number;
  /** VCA events per simulated call */
  events: number;
}

/** One line of the printed table. */
export interface Row {
  measure: string;
  value: string;
  floor: string;
  ratio: string;
}

export interface Target {
  /** the results.json key it judges */
  key: string;
  label: string;
  actual: number;
  /** holds when actual <= limit */
  limit: number;
  /**
   * Ratios and timings move with machine load: a miss is reported, never fatal. A deterministic target (bundle
   * bytes, error counts) fails the run in every mode.
   */
  noisy: boolean;
}

export interface MeasurementResult {
  title: string;
  rows: Row[];
  /** top-level results.json figures */
  figures: Record<string, number>;
  targets: Target[];
  /** broken, not slow: always fails the run (errors, incomplete sessions, yaml in the bundle, ...) */
  failures: string[];
  /** everything else worth keeping in results.json */
  detail: Record<string, unknown>;
}

export function ms(value: number): string {
  return Number.isFinite(value)
    ? `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0)} ms`
    : "n/a";
}

export function us(valueMs: number): string {
  const micro = valueMs * 1000;
  return `${micro < 10 ? micro.toFixed(2) : micro < 100 ? micro.toFixed(1) : micro.toFixed(0)} µs`;
}

export function ratio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : "n/a";
}
