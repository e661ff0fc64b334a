/**
 * Maps a JSON path (["states", "main", "menu", "options", "1"]) to a place in the YAML source, so every
 * diagnostic points at the offending key or value rather than at the document. Line and column are computed
 * only for the places a diagnostic asks about (binary search over the line starts).
 */
import { entryOf, type SourceNode } from "./source-tree.js";

export type JsonPath = (string | number)[];

export interface Place {
  line: number;
  col: number;
  length: number;
}

interface Found {
  node: SourceNode | null;
  keyNode: SourceNode | null;
}

/** 1-based line and column of an offset. */
export type LinePosition = (offset: number) => { line: number; col: number };

export class SourceLocator {
  private tree: SourceNode | null | undefined;

  /**
   * @param root the source tree, or a function building it on first use (only files with diagnostics need it)
   * @param linePosition how offsets become line:col; by default from the text's line breaks
   */
  constructor(
    private readonly root: SourceNode | null | (() => SourceNode | null),
    private readonly text: string,
    private readonly linePosition: LinePosition = lineIndex(text),
  ) {}

  private rootNode(): SourceNode | null {
    if (this.tree === undefined) this.tree = typeof this.root === "function" ? this.root() : this.root;
    return this.tree;
  }

  private find(path: JsonPath): Found {
    let node = this.rootNode();
    let keyNode: SourceNode | null = null;
    for (const segment of path) {
      if (node?.kind === "map") {
        const entry = entryOf(node, String(segment));
        if (!entry) break;
        keyNode = entry.key;
        node = entry.value;
        if (node === null) return { node: keyNode, keyNode };
      } else if (node?.kind === "seq" && typeof segment === "number") {
        const item = node.items[segment];
        if (!item) break;
        keyNode = null;
        node = item;
      } else {
        break;
      }
    }
    return { node, keyNode };
  }

  /** The offset range of the value at `path` (or of its key with `which: "key"`, when it has one). */
  range(path: JsonPath, which: "key" | "value" = "value"): [number, number] {
    const found = this.find(path);
    const target = which === "key" && found.keyNode ? found.keyNode : (found.node ?? found.keyNode);
    if (!target) return [firstContentOffset(this.text), firstContentOffset(this.text) + 1];
    return [target.start, target.end];
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
    const { line, col } = this.linePosition(start);
    const lineEnd = this.text.indexOf("\n", start);
    const stop = Math.min(end, lineEnd < 0 ? this.text.length : lineEnd);
    return { line, col, length: Math.max(1, stop - start) };
  }
}

/** Line starts of `text`, found on first use, then a binary search per offset. */
export function lineIndex(text: string): LinePosition {
  let starts: number[] | undefined;
  return (offset) => {
    if (!starts) {
      starts = [0];
      for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
    }
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, col: offset - starts[low]! + 1 };
  };
}

function firstContentOffset(text: string): number {
  const match = /^[ \t]*[^#\s]/m.exec(text);
  return match ? match.index : 0;
}
