/**
 * Checking a scenario step's expectations against what the call did. Pure: the runner gathers the observation
 * (the latest answer, the stored session) and this module says what differs, as expected/actual pairs that the
 * report prints as a diff.
 */
import { isDeepStrictEqual } from "node:util";
import type { CallflowAction } from "../engine/callflow.js";
import { describeRequest, pathMatches, type StubbedRequest } from "../integration/stubs.js";
import type { Expectation, RequestExpectation, TextMatcher } from "./scenario.js";

export interface Observation {
  /** what the latest input was answered with (a hold message, then the answer after it) */
  callflow: CallflowAction[];
  /** the requests made while answering the latest input */
  requests?: readonly StubbedRequest[];
  state: string | undefined;
  vars: Record<string, string>;
  ended: boolean;
}

export interface Mismatch {
  what: string;
  expected: string;
  actual: string;
}

/** Everything the caller hears in an answer, one line per spoken text. */
export function spokenLines(callflow: readonly CallflowAction[]): string[] {
  const lines: string[] = [];
  for (const action of callflow) {
    if (action.action === "say") lines.push(action.params.text);
    else if (action.action === "sayAndCapture") lines.push(action.params.promptMessage);
  }
  return lines;
}

export function describeMatcher(m: TextMatcher): string {
  return "text" in m ? JSON.stringify(m.text) : String(m.regex);
}

function matches(m: TextMatcher, heard: string): boolean {
  return "text" in m ? heard.includes(m.text) : m.regex.test(heard);
}

/** How the answer leaves the call: waiting for keys, transferred, hung up (or none of these). */
export function endingOf(callflow: readonly CallflowAction[]): "capture" | "transfer" | "hangup" | "none" {
  const last = callflow.at(-1);
  if (!last) return "none";
  if (last.action === "sayAndCapture") return "capture";
  if (callflow.some((a) => a.action === "makeCall")) return "transfer";
  if (last.action === "hangup") return "hangup";
  return "none";
}

export function checkExpectation(expect: Expectation, seen: Observation): Mismatch[] {
  const out: Mismatch[] = [];
  const heard = spokenLines(seen.callflow).join("\n");
  const heardShown = spokenLines(seen.callflow)
    .map((l) => JSON.stringify(l))
    .join("\n");
  for (const m of expect.hears ?? []) {
    if (!matches(m, heard))
      out.push({ what: "hears", expected: describeMatcher(m), actual: heardShown || "(silence)" });
  }
  for (const m of expect.notHears ?? []) {
    if (matches(m, heard)) out.push({ what: "notHears", expected: `not ${describeMatcher(m)}`, actual: heardShown });
  }
  if (expect.plays !== undefined) {
    const files = seen.callflow.flatMap((a) => (a.action === "playFile" ? [a.params.fileUrl] : []));
    if (!files.some((f) => f.includes(expect.plays!))) {
      out.push({
        what: "plays",
        expected: `a file matching ${JSON.stringify(expect.plays)}`,
        actual: files.join(", ") || "(no file played)",
      });
    }
  }
  if (expect.action !== undefined && endingOf(seen.callflow) !== expect.action) {
    out.push({ what: "action", expected: expect.action, actual: endingOf(seen.callflow) });
  }
  const makeCall = seen.callflow.find((a) => a.action === "makeCall");
  if (expect.transferTo !== undefined && makeCall?.params.destination !== expect.transferTo) {
    out.push({
      what: "transferTo",
      expected: expect.transferTo,
      actual: makeCall?.params.destination ?? "(no transfer)",
    });
  }
  if (expect.recorded !== undefined && (makeCall?.params.callRecording === true) !== expect.recorded) {
    out.push({
      what: "recorded",
      expected: String(expect.recorded),
      actual: String(makeCall?.params.callRecording === true),
    });
  }
  if (expect.state !== undefined && seen.state !== expect.state) {
    out.push({ what: "state", expected: expect.state, actual: seen.state ?? "(no session)" });
  }
  out.push(...checkVars(expect.vars, seen.vars));
  if (expect.ended !== undefined && seen.ended !== expect.ended) {
    out.push({ what: "ended", expected: String(expect.ended), actual: String(seen.ended) });
  }
  if (expect.requests !== undefined) out.push(...checkRequests(expect.requests, seen.requests ?? []));
  return out;
}

/** The requests made, in order, against the ones expected (only the keys given are compared). */
export function checkRequests(expected: readonly RequestExpectation[], made: readonly StubbedRequest[]): Mismatch[] {
  const out: Mismatch[] = [];
  const shown = made.map(showRequest).join("\n") || "(no request)";
  if (expected.length !== made.length) {
    out.push({ what: "requests", expected: `${expected.length} request(s)`, actual: shown });
    return out;
  }
  expected.forEach((want, i) => {
    const got = made[i] as StubbedRequest;
    const differs: string[] = [];
    if (want.service !== undefined && want.service !== got.service) differs.push("service");
    if (want.method !== undefined && want.method !== got.method) differs.push("method");
    if (want.path !== undefined && !pathMatches(want.path, got.path)) differs.push("path");
    if (want.query !== undefined && !isDeepStrictEqual(want.query, got.query)) differs.push("query");
    if (want.body !== undefined && !isDeepStrictEqual(want.body, got.body)) differs.push("body");
    if (differs.length > 0) {
      out.push({
        what: `requests[${i}].${differs.join(",")}`,
        expected: JSON.stringify(want),
        actual: showRequest(got),
      });
    }
  });
  return out;
}

function showRequest(r: StubbedRequest): string {
  return `${describeRequest(r)}${r.body === undefined ? "" : ` ${JSON.stringify(r.body)}`}`;
}

export function checkVars(
  expected: Record<string, string | null> | undefined,
  actual: Record<string, string>,
): Mismatch[] {
  const out: Mismatch[] = [];
  for (const [name, want] of Object.entries(expected ?? {})) {
    const got = Object.hasOwn(actual, name) ? actual[name] : undefined;
    if ((want ?? undefined) !== got) {
      out.push({
        what: `vars.${name}`,
        expected: want === null ? "(not set)" : JSON.stringify(want),
        actual: got === undefined ? "(not set)" : JSON.stringify(got),
      });
    }
  }
  return out;
}

/** `want` must appear in `path` in order (other states may come between). */
export function isSubsequence(want: readonly string[], path: readonly string[]): boolean {
  let i = 0;
  for (const state of path) if (state === want[i]) i++;
  return i === want.length;
}
