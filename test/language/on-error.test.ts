import { describe, expect, it } from "vitest";
import { compile } from "./helpers.js";

const flow = (target: string) => `
  flow: on-error
  start: main
  onError: ${target}
  states:
    main:
      menu: { prompt: "Press 1.", options: { "1": bye } }
    pin:
      ask: { prompt: "PIN?", into: pin, next: bye }
    sorry: { say: "Sorry.", next: bye }
    check:
      branch:
        - if: { var: caller, matches: "^\\\\+65" }
          then: sorry
        - else: pin
    bye: { hangup: { say: "Goodbye." } }
`;

function onError(target: string) {
  const { diagnostics, machine } = compile(flow(target));
  return { machine, found: diagnostics.filter((d) => d.rule === "blocking-on-error") };
}

describe("blocking-on-error: onError must end the call without waiting for the caller", () => {
  it("warns when onError is a menu or an ask, at the onError value", () => {
    for (const [target, kind] of [
      ["main", "menu"],
      ["pin", "ask"],
    ]) {
      const { found, machine } = onError(target!);
      expect(found).toEqual([
        expect.objectContaining({
          severity: "warning",
          line: 3,
          col: 10,
          message: `onError leads to the ${kind} '${target}', which waits for the caller`,
        }),
      ]);
      expect(found[0]!.hint).toContain("built-in apology");
      expect(machine).toBeDefined();
    }
  });

  it("follows the states that do not wait (here a branch) and names the shortest path to the waiting one", () => {
    expect(onError("check").found.map((d) => d.message)).toEqual([
      "onError leads to the ask 'pin' (check -> pin), which waits for the caller",
    ]);
  });

  it("is quiet when every path ends with a hangup or transfer, or when onError names no state", () => {
    expect(onError("sorry").found).toEqual([]);
    expect(onError("bye").found).toEqual([]);
    const unknown = compile(flow("nowhere")).diagnostics.map((d) => d.rule);
    expect(unknown).toContain("unknown-target");
    expect(unknown).not.toContain("blocking-on-error");
  });
});
