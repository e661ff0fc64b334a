import { describe, expect, it } from "vitest";
import { APOLOGY_TEXT, fallbackActions } from "../../src/engine/engine.js";
import type { CompiledMachine } from "../../src/engine/machine.js";
import {
  assertAnswerShape,
  hangupState,
  machineOf,
  menuState,
  NOW,
  OUR_NUMBER,
  sayState,
  sessionFor,
  transferState,
} from "./fixtures.js";

const APOLOGY = [{ action: "say", params: { text: APOLOGY_TEXT, voiceProfile: "en-GB-Emma" } }, { action: "hangup" }];

describe("fallbackActions", () => {
  it("renders the onError chain to its ending", () => {
    const machine = machineOf(
      {
        main: menuState({ "1": "main" }),
        sorry: sayState([{ say: ["Sorry, ", { var: "caller" }, "."] }], "operator"),
        operator: transferState("+6560000000", { say: [{ say: ["Connecting."] }] }),
      },
      { onError: "sorry" },
    );
    const actions = fallbackActions(machine, sessionFor(machine), NOW);
    assertAnswerShape(actions);
    expect(actions).toEqual([
      { action: "say", params: { text: "Sorry, +6591234567.", voiceProfile: "en-GB-Emma" } },
      { action: "say", params: { text: "Connecting.", voiceProfile: "en-GB-Emma" } },
      { action: "makeCall", params: { source: OUR_NUMBER, destination: "+6560000000" } },
    ]);
  });

  it("works without a session when the chain needs none", () => {
    const machine = machineOf({ bye: hangupState("Oops.") }, { onError: "bye" });
    expect(fallbackActions(machine, undefined, NOW)).toEqual([
      { action: "say", params: { text: "Oops.", voiceProfile: "en-GB-Emma" } },
      { action: "hangup" },
    ]);
  });

  it("the built-in apology without a machine, without onError, or when onError cannot render", () => {
    const noOnError = machineOf({ bye: hangupState() });
    const broken = machineOf({ bye: hangupState() }, { onError: "missing" });
    const blocking = machineOf({ main: menuState({ "1": "main" }) }, { onError: "main" });
    const loop = machineOf({ a: sayState("a", "b"), b: sayState("b", "a") }, { onError: "a" });
    // A transfer without callerId needs the session's numbers.
    const needsSession = machineOf({ op: transferState("+6560000000") }, { onError: "op" });
    const corrupt = { ...noOnError, onError: "bye", states: null } as unknown as CompiledMachine;
    for (const machine of [undefined, noOnError, broken, blocking, loop, needsSession, corrupt]) {
      const actions = fallbackActions(machine, undefined, NOW);
      expect(actions).toEqual(APOLOGY);
      assertAnswerShape(actions);
    }
  });
});
