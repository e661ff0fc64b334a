/**
 * A hand-made outbound reminder machine with inputs (the compiled form `inputs:` produces), so the run-time side is
 * tested without depending on the language: a greeting that speaks the inputs, a menu, and labelled endings.
 */
import type { CompiledMachine } from "../../src/engine/machine.js";
import { hangupState, machineOf, menuState, sayState, tpl } from "../engine/fixtures.js";

export const REMINDER_FROM = "+6531234569";

export function reminderMachine(extra: Partial<CompiledMachine> = {}): CompiledMachine {
  return machineOf(
    {
      greeting: {
        ...sayState("", "reminder"),
        messages: [
          {
            say: tpl(
              "Hello ",
              { var: "patient" },
              ". Your appointment at ",
              { var: "clinic" },
              " is at ",
              { var: "time" },
              ".",
            ),
          },
        ],
      },
      reminder: menuState(
        { "1": "confirmed", "2": "cancelled" },
        {
          prompt: ["To confirm, press 1. To cancel, press 2."],
          attempts: 2,
          onExhausted: "no-response",
        },
      ),
      confirmed: { ...hangupState("Thank you, see you then. Goodbye."), result: "confirmed" },
      cancelled: { ...hangupState("Your appointment is cancelled. Goodbye."), result: "cancelled" },
      "no-response": { ...hangupState("We did not get a choice. Goodbye."), result: "no-response" },
    },
    {
      flow: "reminder",
      version: "feedc0ffee000001",
      numbers: [],
      inputs: {
        patient: { required: true, sensitive: false },
        clinic: { required: false, sensitive: false },
        time: { required: true, sensitive: false, pattern: "^[0-2][0-9]:[0-5][0-9]$" },
        pin: { required: false, sensitive: true, pattern: "^[0-9]{4}$" },
      },
      sensitive: ["pin"],
      ...extra,
    },
  );
}
