/**
 * Canonical JSON: `JSON.stringify` with every object's keys sorted (UTF-16 code unit order) and no whitespace, so
 * equal values always give the same bytes. A flow's version hashes it (src/language/version.ts), and session items
 * from before answers were stored as text are read back as the canonical JSON they were answered with.
 *
 * Plain string building, no replacer and no intermediate objects; quoted keys come from a cache (a machine of
 * thousands of states is mostly the same few keys). `writeCanonicalJson` hands the text over in pieces as it goes,
 * for a consumer such as a hash that need not hold a megabyte string.
 */

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  let out = "";
  writeCanonicalJson(value, (text) => {
    out += text;
  });
  return out;
}

/**
 * Writes the canonical JSON of `value` to `write` in pieces, in order: the objects at the top two levels (for a
 * machine: itself and its `states`) hand over their text as they go, everything deeper in one piece each.
 */
export function writeCanonicalJson(value: unknown, write: (text: string) => void): void {
  write(canonical(value, write, 0) ?? "null");
}

function canonical(input: unknown, write: (text: string) => void, depth: number): string | undefined {
  const value = hasToJson(input) ? input.toJSON() : input;
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      // deeper than the levels that write, so the items only return text; what JSON drops becomes null in arrays
      out += canonical(value[i], write, depth + 2) ?? "null";
    }
    return out + "]";
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  if (keys.length > 1) keys.sort();
  const writes = depth <= 1;
  let out = "{";
  let first = true;
  for (const key of keys) {
    let item = object[key];
    if (hasToJson(item)) item = item.toJSON();
    // left out, as JSON.stringify leaves them out of objects
    if (item === undefined || typeof item === "function" || typeof item === "symbol") continue;
    if (first) first = false;
    else out += ",";
    out += `${quotedKey(key)}:`;
    if (writes) {
      // before descending, so the pieces arrive in order
      write(out);
      out = "";
    }
    out += canonical(item, write, depth + 1);
  }
  return out + "}";
}

function hasToJson(value: unknown): value is { toJSON(): unknown } {
  return value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function";
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
