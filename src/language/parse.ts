/** YAML text -> plain data plus a locator for positions; YAML syntax problems become `yaml-syntax` diagnostics. */
import { LineCounter, parseDocument } from "yaml";
import type { Diagnostic } from "./diagnostics.js";
import { SourceLocator } from "./positions.js";

export interface ParsedFile {
  file: string;
  text: string;
  /** the document as plain JSON-like data (undefined when the YAML could not be read) */
  data: unknown;
  locator: SourceLocator;
  diagnostics: Diagnostic[];
}

export function parseFlowYaml(text: string, file: string): ParsedFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  const locator = new SourceLocator(doc, lineCounter, text);
  const diagnostics: Diagnostic[] = [...doc.errors, ...doc.warnings].map((problem) => {
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
      severity: doc.errors.includes(problem) ? "error" : "warning",
      rule: "yaml-syntax",
      message: cleanYamlMessage(problem.message),
      ...(problem.code === "DUPLICATE_KEY" ? { hint: "each key may appear once in a mapping (state ids too)" } : {}),
    } satisfies Diagnostic;
  });
  const data = doc.errors.length === 0 ? doc.toJS({ maxAliasCount: 100 }) : undefined;
  return { file, text, data, locator, diagnostics };
}

/** The yaml package appends "at line X, column Y" and a code excerpt; we print our own. */
function cleanYamlMessage(message: string): string {
  return message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}
