import { describe, expect, it } from "vitest";
import { EngineError, newSession, transition } from "../../src/engine/engine.js";
import type { CompiledMachine } from "../../src/engine/machine.js";
import {
  askState,
  CALLER,
  call,
  hangupState,
  lastOf,
  machineOf,
  menuState,
  NOW,
  OUR_NUMBER,
  sayState,
  sessionFor,
  step,
} from "./fixtures.js";

function machine(): CompiledMachine {
  return machineOf({
    hello: sayState("Hello.", "main"),
    main: menuState({ "1": "acct", "9": "bye" }),
    acct: askState("account", "main"),
    bye: hangupState("Bye."),
  });
}

describe("newSession", () => {
  it("is positioned before the start state, with the built-ins set", () => {
    const m = machine();
    const session = newSession(
      m,
      { sessionId: "s-9", callId: "c-9", caller: CALLER, called: OUR_NUMBER, direction: "INBOUND" },
      NOW,
    );
    expect(session).toEqual({
      sessionId: "s-9",
      callId: "c-9",
      flow: m.flow,
      version: m.version,
      state: "hello",
      clientActionId: "",
      turn: 0,
      status: "active",
      failures: 0,
      vars: { caller: CALLER, called: OUR_NUMBER, sessionId: "s-9", callId: "c-9", fetchStatus: "" },
      path: [],
      transitions: [],
      menus: [],
      caller: CALLER,
      called: OUR_NUMBER,
      direction: "INBOUND",
      startedAt: NOW.toISOString(),
    });
  });
});

describe("transition bookkeeping", () => {
  it("clientActionId is <state>:<turn>, the turn counting answers", () => {
    const steps = call(machine(), ["1", "12345#", "9"]);
    expect(steps.map((s) => s.session.clientActionId)).toEqual(["main:1", "acct:2", "main:3", "bye:4"]);
    expect(steps.map((s) => s.session.turn)).toEqual([1, 2, 3, 4]);
  });

  it("path appends every visited state; visited and edges describe the step", () => {
    const steps = call(machine(), ["1", "12345#", "9"]);
    expect(steps[0]?.visited).toEqual(["hello", "main"]);
    expect(steps[0]?.edges).toEqual([{ from: "hello", to: "main", on: "next" }]);
    expect(steps[2]?.edges).toEqual([{ from: "acct", to: "main", on: "next" }]);
    expect(lastOf(steps).session.path).toEqual(["hello", "main", "acct", "main", "bye"]);
    expect(lastOf(steps).session.status).toBe("ended");
  });

  it("an ended session answers any event with hangup only and does not advance", () => {
    const ended = lastOf(call(machine(), ["9"])).session;
    const m = machine();
    for (const event of [{ type: "input", digits: "1" } as const, { type: "start" } as const]) {
      const result = step(m, ended, event);
      expect(result.actions).toEqual([{ action: "hangup" }]);
      expect(result.session).toEqual(ended);
      expect(result.session).not.toBe(ended);
      expect(result.visited).toEqual([]);
    }
  });

  it("is pure: inputs untouched (frozen), same inputs give the same outputs", () => {
    const m = machine();
    const session = lastOf(call(m, ["1"])).session;
    const a = step(m, session, { type: "input", digits: "12345#" });
    const b = step(m, session, { type: "input", digits: "12345#" });
    expect(a).toEqual(b);
    expect(a.session.vars).not.toBe(session.vars);
    expect(a.session.path).not.toBe(session.path);
    expect(session.vars.account).toBeUndefined();
  });

  it("a repeated start re-prompts the current state instead of restarting the call", () => {
    const m = machine();
    const first = step(m, sessionFor(m), { type: "start" });
    const again = step(m, first.session, { type: "start" });
    expect(again.actions.map((a) => a.action)).toEqual(["sayAndCapture"]);
    expect(again.session.state).toBe("main");
    expect(again.session.clientActionId).toBe("main:2");
  });

  it("input before the call started is an internal fault", () => {
    const m = machine();
    expect(() => transition(m, sessionFor(m), { type: "input", digits: "1" }, NOW)).toThrow(EngineError);
  });

  it("a session on another version is refused", () => {
    const m = machine();
    const session = { ...sessionFor(m), version: "ffffffffffffffff" };
    expect(() => transition(m, session, { type: "start" }, NOW)).toThrow(/ffffffffffffffff/);
  });

  it("keeps the menu history bounded", () => {
    const loop = machineOf({ a: menuState({ "1": "b" }), b: menuState({ "1": "a" }) });
    const result = lastOf(call(loop, Array(50).fill("1")));
    expect(result.session.menus.length).toBeLessThanOrEqual(20);
    expect(result.session.menus.at(-1)).toBe(result.session.state);
  });
});
