import { describe, expect, it } from "vitest";
import { didYouMean, editDistance, Suggestions } from "../../src/language/suggest.js";
import { compile } from "./helpers.js";

describe("did you mean", () => {
  it("counts swaps of neighbours as one edit, and stops early past a limit", () => {
    expect(editDistance("nmae", "name")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("kitten", "sitting", 1)).toBeGreaterThan(1);
    expect(editDistance("abcdef", "ab", 2)).toBeGreaterThan(2);
  });

  it("suggests the closest candidate, a case-insensitive match first", () => {
    expect(didYouMean("biling", ["billing", "sales"])).toBe("billing");
    expect(didYouMean("MAIN", ["mains", "main"])).toBe("main");
    expect(didYouMean("zzzzzz", ["billing"])).toBeUndefined();
  });

  it("answers each word once, and stops suggesting when its budget of comparisons is spent", () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `state-${i}`);
    const suggestions = new Suggestions(ids, 2500);
    expect(suggestions.suggest("stat-7")).toBe("state-7");
    expect(suggestions.suggest("stat-8")).toBe("state-8");
    expect(suggestions.suggest("stat-7")).toBe("state-7"); // cached: costs nothing
    expect(suggestions.suggest("stat-9")).toBeUndefined(); // 2 x 1000 spent, 500 left
    expect(suggestions.hint("stat-8")).toBe("did you mean 'state-8'?");
  });

  it("keeps a generated flow with thousands of misspelled targets quick to check, suggesting for the first ones", () => {
    const states = Array.from({ length: 3000 }, (_, i) => `  s${i}: { say: "Hi", next: t${i + 1} }`);
    const text = `flow: typos\nstart: s0\nstates:\n${states.join("\n")}\n  s3000: { hangup: {} }\n`;
    const started = performance.now();
    const unknown = compile(text).diagnostics.filter((d) => d.rule === "unknown-target");
    expect(performance.now() - started).toBeLessThan(5000);
    expect(unknown).toHaveLength(3000);
    expect(unknown[0]).toMatchObject({ message: "state 't1' does not exist", hint: "did you mean 's1'?" });
    expect(unknown.filter((d) => d.hint?.startsWith("did you mean")).length).toBeLessThan(3000);
  });
});
