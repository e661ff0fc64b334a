import { describe, expect, it } from "vitest";
import { compile } from "./helpers.js";

function unassigned(yaml: string) {
  return compile(yaml).diagnostics.filter((d) => d.rule === "unassigned-variable");
}

const MENU = (one: string, two: string) => `
  flow: df
  start: main
  states:
    main:
      menu: { prompt: "1 or 2", options: { "1": one, "2": two } }
    one: ${one}
    two: ${two}
    use: { say: "Hello {{name}}", next: bye }
    bye: { hangup: {} }
`;

describe("data flow: a variable must be set on every path to its use", () => {
  it("assigned on one branch only: error, with a path where it is not", () => {
    const found = unassigned(MENU('{ set: { name: "Ann" }, next: use }', "{ say: skip, next: use }"));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ line: 8, col: 22, message: "variable 'name' may not be set here" });
    expect(found[0]!.hint).toContain("main -> two -> use");
  });

  it("assigned on all branches (set on one, ask on the other): ok", () => {
    const found = unassigned(
      MENU('{ set: { name: "Ann" }, next: use }', "{ ask: { prompt: Name?, into: name, next: use } }"),
    );
    expect(found).toEqual([]);
  });

  it("an ask assigns only on its success edge, not when attempts run out", () => {
    const found = unassigned(
      MENU("{ ask: { prompt: Name?, into: name, next: use, onExhausted: use } }", '{ set: { name: "x" }, next: use }'),
    );
    expect(found).toHaveLength(1);
  });

  it("a variable never assigned anywhere gets a did-you-mean", () => {
    const found = unassigned(MENU('{ set: { nmae: "Ann" }, next: use }', '{ set: { nmae: "Bob" }, next: use }'));
    expect(found[0]).toMatchObject({ message: "variable 'name' is never assigned", hint: "did you mean 'nmae'?" });
  });

  it("built-ins are always set", () => {
    const found = unassigned(
      MENU(
        '{ say: "{{caller}} {{called}} {{sessionId}} {{callId}}", next: bye }',
        "{ say: '{{lastInput}}', next: bye }",
      ),
    );
    expect(found).toEqual([]);
  });

  it("loops keep only what every way in assigns", () => {
    const found = unassigned(`
      flow: loop
      start: main
      states:
        main:
          menu: { prompt: "Hi {{name}}", options: { "1": setname } }
        setname: { set: { name: "Ann" }, next: main }
    `);
    expect(found).toHaveLength(1);
  });

  it("set values are assigned in order: later values may use earlier ones", () => {
    const ok = unassigned(MENU('{ set: { a: "x", name: "{{a}}" }, next: use }', '{ set: { name: "y" }, next: use }'));
    expect(ok).toEqual([]);
    const bad = unassigned(MENU('{ set: { name: "{{a}}", a: "x" }, next: use }', '{ set: { name: "y" }, next: use }'));
    expect(bad.map((d) => d.message)).toEqual(["variable 'a' may not be set here"]);
  });

  it("onError states see only the built-ins", () => {
    const found = unassigned(`
      flow: err
      start: init
      onError: sorry
      states:
        init: { set: { name: "Ann" }, next: sorry }
        sorry: { hangup: { say: "Sorry {{name}}" } }
    `);
    expect(found).toHaveLength(1);
  });

  describe("branches", () => {
    const BRANCH = (cases: string) => `
      flow: br
      start: main
      states:
        main:
          menu: { prompt: "1 or 2", options: { "1": setit, "2": test } }
        setit: { set: { name: "Ann" }, next: test }
        test: { branch: [${cases}] }
        use: { say: "Hello {{name}}", next: bye }
        other: { say: "Hello stranger", next: bye }
        bye: { hangup: {} }
    `;

    it("equals on a possibly unset variable is an error", () => {
      expect(unassigned(BRANCH("{ if: { var: name, equals: Ann }, then: use }, { else: other }"))).toHaveLength(1);
    });

    it("exists on a possibly unset variable is fine, and proves it set on the then edge", () => {
      expect(unassigned(BRANCH("{ if: { var: name, exists: true }, then: use }, { else: other }"))).toEqual([]);
    });

    it("a guard inside all: protects the tests after it", () => {
      const cases =
        "{ if: { all: [{ var: name, exists: true }, { var: name, equals: Ann }] }, then: use }, { else: other }";
      expect(unassigned(BRANCH(cases))).toEqual([]);
    });

    it("a failed exists: false case proves the variable set for later cases and else", () => {
      const cases =
        '{ if: { var: name, exists: false }, then: other }, { if: { var: name, matches: "^A" }, then: use }, { else: use }';
      expect(unassigned(BRANCH(cases))).toEqual([]);
    });

    it("the else edge of an exists: true case does not prove it", () => {
      const cases = "{ if: { var: name, exists: true }, then: other }, { else: use }";
      expect(unassigned(BRANCH(cases))).toHaveLength(1);
    });
  });
});

