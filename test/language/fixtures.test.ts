import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileFlowSource, loadFlowFiles, loadFlows } from "../../src/language/index.js";

const BROKEN = "test/fixtures/broken";
const OK = "test/fixtures/ok";

/** `# expect: <rule> <line>:<col> [<message>]` lines at the top of a fixture. */
function expectations(text: string): { rule: string; line: number; col: number; message?: string }[] {
  return [...text.matchAll(/^# expect: ([a-z-]+) (\d+):(\d+)(?: (.+))?$/gm)].map((m) => ({
    rule: m[1]!,
    line: Number(m[2]),
    col: Number(m[3]),
    ...(m[4] ? { message: m[4] } : {}),
  }));
}

const RULES = [
  "yaml-syntax",
  "schema",
  "unknown-target",
  "non-blocking-loop",
  "unassigned-variable",
  "digits-range",
  "invalid-regex",
  "invalid-timezone",
  "invalid-schedule",
  "text-too-long",
  "too-many-digits",
  "timeout-order",
  "invalid-digit",
  "audio-prompt",
  "unreachable-state",
  "shadowed-key",
  "blocking-on-error",
  "invalid-template",
  "reserved-variable",
  "unknown-service",
  "unknown-secret",
  "unused-secret",
  "secret-outside-headers",
  "header-variable",
  "reserved-header",
  "templated-url",
  "insecure-url",
  "invalid-url",
  "body-on-get",
  "invalid-into-path",
  "sensitive-not-into",
  "invalid-route",
  "fetch-timeout",
  "fetch-budget",
  "assigned-input",
  "prefix-key",
];

describe("broken fixtures: one per checker rule", () => {
  it.each(RULES)("%s is reported at the line:col the fixture names", (rule) => {
    const file = join(BROKEN, `${rule}.yaml`);
    const text = readFileSync(file, "utf8");
    const expected = expectations(text);
    expect(expected.length).toBeGreaterThan(0);
    const { diagnostics, machine } = compileFlowSource(text, file);
    for (const e of expected) {
      expect(diagnostics).toContainEqual(expect.objectContaining({ file, ...e }));
    }
    const worst = diagnostics.find((d) => d.rule === rule)!;
    if (worst.severity === "error") expect(machine).toBeUndefined();
  });

  it("has a fixture for every rule and no stray fixtures", () => {
    const files = readdirSync(BROKEN).filter((f) => f.endsWith(".yaml"));
    expect(files.map((f) => f.replace(/\.yaml$/, "")).sort()).toEqual([...RULES].sort());
  });

  it("duplicate-flow and duplicate-number are cross-file checks", () => {
    const dir = join(BROKEN, "duplicates");
    const second = join(dir, "second.yaml");
    const { diagnostics, machines } = loadFlows(dir);
    for (const e of expectations(readFileSync(second, "utf8"))) {
      expect(diagnostics).toContainEqual(
        expect.objectContaining({ file: second, rule: e.rule, line: e.line, col: e.col }),
      );
    }
    expect(diagnostics.find((d) => d.rule === "duplicate-flow")?.message).toContain("first.yaml:2:7");
    // the first file keeps its id and number
    expect(machines.map((m) => m.source)).toEqual([join(dir, "first.yaml")]);
    // also among files named explicitly (as `ivr validate a.yaml b.yaml` does)
    expect(
      loadFlowFiles([join(dir, "first.yaml"), second])
        .diagnostics.map((d) => d.rule)
        .sort(),
    ).toEqual(["duplicate-flow", "duplicate-number"]);
  });
});

describe("ok fixtures", () => {
  it("compile without errors or warnings", () => {
    const { diagnostics, machines, files } = loadFlows(OK);
    expect(diagnostics).toEqual([]);
    expect(machines).toHaveLength(files.length);
    expect(files.length).toBeGreaterThanOrEqual(2);
  });
});
