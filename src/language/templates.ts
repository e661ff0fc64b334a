/**
 * Templates: `{{name}}` and `{{name | digits}}` inside spoken text, `set` values and requests, pre-split at build
 * time so the engine only concatenates. `{{secrets.NAME}}` is a secret (allowed only in a service's headers, which
 * the checker enforces): kept apart from the variables, and out of `template`.
 */
import type { Template, TemplatePart } from "../engine/machine.js";

/** Always assigned by the engine when a call starts (`fetchStatus`: "" until a fetch has run). */
export const BUILT_IN_VARIABLES = ["caller", "called", "sessionId", "callId", "lastInput", "fetchStatus"] as const;

export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Service and secret names: they become environment variable suffixes (CALLFLOW_SECRET_<name>). */
export const SERVICE_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const SECRET_PREFIX = "secrets.";
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

/** A template part that is a secret's value (service headers only). */
export interface SecretPart {
  secret: string;
}

export interface ParsedTemplate {
  /** the parts the engine renders (secrets left out) */
  template: Template;
  /** the parts in order, secrets included (the same array as `template` when there are none) */
  parts: (TemplatePart | SecretPart)[];
  variables: TemplateVariable[];
  /** `{{secrets.NAME}}` placeholders, by secret name */
  secrets: TemplateVariable[];
  problems: TemplateProblem[];
  /** characters of literal text (what we can know before the call; variables' values are not counted) */
  literalLength: number;
}

export function parseTemplate(text: string): ParsedTemplate {
  const parts: (TemplatePart | SecretPart)[] = [];
  const variables: TemplateVariable[] = [];
  const secrets: TemplateVariable[] = [];
  const problems: TemplateProblem[] = [];
  let literalLength = 0;
  const pushText = (s: string) => {
    if (s === "") return;
    literalLength += s.length;
    const last = parts.at(-1);
    if (typeof last === "string") parts[parts.length - 1] = last + s;
    else parts.push(s);
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
    if (namePart.startsWith(SECRET_PREFIX)) {
      const secret = namePart.slice(SECRET_PREFIX.length);
      if (!SERVICE_NAME.test(secret) || filters.length > 0) {
        problems.push({
          raw,
          message: `'${text.slice(open + 2, close).trim()}' is not a secret`,
          hint: "write a secret as {{secrets.NAME}}: letters, digits and _, starting with a letter, no filter",
        });
        continue;
      }
      secrets.push({ name: secret, raw });
      parts.push({ secret });
      continue;
    }
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
    parts.push(filters.length === 1 ? { var: namePart, digits: true } : { var: namePart });
  }
  pushText(text.slice(rest));
  const template = secrets.length === 0 ? (parts as Template) : withoutSecrets(parts);
  return { template, parts, variables, secrets, problems, literalLength };
}

/** The renderable parts: secrets dropped, the text around them joined. */
function withoutSecrets(parts: (TemplatePart | SecretPart)[]): Template {
  const template: Template = [];
  for (const part of parts) {
    if (typeof part === "object" && "secret" in part) continue;
    const last = template.at(-1);
    if (typeof part === "string" && typeof last === "string") template[template.length - 1] = last + part;
    else template.push(part);
  }
  return template;
}
