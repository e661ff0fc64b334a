import { describe, expect, it } from "vitest";
import { compileFlowSource } from "../../src/language/index.js";
import { compile } from "./helpers.js";

function budget(yaml: string) {
  return compile(yaml).diagnostics.filter((d) => d.rule === "fetch-budget");
}

const SERVICES = `services: { bank: { url: "https://api.acme.example", timeout: 2 } }`;

describe("fetch-budget: at most 5 s of fetch timeouts between two waits for the caller", () => {
  it("takes the worst branch, names its fetches and points at the first", () => {
    const found = budget(`
      flow: branching
      start: lookup
      ${SERVICES}
      states:
        lookup: { fetch: { service: bank, next: route, on: { "404": bye }, onError: bye } }
        route:
          branch:
            - if: { var: fetchStatus, equals: "200" }
              then: short
            - else: long
        short: { fetch: { service: bank, timeout: 1, next: bye } }
        long: { say: "Still checking.", next: verify }
        verify: { fetch: { service: bank, timeout: 2.5, next: balance, onError: bye } }
        balance: { fetch: { service: bank, timeout: 1, next: bye } }
        bye: { hangup: {} }
    `);
    expect(found).toEqual([
      expect.objectContaining({
        line: 5,
        col: 3,
        severity: "error",
        message:
          "lookup -> verify -> balance: 5.5 s of fetch timeouts before the caller is next asked anything (at most 5 s)",
      }),
    ]);
  });

  it("exactly 5 s is allowed", () => {
    expect(
      budget(`
        flow: exact
        start: a
        ${SERVICES}
        states:
          a: { fetch: { service: bank, timeout: 1.5, next: b } }
          b: { fetch: { service: bank, timeout: 1.5, next: c } }
          c: { fetch: { service: bank, next: bye } }
          bye: { hangup: {} }
      `),
    ).toEqual([]);
  });

  const CHAIN = (holdB: string, holdC: string) => `
    flow: holds
    start: a
    ${SERVICES}
    states:
      a: { fetch: { service: bank, next: b } }
      b: { fetch: { service: bank, next: c${holdB} } }
      c: { fetch: { service: bank, next: d${holdC} } }
      d: { fetch: { service: bank, next: bye } }
      bye: { hangup: {} }
  `;

  it("a hold message ends the answer: its fetch's timeout starts the next budget", () => {
    expect(budget(CHAIN("", "")).map((d) => d.message)).toEqual([
      "a -> b -> c -> d: 8 s of fetch timeouts before the caller is next asked anything (at most 5 s)",
    ]);
    // a | b c d: the second answer still has 6 s
    const held = budget(CHAIN(', say: "One moment."', ""));
    expect(held.map((d) => [d.line, d.message])).toEqual([
      [6, "b -> c -> d: 6 s of fetch timeouts before the caller is next asked anything (at most 5 s)"],
    ]);
    expect(held[0]!.hint).toBe(
      "timeouts: b 2 s, c 2 s, d 2 s; shorten them, or give one of these fetches a hold message (say:), which " +
        "the caller hears before its request and which starts a new budget",
    );
    // a | b | c d
    expect(budget(CHAIN(', say: "One moment."', ', say: "Nearly there."'))).toEqual([]);
  });

  it("a menu or ask between fetches starts a new budget; its targets (and global keys') are checked", () => {
    const yaml = (between: string) => `
      flow: waits
      start: a
      keys: { "0": c }
      ${SERVICES}
      states:
        a: { fetch: { service: bank, timeout: 3, next: ${between} } }
        ask: { ask: { prompt: "PIN?", into: pin, next: b } }
        b: { fetch: { service: bank, timeout: 3, next: bye } }
        c: { fetch: { service: bank, timeout: 3, next: d } }
        d: { fetch: { service: bank, timeout: 3, next: bye } }
        bye: { hangup: {} }
    `;
    expect(budget(yaml("b")).map((d) => d.message)).toEqual([
      "a -> b: 6 s of fetch timeouts before the caller is next asked anything (at most 5 s)",
      "c -> d: 6 s of fetch timeouts before the caller is next asked anything (at most 5 s)",
    ]);
    // after the ask, b alone is fine; the global key 0 leads from the ask to c -> d
    expect(budget(yaml("ask")).map((d) => d.message)).toEqual([
      "c -> d: 6 s of fetch timeouts before the caller is next asked anything (at most 5 s)",
    ]);
  });

  it("routes and onError count, including the flow's onError for a fetch without its own", () => {
    const flow = (b: number, sorry: number) => `
      flow: errors
      start: a
      onError: sorry
      ${SERVICES}
      states:
        a: { fetch: { service: bank, timeout: 3, on: { "5xx": b }, next: bye } }
        b: { fetch: { service: bank, timeout: ${b}, next: bye, onError: bye } }
        sorry: { fetch: { service: bank, timeout: ${sorry}, next: bye, onError: bye } }
        bye: { hangup: {} }
    `;
    expect(budget(flow(1, 1.5))).toEqual([]);
    expect(budget(flow(2.5, 1.5)).map((d) => d.message)).toEqual([
      "a -> b: 5.5 s of fetch timeouts before the caller is next asked anything (at most 5 s)",
    ]);
    expect(budget(flow(1, 2.5)).map((d) => d.message)).toEqual([
      "a -> sorry: 5.5 s of fetch timeouts before the caller is next asked anything (at most 5 s)",
    ]);
  });

  it("is reported once per path, however many ways lead to it", () => {
    const found = budget(`
      flow: shared
      start: main
      ${SERVICES}
      states:
        main:
          menu:
            prompt: "Choose."
            options: { "1": a, "2": a, "3": a, "4": a }
        a: { fetch: { service: bank, timeout: 3, next: b } }
        b: { fetch: { service: bank, timeout: 3, next: main } }
    `);
    expect(found.map((d) => d.message)).toEqual([
      "a -> b: 6 s of fetch timeouts before the caller is next asked anything (at most 5 s)",
    ]);
  });

  it("stays linear on a generated flow of 10,000 states whose every fetch branches", () => {
    // A chain of diamonds: each fetch's next and 404 route meet again at the next fetch, so there are 2^3333 paths.
    const lines = ["flow: diamonds", "start: f0", 'services: { bank: { url: "https://api.acme.example" } }', "states:"];
    const fetches = 3333;
    for (let i = 0; i < fetches; i++) {
      const next = i + 1 < fetches ? `f${i + 1}` : "last";
      lines.push(`  f${i}: { fetch: { service: bank, timeout: 0.001, on: { "404": x${i} }, next: y${i} } }`);
      lines.push(`  x${i}: { say: "Not found.", next: ${next} }`, `  y${i}: { say: "Found.", next: ${next} }`);
    }
    lines.push("  last: { fetch: { service: bank, timeout: 2, next: bye } }", "  bye: { hangup: {} }");
    const { diagnostics } = compileFlowSource(lines.join("\n"), "diamonds.yaml");
    const found = diagnostics.filter((d) => d.rule === "fetch-budget");
    expect(found).toHaveLength(1);
    expect(found[0]!.message).toMatch(
      /^f0 -> f1 -> .* -> f19 -> \.\.\.: 5\.333 s of fetch timeouts before the caller is next asked anything/,
    );
    expect(diagnostics.filter((d) => d.rule !== "fetch-budget")).toEqual([]);
  });
});
