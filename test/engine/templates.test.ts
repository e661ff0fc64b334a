import { describe, expect, it } from "vitest";
import { fitSpeech, MAX_SPEECH_CHARS, renderTemplate, spellDigits } from "../../src/engine/templates.js";
import { askState, call, hangupState, lastOf, machineOf, sayState, script, VOICE } from "./fixtures.js";

describe("templates", () => {
  it("renders variables, digit by digit when asked", () => {
    const vars = { name: "Ann", account: "12345678" };
    expect(renderTemplate(["Hi ", { var: "name" }, ", account ", { var: "account", digits: true }, "."], vars)).toBe(
      "Hi Ann, account 1 2 3 4 5 6 7 8.",
    );
    expect(renderTemplate([{ var: "missing" }, "!"], vars)).toBe("!");
    expect(spellDigits("+65 9123")).toBe("+ 6 5 9 1 2 3");
  });

  it("built-ins caller, called, sessionId, callId, lastInput", () => {
    const machine = machineOf({
      pin: askState("pin", "readback", { digits: { min: 4, max: 4 } }),
      readback: sayState(
        [
          {
            say: [
              { var: "caller" },
              "|",
              { var: "called" },
              "|",
              { var: "sessionId" },
              "|",
              { var: "callId" },
              "|",
              { var: "lastInput", digits: true },
            ],
          },
        ],
        "bye",
      ),
      bye: hangupState(),
    });
    expect(script(lastOf(call(machine, ["1234"])).actions)[0]).toBe("say:+6591234567|+6531234567|s-1|c-1|1 2 3 4");
  });

  it("set assigns rendered templates in order", () => {
    const machine = machineOf({
      set: {
        kind: "set",
        voiceProfile: VOICE,
        assign: { first: ["A-", { var: "caller" }], second: [{ var: "first" }, "-B"] },
        next: "speak",
      },
      speak: sayState([{ say: [{ var: "second" }] }], "bye"),
      bye: hangupState(),
    });
    const [first] = call(machine);
    expect(first?.session.vars.second).toBe("A-+6591234567-B");
    expect(script(first!.actions)[0]).toBe("say:A-+6591234567-B");
  });

  it("drops a say whose text renders empty", () => {
    const machine = machineOf({ speak: sayState([{ say: [{ var: "nothing" }] }], "bye"), bye: hangupState() });
    expect(call(machine)[0]?.actions).toEqual([{ action: "hangup" }]);
  });

  describe("text over 3000 characters", () => {
    it("is cut at a word boundary", () => {
      const text = "word ".repeat(700); // 3500 chars
      const fitted = fitSpeech(text);
      expect(fitted.length).toBeLessThanOrEqual(MAX_SPEECH_CHARS);
      expect(fitted.endsWith("word")).toBe(true);
      expect(fitSpeech("short")).toBe("short");
    });

    it("a single huge word is cut hard, never inside a surrogate pair", () => {
      expect(fitSpeech("x".repeat(4000))).toHaveLength(MAX_SPEECH_CHARS);
      const emoji = "a" + "😀".repeat(2000); // the cut would land between the halves of a pair
      const fitted = fitSpeech(emoji);
      expect(fitted.length).toBe(MAX_SPEECH_CHARS - 1);
      expect(fitted).toBe(fitted.normalize()); // well-formed
      expect(/[\ud800-\udbff]$/.test(fitted)).toBe(false);
    });

    it("long variables cannot make the engine emit a callflow 8x8 refuses", () => {
      const machine = machineOf({
        set: { kind: "set", voiceProfile: VOICE, assign: { long: ["blah ".repeat(1000)] }, next: "speak" },
        speak: sayState([{ say: ["Note: ", { var: "long" }] }], "ask"),
        ask: askState("x", "bye", { prompt: [{ var: "long" }] }),
        bye: hangupState(),
      });
      // `step` validates every callflow against 8x8's schema and rules (3000-char limit included).
      const [first] = call(machine);
      expect(first?.actions).toHaveLength(2);
    });
  });
});
