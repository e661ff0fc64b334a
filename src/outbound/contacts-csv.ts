/**
 * A campaign's contacts file, checked in full before anything is stored: one column for the number, one per input
 * of the flow, and (for local runs) a `script` column for the simulated callee. Every problem is reported with its
 * line, and none quotes a value from the file (numbers and names are personal data; the line says where to look).
 */
import { parse } from "csv-parse/sync";
import type { CompiledMachine } from "../engine/machine.js";
import { parseCalleeScript, SCRIPT_HELP } from "./callee-script.js";
import { checkInputs } from "./inputs.js";

/** Column names taken as the number when none is named (case-insensitive, first found). */
export const NUMBER_COLUMNS = ["to", "phone", "number", "mobile", "msisdn"];
export const SCRIPT_COLUMN = "script";
/** Larger lists go in several campaigns (and their creation stays well inside a CLI's patience). */
export const MAX_CONTACTS = 200_000;
/** Past this many problems the rest are counted, not listed. */
const MAX_PROBLEMS = 50;

const E164 = /^\+[1-9][0-9]{6,14}$/;

export interface ContactRow {
  line: number;
  to: string;
  inputs: Record<string, string>;
  /** the simulated callee's script (local runs), as written */
  script?: string;
}

export interface ContactsProblem {
  /** 0: the file as a whole; -1: not the file but the campaign's settings */
  line: number;
  message: string;
}

export type ContactsResult =
  | { ok: true; rows: ContactRow[]; numberColumn: string; inputColumns: string[]; hasScripts: boolean }
  | { ok: false; problems: ContactsProblem[] };

export interface ContactsOptions {
  /** the number's column (default: the first of NUMBER_COLUMNS present) */
  numberColumn?: string;
  /** accept a `script` column (local runs); deployed campaigns refuse it rather than ignore it silently */
  allowScript?: boolean;
}

/** "+65 9123-4567" -> "+6591234567": spaces, dashes, dots and brackets are how people write numbers. */
export function normaliseNumber(text: string): string {
  return text.replace(/[\s\-.()]/g, "");
}

export function parseContacts(text: string, machine: CompiledMachine, options: ContactsOptions = {}): ContactsResult {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    // With `info`, each record comes with where it was read (the typings do not model that option).
    records = parse(text, {
      info: true,
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
    }) as unknown as typeof records;
  } catch (error) {
    const line = Number((error as { lines?: number }).lines) || 0;
    return {
      ok: false,
      problems: [{ line, message: `not valid CSV: ${(error as Error).message.replace(/ at line \d+/, "")}` }],
    };
  }
  const [header, ...body] = records.map(({ record, info }) => ({
    // info.lines is where a record ends: a quoted value may span lines
    line: info.lines - record.reduce((n, field) => n + (field.match(/\n/g)?.length ?? 0), 0),
    record,
  }));
  if (!header) return { ok: false, problems: [{ line: 0, message: "the file is empty: expected a header line" }] };

  const problems: ContactsProblem[] = [];
  const columns = header.record.map((c) => c.trim());
  const declared = Object.keys(machine.inputs ?? {});
  const lower = columns.map((c) => c.toLowerCase());
  const numberColumn = options.numberColumn ?? NUMBER_COLUMNS.find((c) => lower.includes(c));
  const numberAt = numberColumn === undefined ? -1 : lower.indexOf(numberColumn.toLowerCase());
  if (numberAt < 0) {
    problems.push({
      line: header.line,
      message: options.numberColumn
        ? `no column '${options.numberColumn}' for the number (columns: ${columns.join(", ")})`
        : `no column for the number: name one ${NUMBER_COLUMNS.join(", ")} (or pass the column's name)`,
    });
  }
  const scriptAt = lower.indexOf(SCRIPT_COLUMN);
  if (scriptAt >= 0 && !options.allowScript) {
    problems.push({
      line: header.line,
      message: `column '${columns[scriptAt]}' scripts the simulated callee of local runs; remove it for a real campaign`,
    });
  }
  const seen = new Map<string, number>();
  columns.forEach((column, i) => {
    if (column === "") problems.push({ line: header.line, message: `column ${i + 1} has no name` });
    else if (seen.has(column)) problems.push({ line: header.line, message: `column '${column}' appears twice` });
    seen.set(column, i);
  });
  const inputColumns = columns.filter((_, i) => i !== numberAt && i !== scriptAt && columns[i] !== "");
  const unknown = inputColumns.filter((c) => !declared.includes(c));
  if (unknown.length > 0) {
    const known = declared.length > 0 ? `its inputs: ${declared.join(", ")}` : "it declares no inputs";
    problems.push({
      line: header.line,
      message: `column(s) ${unknown.map((c) => `'${c}'`).join(", ")} are not inputs of flow ${machine.flow} (${known})`,
    });
  }
  for (const [name, spec] of Object.entries(machine.inputs ?? {})) {
    if (spec.required && !inputColumns.includes(name)) {
      problems.push({ line: header.line, message: `no column for the required input '${name}'` });
    }
  }
  if (body.length === 0) problems.push({ line: 0, message: "no contacts: the file has a header line only" });
  if (body.length > MAX_CONTACTS) {
    problems.push({ line: 0, message: `${body.length} contacts: at most ${MAX_CONTACTS} per campaign` });
  }
  if (problems.length > 0) return { ok: false, problems };

  const rows: ContactRow[] = [];
  const lines = new Map<string, number>();
  for (const { line, record } of body) {
    if (record.length !== columns.length) {
      problems.push({ line, message: `${record.length} values for ${columns.length} columns` });
      continue;
    }
    const to = normaliseNumber(record[numberAt] ?? "");
    if (to === "") problems.push({ line, message: `no number in column '${columns[numberAt]}'` });
    else if (!E164.test(to)) {
      problems.push({
        line,
        message: `column '${columns[numberAt]}' is not an E.164 number (+, country code, 7 to 15 digits: +6591234567)`,
      });
    } else if (lines.has(to)) {
      problems.push({ line, message: `the same number as line ${lines.get(to)}: each contact once per campaign` });
    } else lines.set(to, line);
    const given: Record<string, string> = {};
    for (const column of inputColumns) given[column] = record[columns.indexOf(column)] ?? "";
    const checked = checkInputs(machine, given);
    if (!checked.ok) for (const p of checked.problems) problems.push({ line, message: p.message });
    let script: string | undefined;
    if (scriptAt >= 0) {
      script = record[scriptAt] ?? "";
      try {
        parseCalleeScript(script);
      } catch (error) {
        problems.push({ line, message: `script: ${(error as Error).message}; ${SCRIPT_HELP}` });
      }
    }
    if (checked.ok) rows.push({ line, to, inputs: checked.inputs, ...(script !== undefined && { script }) });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, rows, numberColumn: columns[numberAt] as string, inputColumns, hasScripts: scriptAt >= 0 };
}

/** Problems as printed: "contacts.csv:7: input 'time' is required", at most MAX_PROBLEMS, then a count. */
export function formatProblems(file: string, problems: readonly ContactsProblem[]): string {
  const where = (line: number) => (line < 0 ? "" : `${file}${line > 0 ? `:${line}` : ""}: `);
  const shown = problems.slice(0, MAX_PROBLEMS).map((p) => `${where(p.line)}${p.message}`);
  if (problems.length > MAX_PROBLEMS) shown.push(`... and ${problems.length - MAX_PROBLEMS} more`);
  return shown.join("\n");
}
