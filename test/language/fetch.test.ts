import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/language/index.js";
import { compile } from "./helpers.js";

/** The diagnostics of one rule, as [line, col, message]. */
function found(yaml: string, rule: string): [number, number, string][] {
  return compile(yaml)
    .diagnostics.filter((d: Diagnostic) => d.rule === rule)
    .map((d) => [d.line, d.col, d.message]);
}

const BANK = `services: { bank: { url: "https://api.acme.example/v1" } }`;

describe("fetch states and services: checker", () => {
  it("a hold message is text: audio is refused with the reason", () => {
    const { diagnostics } = compile(`
      flow: hold-audio
      start: lookup
      ${BANK}
      states:
        lookup:
          fetch:
            service: bank
            say: ["One moment.", { play: "https://media.example.com/hold.mp3" }]
            next: bye
        bye: { hangup: {} }
    `);
    const audio = diagnostics.filter((d) => d.rule === "audio-prompt");
    expect(audio).toEqual([
      expect.objectContaining({ line: 8, col: 28, message: "a fetch's hold message must be text, not audio" }),
    ]);
    expect(audio[0]!.hint).toContain("sayAndCapture");
  });

  it("routes to unknown states get a did-you-mean; a next beside fetch: is misplaced", () => {
    const yaml = `
      flow: routes
      start: lookup
      ${BANK}
      states:
        lookup:
          fetch: { service: bank, on: { "404": unknwon }, next: done, onError: sory }
          next: done
        unknown: { hangup: {} }
        done: { hangup: {} }
        sorry: { hangup: {} }
    `;
    expect(found(yaml, "unknown-target")).toEqual([
      [6, 42, "state 'unknwon' does not exist"],
      [6, 74, "state 'sory' does not exist"],
    ]);
    const misplaced = compile(yaml).diagnostics.find((d) => d.rule === "schema");
    expect(misplaced).toMatchObject({ line: 7, col: 5, message: "'next' is not used by a fetch state" });
    expect(misplaced!.hint).toBe("a fetch's next goes inside fetch: (it is where a 2xx response goes)");
  });

  it("the schema explains methods, paths and misspelt keys", () => {
    const { diagnostics } = compile(`
      flow: shapes
      start: lookup
      ${BANK}
      states:
        lookup:
          fetch: { service: bank, method: post, path: balance, timout: 2, next: bye }
        bye: { hangup: {} }
    `);
    expect(diagnostics.map((d) => [d.col, d.message, d.hint])).toEqual([
      [
        37,
        'expected "GET" or "POST" or "PUT" or "PATCH" or "DELETE" in \'method\' of state \'lookup\'',
        "did you mean 'POST'?",
      ],
      [49, "'balance': a path starts with one / and has no ? or # (query parameters go in `query`)", undefined],
      [58, "unknown property 'timout' in 'fetch' of state 'lookup'", "did you mean 'timeout'?"],
    ]);
  });

  it("http is allowed to loopback hosts only", () => {
    const flow = (url: string) => `
      flow: urls
      start: lookup
      services: { svc: { url: "${url}" } }
      states:
        lookup: { fetch: { service: svc, next: bye } }
        bye: { hangup: {} }
    `;
    for (const url of [
      "https://api.acme.example/v1",
      "http://localhost:4010",
      "http://127.0.0.1:4010/v1",
      "http://127.8.9.10",
      "http://[::1]:8080/",
    ]) {
      expect(compile(flow(url)).diagnostics, url).toEqual([]);
    }
    for (const url of ["http://10.0.0.1", "http://localhost.acme.example", "http://128.0.0.1"]) {
      expect(found(flow(url), "insecure-url"), url).toHaveLength(1);
    }
    expect(found(flow("ftp://files.acme.example"), "invalid-url")).toEqual([
      [3, 25, "a service url uses https, not 'ftp'"],
    ]);
    expect(found(flow("https://api.acme.example/v1?key=abc"), "invalid-url")).toEqual([
      [3, 25, "a service url has no query or fragment"],
    ]);
    expect(found(flow("https://api.acme.example/{{secrets.key}}"), "templated-url")).toHaveLength(1);
  });

  it("secrets: malformed references in headers, and in a set or a body", () => {
    const yaml = `
      flow: secrets
      start: init
      services:
        bank: { url: "https://api.acme.example", headers: { Authorization: "Bearer {{secrets.}}" } }
      secrets: [token]
      states:
        init: { set: { copy: "{{secrets.token}}" }, next: lookup }
        lookup: { fetch: { service: bank, method: POST, body: { token: "{{secrets.token}}" }, next: bye } }
        bye: { hangup: {} }
    `;
    expect(found(yaml, "invalid-template")).toEqual([[4, 78, "'secrets.' is not a secret"]]);
    expect(found(yaml, "secret-outside-headers").map(([line]) => line)).toEqual([7, 8]);
    expect(found(yaml, "unused-secret")).toEqual([
      [5, 11, "secret 'token' is declared but no service's headers use it"],
    ]);
  });

  it("fetch loops: a fetch does not wait for the caller, and its failures go to the flow's onError", () => {
    expect(
      found(
        `
        flow: spin
        start: lookup
        ${BANK}
        states:
          lookup: { fetch: { service: bank, next: again, onError: bye } }
          again: { say: "Again.", next: lookup }
          bye: { hangup: {} }
      `,
        "non-blocking-loop",
      ),
    ).toEqual([[6, 33, "these states loop without waiting for the caller: lookup -> again -> lookup"]]);
    expect(
      found(
        `
        flow: retry
        start: lookup
        onError: lookup
        ${BANK}
        states:
          lookup: { fetch: { service: bank, next: bye } }
          bye: { hangup: {} }
      `,
        "non-blocking-loop",
      ),
    ).toEqual([[6, 20, "these states loop without waiting for the caller: lookup -> lookup"]]);
  });
});

