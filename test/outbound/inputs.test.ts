import { describe, expect, it } from "vitest";
import { newSession } from "../../src/engine/engine.js";
import {
  checkInputs,
  describeInputs,
  InputsError,
  parseVarArgs,
  requireInputs,
  sensitiveInputs,
} from "../../src/outbound/inputs.js";
import { FlowRegistry } from "../../src/webhooks/flow-registry.js";
import { renderOutboundStart } from "../../src/webhooks/vca-service.js";
import { NOW } from "../engine/fixtures.js";
import { REMINDER_FROM, reminderMachine } from "./fixtures.js";

const machine = reminderMachine();

describe("checkInputs", () => {
  it("assigns every declared input, '' for optional ones not given", () => {
    expect(checkInputs(machine, { patient: "Ann Lee", time: "10:30" })).toEqual({
      ok: true,
      inputs: { patient: "Ann Lee", clinic: "", time: "10:30", pin: "" },
    });
  });

  it("lists every problem at once, naming the input and the rule but never the value", () => {
    const checked = checkInputs(machine, { time: "half past ten", pin: "12345", patinet: "Ann Lee" });
    expect(checked.ok).toBe(false);
    const messages = checked.ok ? [] : checked.problems.map((p) => `${p.kind}: ${p.message}`);
    expect(messages).toEqual([
      "unknown: 'patinet' is not an input of flow reminder (its inputs: patient, clinic, time, pin)",
      "missing: input 'patient' is required",
      "pattern: input 'time' does not match its pattern ^[0-2][0-9]:[0-5][0-9]$",
      "pattern: input 'pin' does not match its pattern ^[0-9]{4}$",
    ]);
    expect(messages.join("\n")).not.toMatch(/half past ten|12345|Ann Lee/);
  });

  it("treats an empty required value as missing and does not test the pattern of an empty optional one", () => {
    const checked = checkInputs(machine, { patient: "", time: "10:30", pin: "" });
    expect(checked.ok ? [] : checked.problems.map((p) => p.kind)).toEqual(["missing"]);
  });

  it("refuses any input for a flow that declares none", () => {
    const plain = reminderMachine({ inputs: undefined });
    expect(checkInputs(plain, {})).toEqual({ ok: true, inputs: {} });
    const checked = checkInputs(plain, { patient: "Ann" });
    expect(checked.ok ? "" : checked.problems[0]?.message).toMatch(
      /not an input of flow reminder \(it declares no inputs\)/,
    );
  });

  it("throws an InputsError with all problems from requireInputs", () => {
    expect(() => requireInputs(machine, {})).toThrow(InputsError);
    expect(() => requireInputs(machine, {})).toThrow(/input 'patient' is required; input 'time' is required/);
  });

  it("names the sensitive inputs and describes them all for usage text", () => {
    expect(sensitiveInputs(machine)).toEqual(["pin"]);
    expect(describeInputs(machine)).toBe(
      "patient (required), clinic, time (required, pattern ^[0-2][0-9]:[0-5][0-9]$), pin (sensitive, pattern ^[0-9]{4}$)",
    );
  });
});

describe("parseVarArgs", () => {
  it("splits at the first = and keeps the rest of the value as written", () => {
    expect(parseVarArgs(["patient=Ann Lee", "note=a=b", "empty="])).toEqual({
      patient: "Ann Lee",
      note: "a=b",
      empty: "",
    });
  });

  it("refuses a missing name, a bad name and a repeated name", () => {
    expect(() => parseVarArgs(["patient"])).toThrow(/expects name=value/);
    expect(() => parseVarArgs(["=x"])).toThrow(/expects name=value/);
    expect(() => parseVarArgs(["1x=2"])).toThrow(/expects name=value/);
    expect(() => parseVarArgs(["a=1", "a=2"])).toThrow(/given twice/);
  });
});

describe("inputs in the session", () => {
  it("become variables when the session is created, without shadowing the built-ins", () => {
    const withCaller = reminderMachine({
      inputs: { ...machine.inputs, caller: { required: false, sensitive: false } },
    });
    const session = newSession(
      withCaller,
      {
        sessionId: "s",
        caller: REMINDER_FROM,
        called: "+6590000123",
        direction: "OUTBOUND",
        inputs: { caller: "x", patient: "Ann" },
      },
      NOW,
    );
    expect(session.vars).toMatchObject({ patient: "Ann", clinic: "", time: "", pin: "", caller: REMINDER_FROM });
  });

  it("are spoken by the first answer of an outbound call, and refused there when wrong", () => {
    const flows = new FlowRegistry([machine]);
    const input = { flow: machine.flow, caller: REMINDER_FROM, called: "+6590000123", now: NOW };
    const { step } = renderOutboundStart(flows, {
      ...input,
      inputs: { patient: "Ann Lee", clinic: "Harbourfront", time: "10:30" },
    });
    expect(step.actions[0]).toMatchObject({
      action: "say",
      params: { text: "Hello Ann Lee. Your appointment at Harbourfront is at 10:30." },
    });
    expect(() => renderOutboundStart(flows, input)).toThrow(InputsError);
  });
});
