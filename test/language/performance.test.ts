import { describe, expect, it } from "vitest";
// The flow generator is shared with the benchmark (bench/compiler-scale.ts).
import { generateFlow as bigFlow } from "../../bench/flow-generator.js";
import { compileFlowSource } from "../../src/language/index.js";

describe("performance", () => {
  it("compiles a generated 5,000-state flow", () => {
    const text = bigFlow(5000);
    const started = performance.now();
    const { machine, diagnostics } = compileFlowSource(text, "big.yaml");
    const elapsed = performance.now() - started;
    console.log(`compiled 5,000 states in ${elapsed.toFixed(0)} ms`);
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(Object.keys(machine!.states)).toHaveLength(5001);
    expect(elapsed).toBeLessThan(5000);
  });
});
