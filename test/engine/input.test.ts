import { describe, expect, it } from "vitest";
import { IMPLICIT_HANGUP } from "../../src/engine/engine.js";
import type { CompiledMachine } from "../../src/engine/machine.js";
import { askState, call, hangupState, lastOf, machineOf, menuState, say, script, transferState } from "./fixtures.js";

const PROMPT = "ask:Press a key.";

function menuMachine(extra: Partial<CompiledMachine> = {}, menuExtra = {}): CompiledMachine {
  return machineOf(
    {
      main: menuState(
        { "1": "billing", "2": "sub" },
        {
          noInput: [say("I did not hear anything.")],
          noMatch: [say("That is not an option."), say("Please press 1 or 2.")],
          ...menuExtra,
        },
      ),
      sub: menuState({ "1": "billing" }, { prompt: ["Sub menu."] }),
      billing: hangupState("Billing."),
      operator: transferState("+6560000000"),
      goodbye: hangupState("Goodbye."),
    },
    extra,
  );
}

describe("menu", () => {
  it("a digit goes to its option", () => {
    const result = lastOf(call(menuMachine(), ["1"]));
    expect(script(result.actions)).toEqual(["say:Billing.", "hangup"]);
    expect(result.edges).toEqual([{ from: "main", to: "billing", on: "1" }]);
    expect(result.session.vars.lastInput).toBe("1");
  });

  it("no input uses an attempt, plays the no-input message, then the prompt again", () => {
    const result = lastOf(call(menuMachine(), [null]));
    expect(script(result.actions)).toEqual(["say:I did not hear anything.", PROMPT]);
    expect(result.session.failures).toBe(1);
    expect(result.edges).toEqual([{ from: "main", to: "main", on: "noInput" }]);
    expect(result.visited).toEqual(["main"]);
    expect(result.session.vars.lastInput).toBe("");
  });

  it("no match plays one message per failed attempt", () => {
    const machine = menuMachine({}, { attempts: 5 });
    const steps = call(machine, ["9", "8", "7", "6"]);
    expect(steps.slice(1).map((s) => script(s.actions)[0])).toEqual([
      "say:That is not an option.",
      "say:Please press 1 or 2.",
      "say:Please press 1 or 2.", // the last one repeats
      "say:Please press 1 or 2.",
    ]);
    expect(steps.map((s) => s.session.failures)).toEqual([0, 1, 2, 3, 4]);
    expect(lastOf(steps).edges[0]?.on).toBe("noMatch");
  });

  it("the Nth failure without onExhausted says the failure message then hangs up", () => {
    const steps = call(menuMachine(), [null, "9", "9"]);
    expect(steps.map((s) => s.session.failures)).toEqual([0, 1, 2, 3]);
    const result = lastOf(steps);
    expect(script(result.actions)).toEqual(["say:Please press 1 or 2.", "hangup"]);
    expect(result.session.status).toBe("ended");
    expect(result.session.state).toBe("main");
    expect(result.edges).toEqual([{ from: "main", to: IMPLICIT_HANGUP, on: "exhausted" }]);
  });

  it("the Nth failure goes to onExhausted after the failure message", () => {
    const result = lastOf(call(menuMachine({}, { onExhausted: "operator", attempts: 2 }), [null, null]));
    expect(script(result.actions)).toEqual(["say:I did not hear anything.", "call:+6531234567->+6560000000"]);
    expect(result.edges).toEqual([{ from: "main", to: "operator", on: "exhausted" }]);
  });

  it("attempts: 1 gives up on the first failure", () => {
    const result = lastOf(call(menuMachine({}, { attempts: 1 }), ["5"]));
    expect(script(result.actions)).toEqual(["say:That is not an option.", "hangup"]);
  });

  it("attempts count per state and reset when the state is left", () => {
    const machine = machineOf({
      main: menuState({ "1": "sub" }, { attempts: 2 }),
      sub: menuState({ "9": "main" }, { attempts: 2 }),
    });
    const steps = call(machine, ["5", "1", "5", "9", "5"]);
    expect(steps.map((s) => [s.session.state, s.session.failures])).toEqual([
      ["main", 0],
      ["main", 1],
      ["sub", 0],
      ["sub", 1],
      ["main", 0],
      ["main", 1],
    ]);
    expect(lastOf(steps).session.status).toBe("active");
  });

  it("an empty message list retries with the prompt alone", () => {
    const result = lastOf(call(menuMachine({}, { noInput: [] }), [null]));
    expect(script(result.actions)).toEqual([PROMPT]);
  });

  it("a multi-digit option with # ending the input strips the terminator", () => {
    const machine = machineOf({
      main: menuState(
        { "12": "bye", "#": "hash" },
        { capture: { minDigits: 1, maxDigits: 3, completeOnHash: true, digitTimeoutMs: 2000, overallTimeoutMs: 5000 } },
      ),
      bye: hangupState("Twelve."),
      hash: hangupState("Hash."),
    });
    expect(script(lastOf(call(machine, ["12#"])).actions)).toEqual(["say:Twelve.", "hangup"]);
    expect(lastOf(call(machine, ["12#"])).session.vars.lastInput).toBe("12");
    // An option that is literally "#" still matches.
    expect(script(lastOf(call(machine, ["#"])).actions)).toEqual(["say:Hash.", "hangup"]);
  });
});

