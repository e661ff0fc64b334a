import { describe, expect, it } from "vitest";
import { compileFlowSource } from "../../src/language/index.js";

/** A long chain of menus, asks, sets, branches and says: 5,000 states, every kind of analysis exercised. */
function bigFlow(states: number): string {
  const lines = ["flow: big", "start: s0", 'keys: { "0": s0 }', "states:"];
  for (let i = 0; i < states; i++) {
    const next = i + 1 < states ? `s${i + 1}` : "end";
    switch (i % 5) {
      case 0:
        lines.push(
          `  s${i}: { menu: { prompt: "Press 1 or 2 ({{caller}})", options: { "1": ${next}, "2": ${next} } } }`,
        );
        break;
      case 1:
        lines.push(`  s${i}: { ask: { prompt: "Digits?", into: v${i}, digits: { min: 1, max: 4 }, next: ${next} } }`);
        break;
      case 2:
        lines.push(`  s${i}: { set: { w${i}: "{{v${i - 1}}}" }, next: ${next} }`);
        break;
      case 3:
        lines.push(
          `  s${i}: { branch: [ { if: { var: w${i - 1}, matches: "^1" }, then: ${next} }, { else: ${next} } ] }`,
        );
        break;
      default:
        lines.push(`  s${i}: { say: "You said {{v${i - 3}}}", next: ${next} }`);
    }
  }
  lines.push('  end: { hangup: { say: "Bye" } }');
  return lines.join("\n");
}

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
