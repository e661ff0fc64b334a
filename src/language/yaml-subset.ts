/**
 * A fast reader for the plain subset of YAML that flow files are written in: block maps and lists, one-line
 * flow maps and lists (`{ a: b }`, `[a, b]`), plain and quoted scalars, comments. Several times faster than
 * the general parser, which matters for generated flows of thousands of states.
 *
 * It is exact or silent: on anything outside the subset (anchors, tags, multi-line flow collections, tabs,
 * duplicate keys, any syntax error...) it returns undefined and the caller uses the `yaml` package, which then
 * also produces the error messages. A value spanning several lines (a `>-` block, folded plain or quoted text)
 * is handed to the `yaml` package on its own. For input it accepts, the data and the positions are the ones
 * `yaml` gives (test/language/yaml-subset.test.ts compares the two, also on thousands of mutated sources).
 *
 * Positions are only needed when there is something to report, so the first pass builds the data alone and
 * the source tree is built by a second pass on first use.
 */
import { isMap, isScalar, type Node, parseDocument, type Schema } from "yaml";
import { type SourceEntry, type SourceNode, type SourceScalar, shiftedTree } from "./source-tree.js";

export interface SubsetResult {
  data: unknown;
  /** the source tree, built on first call */
  root: () => SourceNode;
}

/** Thrown inside the reader when the input leaves the subset; never escapes readYamlSubset. */
class OutsideSubset extends Error {}

const LF = 10;
const SPACE = 32;
const HASH = 35;
const COLON = 58;
const DASH = 45;
const COMMA = 44;
const DQUOTE = 34;
const SQUOTE = 39;
const LBRACE = 123;
const RBRACE = 125;
const LBRACKET = 91;
const RBRACKET = 93;
const PIPE = 124;
const GREATER = 62;

const SUBDOCUMENT_OPTIONS = { prettyErrors: false, uniqueKeys: true, strict: true } as const;

/** Characters that make the reader give up wherever they appear (outside quotes too): tabs, CR, controls, BOM,
 * and Unicode line/paragraph separators. Cheaper to refuse than to mirror YAML's rules for them. */
const UNSUPPORTED_CHARACTERS = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]/;

/** Characters that cannot start a plain scalar, or mean YAML features outside the subset. */
const NOT_PLAIN_START = new Set("[]{},#&*!|>'\"%@`".split("").map((c) => c.charCodeAt(0)));

/** YAML's implicit keys may be at most 1024 characters; stay well clear of the limit. */
const MAX_KEY_LENGTH = 1000;

/** Flows nest a few levels deep; anything far deeper is left to the yaml package (which reports it as too deep
 * before the checker's recursive walks could overflow). */
const MAX_DEPTH = 64;

/** YAML 1.2 core schema tags, as the `yaml` package resolves plain scalars by default. */
let core: { schema: Schema; options: unknown } | undefined;
function coreSchema(): { schema: Schema; options: unknown } {
  if (!core) {
    const doc = parseDocument("");
    core = { schema: doc.schema, options: doc.options };
  }
  return core;
}

export function readYamlSubset(text: string): SubsetResult | undefined {
  if (UNSUPPORTED_CHARACTERS.test(text)) return undefined;
  let data: unknown;
  try {
    data = new Reader(text, false).document();
  } catch (error) {
    // absurdly deep nesting overflows the stack: the yaml package reports that as an error of the file
    if (error instanceof OutsideSubset || error instanceof RangeError) return undefined;
    throw error;
  }
  let tree: SourceNode | undefined;
  const root = () => {
    if (!tree) {
      const reader = new Reader(text, true);
      reader.document();
      tree = reader.node!;
    }
    return tree;
  };
  return { data, root };
}

function outside(): never {
  throw new OutsideSubset();
}

/** The next line with content: where its first character is and how far it is indented. */
interface ContentLine {
  /** offset of the first non-space character; text.length at the end */
  at: number;
  indent: number;
}