describe("inputs: checker", () => {
  it("inputs cannot be assigned by set, ask or fetch; built-ins cannot be inputs; patterns must compile", () => {
    const yaml = `
      flow: inputs
      start: ask-pin
      inputs: { patient: { required: true }, pin: { sensitive: true, pattern: "^[0-9" }, caller: {} }
      ${BANK}
      states:
        ask-pin: { ask: { prompt: "PIN?", into: pin, next: lookup } }
        lookup: { fetch: { service: bank, into: { patient: name, lastInput: x }, next: rename } }
        rename: { set: { patient: "Ann" }, next: bye }
        bye: { hangup: {} }
    `;
    expect(found(yaml, "assigned-input")).toEqual([
      [6, 43, "'pin' is an input of the flow and cannot be assigned"],
      [7, 45, "'patient' is an input of the flow and cannot be assigned"],
      [8, 20, "'patient' is an input of the flow and cannot be assigned"],
    ]);
    expect(found(yaml, "reserved-variable")).toEqual([
      [3, 84, "'caller' is a built-in variable and cannot be an input"],
      [7, 60, "'lastInput' is a built-in variable and cannot be assigned"],
    ]);
    expect(found(yaml, "invalid-regex")).toEqual([
      [3, 73, "invalid regular expression: /^[0-9/: Unterminated character class"],
    ]);
  });
});

describe("result labels and numeric conditions: schema", () => {
  it("a result label is a short lower-case word", () => {
    const { diagnostics } = compile(`
      flow: labels
      start: bye
      states:
        bye: { hangup: { result: Confirmed } }
    `);
    expect(diagnostics.map((d) => [d.line, d.col, d.message])).toEqual([
      [
        4,
        28,
        "'Confirmed': a result label is lower-case letters, digits, _ and -, starting with a letter, at most 64 characters (e.g. confirmed)",
      ],
    ]);
  });

  it("numeric conditions compare with numbers and are uses of the variable", () => {
    const { diagnostics } = compile(`
      flow: numbers
      start: check
      states:
        check:
          branch:
            - if: { var: balance, lessThan: "10" }
              then: bye
            - if: { var: balance, atLeast: 10 }
              then: bye
            - else: bye
        bye: { hangup: {} }
    `);
    expect(diagnostics.map((d) => [d.line, d.rule, d.message])).toEqual([
      [6, "unassigned-variable", "variable 'balance' may not be set here"],
      [6, "schema", "expected a number, got text '10' in 'lessThan' of state 'check'"],
      [8, "unassigned-variable", "variable 'balance' may not be set here"],
    ]);
  });
});

describe("hold messages are speech", () => {
  it("count for the 3000-character limit", () => {
    const found = compile(`
      flow: long-hold
      start: lookup
      ${BANK}
      states:
        lookup: { fetch: { service: bank, say: "${"x".repeat(3001)}", next: bye } }
        bye: { hangup: {} }
    `).diagnostics.map((d) => [d.rule, d.message]);
    expect(found).toEqual([["text-too-long", "text is 3001 characters; 8x8 speaks at most 3000"]]);
  });
});
