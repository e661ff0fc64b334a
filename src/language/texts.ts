/** Every piece of template text in a state, with its path: what is spoken, prompted, assigned by `set` or sent by
 * a fetch. */
import { asObject, type StateView, type TextRef } from "./model.js";
import type { JsonPath } from "./positions.js";
import { type ParsedTemplate, parseTemplate } from "./templates.js";

/** Strings in a message list value: "text", { play }, or a list of them. */
export function messageTexts(value: unknown, path: JsonPath): TextRef[] {
  if (typeof value === "string") return [{ text: value, path, role: "speech", parsed: undefined }];
  if (Array.isArray(value)) return value.flatMap((item, i) => messageTexts(item, [...path, i]));
  return [];
}

/** The checker and the data-flow analysis both read every text: find and parse each once. */
export function stateTexts(state: StateView): readonly TextRef[] {
  state.memo.texts ??= findTexts(state);
  return state.memo.texts;
}

export function templateOf(ref: TextRef): ParsedTemplate {
  ref.parsed ??= parseTemplate(ref.text);
  return ref.parsed;
}

function findTexts(state: StateView): TextRef[] {
  const body = asObject(state.body);
  const at = (...rest: (string | number)[]): JsonPath => [...state.path, ...rest];
  switch (state.kind) {
    case "say":
      return messageTexts(state.body, at("say"));
    case "menu":
      return ["prompt", "noInput", "noMatch"].flatMap((k) => messageTexts(body?.[k], at("menu", k)));
    case "ask":
      return ["prompt", "noInput", "invalid"].flatMap((k) => messageTexts(body?.[k], at("ask", k)));
    case "transfer":
    case "hangup":
      return messageTexts(body?.say, at(state.kind, "say"));
    case "fetch": {
      const refs = messageTexts(body?.say, at("fetch", "say"));
      requestTexts(body?.path, at("fetch", "path"), refs);
      for (const [name, value] of Object.entries(asObject(body?.query) ?? {})) {
        requestTexts(value, at("fetch", "query", name), refs);
      }
      requestTexts(body?.body, at("fetch", "body"), refs);
      return refs;
    }
    case "set":
      return Object.entries(body ?? {})
        .filter(([, v]) => typeof v === "string")
        .map(([name, v]) => ({
          text: v as string,
          path: at("set", name),
          role: "assignment" as const,
          parsed: undefined,
        }));
    default:
      return [];
  }
}

/** The strings of a request value (a path, a query value, a JSON body at any depth). */
function requestTexts(value: unknown, path: JsonPath, into: TextRef[]): void {
  if (typeof value === "string") {
    into.push({ text: value, path, role: "request", parsed: undefined });
  } else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) requestTexts(item, [...path, i], into);
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) requestTexts(item, [...path, key], into);
  }
}
