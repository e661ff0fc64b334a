/**
 * Global keys are "active in every menu and ask" (shared/flow-language.md). 8x8 reports a capture with fewer
 * digits than `minDigits` as nothing at all (dtmf null), so an ask that told 8x8 to wait for 8 digits could
 * never see a one-key operator "0". The compiler sizes each ask's capture so every global key gets through;
 * the engine still checks the ask's own digit count.
 */
import { describe, expect, it } from "vitest";
import { newSession, transition } from "../../src/engine/engine.js";
import type { AskState, CompiledMachine } from "../../src/engine/machine.js";
import { simulateCapture } from "../../src/local/simulated-8x8.js";
import { compile } from "./helpers.js";

const FLOW = `
  flow: keys-in-asks
  start: account
  keys: { "0": operator, "*": repeat, "999": operator }
  states:
    account:
      ask:
        prompt: "Enter your 8 digit account number, then press hash."
        into: account
        digits: { min: 8, max: 8, terminator: "#" }
        invalid: "That number is not valid."
        noInput: "I did not hear a number."
        next: done
    choice:
      ask: { prompt: "Press 1 to 12", into: choice, digits: { min: 1, max: 2 }, next: done }
    done: { hangup: { say: "Thanks {{account}}." } }
    operator: { transfer: { to: "+6560000000" } }
`;

function machine(): CompiledMachine {
  const { machine, diagnostics } = compile(FLOW);
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return machine!;
}

/** Starts a call, then has the caller press `keys` during the ask, as 8x8 would report them. */
function pressInAsk(m: CompiledMachine, keys: string) {
  const now = new Date("2026-03-04T03:00:00Z");
  const session = newSession(
    m,
    { sessionId: "s", callId: "c", caller: "+6590000001", called: "+6531234567", direction: "INBOUND" },
    now,
  );
  const started = transition(m, session, { type: "start" }, now);
  const capture = started.actions.at(-1)!;
  if (capture.action !== "sayAndCapture") throw new Error("expected a capture");
  const dtmf = simulateCapture(capture.params, keys);
  return transition(m, started.session, { type: "input", digits: dtmf }, now);
}

describe("global keys in an ask that needs several digits", () => {
  it("a one-key global key reaches the engine (8x8 is not told to wait for 8 digits)", () => {
    const m = machine();
    const account = m.states.account as AskState;
    expect(account.capture.minDigits).toBe(1);
    expect(account.digits).toEqual({ min: 8, max: 8, terminator: "#" });
    const result = pressInAsk(m, "0");
    expect(result.session.state).toBe("operator");
    expect(result.actions.map((a) => a.action)).toEqual(["makeCall"]);
  });

  it("a key longer than the ask's own maximum can still be typed", () => {
    const choice = machine().states.choice as AskState;
    expect(choice.capture).toMatchObject({ minDigits: 1, maxDigits: 3 });
    expect(choice.digits).toEqual({ min: 1, max: 2 });
    expect(machine().states.account).toMatchObject({ capture: { maxDigits: 8 } });
  });

  it("too few digits are still refused by the ask itself, as invalid input", () => {
    const result = pressInAsk(machine(), "12345#");
    expect(result.session.state).toBe("account");
    expect(result.actions.map((a) => (a.action === "say" ? a.params.text : a.action))).toEqual([
      "That number is not valid.",
      "sayAndCapture",
    ]);
  });
});

describe("prefix-key: a key that is the start of another makes shorter choices wait", () => {
  const menu = (keys: string, options: string) => `
    flow: prefixes
    start: main
    keys: ${keys}
    states:
      main:
        menu: { prompt: "Choose.", options: ${options}, digitTimeout: 4, timeout: 6 }
      bye: { hangup: {} }
  `;
  const prefixes = (yaml: string) =>
    compile(yaml)
      .diagnostics.filter((d) => d.rule === "prefix-key")
      .map((d) => [d.line, d.col, d.severity, d.message]);

  it("an option that starts a global key, with the menu's own digitTimeout", () => {
    expect(prefixes(menu('{ "00": bye }', '{ "0": bye, "1": bye }'))).toEqual([
      [
        6,
        43,
        "warning",
        "option '0' is the start of global key '00', so this menu takes up to 2 keys: every one-key choice (such as 0) waits 4 s (digitTimeout) for another key, or for #",
      ],
    ]);
  });

  it("when # is itself a key it ends nothing, so callers just wait", () => {
    const found = prefixes(menu('{ "#": bye }', '{ "1": bye, "123": bye }'));
    expect(found.map((d) => d[3])).toEqual([
      "option '1' is the start of option '123', so this menu takes up to 3 keys: every choice shorter than 3 keys (such as 1) waits 4 s (digitTimeout) for another key",
    ]);
  });

  it("two global keys: once, on keys, for every menu", () => {
    expect(prefixes(menu('{ "9": bye, "99": bye }', '{ "1": bye }'))).toEqual([
      [
        3,
        19,
        "warning",
        "global key '9' is the start of global key '99', so every menu takes up to 2 keys: every one-key choice (such as 9) waits 3 s (digitTimeout) for another key, or for #",
      ],
    ]);
  });

  it("keys of different lengths that do not start one another are fine", () => {
    expect(prefixes(menu('{ "0": bye }', '{ "1": bye, "22": bye }'))).toEqual([]);
  });
});
