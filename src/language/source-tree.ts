/**
 * The shape of a YAML source as far as diagnostics need it: where every map, list and scalar starts and ends,
 * and the key node of every map entry. Built directly by the fast reader (yaml-subset.ts), or converted from
 * a `yaml` Document when a file needs the full YAML parser.
 */
import { type Document, isMap, isPair, isScalar, isSeq, type Node } from "yaml";

export interface SourceScalar {
  kind: "scalar";
  start: number;
  end: number;
}

export interface SourceEntry {
  /** the key as text (String of a scalar key's value) */
  text: string;
  key: SourceNode;
  /** null when the entry has no value node at all (not even an empty one) */
  value: SourceNode | null;
}

export interface SourceMap {
  kind: "map";
  start: number;
  end: number;
  /** in source order; when keys are equal the first one wins */
  entries: SourceEntry[];
}

export interface SourceSeq {
  kind: "seq";
  start: number;
  end: number;
  /** undefined where the item has no position of its own */
  items: (SourceNode | undefined)[];
}

export type SourceNode = SourceScalar | SourceMap | SourceSeq;

/** The tree of a parsed `yaml` Document (aliases and other leaves become scalars with their own range). */
export function sourceTreeOf(doc: Document.Parsed): SourceNode | null {
  return convert(doc.contents as Node | null, 0);
}

/** The tree of one node of another document whose offset 0 is at `shift` in ours. */
export function shiftedTree(node: Node | null, shift: number): SourceNode | null {
  return convert(node, shift);
}

function convert(node: Node | null | undefined, shift: number): SourceNode | null {
  if (!node?.range) return null;
  const start = node.range[0] + shift;
  const end = node.range[1] + shift;
  if (isMap(node)) {
    const entries: SourceEntry[] = [];
    for (const item of node.items) {
      if (!isPair(item)) continue;
      const text = keyText(item.key);
      const key = convert(item.key as Node | null, shift);
      if (text === undefined || !key) continue;
      entries.push({ text, key, value: convert(item.value as Node | null, shift) });
    }
    return { kind: "map", start, end, entries };
  }
  if (isSeq(node)) {
    return { kind: "seq", start, end, items: node.items.map((item) => convert(item as Node, shift) ?? undefined) };
  }
  return { kind: "scalar", start, end };
}

/** The entry for `key` (the first, if several). Large maps get an index on first use. */
const indexes = new WeakMap<SourceMap, Map<string, SourceEntry>>();
export function entryOf(map: SourceMap, key: string): SourceEntry | undefined {
  if (map.entries.length <= 8) return map.entries.find((e) => e.text === key);
  let index = indexes.get(map);
  if (!index) {
    index = new Map();
    for (const entry of map.entries) if (!index.has(entry.text)) index.set(entry.text, entry);
    indexes.set(map, index);
  }
  return index.get(key);
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return key === null || key === undefined ? undefined : String(key);
}