describe("data flow: fetch into and inputs", () => {
  const FETCH = (use: string) => `
    flow: df-fetch
    start: lookup
    services: { bank: { url: "https://api.acme.example" } }
    states:
      lookup:
        fetch:
          service: bank
          path: /balance
          into: { balance: balance }
          on: { "404": ${use === "on" ? "use" : "bye"} }
          next: ${use === "next" ? "use" : "bye"}
          onError: ${use === "onError" ? "use" : "bye"}
      use: { say: "Your balance is {{balance}}", next: bye }
      bye: { hangup: {} }
  `;

  it("into variables are set on next and on every on route", () => {
    expect(unassigned(FETCH("next"))).toEqual([]);
    expect(unassigned(FETCH("on"))).toEqual([]);
  });

  it("into variables are not set on the onError route", () => {
    const found = unassigned(FETCH("onError"));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ line: 13, col: 32, message: "variable 'balance' may not be set here" });
    expect(found[0]!.hint).toContain("lookup -> use");
  });

  it("into variables are not set on the way to the flow's onError", () => {
    const found = unassigned(`
      flow: df-flow-error
      start: lookup
      onError: sorry
      services: { bank: { url: "https://api.acme.example" } }
      states:
        lookup: { fetch: { service: bank, path: /b, into: { balance: balance }, next: bye } }
        sorry: { hangup: { say: "Sorry, {{balance}}" } }
        bye: { hangup: {} }
    `);
    expect(found.map((d) => d.message)).toEqual(["variable 'balance' may not be set here"]);
  });

  it("fetchStatus is a built-in, set before any fetch", () => {
    const found = unassigned(`
      flow: df-status
      start: hello
      states:
        hello: { say: "Status {{fetchStatus}}", next: bye }
        bye: { hangup: {} }
    `);
    expect(found).toEqual([]);
  });

  it("request templates (path, query, body) are uses", () => {
    const found = unassigned(`
      flow: df-request
      start: lookup
      services: { bank: { url: "https://api.acme.example" } }
      states:
        lookup:
          fetch:
            service: bank
            method: POST
            path: /cards/{{card}}
            query: { q: "{{q}}" }
            body: { deep: [{ pin: "{{pin}}" }] }
            next: bye
        bye: { hangup: {} }
    `);
    expect(found.map((d) => [d.line, d.col, d.message])).toEqual([
      [9, 20, "variable 'card' is never assigned"],
      [10, 20, "variable 'q' is never assigned"],
      [11, 30, "variable 'pin' is never assigned"],
    ]);
  });

  it("inputs are assigned before the first state and in onError", () => {
    const found = unassigned(`
      flow: df-inputs
      start: hello
      onError: sorry
      inputs: { patient: { required: true }, time: {} }
      states:
        hello: { say: "Hello {{patient}}, your appointment is at {{time}}.", next: bye }
        sorry: { hangup: { say: "Sorry {{patient}}." } }
        bye: { hangup: {} }
    `);
    expect(found).toEqual([]);
  });
});
