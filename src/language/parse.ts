/**
 * YAML text -> plain data plus a locator for positions; YAML syntax problems become `yaml-syntax` diagnostics.
 * Most flow files are read by the fast subset reader (yaml-subset.ts); anything else by the `yaml` package.
 */
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { Diagnostic } from "./diagnostics.js";
import { SourceLocator } from "./positions.js";
import { sourceTreeOf } from "./source-tree.js";
import { readYamlSubset } from "./yaml-subset.js";

export interface ParsedFile {
  file: string;
  text: string;
  /** the document as plain JSON-like data (undefined when the YAML could not be read) */
  data: unknown;
  locator: SourceLocator;
  diagnostics: Diagnostic[];
}

export function parseFlowYaml(text: string, file: string): ParsedFile {
  const subset = readYamlSubset(text);
  if (subset) return { file, text, data: subset.data, locator: new SourceLocator(subset.root, text), diagnostics: [] };
  return parseWithYamlPackage(text, file);
}

interface Problem {
  pos: [number, number];
  message: string;
  code: string;
  severity: "error" | "warning";
}

/** The full YAML parser: any YAML, and the messages for what is not YAML. */
export function parseWithYamlPackage(text: string, file: string): ParsedFile {
  const lineCounter = new LineCounter();
  // uniqueKeys: false because the package's duplicate check is quadratic in the size of a map; ours is not
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, strict: true });
  const locator = new SourceLocator(
    () => sourceTreeOf(doc),
    text,
    (offset) => lineCounter.linePos(offset),
  );
  const problems: Problem[] = [
    ...inDocumentOrder(
      doc.errors.map((e) => ({ pos: e.pos, message: e.message, code: e.code, severity: "error" as const })),
      duplicateKeys(doc),
    ),
    ...doc.warnings.map((w) => ({ pos: w.pos, message: w.message, code: w.code, severity: "warning" as const })),
  ];
  const diagnostics: Diagnostic[] = problems.map((problem) => {
    let [start, end] = problem.pos;
    // An unclosed quote is reported at the end of the file; point at the quote that opened it instead.
    const quote = /Missing closing (["'])quote/.exec(problem.message)?.[1];
    if (quote) {
      const opening = text.lastIndexOf(quote, start - 1);
      if (opening >= 0) [start, end] = [opening, opening + 1];
    }
    const place = locator.placeOfRange(start, end);
    return {
      file,
      ...place,
      severity: problem.severity,
      rule: "yaml-syntax",
      message: cleanYamlMessage(problem.message),
      ...(problem.code === "DUPLICATE_KEY" ? { hint: "each key may appear once in a mapping (state ids too)" } : {}),
    } satisfies Diagnostic;
  });
  const readable = !problems.some((p) => p.severity === "error");
  const data = readable ? doc.toJS({ maxAliasCount: 100 }) : undefined;
  return { file, text, data, locator, diagnostics };
}

/** Keys that appear twice in one mapping (equal scalar values, as the `yaml` package compares them), in
 * document order, with the package's own wording. */
function duplicateKeys(doc: Document.Parsed): Problem[] {
  const problems: Problem[] = [];
  const visit = (node: unknown): void => {
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        if (isScalar(key) && !Number.isNaN(key.value)) {
          if (seen.has(key.value)) {
            const at = key.range![0];
            problems.push({
              pos: [at, at + 1],
              message: "Map keys must be unique",
              code: "DUPLICATE_KEY",
              severity: "error",
            });
          } else seen.add(key.value);
        }
        visit(pair.key);
        visit(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) visit(item);
    }
  };
  visit(doc.contents);
  return problems.sort((a, b) => a.pos[0] - b.pos[0]);
}

/** The package's errors with our duplicate-key errors merged in where the package would have reported them
 * (when composing the key: before any other error at or after that place). */
function inDocumentOrder(errors: Problem[], duplicates: Problem[]): Problem[] {
  const merged: Problem[] = [];
  let next = 0;
  for (const error of errors) {
    while (next < duplicates.length && duplicates[next]!.pos[0] <= error.pos[0]) merged.push(duplicates[next++]!);
    merged.push(error);
  }
  return [...merged, ...duplicates.slice(next)];
}

/** The yaml package appends "at line X, column Y" and a code excerpt; we print our own. */
function cleanYamlMessage(message: string): string {
  return message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}
