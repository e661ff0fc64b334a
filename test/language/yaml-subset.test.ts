import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { parseFlowYaml, parseWithYamlPackage } from "../../src/language/parse.js";
import type { JsonPath } from "../../src/language/positions.js";
import { readYamlSubset } from "../../src/language/yaml-subset.js";

/** Every key and index path in a value, depth first. */
function pathsOf(value: unknown, path: JsonPath = [], out: JsonPath[] = []): JsonPath[] {
  out.push(path);
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) pathsOf(item, [...path, i], out);
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) pathsOf(item, [...path, key], out);
  }
  return out;
}

/**
 * The subset reader either declines, or agrees with the `yaml` package on the data, on every position a
 * diagnostic can ask for, and on there being nothing to complain about.
 */
function expectSameAsYamlPackage(text: string): boolean {
  const subset = readYamlSubset(text);
  if (!subset) return false;
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, strict: true });
  expect(doc.errors.map((e) => e.message)).toEqual([]);
  expect(doc.warnings.map((e) => e.message)).toEqual([]);
  expect(subset.data).toEqual(doc.toJS({ maxAliasCount: 100 }));
  const fast = parseFlowYaml(text, "f.yaml");
  const full = parseWithYamlPackage(text, "f.yaml");
  const places = (parsed: typeof fast) =>
    pathsOf(subset.data).flatMap((path) => [
      { path, key: parsed.locator.place(path, "key") },
      { path, value: parsed.locator.place(path, "value") },
      // a path that goes one step too far stops at the same node
      { path, beyond: parsed.locator.place([...path, "missing"]) },
    ]);
  expect(places(fast)).toEqual(places(full));
  return true;
}

/** A slice of the generated flow the performance test compiles. */
const GENERATED = [
  "flow: big",
  "start: s0",
  'keys: { "0": s0 }',
  "states:",
  '  s0: { menu: { prompt: "Press 1 or 2 ({{caller}})", options: { "1": s1, "2": s1 } } }',
  '  s1: { ask: { prompt: "Digits?", into: v1, digits: { min: 1, max: 4 }, next: s2 } }',
  '  s2: { set: { w2: "{{v1}}" }, next: s3 }',
  '  s3: { branch: [ { if: { var: w2, matches: "^1" }, then: s4 }, { else: s4 } ] }',
  '  s4: { say: "You said {{v1}}", next: end }',
  '  end: { hangup: { say: "Bye" } }',
].join("\n");

function seedFiles(): string[] {
  const dirs = ["flows", "test/fixtures/ok", "test/fixtures/broken", "test/fixtures/broken/duplicates"];
  const files = dirs.flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => readFileSync(join(dir, f), "utf8")),
  );
  return [...files, GENERATED, ...SNIPPETS];
}