/**
 * A recursive descent over the text. Each read method returns the value's data and leaves in fields what the
 * caller needs next: where the value's source ends, where reading resumes after a block value, and (when
 * building the tree) the value's node. Callers copy them before reading further.
 */
class Reader {
  private readonly length: number;
  /** end of the last value read: past its last character (for scalars and flow collections), or the offset
   * to use as the end of an enclosing block collection */
  private end = 0;
  /** after a block value: the start of the first line not part of it */
  private resume = 0;
  /** the last value's node, when building the tree */
  node: SourceNode | null = null;
  /** collections currently open */
  private depth = 0;
  /** the last key's text and node, and the offset of its `:` */
  private keyText = "";
  private keyNode: SourceScalar | null = null;

  constructor(
    private readonly text: string,
    private readonly withTree: boolean,
  ) {
    this.length = text.length;
  }

  document(): unknown {
    let line = this.nextContent(0, true);
    // one optional `---` before the content, alone on its line (or with a comment)
    if (line.indent === 0 && this.isDocumentMarker(line.at) && this.text.startsWith("---", line.at)) {
      const after = this.skipSpaces(line.at + 3);
      if (after === line.at + 3 && !this.atLineEnd(after)) outside();
      if (!this.atLineEndOrComment(after)) outside();
      line = this.nextContent(this.endOfLine(after));
    }
    if (line.at >= this.length || line.indent !== 0 || !this.isMapEntry(line.at)) outside();
    const data = this.blockMap(line.at, 0);
    if (this.nextContent(this.resume).at < this.length) outside();
    return data;
  }

  // -------------------------------------------------------------------------------------------------------
  // Lines

  private code(at: number): number {
    return at < this.length ? this.text.charCodeAt(at) : -1;
  }

  private skipSpaces(at: number): number {
    while (this.code(at) === SPACE) at++;
    return at;
  }

  private atLineEnd(at: number): boolean {
    return at >= this.length || this.code(at) === LF;
  }

  /** At the end of the line, or at a comment (callers have made sure a space precedes it). */
  private atLineEndOrComment(at: number): boolean {
    return this.atLineEnd(at) || this.code(at) === HASH;
  }

  /** Offset of the start of the next line (text.length on the last). */
  private endOfLine(at: number): number {
    const lf = this.text.indexOf("\n", at);
    return lf < 0 ? this.length : lf + 1;
  }

  /** Offset of the line break ending the line of `at` (text.length on the last line). */
  private lineEnd(at: number): number {
    const lf = this.text.indexOf("\n", at);
    return lf < 0 ? this.length : lf;
  }

  private lineStartOf(at: number): number {
    return this.text.lastIndexOf("\n", at - 1) + 1;
  }

  /** From the start of a line: skip blank and comment-only lines, and refuse document markers and directives. */
  private nextContent(lineStart: number, markerAllowed = false): ContentLine {
    let start = lineStart;
    while (start < this.length) {
      const at = this.skipSpaces(start);
      const code = this.code(at);
      if (code === LF) {
        start = at + 1;
        continue;
      }
      if (at >= this.length) break;
      if (code === HASH) {
        start = this.endOfLine(at);
        continue;
      }
      if (at === start && (code === 37 /* % */ || (!markerAllowed && this.isDocumentMarker(at)))) outside();
      return { at, indent: at - start };
    }
    return { at: this.length, indent: -1 };
  }

  private isDocumentMarker(at: number): boolean {
    const marker = this.text.startsWith("---", at) || this.text.startsWith("...", at);
    return marker && (this.atLineEnd(at + 3) || this.code(at + 3) === SPACE);
  }

  // -------------------------------------------------------------------------------------------------------
  // Block collections

