/**
 * What `ivr test` prints: per scenario a pass/fail line, for a failure the step, an expected/actual diff and the
 * call so far; then a coverage table per flow naming what no scenario reached. And the same as JSON (`--json`).
 */
import type { CallflowAction } from "../engine/callflow.js";
import { describeAction } from "../local/simulated-8x8.js";
import type { FlowCoverage } from "./coverage.js";
import type { ScenarioResult } from "./runner.js";
import type { Turn } from "./test-call.js";

export interface Paint {
  red(text: string): string;
  green(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const ANSI = (code: number) => (text: string) => `\u001b[${code}m${text}\u001b[0m`;
export const COLOURS: Paint = { red: ANSI(31), green: ANSI(32), dim: ANSI(2), bold: ANSI(1) };
export const PLAIN: Paint = { red: (t) => t, green: (t) => t, dim: (t) => t, bold: (t) => t };

export function formatResult(result: ScenarioResult, paint: Paint = PLAIN): string {
  const took = paint.dim(`(${result.durationMs} ms)`);
  if (result.passed) return `  ${paint.green("✓")} ${result.name} ${took}`;
  const lines = [`  ${paint.red("✗")} ${result.name} ${took}`];
  const failure = result.failure;
  if (failure) {
    lines.push(`      at ${result.file}:${failure.line}: ${failure.step}`);
    if (failure.error) lines.push(`      ${paint.red(failure.error)}`);
    for (const m of failure.mismatches) {
      lines.push(`      ${paint.bold(m.what)}`);
      lines.push(...indentLines(`- expected: `, m.expected).map((l) => `        ${paint.green(l)}`));
      lines.push(...indentLines(`+ actual:   `, m.actual).map((l) => `        ${paint.red(l)}`));
    }
    if (result.turns.length > 0) {
      lines.push(`      ${paint.dim("the call so far:")}`);
      lines.push(...formatTurns(result.turns).map((l) => `        ${paint.dim(l)}`));
    }
  }
  return lines.join("\n");
}

/** The call as a transcript: `>` what the caller pressed, `<` what they heard. */
export function formatTurns(turns: readonly Turn[]): string[] {
  const out: string[] = [];
  for (const turn of turns) {
    if (turn.dtmf !== undefined) out.push(`> ${turn.dtmf === null ? "(silence)" : turn.dtmf}`);
    out.push(...turn.answer.callflow.map((a: CallflowAction) => `< ${describeAction(a)}`));
  }
  return out;
}

function indentLines(label: string, text: string): string[] {
  const pad = " ".repeat(label.length);
  return text.split("\n").map((line, i) => (i === 0 ? label : pad) + line);
}

function percent(covered: number, total: number): string {
  return total === 0 ? "100%" : `${Math.floor((covered / total) * 1000) / 10}%`;
}

export function formatCoverage(coverage: readonly FlowCoverage[], paint: Paint = PLAIN): string {
  const rows = coverage.map((c) => [
    c.flow,
    `${c.states.covered}/${c.states.total}`,
    percent(c.states.covered, c.states.total),
    `${c.transitions.covered}/${c.transitions.total}`,
    percent(c.transitions.covered, c.transitions.total),
  ]);
  const header = ["flow", "states", "", "transitions", ""];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number)))
      .join("  ")
      .trimEnd();
  const out = [paint.bold("Coverage"), `  ${line(header)}`];
  for (const [i, row] of rows.entries()) {
    const c = coverage[i] as FlowCoverage;
    const full = c.states.uncovered.length === 0 && c.transitions.uncovered.length === 0;
    out.push(`  ${(full ? paint.green : paint.red)(line(row))}`);
  }
  for (const c of coverage) {
    if (c.states.uncovered.length === 0 && c.transitions.uncovered.length === 0) continue;
    out.push("", `  not covered in ${c.flow}:`);
    for (const s of c.states.uncovered) out.push(`    state       ${s}`);
    for (const t of c.transitions.uncovered) out.push(`    transition  ${t}`);
  }
  return out.join("\n");
}

export function summaryLine(results: readonly ScenarioResult[], paint: Paint = PLAIN): string {
  const failed = results.filter((r) => !r.passed).length;
  const passed = results.length - failed;
  const parts = [paint.green(`${passed} passed`)];
  if (failed > 0) parts.push(paint.red(`${failed} failed`));
  return `Scenarios: ${parts.join(", ")} (${results.length})`;
}

/** The machine-readable report: results without transcripts of passing scenarios, and coverage. */
export function jsonReport(results: readonly ScenarioResult[], coverage: readonly FlowCoverage[]) {
  return {
    passed: results.every((r) => r.passed),
    scenarios: results.map((r) => ({
      file: r.file,
      line: r.line,
      flow: r.flow,
      name: r.name,
      passed: r.passed,
      durationMs: r.durationMs,
      ...(r.failure && { failure: r.failure, transcript: formatTurns(r.turns) }),
    })),
    coverage: coverage.map((c) => ({
      ...c,
      states: { ...c.states, percent: ratio(c.states) },
      transitions: { ...c.transitions, percent: ratio(c.transitions) },
    })),
  };
}

function ratio(part: { covered: number; total: number }): number {
  return part.total === 0 ? 100 : Math.round((part.covered / part.total) * 1000) / 10;
}
