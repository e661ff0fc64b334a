/**
 * Diagnostics: what the parser, schema and checker report, and how they are printed
 * (`file:line:col severity [rule] message`, the source line, a caret line, then an optional hint; like tsc).
 */

import type { JsonPath } from "./positions.js";

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

/** How the checks report a finding: the rule, where (a JSON path into the flow, pointed at by key or value, or at
 * a substring of it with `within`) and what; the checker turns it into a positioned Diagnostic. */
export type Reporter = (
  rule: string,
  path: JsonPath,
  message: string,
  options?: { hint?: string; severity?: Severity; which?: "key" | "value"; within?: string },
) => void;

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
  return render(d, source === undefined ? undefined : lineOf(source, lineStarts(source), d.line));
}

function render(d: Diagnostic, lineText: string | undefined): string {
  const out = [`${d.file}:${d.line}:${d.col} ${d.severity} [${d.rule}] ${d.message}`];
  if (lineText !== undefined) {
    const gutter = String(d.line);
    const pad = " ".repeat(gutter.length);
    const shown = excerpt(lineText, d.col - 1);
    const caretAt = shown.offset + Math.max(0, d.col - 1 - shown.from);
    const available = Math.max(1, shown.to - (d.col - 1));
    const width = Math.max(1, Math.min(d.length ?? 1, available));
    out.push(`  ${gutter} | ${shown.text}`);
    out.push(`  ${pad} | ${" ".repeat(caretAt)}${"^".repeat(width)}`);
  }
  if (d.hint) out.push(`  hint: ${d.hint}`);
  return out.join("\n");
}

function lineStarts(source: string): number[] {
  const starts = [0];
  for (let lf = source.indexOf("\n"); lf >= 0; lf = source.indexOf("\n", lf + 1)) starts.push(lf + 1);
  return starts;
}

/** The 1-based `line` of `source`, without its line break (\n or \r\n). */
function lineOf(source: string, starts: number[], line: number): string | undefined {
  const start = starts[line - 1];
  if (start === undefined) return undefined;
  const next = starts[line];
  const text = source.slice(start, next === undefined ? source.length : next - 1);
  return text.endsWith("\r") ? text.slice(0, -1) : text;
}

/** Source lines longer than this are shown as a window around the column. */
const EXCERPT_WIDTH = 120;
/** How much of the line before the column the window keeps. */
const EXCERPT_CONTEXT = 40;
const ELLIPSIS = "...";

/**
 * What to print of a source line: all of it when it is short, else EXCERPT_WIDTH characters around `column`
 * (0-based) with an ellipsis where text was cut. `from`/`to` is the part of the line shown, `offset` where it
 * starts in the printed text (after a leading ellipsis).
 */
function excerpt(line: string, column: number): { text: string; from: number; to: number; offset: number } {
  if (line.length <= EXCERPT_WIDTH) return { text: line, from: 0, to: line.length, offset: 0 };
  let from = Math.max(0, Math.min(column - EXCERPT_CONTEXT, line.length - EXCERPT_WIDTH));
  let to = Math.min(line.length, from + EXCERPT_WIDTH);
  // never cut a character made of two UTF-16 units (emoji) in half
  if (from > 0 && isLowSurrogate(line.charCodeAt(from))) from++;
  if (to < line.length && isLowSurrogate(line.charCodeAt(to))) to--;
  const before = from > 0 ? ELLIPSIS : "";
  const after = to < line.length ? ELLIPSIS : "";
  return { text: before + line.slice(from, to) + after, from, to, offset: before.length };
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** All diagnostics, sorted, separated by blank lines. `sources` maps file -> text, for the source excerpts. */
export function formatDiagnostics(diags: Diagnostic[], sources: Sources = {}): string {
  // each file's line starts are found once, however many diagnostics it has
  const lines = new Map<string, number[]>();
  return sortDiagnostics(diags)
    .map((d) => {
      const source = sourceOf(sources, d.file);
      if (source === undefined) return render(d, undefined);
      let starts = lines.get(d.file);
      if (!starts) {
        starts = lineStarts(source);
        lines.set(d.file, starts);
      }
      return render(d, lineOf(source, starts, d.line));
    })
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
