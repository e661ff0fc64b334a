/**
 * Every kind of ending, through the real VCA/VSS handlers on DynamoDB Local: the outcome stored with the summary,
 * the Call Completed event it produces, and the transitions the funnel counts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CompiledMachine } from "../../src/engine/machine.js";
import { TestRig } from "../../src/testing/index.js";
import { dynamoDbForTests } from "../support/dynamodb.js";
import { compile, uniqueNumber } from "../webhooks/harness.js";

const NUMBER = uniqueNumber();
const inbound = compile(`
flow: outcomes-in
numbers: ["${NUMBER}"]
start: welcome
onError: sorry
states:
  welcome: { say: "Welcome.", next: main }
  main:
    menu:
      prompt: "Press 1 to confirm, 2 for an agent, 3 for your PIN."
      options: { "1": done, "2": agent, "3": pin }
      attempts: 2
  pin:
    ask: { prompt: "Enter your PIN.", into: pin, digits: { min: 4, max: 4 }, sensitive: true, next: done }
  done: { hangup: { say: "Confirmed. Goodbye.", result: confirmed } }
  agent: { transfer: { to: "+6560000001", say: "Connecting you.", result: escalated } }
  sorry: { hangup: { say: "Sorry, something went wrong." } }
`);

const outbound = compile(`
flow: outcomes-out
start: offer
states:
  offer:
    menu: { prompt: "Press 1 to confirm your appointment.", options: { "1": bye } }
  bye: { hangup: { say: "Thank you." } }
`);

let rig: TestRig;
beforeAll(async () => {
  const { endpoint } = await dynamoDbForTests();
  rig = await TestRig.open({ machines: [inbound, outbound] as CompiledMachine[], endpoint });
});
afterAll(async () => {
  await rig?.close();
});

describe("the outcome of a finished call", () => {
  it("completed: a hangup state ended it; its result label travels with the outcome and the event", async () => {
    const call = await rig.dial("outcomes-in");
    await call.press("1");
    const summary = await call.hangup();
    expect(summary.outcome).toEqual({ kind: "completed", state: "done", result: "confirmed" });
    expect(summary.transitions?.map(({ from, to, on }) => ({ from, to, on }))).toEqual([
      { from: "welcome", to: "main", on: "next" },
      { from: "main", to: "done", on: "1" },
    ]);
    expect(call.events).toHaveLength(1);
    expect(call.events[0]).toMatchObject({
      eventId: `call-completed:${call.sessionId}`,
      flow: "outcomes-in",
      version: inbound.version,
      outcome: "completed",
      result: "confirmed",
      outcomeState: "done",
      finalState: "done",
      sessionStatus: "COMPLETED",
      caller: "+65****0001",
    });
    expect(call.events[0]?.vars.caller).toBe("+65****0001");
  });

  it("transferred: with the target and the result", async () => {
    const call = await rig.dial("outcomes-in");
    await call.press("2");
    const summary = await call.hangup();
    expect(summary.outcome).toEqual({ kind: "transferred", state: "agent", to: "+6560000001", result: "escalated" });
    expect(call.events[0]).toMatchObject({ outcome: "transferred", transferTo: "+6560000001" });
  });

  it("abandoned mid-prompt: the caller hung up while the flow waited in the menu", async () => {
    const call = await rig.dial("outcomes-in");
    const summary = await call.hangup();
    expect(summary.outcome).toEqual({ kind: "abandoned", state: "main" });
    expect(call.events[0]).toMatchObject({ outcome: "abandoned", outcomeState: "main", result: null });
  });

  it("abandoned after a no-input retry, with the retry edge and its time recorded", async () => {
    const call = await rig.dial("outcomes-in");
    await call.silence();
    await call.press("3");
    const summary = await call.hangup();
    expect(summary.outcome).toEqual({ kind: "abandoned", state: "pin" });
    expect(summary.transitions?.map((t) => t.on)).toEqual(["next", "noInput", "3"]);
    for (const t of summary.transitions ?? []) expect(t.at).toBeGreaterThanOrEqual(0);
  });

  it("completed by exhaustion: attempts ran out with no onExhausted (the flow hung up)", async () => {
    const call = await rig.dial("outcomes-in");
    await call.silence();
    await call.silence();
    expect(call.action).toBe("hangup");
    const summary = await call.hangup();
    expect(summary.outcome).toEqual({ kind: "completed", state: "main", exhausted: true });
  });

  it("failed: a fallback answer ended it (the fallback marker is the truth), with the onError state heard", async () => {
    const call = await rig.dial("outcomes-in");
    call.failStore("write");
    await call.press("1");
    expect(call.heard()).toBe("Sorry, something went wrong.");
    const stored = await call.session();
    expect(stored?.fallback).toMatchObject({ turn: 1, state: "sorry" });
    expect(stored?.session.state).toBe("main");
    const summary = await call.hangup();
    expect(summary.outcome).toEqual({ kind: "failed", state: "main", cause: "fallback", fallbackState: "sorry" });
    expect(call.events[0]).toMatchObject({
      outcome: "failed",
      failure: { cause: "fallback", fallbackState: "sorry" },
    });
  });

  it("failed: 8x8 reports the session in ERROR before the flow ended it", async () => {
    const call = await rig.dial("outcomes-in");
    const summary = await call.hangup("ERROR");
    expect(summary.outcome).toEqual({ kind: "failed", state: "main", cause: "error" });
  });

  it("keeps sensitive variables masked in the event", async () => {
    const call = await rig.dial("outcomes-in");
    await call.press("3");
    await call.press("1234");
    await call.hangup();
    expect(call.events[0]?.vars.pin).toBe("****");
  });
});

describe("outbound calls", () => {
  it("never connected (NO_ANSWER, BUSY, ...): unreached, with 8x8's status kept for retries", async () => {
    for (const status of ["NO_ANSWER", "BUSY", "FAILED", "CANCELED"]) {
      const call = await rig.dial("outcomes-out");
      const summary = await call.hangup(status);
      expect(summary.outcome).toEqual({ kind: "unreached" });
      expect(call.events[0]).toMatchObject({ outcome: "unreached", sessionStatus: status, outcomeState: null });
    }
  });

  it("answered, then the person hung up during the first prompt: abandoned there", async () => {
    const call = await rig.dial("outcomes-out");
    const summary = await call.hangup("COMPLETED");
    expect(summary.outcome).toEqual({ kind: "abandoned", state: "offer" });
  });

  it("answered and confirmed: completed", async () => {
    const call = await rig.dial("outcomes-out");
    await call.press("1");
    expect((await call.hangup()).outcome).toEqual({ kind: "completed", state: "bye" });
  });
});
