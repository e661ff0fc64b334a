/**
 * A campaign's results, one row per contact, as JSON or CSV. Sensitive inputs are never in a row (they are not kept
 * once a contact is done, and are left out while it is not).
 */
import type { Contact, Outcome } from "./campaign.js";

export interface ResultRow {
  contactId: string;
  /** line in the contacts file */
  line: number;
  to: string;
  /** the final outcome, or where the contact stands: not-dialled, retry-pending, in-progress */
  outcome: Outcome | "not-dialled" | "retry-pending" | "in-progress";
  /** the flow's result label for the final call (e.g. "confirmed") */
  result: string;
  attempts: number;
  lastError: string;
  /** the 8x8 session of the latest attempt (its summary is stored under it) */
  sessionId: string;
  /** ISO time the latest attempt ended */
  lastAttemptAt: string;
  inputs: Record<string, string>;
}

export function resultRow(contact: Contact): ResultRow {
  let outcome: ResultRow["outcome"];
  if (contact.status === "done") outcome = contact.outcome ?? "unknown";
  else if (contact.status === "pending") outcome = contact.attempts === 0 ? "not-dialled" : "retry-pending";
  else outcome = "in-progress";
  return {
    contactId: contact.contactId,
    line: contact.line,
    to: contact.to,
    outcome,
    result: contact.result ?? "",
    attempts: contact.attempts,
    lastError: contact.lastError ?? "",
    sessionId: contact.sessionId ?? "",
    lastAttemptAt: contact.history.at(-1)?.at ?? "",
    inputs: contact.inputs,
  };
}

const FIXED = ["contact", "line", "to", "outcome", "result", "attempts", "lastError", "sessionId", "lastAttemptAt"];

/** RFC 4180 CSV, one line per contact; the inputs follow the fixed columns. */
export function resultsCsv(rows: readonly ResultRow[]): string {
  const inputs = [...new Set(rows.flatMap((r) => Object.keys(r.inputs)))];
  const lines = [[...FIXED, ...inputs].map(csvField).join(",")];
  for (const r of rows) {
    const fixed = [
      r.contactId,
      r.line,
      r.to,
      r.outcome,
      r.result,
      r.attempts,
      r.lastError,
      r.sessionId,
      r.lastAttemptAt,
    ];
    lines.push([...fixed, ...inputs.map((name) => r.inputs[name] ?? "")].map(csvField).join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}

/**
 * One field: quoted when it holds a comma, quote or line break. A text that a spreadsheet would run as a formula
 * (=, @, +, - first) gets a leading apostrophe, except a phone number (+ and digits), which is data.
 */
function csvField(value: string | number): string {
  let text = String(value);
  if (/^[=@+\-\t\r]/.test(text) && !/^\+[0-9]+$/.test(text) && !/^-?[0-9.]+$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** How many contacts ended each way. */
export function outcomeTotals(rows: readonly ResultRow[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const row of rows) totals[row.outcome] = (totals[row.outcome] ?? 0) + 1;
  return totals;
}