  /** Does the content at `at` start a `key: ...` entry? (Used to tell a compact map from a scalar.) */
  private isMapEntry(at: number): boolean {
    const code = this.code(at);
    if (code === DQUOTE || code === SQUOTE) {
      const end = this.quotedEnd(at);
      return end > 0 && this.code(end) === COLON && this.isSeparator(end + 1);
    }
    if (code === LBRACE || code === LBRACKET) return false;
    for (let i = at; !this.atLineEnd(i); i++) {
      const c = this.code(i);
      if (c === COLON && this.isSeparator(i + 1)) return true;
      if (c === HASH && this.code(i - 1) === SPACE) return false;
    }
    return false;
  }

  /** After a `:` or `-` indicator: a space or the end of the line. */
  private isSeparator(at: number): boolean {
    return this.atLineEnd(at) || this.code(at) === SPACE;
  }

  /** A block map whose first key is at `at`, indented `indent`. */
  private blockMap(at: number, indent: number): Record<string, unknown> {
    this.enter();
    const data: Record<string, unknown> = {};
    const entries: SourceEntry[] | null = this.withTree ? [] : null;
    let keyAt = at;
    let end = at;
    for (;;) {
      const colon = this.blockKey(keyAt);
      const text = this.keyText;
      const keyNode = this.keyNode;
      if (text === "__proto__" || text === "<<" || Object.hasOwn(data, text)) outside();
      data[text] = this.blockValue(colon + 1, indent, true);
      end = this.end;
      if (entries) entries.push({ text, key: keyNode!, value: this.node });
      const resume = this.resume;
      const next = this.nextContent(resume);
      if (next.at >= this.length || next.indent < indent) {
        this.depth--;
        this.finish(entries ? { kind: "map", start: at, end, entries } : null, end, resume);
        return data;
      }
      if (next.indent > indent) outside();
      keyAt = next.at;
    }
  }

