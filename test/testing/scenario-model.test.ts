/** The pure parts of scenario testing: parsing and checking scenario files, 8x8's capture, the coverage model. */
import { describe, expect, it } from "vitest";
import { compileFlowSource } from "../../src/language/index.js";
import { simulateCapture } from "../../src/local/simulated-8x8.js";
import { CoverageRecorder, possibleEdges } from "../../src/testing/coverage.js";
import { parseScenarioFile } from "../../src/testing/scenario.js";

const FLOW = `flow: demo
numbers: ["+6531110000"]
start: main
keys: { "0": agent, "*": repeat }
states:
  main:
    menu:
      prompt: "Press 1 for hours, 2 for sales."
      options: { "1": hours, "2": agent }
      onExhausted: bye
  hours:
    say: "We are open all day."
    next: pin
  pin:
    ask: { prompt: "Your PIN?", into: pin, digits: { min: 4, max: 4 }, attempts: 1, next: bye, sensitive: true }
  agent:
    transfer: { to: "+6560000001" }
  bye:
    hangup: { say: "Bye." }
`;
const demo = compileFlowSource(FLOW, "demo.yaml").machine!;

describe("scenario files", () => {
  it("parse into scenarios with defaults, regexes and the line of every step", () => {
    const { scenarios, diagnostics } = parseScenarioFile(
      `flow: demo
defaults: { caller: "+6590000002", at: "2026-11-24T10:00:00+08:00" }
scenarios:
  - name: one
    steps:
      - press: "1"
      - hears: [/open/i, "all day"]
        notHears: closed
      - silence
      - hangup
    summary: true
`,
      "demo.test.yaml",
      [demo],
    );
    expect(diagnostics).toEqual([]);
    expect(scenarios[0]).toMatchObject({
      name: "one",
      flow: "demo",
      caller: "+6590000002",
      at: new Date("2026-11-24T02:00:00Z"),
      line: 4,
      summary: { status: "COMPLETED" },
    });
    expect(scenarios[0]?.steps).toEqual([
      { kind: "press", digits: "1", line: 6 },
      {
        kind: "expect",
        expect: { hears: [{ regex: /open/i }, { text: "all day" }], notHears: [{ text: "closed" }] },
        line: 7,
      },
      { kind: "silence", line: 9 },
      { kind: "hangup", line: 10 },
    ]);
  });

  it("report every problem with its position: shape, dates, regexes and unknown states", () => {
    const { diagnostics } = parseScenarioFile(
      `flow: demo
scenarios:
  - name: bad
    at: "next tuesday"
    steps:
      - press: 1x
      - hears: "/[unclosed/"
      - state: mian
    summary: { finalState: agnet }
`,
      "bad.test.yaml",
      [demo],
    );
    const shown = diagnostics.map((d) => `${d.line}:${d.col} [${d.rule}] ${d.message}${d.hint ? ` (${d.hint})` : ""}`);
    expect(shown).toEqual([expect.stringMatching(/^6:9 \[scenario\] a step is one of/)]);
    const second = parseScenarioFile(
      `flow: demo
scenarios:
  - name: bad
    at: "next tuesday"
    steps:
      - hears: "/[unclosed/"
      - state: mian
    summary: { finalState: agnet }
`,
      "bad.test.yaml",
      [demo],
    ).diagnostics.map((d) => `${d.line}:${d.col} [${d.rule}] ${d.message}${d.hint ? ` (${d.hint})` : ""}`);
    expect(second).toEqual([
      "4:9 [scenario] 'next tuesday' is not a date-time",
      expect.stringMatching(/^6:9 \[scenario\] invalid regular expression \/\[unclosed\/: /),
      "7:16 [scenario-reference] unknown state 'mian' (did you mean 'main'?)",
      "8:28 [scenario-reference] unknown state 'agnet' (did you mean 'agent'?)",
    ]);
  });

  it("suggests the key or step meant by a typo, at the key", () => {
    const shown = parseScenarioFile(
      `flow: demo
scenarios:
  - name: typos
    steps:
      - hear: "Welcome"
      - silense
      - { hears: "Goodbye", tranferTo: "+6560000000" }
    sumary: true
`,
      "typos.test.yaml",
      [demo],
    ).diagnostics.map((d) => `${d.line}:${d.col} ${d.message}${d.hint ? ` (${d.hint})` : ""}`);
    expect(shown).toEqual([
      "8:5 scenarios.0: unknown key 'sumary' (did you mean 'summary'?)",
      "5:9 unknown step key 'hear' (did you mean 'hears'?)",
      "6:9 unknown step 'silense' (did you mean 'silence'?)",
      "7:29 unknown step key 'tranferTo' (did you mean 'transferTo'?)",
    ]);
  });
});

describe("8x8's capture, simulated", () => {
  const params = { minDigits: 4, maxDigits: 4, completeOnHash: true };
  it("ends input at # and reports it with the digits", () => {
    expect(simulateCapture(params, "1234#")).toBe("1234#");
    expect(simulateCapture({ ...params, minDigits: 1, maxDigits: 8 }, "12#34")).toBe("12#");
  });
  it("drops keys past maxDigits and reports too few digits as nothing captured", () => {
    expect(simulateCapture(params, "123456")).toBe("1234");
    expect(simulateCapture(params, "12")).toBeNull();
    expect(simulateCapture(params, "")).toBeNull();
  });
  it("keeps a lone # (a menu may offer it) and ignores # when it does not end input", () => {
    expect(simulateCapture({ minDigits: 1, maxDigits: 1, completeOnHash: true }, "#")).toBe("#");
    expect(simulateCapture({ minDigits: 1, maxDigits: 3, completeOnHash: false }, "1#2")).toBe("1#2");
  });
});

describe("coverage", () => {
  it("lists every transition the machine allows, global keys once per flow", () => {
    const ids = possibleEdges(demo).map((e) => `${e.from} --${e.on}--> ${e.to}`);
    expect(ids.sort()).toEqual(
      [
        "main --1--> hours",
        "main --2--> agent",
        "main --noInput--> main",
        "main --noMatch--> main",
        "main --exhausted--> bye",
        "hours --next--> pin",
        "pin --next--> bye",
        // one attempt: the first failure is the last, so no retry edges
        "pin --exhausted--> (hangup)",
        "* --key:0--> agent",
        "* --key:*--> (repeat)",
      ].sort(),
    );
  });

  it("counts what calls did against it, naming what is left", () => {
    const recorder = new CoverageRecorder([demo]);
    recorder.record("demo", {
      visited: ["main", "hours", "pin"],
      edges: [
        { from: "main", on: "1", to: "hours" },
        { from: "hours", on: "next", to: "pin" },
      ],
    });
    recorder.record("demo", { visited: ["agent"], edges: [{ from: "pin", on: "key:0", to: "agent" }] });
    recorder.record("demo", { visited: [], edges: [{ from: "pin", on: "exhausted", to: "#hangup" }] });
    const [report] = recorder.report();
    expect(report?.states).toEqual({ total: 5, covered: 4, uncovered: ["bye"] });
    expect(report?.transitions.covered).toBe(4);
    expect(report?.transitions.uncovered).not.toContain("pin --exhausted--> (hangup)");
    expect(report?.transitions.uncovered).toContain("main --noInput--> main");
    expect(report?.transitions.uncovered).not.toContain("* --key:0--> agent");
  });
});
