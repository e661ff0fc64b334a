import { describe, expect, it } from "vitest";
import { formatDiagnostics, summarize } from "../../src/language/index.js";
import { compile, dedent, errors, rules } from "./helpers.js";

describe("did-you-mean", () => {
  it("suggests the property an unknown key was meant to be, pointing at the key", () => {
    const { diagnostics } = compile(`
      flow: typo
      start: main
      states:
        main:
          menu:
            promt: "Press 1."
            options: { "1": main }
    `);
    expect(diagnostics).toEqual([
      expect.objectContaining({ rule: "schema", line: 6, col: 7, hint: "did you mean 'prompt'?" }),
    ]);
    expect(diagnostics[0]!.message).toBe("unknown property 'promt' in 'menu' of state 'main'");
  });

  it("suggests the state a target was meant to be", () => {
    const { diagnostics } = compile(`
      flow: typo
      start: welcom
      states:
        welcome: { hangup: {} }
    `);
    expect(diagnostics).toEqual([
      expect.objectContaining({ rule: "unknown-target", line: 2, col: 8, hint: "did you mean 'welcome'?" }),
    ]);
  });

  it("suggests a time zone and a state kind", () => {
    const { diagnostics } = compile(`
      flow: typo
      start: open
      states:
        open:
          hours: { timezone: europe/londn, open: { mon: "09:00-17:00" }, then: bye, else: bye }
        bye:
          hangupp: {}
    `);
    expect(diagnostics.map((d) => d.hint)).toEqual(["did you mean 'Europe/London'?", "did you mean 'hangup'?"]);
  });
});

describe("reporting", () => {
  it("reports every problem at once, schema and checker alike", () => {
    const { diagnostics, machine } = compile(`
      flow: many
      start: main
      states:
        main:
          menu:
            prompt: "Hi {{name}}"
            options: { "1": nowhere, "x": pin }
            timeout: 2
        pin:
          ask:
            prompt: "PIN?"
            into: pin
            digits: { min: 5, max: 4 }
            validate: { pattern: "(" }
            next: main
            onExhausted: gone
        lost:
          say: "Unreachable"
          nxt: main
    `);
    expect(machine).toBeUndefined();
    expect(rules(diagnostics).sort()).toEqual(
      [
        "schema",
        "unknown-target",
        "unknown-target",
        "invalid-digit",
        "timeout-order",
        "digits-range",
        "invalid-regex",
        "unassigned-variable",
        "unreachable-state",
      ].sort(),
    );
  });

  it("prints file:line:col severity [rule] message, the source line, a caret and the hint", () => {
    const source = dedent(`
      flow: fmt
      start: main
      states:
        main:
          menu:
            prompt: "Press 1."
            options: { "1": biling }
        billing: { hangup: {} }
    `);
    const { diagnostics } = compile(source, "flows/fmt.yaml");
    const text = formatDiagnostics(
      diagnostics.filter((d) => d.severity === "error"),
      { "flows/fmt.yaml": source },
    );
    expect(text).toBe(
      [
        "flows/fmt.yaml:7:23 error [unknown-target] state 'biling' does not exist",
        '  7 |       options: { "1": biling }',
        "    |                       ^^^^^^",
        "  hint: did you mean 'billing'?",
      ].join("\n"),
    );
    expect(summarize(diagnostics, 1)).toBe("1 error, 1 warning in 1 flow");
    expect(summarize([], 3)).toBe("3 flows ok");
  });

  it("shows a window of a very long source line around the column, with ellipses, the caret still aligned", () => {
    const padding = "x".repeat(2000);
    const source = dedent(`
      flow: long
      start: main
      states:
        main: { say: "${padding} {{ bad name }} ${padding}", next: main2 }
        main2: { hangup: {} }
    `);
    const { diagnostics } = compile(source, "flows/long.yaml");
    const problem = diagnostics.find((d) => d.rule === "invalid-template")!;
    expect(problem).toMatchObject({ line: 4, col: 2018 });
    const [header, sourceLine, caretLine] = formatDiagnostics([problem], { "flows/long.yaml": source }).split("\n");
    expect(header).toBe("flows/long.yaml:4:2018 error [invalid-template] 'bad name' is not a variable name");
    expect(sourceLine!.length).toBeLessThanOrEqual(140);
    expect(sourceLine).toMatch(/^ {2}4 \| \.\.\.x+ \{\{ bad name \}\} x+\.\.\.$/);
    const caret = caretLine!.indexOf("^");
    expect(sourceLine!.slice(caret, caret + "{{ bad name }}".length)).toBe("{{ bad name }}");
    expect(caretLine!.slice(caret)).toBe("^".repeat("{{ bad name }}".length));
  });

  it("keeps the start of a long line when the column is near it, and its end when the column is near that", () => {
    const line = `a: ${"y".repeat(300)}`;
    const at = (col: number, length = 1) =>
      formatDiagnostics([{ file: "f", line: 1, col, length, severity: "error", rule: "r", message: "m" }], {
        f: line,
      }).split("\n");
    const [, start, startCaret] = at(1, 500);
    expect(start).toMatch(/^ {2}1 \| a: y+\.\.\.$/);
    expect(startCaret).toMatch(/^ {4}\| \^+$/);
    expect(startCaret!.length).toBeLessThanOrEqual(start!.length);
    const [, end, endCaret] = at(line.length);
    expect(end).toMatch(/^ {2}1 \| \.\.\.y+$/);
    expect(endCaret!.indexOf("^")).toBe(end!.length - 1);
  });

  it("explains schema errors in thousands of states without slowing down quadratically", () => {
    const states = Array.from({ length: 3000 }, (_, i) => `  s${i}: { sya: "Hi", next: s${i + 1} }`);
    const text = `flow: many\nstart: s0\nstates:\n${states.join("\n")}\n  s3000: { hangup: {} }\n`;
    const started = performance.now();
    const schema = compile(text).diagnostics.filter((d) => d.rule === "schema");
    expect(performance.now() - started).toBeLessThan(5000);
    expect(schema.filter((d) => d.message === "unknown property 'sya' in state 's7'")).toEqual([
      expect.objectContaining({ line: 11, col: 9, hint: "did you mean 'say'?" }),
    ]);
    expect(schema.length).toBeGreaterThanOrEqual(3000);
  });

  it("turns union mismatches into the message for the alternative that was meant", () => {
    const { diagnostics } = compile(`
      flow: unions
      start: a
      states:
        a:
          say: ["Hi", { pley: "https://x.example/a.mp3" }, 3]
          next: b
        b:
          say: "x"
          hangup: {}
    `);
    expect(errors(diagnostics).map((d) => [d.line, d.col, d.message])).toEqual([
      [5, 19, "unknown property 'pley' in 'say' of state 'a'"],
      [5, 54, "expected text or { play: url } in 'say' of state 'a'"],
      [9, 5, "only one of these may be used here: say and hangup in state 'b'"],
    ]);
  });

  it("points a YAML syntax error at its cause", () => {
    const { diagnostics } = compile(`
      flow: dup
      start: a
      states:
        a: { hangup: {} }
        a: { hangup: {} }
    `);
    expect(diagnostics).toEqual([expect.objectContaining({ rule: "yaml-syntax", line: 5, col: 3 })]);
  });
});