  /** A block sequence whose first `-` is at `at`, indented `indent`. */
  private blockSeq(at: number, indent: number): unknown[] {
    this.enter();
    const data: unknown[] = [];
    const items: SourceNode[] | null = this.withTree ? [] : null;
    let dashAt = at;
    let end = at;
    for (;;) {
      if (this.code(dashAt) !== DASH || !this.isSeparator(dashAt + 1)) outside();
      data.push(this.blockValue(dashAt + 1, indent, false));
      end = this.end;
      if (items) items.push(this.node!);
      const resume = this.resume;
      const next = this.nextContent(resume);
      const done =
        next.at >= this.length ||
        next.indent < indent ||
        // a list beside its key (`key:` then `- item` at the same indent) ends at the next key
        (next.indent === indent && (this.code(next.at) !== DASH || !this.isSeparator(next.at + 1)));
      if (done) {
        this.depth--;
        this.finish(items ? { kind: "seq", start: at, end, items } : null, end, resume);
        return data;
      }
      if (next.indent > indent) outside();
      dashAt = next.at;
    }
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) outside();
  }

  private finish(node: SourceNode | null, end: number, resume: number): void {
    this.node = node;
    this.end = end;
    this.resume = resume;
  }

  /**
   * The value after a map key's `:` or a list's `-` (at `from`, just after the indicator), in a collection
   * indented `indent`. Leaves in `end` the offset to use for the end of the enclosing collection.
   */
  private blockValue(from: number, indent: number, inMap: boolean): unknown {
    const at = this.skipSpaces(from);
    if (this.atLineEndOrComment(at)) {
      if (this.code(at) === HASH && at === from) outside();
      // Nothing on this line: a nested block collection on the next lines, or an empty value.
      const next = this.nextContent(this.endOfLine(at));
      const dash = this.code(next.at) === DASH && this.isSeparator(next.at + 1);
      if (next.at < this.length && (next.indent > indent || (inMap && dash && next.indent === indent))) {
        if (dash) return this.blockSeq(next.at, next.indent);
        if (!this.isMapEntry(next.at)) outside();
        return this.blockMap(next.at, next.indent);
      }
      this.finish(this.withTree ? { kind: "scalar", start: at, end: at } : null, this.lineEnd(at), this.endOfLine(at));
      return null;
    }
    if (!inMap) {
      // `- key: value` starts a map indented where its first key is
      if (this.code(at) === DASH && this.isSeparator(at + 1)) outside();
      if (this.isMapEntry(at)) return this.blockMap(at, at - this.lineStartOf(at));
    }
    const stop = this.continuationEnd(at, indent);
    const code = this.code(at);
    if (stop > this.endOfLine(at) || code === PIPE || code === GREATER) {
      // A value over several lines (block scalar, folded plain or quoted text...): the general parser reads it.
      const data = this.delegated(at, stop);
      this.finish(this.node, Math.max(this.end, this.lineEnd(at)), stop);
      return data;
    }
    const data = this.inlineValue(at, "block");
    const after = this.skipSpaces(this.end);
    if (!this.atLineEnd(after) && !(this.code(after) === HASH && after > this.end)) outside();
    this.finish(this.node, this.lineEnd(after), this.endOfLine(after));
    return data;
  }

  /** Where the lines that continue a value starting at `at` end: lines after its own that are indented more
   * than the collection (`indent`), up to the last non-blank one. Without any, the end of `at`'s line. */
  private continuationEnd(at: number, indent: number): number {
    let end = this.endOfLine(at);
    for (let line = end; line < this.length; ) {
      const first = this.skipSpaces(line);
      const next = this.endOfLine(first);
      if (!this.atLineEnd(first)) {
        if (first - line <= indent) break;
        end = next;
      }
      line = next;
    }
    return end;
  }

  /** The value `text[at, stop)` read by the `yaml` package as the value of a one-key document, with its
   * positions shifted back into this text. */
  private delegated(at: number, stop: number): unknown {
    const code = this.code(at);
    if (code === PIPE || code === GREATER) {
      // explicit indentation is relative to the parent; keeping trailing lines depends on what follows
      for (let i = at + 1; !this.atLineEnd(i) && this.code(i) !== SPACE; i++) {
        const c = this.code(i);
        if (c === 43 /* + */ || (c >= 48 && c <= 57)) outside();
      }
    } else if (code !== DQUOTE && code !== SQUOTE && code !== LBRACE && code !== LBRACKET) {
      if (!this.canStartPlain(at, "block")) outside();
    }
    const prefix = "x: ";
    const doc = parseDocument(prefix + this.text.slice(at, stop), SUBDOCUMENT_OPTIONS);
    if (doc.errors.length > 0 || doc.warnings.length > 0) outside();
    const root = doc.contents;
    if (!isMap(root) || root.items.length !== 1) outside();
    const value = root.items[0]!.value as Node | null;
    if (!value?.range) outside();
    this.node = this.withTree ? shiftedTree(value, at - prefix.length) : null;
    this.end = value.range[1] + at - prefix.length;
    return (doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>).x;
  }

  /** A key in a block map: a plain or quoted scalar followed by `:` and a space or the line end. Leaves the
   * key in keyText / keyNode; returns the offset of the `:`. */
  private blockKey(at: number): number {
    const code = this.code(at);
    let end: number;
    if (code === DQUOTE || code === SQUOTE) {
      this.keyText = this.quoted(at);
      end = this.end;
    } else {
      if (!this.canStartPlain(at, "block")) outside();
      end = at;
      while (!this.atLineEnd(end)) {
        const c = this.code(end);
        if (c === COLON && this.isSeparator(end + 1)) break;
        if (c === HASH && this.code(end - 1) === SPACE) outside();
        if (isFlowIndicator(c)) outside();
        end++;
      }
      while (this.code(end - 1) === SPACE) end--;
      this.keyText = plainKey(this.text.slice(at, end));
    }
    if (this.code(end) !== COLON || !this.isSeparator(end + 1) || end - at > MAX_KEY_LENGTH) outside();
    this.keyNode = this.withTree ? { kind: "scalar", start: at, end } : null;
    return end;
  }

  // -------------------------------------------------------------------------------------------------------
  // Scalars and one-line flow collections

  private inlineValue(at: number, context: "block" | "flow"): unknown {
    const code = this.code(at);
    if (code === DQUOTE || code === SQUOTE) return this.quoted(at);
    if (code === LBRACE) return this.flowMap(at);
    if (code === LBRACKET) return this.flowSeq(at);
    return this.plain(at, context);
  }

  private canStartPlain(at: number, context: "block" | "flow"): boolean {
    const code = this.code(at);
    if (code < 0 || code === SPACE || code === LF || NOT_PLAIN_START.has(code)) return false;
    if (code === DASH || code === COLON || code === 63 /* ? */) {
      // allowed first only when followed by a "safe" character
      const next = this.code(at + 1);
      if (next < 0 || next === SPACE || next === LF) return false;
      if (context === "flow" && isFlowIndicator(next)) return false;
    }
    return true;
  }

  private scalar(data: unknown, start: number, end: number): unknown {
    this.node = this.withTree ? { kind: "scalar", start, end } : null;
    this.end = end;
    return data;
  }

  /** A plain scalar: in a block up to the line end or a comment; in a flow also up to `,` `]` `}`. */
  private plain(at: number, context: "block" | "flow"): unknown {
    if (!this.canStartPlain(at, context)) outside();
    let end = at;
    while (!this.atLineEnd(end)) {
      const c = this.code(end);
      if (c === HASH && this.code(end - 1) === SPACE) break;
      if (c === COLON) {
        const next = this.code(end + 1);
        // `: ` would make this a key; in a flow, `:` before an indicator too
        if (next < 0 || next === SPACE || next === LF) outside();
        if (context === "flow" && isFlowIndicator(next)) outside();
      }
      if (context === "flow" && isFlowIndicator(c)) break;
      end++;
    }
    while (this.code(end - 1) === SPACE) end--;
    if (end === at) outside();
    return this.scalar(resolvePlain(this.text.slice(at, end)), at, end);
  }

  /** Offset just past the closing quote of a one-line quoted scalar starting at `at` (or -1). */
  private quotedEnd(at: number): number {
    const quote = this.code(at);
    for (let i = at + 1; !this.atLineEnd(i); i++) {
      const c = this.code(i);
      if (quote === DQUOTE && c === 92 /* \ */) {
        if (this.atLineEnd(i + 1)) return -1;
        i++;
        continue;
      }
      if (c === quote) {
        if (quote === SQUOTE && this.code(i + 1) === SQUOTE) {
          i++;
          continue;
        }
        return i + 1;
      }
    }
    return -1;
  }

  private quoted(at: number): string {
    const end = this.quotedEnd(at);
    if (end < 0) outside();
    const body = this.text.slice(at + 1, end - 1);
    const data = this.code(at) === SQUOTE ? body.replaceAll("''", "'") : unescapeDoubleQuoted(body);
    this.scalar(data, at, end);
    return data;
  }

  private flowMap(at: number): Record<string, unknown> {
    this.enter();
    const data: Record<string, unknown> = {};
    const entries: SourceEntry[] | null = this.withTree ? [] : null;
    let i = this.skipSpaces(at + 1);
    while (this.code(i) !== RBRACE) {
      const keyCode = this.code(i);
      let text: string;
      let end: number;
      if (keyCode === DQUOTE || keyCode === SQUOTE) {
        text = this.quoted(i);
        end = this.end;
      } else {
        if (!this.canStartPlain(i, "flow")) outside();
        end = i;
        while (!this.atLineEnd(end) && !isFlowIndicator(this.code(end))) {
          if (this.code(end) === COLON && (this.code(end + 1) === SPACE || isFlowIndicator(this.code(end + 1)))) break;
          if (this.code(end) === HASH && this.code(end - 1) === SPACE) outside();
          end++;
        }
        while (this.code(end - 1) === SPACE) end--;
        text = plainKey(this.text.slice(i, end));
      }
      if (this.code(end) !== COLON || this.code(end + 1) !== SPACE || end - i > MAX_KEY_LENGTH) outside();
      if (text === "__proto__" || text === "<<" || Object.hasOwn(data, text)) outside();
      const keyNode: SourceScalar | null = entries ? { kind: "scalar", start: i, end } : null;
      data[text] = this.inlineValue(this.skipSpaces(end + 1), "flow");
      if (entries) entries.push({ text, key: keyNode!, value: this.node });
      i = this.afterFlowItem(this.end, RBRACE);
    }
    this.node = entries ? { kind: "map", start: at, end: i + 1, entries } : null;
    this.end = i + 1;
    this.depth--;
    return data;
  }

  private flowSeq(at: number): unknown[] {
    this.enter();
    const data: unknown[] = [];
    const items: SourceNode[] | null = this.withTree ? [] : null;
    let i = this.skipSpaces(at + 1);
    while (this.code(i) !== RBRACKET) {
      data.push(this.inlineValue(i, "flow"));
      // `[a: b]` would be a one-pair map
      if (this.code(this.skipSpaces(this.end)) === COLON) outside();
      if (items) items.push(this.node!);
      i = this.afterFlowItem(this.end, RBRACKET);
    }
    this.node = items ? { kind: "seq", start: at, end: i + 1, items } : null;
    this.end = i + 1;
    this.depth--;
    return data;
  }

  /** After an item of a flow collection: `,` and the next item, or the closing bracket (same line only). */
  private afterFlowItem(end: number, close: number): number {
    let i = this.skipSpaces(end);
    const code = this.code(i);
    if (code === COMMA) {
      i = this.skipSpaces(i + 1);
      if (this.atLineEndOrComment(i) || this.code(i) === COMMA) outside();
      return i;
    }
    if (code !== close) outside();
    return i;
  }
}

