/**
 * A flow's version: the first 16 hex characters of sha256 over the canonical JSON (object keys sorted, no
 * whitespace) of the compiled machine without `version` and `source`. Compiling resolves defaults and drops
 * comments and formatting, so only changes that matter to a call change the version.
 */
import { createHash, type Hash } from "node:crypto";
import type { CompiledMachine } from "../engine/machine.js";

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  let out = "";
  writeCanonical(value, (text) => {
    if (text !== null) out += text;
  });
  return out;
}

export function versionOf(machine: Omit<CompiledMachine, "version"> & { version?: string }): string {
  const { version: _version, source: _source, ...rest } = machine;
  const hash = createHash("sha256");
  writeCanonical(rest, chunked(hash));
  return hash.digest("hex").slice(0, 16);
}

/**
 * Feeds the hash in pieces of about 16 KB instead of building the whole text first: a machine of thousands of
 * states is a megabyte of JSON, and holding it as one string keeps hundreds of thousands of string fragments
 * alive for the garbage collector to copy. The returned writer flushes the rest when called with null.
 */
function chunked(hash: Hash): (text: string | null) => void {
  let buffer = "";
  return (text) => {
    if (text !== null) buffer += text;
    if (text === null || buffer.length >= 16_384) {
      hash.update(buffer);
      buffer = "";
    }
  };
}

/** Writes the canonical JSON of `value` in pieces, then null. */
function writeCanonical(value: unknown, write: (text: string | null) => void): void {
  write(canonical(value, write));
  write(null);
}

/**
 * The canonical JSON of `value`: the objects at the top two levels (the machine, its `states`) hand their text
 * to `write` as they go (each state's text, roughly), always before descending, so pieces arrive in order; the
 * rest is returned. Plain string building, no intermediate arrays, quoted keys from a cache: a machine of
 * thousands of states is mostly the same few keys.
 */
function canonical(value: unknown, write: (text: string | null) => void, depth = 0): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      // deeper than the levels that write, so the items only return text
      out += canonical(value[i], write, depth + 2) ?? ""; // as Array#join does for undefined
    }
    return out + "]";
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  // the default sort compares UTF-16 code units, like < does
  if (keys.length > 1) keys.sort();
  const writes = depth <= 1;
  let out = "{";
  let first = true;
  for (const key of keys) {
    const item = object[key];
    if (item === undefined) continue;
    if (first) first = false;
    else out += ",";
    out += quotedKey(key) + ":";
    if (writes) {
      write(out);
      out = "";
    }
    out += canonical(item, write, depth + 1);
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
