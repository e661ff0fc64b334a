/**
 * Generated flows of any size, for compiler scale measurements (bench/compiler-scale.ts and
 * test/language/performance.test.ts): a long chain of menus, asks, sets, branches and says, so every kind of
 * analysis (graph, data flow, templates, conditions) has work in proportion to the number of states.
 */
export function generateFlow(states: number): string {
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
