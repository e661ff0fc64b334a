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