describe("global keys", () => {
  const keys: CompiledMachine["keys"] = { "0": { goto: "operator" }, "*": { repeat: true }, "#": { back: true } };

  it("goto a state, without using an attempt", () => {
    const result = lastOf(call(menuMachine({ keys }), ["0"]));
    expect(script(result.actions)).toEqual(["call:+6531234567->+6560000000"]);
    expect(result.edges).toEqual([{ from: "main", to: "operator", on: "key:0" }]);
  });

  it("repeat plays the prompt again and uses no attempt", () => {
    const steps = call(menuMachine({ keys }, { attempts: 2 }), ["9", "*", "*", "*"]);
    expect(steps.map((s) => s.session.failures)).toEqual([0, 1, 1, 1, 1]);
    expect(script(lastOf(steps).actions)).toEqual([PROMPT]);
    expect(lastOf(steps).edges).toEqual([{ from: "main", to: "main", on: "key:*" }]);
  });

  it("back returns to the previous menu", () => {
    const steps = call(menuMachine({ keys }), ["2", "#"]);
    expect(steps[1]?.session.menus).toEqual(["main", "sub"]);
    const result = lastOf(steps);
    expect(script(result.actions)).toEqual([PROMPT]);
    expect(result.session.state).toBe("main");
    expect(result.session.menus).toEqual(["main"]);
    expect(result.edges).toEqual([{ from: "sub", to: "main", on: "key:#" }]);
  });

  it("back with no previous menu repeats", () => {
    const result = lastOf(call(menuMachine({ keys }), ["#"]));
    expect(script(result.actions)).toEqual([PROMPT]);
    expect(result.session.failures).toBe(0);
  });

  it("back from an ask returns to the last menu", () => {
    const machine = machineOf(
      { main: menuState({ "1": "acct" }), acct: askState("account", "done"), done: hangupState() },
      { keys },
    );
    const result = lastOf(call(machine, ["1", "#"]));
    expect(result.session.state).toBe("main");
  });

  it("a menu option overrides a global key", () => {
    const machine = menuMachine({ keys }, {});
    const withOption: CompiledMachine = {
      ...machine,
      states: { ...machine.states, main: menuState({ "0": "goodbye" }) },
    };
    expect(script(lastOf(call(withOption, ["0"])).actions)).toEqual(["say:Goodbye.", "hangup"]);
  });

  it("keys work in an ask and use no attempt", () => {
    const machine = machineOf(
      { acct: askState("account", "done"), done: hangupState(), operator: transferState("+6560000000") },
      { keys },
    );
    const steps = call(machine, ["12", "*", "0"]);
    expect(steps.map((s) => s.session.failures)).toEqual([0, 1, 1, 0]);
    expect(lastOf(steps).edges).toEqual([{ from: "acct", to: "operator", on: "key:0" }]);
  });
});

describe("ask", () => {
  function askMachine(extra = {}): CompiledMachine {
    return machineOf({
      acct: askState("account", "thanks", {
        invalid: [say("That number is not valid.")],
        noInput: [say("Please enter your number.")],
        ...extra,
      }),
      thanks: hangupState("Thanks."),
    });
  }

  it("stores valid digits (terminator removed) and goes next", () => {
    const result = lastOf(call(askMachine(), ["12345678#"]));
    expect(result.session.vars.account).toBe("12345678");
    expect(result.session.vars.lastInput).toBe("12345678");
    expect(result.edges).toEqual([{ from: "acct", to: "thanks", on: "next" }]);
  });

  it("accepts input without the terminator (8x8 ended on maxDigits or timeout)", () => {
    expect(lastOf(call(askMachine(), ["1234"])).session.vars.account).toBe("1234");
  });

  it("rejects too few and too many digits as invalid", () => {
    for (const digits of ["123#", "123456789#"]) {
      const result = lastOf(call(askMachine(), [digits]));
      expect(script(result.actions)).toEqual([
        "say:That number is not valid.",
        "ask:Enter your number, then press hash.",
      ]);
      expect(result.edges[0]?.on).toBe("invalid");
      expect(result.session.vars.account).toBeUndefined();
    }
  });

  it("a lone terminator is no input", () => {
    const result = lastOf(call(askMachine(), ["#"]));
    expect(script(result.actions)[0]).toBe("say:Please enter your number.");
    expect(result.edges[0]?.on).toBe("noInput");
  });

  it("validates a pattern", () => {
    const machine = askMachine({ validate: { pattern: "^9[0-9]+$" } });
    expect(lastOf(call(machine, ["91234#"])).session.vars.account).toBe("91234");
    expect(lastOf(call(machine, ["81234#"])).edges[0]?.on).toBe("invalid");
  });

  it("validates luhn", () => {
    const machine = askMachine({ digits: { min: 4, max: 19, terminator: "#" }, validate: { luhn: true } });
    expect(lastOf(call(machine, ["4111111111111111#"])).session.vars.account).toBe("4111111111111111");
    expect(lastOf(call(machine, ["4111111111111112#"])).edges[0]?.on).toBe("invalid");
  });

  it("validates oneOf", () => {
    const machine = askMachine({ validate: { oneOf: ["1111", "2222"] } });
    expect(lastOf(call(machine, ["2222#"])).session.vars.account).toBe("2222");
    expect(lastOf(call(machine, ["3333#"])).edges[0]?.on).toBe("invalid");
  });

  it("exhausts after N invalid inputs", () => {
    const result = lastOf(call(askMachine({ attempts: 2 }), ["1#", "2#"]));
    expect(script(result.actions)).toEqual(["say:That number is not valid.", "hangup"]);
  });

  it("sensitive: the value is stored under its name (masked by others), never in lastInput", () => {
    const machine = machineOf(
      { pin: askState("pin", "thanks", { sensitive: true }), thanks: hangupState("Thanks.") },
      { sensitive: ["pin"] },
    );
    const result = lastOf(call(machine, ["4321#"]));
    expect(result.session.vars.pin).toBe("4321");
    expect(result.session.vars.lastInput).toBe("");
    expect(JSON.stringify(result.actions)).not.toContain("4321");
  });
});
