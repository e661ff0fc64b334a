/** `ivr report`'s terminal output: per flow and version, the outcome line, then the funnel state by state. */
import type { FlowReport, Report, StateStats } from "./report.js";

export function renderTable(report: Report): string {
  const lines = [`calls from ${report.window.from} to ${report.window.to}`];
  if (report.flows.length === 0) lines.push("", "no calls in this window");
  for (const flow of report.flows) lines.push("", ...flowLines(flow));
  return `${lines.join("\n")}\n`;
}

function flowLines(f: FlowReport): string[] {
  const { completed, transferred, abandoned, failed } = f.outcomes;
  const lines = [
    `${f.flow} v${f.version}`,
    `  calls ${f.calls}  completed ${completed}  transferred ${transferred}  abandoned ${abandoned}  failed ${failed}` +
      `  containment ${percent(f.containmentRate)}`,
    `  duration p50 ${duration(f.durationMs.p50)}  p90 ${duration(f.durationMs.p90)}` +
      (f.unreached.total > 0 ? `  unreached ${f.unreached.total} (${pairs(f.unreached.byStatus)})` : "") +
      (Object.keys(f.results).length > 0 ? `  results ${pairs(f.results)}` : ""),
    "",
  ];
  const { header, rows } = stateRows(f);
  lines.push(...table(header, rows, [false, false, true, true, true, true, true, true, true, false]));
  const fetches = Object.entries(f.states).filter(([, s]) => s.fetch);
  if (fetches.length > 0) {
    lines.push("");
    const fetchRows = fetches.map(([id, s]) => {
      const x = s.fetch as NonNullable<StateStats["fetch"]>;
      return [id, String(x.requests), String(x.errors), percent(x.errorRate), ms(x.latencyMs.p50), ms(x.latencyMs.p95)];
    });
    lines.push(
      ...table(["fetch state", "requests", "errors", "error rate", "p50", "p95"], fetchRows, [
        false,
        true,
        true,
        true,
        true,
        true,
      ]),
    );
  }
  return lines;
}

/** The funnel as rows of text cells, one per state (the terminal table and the HTML page share it). */
export function stateRows(f: FlowReport): { header: string[]; rows: string[][] } {
  const header = [
    "state",
    "kind",
    "entered",
    "abandoned",
    "drop",
    "noInput",
    "noMatch",
    "invalid",
    "exhausted",
    "left by",
  ];
  const rows = Object.entries(f.states).map(([id, s]) => [
    id,
    s.kind ?? "?",
    String(s.entered),
    String(s.abandoned),
    percent(s.entered === 0 ? null : s.abandoned / s.entered),
    dash(s.noInput),
    dash(s.noMatch),
    dash(s.invalid),
    dash(s.exhausted),
    leftBy(s),
  ]);
  return { header, rows };
}

function table(header: string[], rows: string[][], right: boolean[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    `  ${cells
      .map((c, i) => (right[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd()}`;
  return [line(header), ...rows.map(line)];
}

function leftBy(s: StateStats): string {
  return Object.entries(s.left)
    .map(([on, n]) => `${on}:${n}`)
    .join(" ");
}

function pairs(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
}

function dash(n: number): string {
  return n === 0 ? "-" : String(n);
}

export function percent(rate: number | null): string {
  return rate === null ? "-" : `${(rate * 100).toFixed(1)}%`;
}

export function duration(value: number | null): string {
  if (value === null) return "-";
  if (value < 1000) return `${value} ms`;
  const seconds = Math.round(value / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s`;
}

function ms(value: number | null): string {
  return value === null ? "-" : `${value} ms`;
}
