/** Every piece of template text in a state, with its path: what is spoken, prompted, or assigned by `set`. */
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
