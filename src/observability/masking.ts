/**
 * Personal data out of logs: phone numbers are masked, variables captured by `sensitive` asks are replaced.
 */

export const MASK = "****";

/** "+6568888888" -> "+65****8888": enough to tell countries and calls apart, not enough to dial. */
export function maskPhone(number: string | null | undefined): string {
  if (number === null || number === undefined || number === "") return "";
  if (number.length < 8) return MASK;
  return `${number.slice(0, 3)}${MASK}${number.slice(-4)}`;
}

/** Keys whose values are phone numbers wherever they appear (8x8 payloads, sessions, our own log fields). */
const PHONE_KEYS = new Set(["caller", "called", "source", "destination", "to", "callerid", "number", "from"]);

/** Variables with sensitive values replaced by "****"; everything else kept as is. */
export function maskVars(
  vars: Readonly<Record<string, string>>,
  sensitive: Iterable<string> | "all",
): Record<string, string> {
  const hidden = sensitive === "all" ? undefined : new Set(sensitive);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(vars)) {
    out[name] = hidden === undefined || hidden.has(name) ? MASK : value;
  }
  return out;
}

/**
 * A copy of any value that is safe to log: keys named like a sensitive variable become "****", phone-number
 * fields are masked, and nesting is followed (bounded, so a cycle cannot hang the logger).
 */
export function redactForLog(value: unknown, sensitive: Iterable<string> = [], depth = 0): unknown {
  const hidden = sensitive instanceof Set ? (sensitive as Set<string>) : new Set(sensitive);
  if (depth > 8) return "[depth limit]";
  if (Array.isArray(value)) return value.map((item) => redactForLog(item, hidden, depth + 1));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (hidden.has(key)) out[key] = MASK;
    else if (PHONE_KEYS.has(key.toLowerCase()) && typeof item === "string") out[key] = maskPhone(item);
    else out[key] = redactForLog(item, hidden, depth + 1);
  }
  return out;
}
