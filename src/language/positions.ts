/**
 * Maps a JSON path (["states", "main", "menu", "options", "1"]) to a place in the YAML source, so every
 * diagnostic points at the offending key or value rather than at the document.
 */
import { type Document, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from "yaml";

export type JsonPath = (string | number)[];

export interface Place {
  line: number;
  col: number;
  length: number;
}

interface Found {
  node: Node | null;
  keyNode: Node | null;
  /** true when the whole path was found; false when we stopped at the deepest existing ancestor */
  exact: boolean;
}

export class SourceLocator {
  constructor(
    private readonly doc: Document.Parsed,
    private readonly lineCounter: LineCounter,
    private readonly text: string,
  ) {}

  private find(path: JsonPath): Found {
    let node = this.doc.contents as Node | null;
    let keyNode: Node | null = null;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && keyText(item.key) === String(segment));
        if (!pair) return { node, keyNode, exact: false };
        keyNode = (pair.key as Node | null) ?? null;
        node = (pair.value as Node | null) ?? null;
        if (node === null) return { node: keyNode, keyNode, exact: true };
      } else if (isSeq(node) && typeof segment === "number") {
        const item = node.items[segment] as Node | undefined;
        if (!item) return { node, keyNode, exact: false };
        keyNode = null;
        node = item;
      } else {
        return { node, keyNode, exact: false };
      }
    }
    return { node, keyNode, exact: true };
  }

  /** The offset range of the value at `path` (or of its key with `which: "key"`, when it has one). */
  range(path: JsonPath, which: "key" | "value" = "value"): [number, number] {
    const found = this.find(path);
    const target = which === "key" && found.keyNode ? found.keyNode : (found.node ?? found.keyNode);
    const range = target?.range;
    if (!range) return [firstContentOffset(this.text), firstContentOffset(this.text) + 1];
    return [range[0], range[1]];
  }

  place(path: JsonPath, which: "key" | "value" = "value"): Place {
    const [start, end] = this.range(path, which);
    return this.placeOfRange(start, end);
  }

  /** The place of a substring of a scalar's source, e.g. one `{{var}}` inside a text. Falls back to the scalar. */
  placeWithin(path: JsonPath, needle: string, occurrence = 0): Place {
    const [start, end] = this.range(path, "value");
    const slice = this.text.slice(start, end);
    let index = -1;
    for (let n = 0; n <= occurrence; n++) {
      index = slice.indexOf(needle, index + 1);
      if (index < 0) break;
    }
    if (index < 0) return this.placeOfRange(start, end);
    return this.placeOfRange(start + index, start + index + needle.length);
  }

  placeOfRange(start: number, end: number): Place {
    const { line, col } = this.lineCounter.linePos(start);
    const lineEnd = this.text.indexOf("\n", start);
    const stop = Math.min(end, lineEnd < 0 ? this.text.length : lineEnd);
    return { line, col, length: Math.max(1, stop - start) };
  }
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return key === null || key === undefined ? undefined : String(key);
}

function firstContentOffset(text: string): number {
  const match = /^[ \t]*[^#\s]/m.exec(text);
  return match ? match.index : 0;
}
