/**
 * Diagnostics: what the parser, schema and checker report, and how they are printed
 * (`file:line:col severity [rule] message`, the source line, a caret line, then an optional hint; like tsc).
 */

export type Severity = "error" | "warning";

export interface Diagnostic {
  file: string;
  /** 1-based */
  line: number;
  /** 1-based */
  col: number;
  severity: Severity;
  /** kebab-case rule id, e.g. `unknown-target` (see docs/flow-language.md for the list) */
  rule: string;
  message: string;
  hint?: string;
  /** how many characters the caret line underlines (default 1); optional addition to the shared shape */
  length?: number;
}

export type Sources = Record<string, string> | Map<string, string>;

function sourceOf(sources: Sources, file: string): string | undefined {
  return sources instanceof Map ? sources.get(file) : sources[file];
}

/** Sorts by file, then position, errors before warnings at the same spot. */
export function sortDiagnostics(diags: Diagnostic[]): Diagnostic[] {
  return [...diags].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.col - b.col ||
      (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1) ||
      a.rule.localeCompare(b.rule),
  );
}

/** One diagnostic: header line, source line with a caret under the offending text, and the hint. */
export function formatDiagnostic(d: Diagnostic, source?: string): string {
  const out = [`${d.file}:${d.line}:${d.col} ${d.severity} [${d.rule}] ${d.message}`];
  const lineText = source?.split(/\r?\n/)[d.line - 1];
  if (lineText !== undefined) {
    const gutter = String(d.line);
    const pad = " ".repeat(gutter.length);
    const available = Math.max(1, lineText.length - (d.col - 1));
    const width = Math.max(1, Math.min(d.length ?? 1, available));
    out.push(`  ${gutter} | ${lineText}`);
    out.push(`  ${pad} | ${" ".repeat(Math.max(0, d.col - 1))}${"^".repeat(width)}`);
  }
  if (d.hint) out.push(`  hint: ${d.hint}`);
  return out.join("\n");
}

/** All diagnostics, sorted, separated by blank lines. `sources` maps file -> text, for the source excerpts. */
export function formatDiagnostics(diags: Diagnostic[], sources: Sources = {}): string {
  return sortDiagnostics(diags)
    .map((d) => formatDiagnostic(d, sourceOf(sources, d.file)))
    .join("\n\n");
}

export function countBySeverity(diags: Diagnostic[]): { errors: number; warnings: number } {
  let errors = 0;
  let warnings = 0;
  for (const d of diags) {
    if (d.severity === "error") errors++;
    else warnings++;
  }
  return { errors, warnings };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** e.g. "3 flows ok" or "2 errors, 1 warning in 3 flows". */
export function summarize(diags: Diagnostic[], flowCount: number): string {
  const { errors, warnings } = countBySeverity(diags);
  const flows = plural(flowCount, "flow");
  if (errors === 0 && warnings === 0) return `${flows} ok`;
  const parts = [plural(errors, "error"), plural(warnings, "warning")];
  return errors === 0 ? `${flows} ok (${parts[1]})` : `${parts.join(", ")} in ${flows}`;
}

export function hasErrors(diags: Diagnostic[]): boolean {
  return diags.some((d) => d.severity === "error");
}
