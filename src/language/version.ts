/**
 * A flow's version: the first 16 hex characters of sha256 over the canonical JSON (object keys sorted, no
 * whitespace) of the compiled machine without `version` and `source`. Compiling resolves defaults and drops
 * comments and formatting, so only changes that matter to a call change the version.
 */
import { createHash } from "node:crypto";
import type { CompiledMachine } from "../engine/machine.js";

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function versionOf(machine: Omit<CompiledMachine, "version"> & { version?: string }): string {
  const { version: _version, source: _source, ...rest } = machine;
  return createHash("sha256").update(canonicalJson(rest)).digest("hex").slice(0, 16);
}
