import type { Template } from "./machine.js";

/** 8x8 refuses `say.text` / `sayAndCapture.promptMessage` longer than this (Send Callflow schema). */
export const MAX_SPEECH_CHARS = 3000;

/**
 * Renders a pre-split template against the session variables. A variable that is not set renders as "": the
 * checker rejects variables not assigned on every path, so this only happens for hand-made machines.
 */
export function renderTemplate(template: Template, vars: Readonly<Record<string, string>>): string {
  let text = "";
  for (const part of template) {
    if (typeof part === "string") {
      text += part;
      continue;
    }
    const value = vars[part.var] ?? "";
    text += part.digits ? spellDigits(value) : value;
  }
  return text;
}

/** "12345678" -> "1 2 3 4 5 6 7 8": with spaces between them, TTS reads digits, not "twelve million...". */
export function spellDigits(value: string): string {
  return Array.from(value.replace(/\s+/g, "")).join(" ");
}

/**
 * Makes rendered text fit 8x8's limit. Static text is bounded by the checker, but variables can push a rendered
 * template past it at run time, and 8x8 refuses the WHOLE callflow for one long text (the call then fails):
 * a shortened sentence is the lesser harm. Cut at the last word boundary so TTS does not read half a word;
 * a single 3000-character "word" is cut hard, never inside a surrogate pair.
 */
export function fitSpeech(text: string): string {
  if (text.length <= MAX_SPEECH_CHARS) return text;
  const head = text.slice(0, MAX_SPEECH_CHARS);
  if (/\s/.test(text.charAt(MAX_SPEECH_CHARS))) return head.trimEnd();
  const boundary = head.search(/\s\S*$/);
  if (boundary > 0) return head.slice(0, boundary).trimEnd();
  const last = head.charCodeAt(head.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? head.slice(0, -1) : head;
}
