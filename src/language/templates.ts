/**
 * Templates: `{{name}}` and `{{name | digits}}` inside spoken text and `set` values, pre-split at build time so
 * the engine only concatenates.
 */
import type { Template, TemplatePart } from "../engine/machine.js";

/** Always assigned by the engine when a call starts. */
export const BUILT_IN_VARIABLES = ["caller", "called", "sessionId", "callId", "lastInput"] as const;

export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FILTERS = ["digits"];

export interface TemplateVariable {
  name: string;
  /** the placeholder as written, e.g. "{{ account | digits }}", to locate it in the source */
  raw: string;
}

export interface TemplateProblem {
  raw: string;
  message: string;
  hint?: string;
}

export interface ParsedTemplate {
  template: Template;
  variables: TemplateVariable[];
  problems: TemplateProblem[];
  /** characters of literal text (what we can know before the call; variables' values are not counted) */
  literalLength: number;
}

export function parseTemplate(text: string): ParsedTemplate {
  const template: TemplatePart[] = [];
  const variables: TemplateVariable[] = [];
  const problems: TemplateProblem[] = [];
  let literalLength = 0;
  const pushText = (s: string) => {
    if (s === "") return;
    literalLength += s.length;
    const last = template.at(-1);
    if (typeof last === "string") template[template.length - 1] = last + s;
    else template.push(s);
  };

  let rest = 0;
  while (rest < text.length) {
    const open = text.indexOf("{{", rest);
    if (open < 0) break;
    const close = text.indexOf("}}", open + 2);
    if (close < 0) {
      problems.push({
        raw: text.slice(open, open + 20),
        message: "'{{' is never closed",
        hint: "write a variable as {{name}} or {{name | digits}}",
      });
      break;
    }
    pushText(text.slice(rest, open));
    const raw = text.slice(open, close + 2);
    const [namePart = "", ...filters] = text
      .slice(open + 2, close)
      .split("|")
      .map((s) => s.trim());
    rest = close + 2;
    if (!VARIABLE_NAME.test(namePart)) {
      problems.push({
        raw,
        message: `'${namePart}' is not a variable name`,
        hint: "write a variable as {{name}} or {{name | digits}}",
      });
      continue;
    }
    const unknown = filters.find((f) => !FILTERS.includes(f));
    if (unknown !== undefined || filters.length > 1) {
      problems.push({
        raw,
        message: `unknown filter '${unknown ?? filters.join(" | ")}' in ${raw}`,
        hint: "the only filter is `digits` (speak digit by digit): {{name | digits}}",
      });
      continue;
    }
    variables.push({ name: namePart, raw });
    template.push(filters.length === 1 ? { var: namePart, digits: true } : { var: namePart });
  }
  pushText(text.slice(rest));
  return { template, variables, problems, literalLength };
}
