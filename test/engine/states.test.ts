import { describe, expect, it } from "vitest";
import { EngineError, MAX_STEPS_PER_ANSWER } from "../../src/engine/engine.js";
import type { CompiledState } from "../../src/engine/machine.js";
import {
  branchState,
  CALLER,
  call,
  hangupState,
  hoursState,
  machineOf,
  menuState,
  OUR_NUMBER,
  sayState,
  script,
  sessionFor,
  step,
  transferState,
  VOICE,
} from "./fixtures.js";

describe("state kinds", () => {
  it("say speaks each message with the state's voice, then follows next", () => {
    const machine = machineOf({
      hello: sayState([{ say: ["Welcome."] }, { play: "https://cdn.example.com/jingle.mp3" }, { say: ["Hi."] }], "bye"),
      bye: { ...hangupState("Bye."), voiceProfile: "en-IE-EmilyNeural" },
    });
    const [first] = call(machine);
    expect(first?.actions).toEqual([
      { action: "say", params: { text: "Welcome.", voiceProfile: VOICE } },
      { action: "playFile", params: { fileUrl: "https://cdn.example.com/jingle.mp3" } },
      { action: "say", params: { text: "Hi.", voiceProfile: VOICE } },
      { action: "say", params: { text: "Bye.", voiceProfile: "en-IE-EmilyNeural" } },
      { action: "hangup" },
    ]);
    expect(first?.edges).toEqual([{ from: "hello", to: "bye", on: "next" }]);
  });

  it("play emits playFile", () => {
    const machine = machineOf({
      music: { kind: "play", voiceProfile: VOICE, url: "https://cdn.example.com/a.wav", next: "bye" },
      bye: hangupState(),
    });
    expect(script(call(machine)[0]!.actions)).toEqual(["play:https://cdn.example.com/a.wav", "hangup"]);
  });

  it("menu emits one sayAndCapture with explicit capture settings and a single try", () => {
    const machine = machineOf({ main: menuState({ "1": "bye" }), bye: hangupState() });
    const [first] = call(machine);
    expect(first?.actions).toEqual([
      {
        action: "sayAndCapture",
        params: {
          promptMessage: "Press a key.",
          voiceProfile: VOICE,
          minDigits: 1,
          maxDigits: 1,
          completeOnHash: false,
          digitTimeout: 3000,
          overallTimeout: 5000,
          noOfTries: 1,
        },
      },
    ]);
    expect(first?.session.state).toBe("main");
    expect(first?.session.status).toBe("active");
  });

  it("branch, set and hours emit nothing", () => {
    const machine = machineOf({
      setIt: { kind: "set", voiceProfile: VOICE, assign: { queue: ["sales"] }, next: "route" },
      route: branchState([], "open"),
      open: hoursState("UTC", [[], [], [], [], [], [], []], [], { open: "bye", closed: "bye" }),
      bye: hangupState(),
    });
    const [first] = call(machine);
    expect(first?.actions).toEqual([{ action: "hangup" }]);
    expect(first?.visited).toEqual(["setIt", "route", "open", "bye"]);
  });

  describe("transfer", () => {
    it("inbound without callerId presents the number the caller dialled (ours)", () => {
      const machine = machineOf({ op: transferState("+6560000000") });
      const [first] = call(machine);
      expect(first?.actions).toEqual([
        { action: "makeCall", params: { source: OUR_NUMBER, destination: "+6560000000" } },
      ]);
      expect(first?.session.status).toBe("ended");
      expect(first?.session.state).toBe("op");
    });

    it("outbound without callerId presents our virtual number (the session's caller side)", () => {
      const machine = machineOf({ op: transferState("+6560000000") });
      const [first] = call(machine, [], { direction: "OUTBOUND" });
      expect(first?.actions).toEqual([
        { action: "makeCall", params: { source: OUR_NUMBER, destination: "+6560000000" } },
      ]);
      expect(CALLER).not.toBe(OUR_NUMBER);
    });

    it("uses callerId, records when asked, and says its words first", () => {
      const machine = machineOf({
        op: transferState("+6560000001", { callerId: "+6560009999", record: true, say: [{ say: ["Connecting."] }] }),
      });
      const [first] = call(machine);
      expect(first?.actions).toEqual([
        { action: "say", params: { text: "Connecting.", voiceProfile: VOICE } },
        { action: "makeCall", params: { source: "+6560009999", destination: "+6560000001", callRecording: true } },
      ]);
    });
  });

  describe("hangup", () => {
    it("with last words", () => {
      const [first] = call(machineOf({ bye: hangupState("Goodbye.") }));
      expect(script(first!.actions)).toEqual(["say:Goodbye.", "hangup"]);
      expect(first?.session.status).toBe("ended");
    });

    it("without words", () => {
      const [first] = call(machineOf({ bye: hangupState() }));
      expect(first?.actions).toEqual([{ action: "hangup" }]);
    });
  });

  it("renders a chain of 10 non-blocking states in one answer, in order", () => {
    const states: Record<string, CompiledState> = {};
    for (let i = 0; i < 10; i++) {
      states[`s${i}`] =
        i % 2 === 0
          ? sayState(`Line ${i}.`, `s${i + 1}`)
          : { kind: "set", voiceProfile: VOICE, assign: { [`v${i}`]: [`${i}`] }, next: `s${i + 1}` };
    }
    states.s10 = menuState({ "1": "s0" });
    const [first] = call(machineOf(states));
    expect(script(first!.actions)).toEqual([
      "say:Line 0.",
      "say:Line 2.",
      "say:Line 4.",
      "say:Line 6.",
      "say:Line 8.",
      "ask:Press a key.",
    ]);
    expect(first?.visited).toHaveLength(11);
    expect(first?.edges).toHaveLength(10);
    expect(first?.session.vars.v9).toBe("9");
  });

  it("throws instead of spinning on a loop of non-blocking states", () => {
    const machine = machineOf({
      a: sayState("A", "b"),
      b: { kind: "set", voiceProfile: VOICE, assign: {}, next: "a" },
    });
    expect(() => step(machine, sessionFor(machine), { type: "start" })).toThrow(EngineError);
    expect(() => step(machine, sessionFor(machine), { type: "start" })).toThrow(String(MAX_STEPS_PER_ANSWER));
  });

  it("throws on a target that does not exist", () => {
    const machine = machineOf({ a: sayState("A", "nowhere") });
    expect(() => step(machine, sessionFor(machine), { type: "start" })).toThrow(/no state "nowhere"/);
  });
});
