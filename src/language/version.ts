/**
 * A flow's version: the first 16 hex characters of sha256 over the canonical JSON (object keys sorted, no
 * whitespace) of the compiled machine without `version` and `source`. Compiling resolves defaults and drops
 * comments and formatting, so only changes that matter to a call change the version.
 */
import { createHash, type Hash } from "node:crypto";
import { writeCanonicalJson } from "../engine/canonical-json.js";
import type { CompiledMachine } from "../engine/machine.js";

export function versionOf(machine: Omit<CompiledMachine, "version"> & { version?: string }): string {
  const { version: _version, source: _source, ...rest } = machine;
  const hash = createHash("sha256");
  const write = chunked(hash);
  writeCanonicalJson(rest, write);
  write(null);
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
