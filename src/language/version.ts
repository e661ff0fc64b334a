/**
 * A flow's version: the first 16 hex characters of sha256 over the canonical JSON (object keys sorted, no
 * whitespace) of the compiled machine without `version` and `source`. Compiling resolves defaults and drops
 * comments and formatting, so only changes that matter to a call change the version.
 */
import { createHash } from "node:crypto";
import type { CompiledMachine } from "../engine/machine.js";

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  // Plain string building (no intermediate arrays) and quoted keys from a cache: a machine of thousands of
  // states is mostly the same few keys.
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      out += canonicalJson(value[i]) ?? ""; // as Array#join does for undefined
    }
    return out + "]";
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  // the default sort compares UTF-16 code units, like < does
  if (keys.length > 1) keys.sort();
  let out = "{";
  let first = true;
  for (const key of keys) {
    const item = object[key];
    if (item === undefined) continue;
    if (first) first = false;
    else out += ",";
    out += quotedKey(key) + ":" + canonicalJson(item);
  }
  return out + "}";
}

const quotedKeys = new Map<string, string>();
function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (quotedKeys.size < 10_000) quotedKeys.set(key, quoted);
  }
  return quoted;
}

export function versionOf(machine: Omit<CompiledMachine, "version"> & { version?: string }): string {
  const { version: _version, source: _source, ...rest } = machine;
  return createHash("sha256").update(canonicalJson(rest)).digest("hex").slice(0, 16);
}