const SNIPPETS = [
  "a: b\nc: 1\nd: 1.5\ne: true\nf: null\ng: ~\nh:\ni: 0x1f\nj: 0o17\nk: .inf\nl: -.5e3\nm: '1'\nn: \"x\\ty\"",
  'a:\n  - x\n  - y: 1\n    z: [1, "2", {q: r}]\n  -\nb: { c: d, e: [f, g], }\n',
  "a:\n  - - nested\n",
  "a:\n- x\n- y\nb: c\n",
  '# c\n---\n# d\nflow: x # e\nstates:\n  s: { say: "Hi {{caller}}", next: t }\n  t: { hangup: {} }\n',
  "a: b: c\n",
  "a: b\n  c\n",
  'a: \'it\'\'s\'\nb: "q\\"uote"\nc: "\\u00e9"\n',
  "1: one\n1.0: again\n",
  "'1': one\n1: again\n",
  "a: http://example.com/x.mp3\nb: [http://x, y:z]\nc: { d: e:f }\n",
  "a: -1\nb: -x\nc: ?x\nd: :x\ne: x#y\nf: x # y\n",
  "a: [ ]\nb: { }\nc: []\nd: {}\n",
  "a: &x 1\nb: *x\n",
  "a: !!str 1\n",
  "a: |\n  text\n",
  "a: >-\n  text\n",
  "a:\n\tb: 1\n",
  "- a\n- b\n",
  "a: 1\n---\nb: 2\n",
  "a: 1\n...\n",
  "%YAML 1.2\n---\na: 1\n",
  "a: [b,\n  c]\n",
  '"a": 1\n\'b\': 2\n"": 3\n',
  "~: 1\nnull: 2\n",
  "a:    # comment\n  b: 1\n",
  "a:\n  b:\n    c:\n      - 1\n      - d: [e]\n        f: g\n  h: i\n",
  "a: x  \nb: 'y'  \nc: [z]  # k\n",
  "a: 'unterminated\n",
  "a: {b: c\n",
  "a: [b, c]]\n",
  "__proto__: 1\n",
  "<<: 1\n",
  "a: b\n  # indented comment\nc: d\n",
  "a:\n  - b\n   - c\n",
  "a: 12345678901234567890\n",
  "a: 0b101\nb: 1_000\nc: +12\nd: 0x\ne: 1e5\nf: .5\ng: 5.\nh: .NaN\ni: True\nj: FALSE\nk: Null\n",
  "a: >-\n  folded {{x}}\n  text\n\n  more\nb: |\n  literal\n    kept\nc: |+\n  keep\n\nd: |2\n   x\n",
  "a: 'multi\n  line'\nb: \"multi\n  {{x}} line\"\nc: plain\n  continued\n- d\n",
  'a:\n  - "q\n    r"\n  - >\n    s\n  - t: |\n      u\n    v: w\n',
  "a: b\n    # deeper comment\nc: d\n",
  "a: { b: c,\n  d: e }\nf: [g,\n  h]\n",
  "a: &x |\n  y\n",
  'a: émoji 😀 ok\nb: "😀"\n',
];

describe("the YAML subset reader", () => {
  it("reads every example flow and fixture it accepts exactly as the yaml package does", () => {
    let accepted = 0;
    for (const text of seedFiles()) if (expectSameAsYamlPackage(text)) accepted++;
    expect(accepted).toBeGreaterThan(10);
  });

  it("agrees with the yaml package on tricky snippets, or declines", () => {
    for (const text of SNIPPETS) expectSameAsYamlPackage(text);
    expect(readYamlSubset(SNIPPETS[0]!)).toBeDefined();
    expect(readYamlSubset(SNIPPETS[1]!)).toBeDefined();
    expect(readYamlSubset("a: &x 1\nb: *x\n")).toBeUndefined();
    expect(readYamlSubset("a: b: c\n")).toBeUndefined();
  });

  it("agrees with the yaml package on thousands of mutated flows, or declines", () => {
    const seeds = seedFiles();
    const iterations = Number(process.env.YAML_FUZZ_ITERATIONS ?? 2000);
    let state = 12345;
    const random = (n: number) => {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      return state % n;
    };
    const pieces = [" ", "  ", "\n", ":", ": ", "-", "- ", "#", " #", "{", "}", "[", "]", ",", '"', "'", "x", "1", "~"];
    let accepted = 0;
    for (let n = 0; n < iterations; n++) {
      let text = seeds[random(seeds.length)]!;
      for (let edits = 1 + random(3); edits > 0; edits--) {
        const at = random(text.length + 1);
        switch (random(4)) {
          case 0:
            text = text.slice(0, at) + text.slice(at + 1 + random(3));
            break;
          case 1:
            text = text.slice(0, at) + pieces[random(pieces.length)] + text.slice(at);
            break;
          case 2: {
            // re-indent a line
            const start = text.lastIndexOf("\n", at - 1) + 1;
            text = text.slice(0, start) + " ".repeat(random(4)) + text.slice(start).replace(/^ {0,3}/, "");
            break;
          }
          default: {
            // duplicate a line
            const start = text.lastIndexOf("\n", at - 1) + 1;
            const end = text.indexOf("\n", at);
            const line = text.slice(start, end < 0 ? text.length : end + 1);
            text = text.slice(0, start) + line + text.slice(start);
          }
        }
      }
      try {
        if (expectSameAsYamlPackage(text)) accepted++;
      } catch (error) {
        throw new Error(`on ${JSON.stringify(text)}: ${String(error)}`);
      }
    }
    expect(accepted).toBeGreaterThan(iterations / 10);
  });
});
