/**
 * The contract's example flow (shared/flow-language.md), compiled by hand into fixtures/acme-support.json, played
 * through end to end: the calls a real caller would make.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fallbackActions } from "../../src/engine/engine.js";
import type { CompiledMachine } from "../../src/engine/machine.js";
import { call, lastOf, NOW, script } from "./fixtures.js";

const load = (): CompiledMachine =>
  JSON.parse(readFileSync(new URL("./fixtures/acme-support.json", import.meta.url), "utf8")) as CompiledMachine;

const OPEN = new Date("2026-03-04T03:00:00Z"); // Wed 11:00 in Singapore
const CLOSED = new Date("2026-03-04T12:00:00Z"); // Wed 20:00
const MAIN = "ask:For billing press 1. For a technician press 2.";
const ACCOUNT = "ask:Enter your 8 digit account number, then press hash.";

describe("acme-support", () => {
  it("welcome, open hours, main menu", () => {
    const [first] = call(load(), [], { now: OPEN });
    expect(script(first!.actions)).toEqual(["say:Welcome to Acme.", MAIN]);
    expect(first?.visited).toEqual(["welcome", "hours", "main"]);
    expect(first?.session.clientActionId).toBe("main:1");
  });

  it("closed outside hours", () => {
    expect(script(call(load(), [], { now: CLOSED })[0]!.actions)).toEqual([
      "say:Welcome to Acme.",
      "say:We are closed. Goodbye.",
      "hangup",
    ]);
  });

  it("billing with a VIP account: read back digit by digit, recorded transfer", () => {
    const steps = call(load(), ["1", "91234567#"], { now: OPEN });
    expect(script(steps[1]!.actions)).toEqual([ACCOUNT]);
    const last = lastOf(steps);
    expect(script(last.actions)).toEqual([
      "say:Thank you. Account 9 1 2 3 4 5 6 7.",
      "call:+6531234567->+6560000001 rec",
    ]);
    expect(last.session.path).toEqual(["welcome", "hours", "main", "account", "confirm", "route", "vip"]);
  });

  it("a regular account goes to billing unrecorded", () => {
    expect(script(lastOf(call(load(), ["1", "12345678#"], { now: OPEN })).actions).at(-1)).toBe(
      "call:+6531234567->+6560000002",
    );
  });

  it("an invalid account three times goes to the operator", () => {
    const steps = call(load(), ["1", "123#", "1234567890#", "abc#"], { now: OPEN });
    expect(script(steps[2]!.actions)).toEqual(["say:That number is not valid.", ACCOUNT]);
    expect(script(lastOf(steps).actions)).toEqual(["say:That number is not valid.", "call:+6531234567->+6560000000"]);
  });

  it("0 reaches the operator from any menu; * repeats without using an attempt", () => {
    const steps = call(load(), ["5", "*", "5", "*", "0"], { now: OPEN });
    expect(steps.map((s) => s.session.failures)).toEqual([0, 1, 1, 2, 2, 0]);
    expect(script(lastOf(steps).actions)).toEqual(["call:+6531234567->+6560000000"]);
  });

  it("three silent attempts end with goodbye", () => {
    const last = lastOf(call(load(), [null, null, null], { now: OPEN }));
    expect(script(last.actions)).toEqual(["say:Sorry, I did not hear anything.", "say:Goodbye.", "hangup"]);
  });

  it("technician: set queue then billing", () => {
    const last = lastOf(call(load(), ["2"], { now: OPEN }));
    expect(last.session.vars.queue).toBe("tech");
    expect(last.edges).toEqual([
      { from: "main", to: "tech", on: "2" },
      { from: "tech", to: "billing", on: "next" },
    ]);
  });

  it("onError renders the sorry state", () => {
    expect(script(fallbackActions(load(), undefined, NOW))).toEqual([
      "say:Sorry, something went wrong. Please call again later.",
      "hangup",
    ]);
  });
});
