import { describe, expect, it } from "vitest";
import { compile } from "./helpers.js";

const BASE = `
  flow: versions
  start: main
  defaults: { timeout: 5 }
  keys: { "0": operator }
  states:
    main:
      menu:
        prompt: "Press 1 or 2."
        options: { "1": a, "2": b }
    a: { say: "A", next: operator }
    b: { say: "B", next: operator }
    operator: { transfer: { to: "+6560000000" } }
`;

function version(yaml: string): string {
  const { machine, diagnostics } = compile(yaml);
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return machine!.version;
}

describe("flow versions", () => {
  const base = version(BASE);

  it("is 16 hex characters", () => {
    expect(base).toMatch(/^[0-9a-f]{16}$/);
  });

  it("does not change with key order, formatting, comments or spelled-out defaults", () => {
    const same = `
      # a comment
      states:
        operator:
          transfer: { to: "+6560000000" }   # trailing comment
        b: { next: operator, say: "B" }
        a:
          next: operator
          say: A
        main:
          menu:
            options:
              "2": b
              "1": a
            prompt: Press 1 or 2.
      keys: { "0": operator }
      start: main
      defaults: { timeout: 5, digitTimeout: 3, voiceProfile: en-GB-Emma, attempts: 3 }
      flow: versions
    `;
    expect(version(same)).toBe(base);
  });

  it.each([
    ["a prompt", BASE.replace("Press 1 or 2.", "Press 1 or 2 now.")],
    ["a target", BASE.replace('"2": b', '"2": a')],
    ["a default", BASE.replace("timeout: 5", "timeout: 6")],
    ["a global key", BASE.replace('"0": operator', '"9": operator')],
    ["a number", BASE.replace("+6560000000", "+6560000009")],
    ["a voice", BASE.replace("defaults: { timeout: 5 }", "defaults: { timeout: 5, voiceProfile: en-US-Jenny }")],
    ["the flow id", BASE.replace("flow: versions", "flow: versions-2")],
  ])("changes with %s", (_what, changed) => {
    expect(version(changed)).not.toBe(base);
  });

  it("ignores where the flow came from", () => {
    expect(compile(BASE, "x.yaml").machine!.version).toBe(compile(BASE, "y.yaml").machine!.version);
  });
});
