/**
 * How a session's transitions are stored: one string instead of a list of maps. On the VCA hot path every event
 * rewrites the whole session item, and a list of { from, to, on, at } maps repeats four attribute names per
 * transition and the `from` that the previous transition's `to` already says (they form a chain). As text, one
 * transition is `from\tto\ton\tat[\tms]`, lines joined by "\n", and `from` is left empty when it is the previous
 * `to`. State ids and edge labels never hold tabs or newlines (the flow schema's patterns), so this is lossless.
 */
import type { Transition } from "../engine/session.js";

export function encodeTransitions(transitions: readonly Transition[]): string {
  let previous: string | undefined;
  const lines: string[] = [];
  for (const { from, to, on, at, ms } of transitions) {
    const head = from === previous ? "" : from;
    lines.push(ms === undefined ? `${head}\t${to}\t${on}\t${at}` : `${head}\t${to}\t${on}\t${at}\t${ms}`);
    previous = to;
  }
  return lines.join("\n");
}

export function decodeTransitions(text: string): Transition[] {
  if (text === "") return [];
  let previous = "";
  return text.split("\n").map((line) => {
    const [head = "", to = "", on = "", at = "0", ms] = line.split("\t");
    const from = head === "" ? previous : head;
    previous = to;
    return ms === undefined ? { from, to, on, at: Number(at) } : { from, to, on, at: Number(at), ms: Number(ms) };
  });
}