function isFlowIndicator(code: number): boolean {
  return code === COMMA || code === LBRACE || code === RBRACE || code === LBRACKET || code === RBRACKET;
}

/** A plain scalar's value under the core schema: null, booleans, numbers, else the text. */
function resolvePlain(source: string): unknown {
  // Words that start with a letter other than n/t/f (null, true, false) can only be strings.
  const first = source.charCodeAt(0);
  const letter = (first >= 65 && first <= 90) || (first >= 97 && first <= 122) || first === 95;
  if (letter && !"nNtTfF".includes(source[0]!)) return source;
  const { schema, options } = coreSchema();
  for (const tag of schema.tags) {
    if (tag.default !== true || !("test" in tag) || !tag.test?.test(source)) continue;
    let failed = false;
    const resolved = tag.resolve(
      source,
      () => {
        failed = true;
      },
      options as never,
    );
    // some tags answer with a Scalar node (null, booleans), others with the value
    const value = isScalar(resolved) ? resolved.value : resolved;
    if (failed || (value !== null && typeof value === "object")) outside();
    return typeof value === "bigint" ? Number(value) : value;
  }
  return source;
}

/** A plain key's text. A null key (`~:`) is "" in the data but "null" to a locator: not worth the subtlety. */
function plainKey(source: string): string {
  const value = resolvePlain(source);
  if (value === null) outside();
  return String(value);
}

const SIMPLE_ESCAPES: Record<string, string> = { "\\": "\\", '"': '"', "/": "/", n: "\n", t: "\t" };

function unescapeDoubleQuoted(body: string): string {
  if (!body.includes("\\")) return body;
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== "\\") {
      out += c;
      continue;
    }
    const replacement = SIMPLE_ESCAPES[body[++i] ?? ""];
    if (replacement === undefined) outside();
    out += replacement;
  }
  return out;
}
