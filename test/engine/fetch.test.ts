import { describe, expect, it } from "vitest";
import { EngineError, HOLD_CAPTURE, resume, transition } from "../../src/engine/engine.js";
import type { CompiledMachine, FetchState } from "../../src/engine/machine.js";
import type { FetchOutcome, Session, StepResult } from "../../src/engine/session.js";
import {
  assertAnswerShape,
  fetchState,
  hangupState,
  machineOf,
  menuState,
  NOW,
  say,
  sayState,
  script,
  sessionFor,
} from "./fixtures.js";

const SERVICES = { bank: { url: "https://bank.example.com/v1", headers: {}, timeoutMs: 2000 } };

function bankMachine(states: CompiledMachine["states"], extra: Partial<CompiledMachine> = {}): CompiledMachine {
  return machineOf(states, { services: SERVICES, ...extra });
}

const deepFreeze = <T>(value: T): T => {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
};

/** Drives an answer to its end: every effect is answered by `respond`, in order. Inputs are frozen. */
function answer(
  machine: CompiledMachine,
  session: Session,
  event: Parameters<typeof transition>[2],
  respond: (request: NonNullable<StepResult["effect"]>["request"]) => FetchOutcome,
) {
  deepFreeze(machine);
  deepFreeze(session);
  let step = transition(machine, session, event, NOW);
  const requests = [];
  while (step.effect) {
    requests.push(step.effect.request);
    const frozen = deepFreeze(step);
    const before = JSON.stringify(frozen);
    step = resume(machine, frozen, respond(step.effect.request), NOW);
    expect(JSON.stringify(frozen)).toBe(before);
  }
  assertAnswerShape(step.actions);
  return { step, requests };
}

const ok = (body?: unknown, status = 200): FetchOutcome => ({ status, body });

describe("fetch: the request as an effect", () => {
  it("stops at a fetch with the rendered request and what was rendered so far", () => {
    const machine = bankMachine({
      hello: sayState("One moment.", "lookup"),
      lookup: fetchState({
        method: "POST",
        path: ["/cards/", { var: "card" }, "/verify"],
        query: { lang: ["en-", { var: "region" }], q: [{ var: "odd" }] },
        body: {
          pin: { text: [{ var: "pin" }] },
          retry: { value: false },
          tags: { list: [{ text: ["a"] }, { value: 2 }] },
          nested: { object: { who: { text: ["caller ", { var: "caller" }] } } },
        },
        timeoutMs: 1500,
        into: { balance: ["balance"] },
      }),
      done: hangupState("Done."),
      down: hangupState("Down."),
    });
    const session: Session = {
      ...sessionFor(machine),
      vars: { ...sessionFor(machine).vars, card: "4111 11/11?#", pin: "0042", region: "SG", odd: "a&b=c" },
    };
    const step = transition(machine, session, { type: "start" }, NOW);
    expect(script(step.actions)).toEqual(["say:One moment."]);
    expect(step.visited).toEqual(["hello", "lookup"]);
    expect(step.edges).toEqual([{ from: "hello", to: "lookup", on: "next" }]);
    expect(step.effect?.request).toEqual({
      state: "lookup",
      service: "bank",
      method: "POST",
      path: "/cards/4111%2011%2F11%3F%23/verify",
      pathTemplate: "/cards/{{card}}/verify",
      query: [
        ["lang", "en-SG"],
        ["q", "a&b=c"],
      ],
      body: { pin: "0042", retry: false, tags: ["a", 2], nested: { who: "caller +6591234567" } },
      timeoutMs: 1500,
      turn: 1,
      idempotencyKey: "s-1:1:lookup",
      wantsBody: true,
    });
    // the continuation is plain JSON: it survives a round trip (it may be stored with a claim)
    const copy = JSON.parse(JSON.stringify(step)) as StepResult;
    expect(resume(machine, copy, ok({ balance: 12 }), NOW)).toEqual(resume(machine, step, ok({ balance: 12 }), NOW));
  });

  it("a GET has no body and does not ask for one without `into`", () => {
    const machine = bankMachine({ lookup: fetchState(), done: hangupState(), down: hangupState() });
    const request = transition(machine, sessionFor(machine), { type: "start" }, NOW).effect?.request;
    expect(request?.body).toBeUndefined();
    expect(request?.wantsBody).toBe(false);
    expect(request?.idempotencyKey).toBe("s-1:1:lookup");
  });
});

describe("fetch: routing the outcome", () => {
  const routed = bankMachine(
    {
      lookup: fetchState({
        into: { balance: ["balance"] },
        on: { "404": "unknown", "4xx": "refused", "503": "busy" },
      }),
      done: hangupState("Done."),
      unknown: hangupState("Unknown."),
      refused: hangupState("Refused."),
      busy: hangupState("Busy."),
      down: hangupState("Down."),
      sorry: hangupState("Flow sorry."),
    },
    { onError: "sorry" },
  );
  const route = (outcome: FetchOutcome, machine = routed) => {
    const { step } = answer(machine, sessionFor(machine), { type: "start" }, () => outcome);
    return { edge: step.edges.at(-1), heard: script(step.actions), vars: step.session.vars, step };
  };

  it("an exact code beats a class, a class beats onError", () => {
    expect(route(ok({}, 404)).edge).toEqual({ from: "lookup", to: "unknown", on: "on:404" });
    expect(route(ok({}, 403)).edge).toEqual({ from: "lookup", to: "refused", on: "on:4xx" });
    expect(route(ok({}, 503)).edge).toEqual({ from: "lookup", to: "busy", on: "on:503" });
    expect(route(ok({}, 500)).edge).toEqual({ from: "lookup", to: "down", on: "onError" });
    expect(route(ok({}, 302)).edge).toEqual({ from: "lookup", to: "down", on: "onError" });
  });

  it("a class written in capitals routes too", () => {
    const machine = bankMachine({
      lookup: fetchState({ on: { "5XX": "busy" } }),
      done: hangupState(),
      busy: hangupState(),
      down: hangupState(),
    });
    expect(route(ok(undefined, 502), machine).edge).toEqual({ from: "lookup", to: "busy", on: "on:5XX" });
  });

  it("an unrouted 2xx follows next and fills `into` (strings; numbers and booleans as JSON prints them)", () => {
    const machine = bankMachine({
      lookup: fetchState({
        into: {
          name: ["holder", "firstName"],
          balance: ["balance"],
          big: ["big"],
          frozen: ["frozen"],
          none: ["none"],
          missing: ["nope", "deeper"],
          first: ["items", 0, "id"],
          second: ["items", "1", "id"],
          past: ["items", 5, "id"],
          list: ["items"],
          text: ["holder", "firstName", "length"],
        },
      }),
      done: hangupState(),
      down: hangupState(),
    });
    const body = {
      holder: { firstName: "Wei Ling" },
      balance: 1234.5,
      big: 1e21,
      frozen: false,
      none: null,
      items: [{ id: "a" }, { id: 7 }],
    };
    const { edge, vars } = route(ok(body, 201), machine);
    expect(edge).toEqual({ from: "lookup", to: "done", on: "next" });
    expect(vars).toMatchObject({
      name: "Wei Ling",
      balance: "1234.5",
      big: "1e+21",
      frozen: "false",
      none: "",
      missing: "",
      first: "a",
      second: "7",
      past: "",
      list: '[{"id":"a"},{"id":7}]',
      text: "",
      fetchStatus: "201",
    });
  });

  it("a 2xx that is not JSON when `into` is given takes onError; an exact route for its code is still taken", () => {
    expect(route(ok(undefined, 200)).edge).toEqual({ from: "lookup", to: "down", on: "onError" });
    const machine = bankMachine({
      lookup: fetchState({ into: { balance: ["balance"] }, on: { "204": "done" } }),
      done: hangupState(),
      down: hangupState(),
    });
    const taken = route(ok(undefined, 204), machine);
    expect(taken.edge).toEqual({ from: "lookup", to: "done", on: "on:204" });
    expect(taken.vars).toMatchObject({ balance: "", fetchStatus: "204" });
    // a routed error status with a body that is not JSON: `into` is set to ""
    expect(route(ok(undefined, 404)).vars).toMatchObject({ balance: "", fetchStatus: "404" });
  });

  it("failures take onError with fetchStatus empty; `into` is left alone", () => {
    for (const error of ["timeout", "network", "config", "unknown"] as const) {
      const result = route({ error });
      expect(result.edge).toEqual({ from: "lookup", to: "down", on: "onError" });
      expect(result.vars.fetchStatus).toBe("");
      expect(result.vars).not.toHaveProperty("balance");
      expect(result.heard).toEqual(["say:Down.", "hangup"]);
    }
    // a body over the limit: the status was received, the body was not
    expect(route({ error: "too-large", status: 200 }).vars.fetchStatus).toBe("200");
  });

  it("no onError on the fetch: the flow's onError; neither: the built-in apology and a hangup", () => {
    const flowError = bankMachine(
      { lookup: fetchState({ onError: null }), done: hangupState(), sorry: hangupState("Flow sorry.") },
      { onError: "sorry" },
    );
    expect(route({ error: "timeout" }, flowError).edge).toEqual({ from: "lookup", to: "sorry", on: "onError" });
    expect(route({ error: "timeout" }, flowError).heard).toEqual(["say:Flow sorry.", "hangup"]);

    const none = bankMachine({ lookup: fetchState({ onError: null }), done: hangupState() });
    const apology = route({ error: "network" }, none);
    expect(apology.edge).toEqual({ from: "lookup", to: "#apology", on: "onError" });
    expect(apology.heard).toEqual([
      "say:Sorry, we are having technical difficulties. Please call again later.",
      "hangup",
    ]);
    expect(apology.step.session).toMatchObject({ status: "ended", state: "lookup", clientActionId: "lookup:1" });
  });

  it("a fetch's onError may lead to a menu: the call goes on", () => {
    const machine = bankMachine({
      lookup: fetchState({ onError: "retry" }),
      done: hangupState(),
      retry: menuState({ "1": "lookup" }, { prompt: ["The bank is slow. Press 1 to try again."] }),
    });
    const first = route({ error: "timeout" }, machine);
    expect(first.heard).toEqual(["ask:The bank is slow. Press 1 to try again."]);
    expect(first.step.session).toMatchObject({ state: "retry", status: "active" });
    const again = answer(machine, first.step.session, { type: "input", digits: "1" }, () => ok());
    expect(again.requests.map((r) => r.idempotencyKey)).toEqual(["s-1:2:lookup"]);
    expect(script(again.step.actions)).toEqual(["hangup"]);
  });
});

describe("fetch: several in one answer", () => {
  it("effect, resume, effect, resume: one answer, one turn, a key per state", () => {
    const machine = bankMachine({
      main: menuState({ "1": "customer" }),
      customer: fetchState({ path: ["/customers/", { var: "caller" }], into: { name: ["firstName"] } }),
      greet: sayState([say("Hello.")], "balance"),
      balance: fetchState({ path: ["/balance"], into: { balance: ["amount"] }, next: "speak" }),
      speak: hangupState("Your balance is {{balance}}."),
      done: hangupState(),
      down: hangupState("Down."),
    });
    (machine.states.customer as FetchState).next = "greet";
    (machine.states.speak as { say: unknown }).say = [
      { say: ["Hi ", { var: "name" }, ", you have ", { var: "balance" }] },
    ];
    const start = answer(machine, sessionFor(machine), { type: "start" }, () => ok());
    const { step, requests } = answer(machine, start.step.session, { type: "input", digits: "1" }, (request) =>
      request.state === "customer" ? ok({ firstName: "Ana" }) : ok({ amount: 10 }),
    );
    expect(requests.map((r) => [r.state, r.path, r.idempotencyKey])).toEqual([
      ["customer", "/customers/%2B6591234567", "s-1:2:customer"],
      ["balance", "/balance", "s-1:2:balance"],
    ]);
    expect(script(step.actions)).toEqual(["say:Hello.", "say:Hi Ana, you have 10", "hangup"]);
    expect(step.edges).toEqual([
      { from: "main", to: "customer", on: "1" },
      { from: "customer", to: "greet", on: "next" },
      { from: "greet", to: "balance", on: "next" },
      { from: "balance", to: "speak", on: "next" },
    ]);
    expect(step.visited).toEqual(["customer", "greet", "balance", "speak"]);
    expect(step.session).toMatchObject({ turn: 2, clientActionId: "speak:2", status: "ended" });
  });

  it("a loop of fetches without a wait is stopped by the step guard", () => {
    const machine = bankMachine({ lookup: fetchState({ next: "lookup", onError: "lookup" }) });
    let step = transition(machine, sessionFor(machine), { type: "start" }, NOW);
    expect(() => {
      for (let i = 0; i < 2000 && step.effect; i++) step = resume(machine, step, { error: "timeout" }, NOW);
    }).toThrow(EngineError);
  });
});

describe("fetch: the hold message", () => {
  const machine = bankMachine({
    main: menuState({ "1": "lookup" }),
    lookup: fetchState({
      hold: [say("Please hold."), { say: ["Checking with the bank, ", { var: "caller" }, "."] }],
      into: { balance: ["balance"] },
    }),
    done: { ...hangupState(), say: [{ say: ["Balance ", { var: "balance" }, "."] }] },
    down: hangupState("Down."),
  });

  it("ends the answer with the hold text as a minimal capture; the session waits in the fetch", () => {
    const start = answer(machine, sessionFor(machine), { type: "start" }, () => ok());
    const { step, requests } = answer(machine, start.step.session, { type: "input", digits: "1" }, () => ok());
    expect(requests).toEqual([]);
    expect(step.actions).toEqual([
      { action: "say", params: { text: "Please hold.", voiceProfile: "en-GB-Emma" } },
      {
        action: "sayAndCapture",
        params: { promptMessage: "Checking with the bank, +6591234567.", voiceProfile: "en-GB-Emma", ...HOLD_CAPTURE },
      },
    ]);
    expect(step.session).toMatchObject({ state: "lookup", status: "active", clientActionId: "lookup:2" });
    expect(step.visited).toEqual(["lookup"]);
    expect(step.edges).toEqual([{ from: "main", to: "lookup", on: "1" }]);
  });

  it("the next event makes the request (its digits ignored) and continues the walk", () => {
    const start = answer(machine, sessionFor(machine), { type: "start" }, () => ok());
    const held = answer(machine, start.step.session, { type: "input", digits: "1" }, () => ok()).step.session;
    for (const digits of [null, "7", "#"]) {
      const { step, requests } = answer(machine, held, { type: "input", digits }, () => ok({ balance: 5 }));
      expect(requests.map((r) => r.idempotencyKey)).toEqual(["s-1:3:lookup"]);
      expect(script(step.actions)).toEqual(["say:Balance 5.", "hangup"]);
      expect(step.visited).toEqual(["done"]); // the fetch was entered when its hold was heard
      expect(step.edges).toEqual([{ from: "lookup", to: "done", on: "next" }]);
      expect(step.session.vars.lastInput).toBe(held.vars.lastInput);
    }
  });

  it("a hold that renders empty is no hold: the request is made in the same answer", () => {
    const quiet = bankMachine({
      lookup: fetchState({ hold: [{ say: [{ var: "nothing" }] }] }),
      done: hangupState(),
      down: hangupState(),
    });
    expect(transition(quiet, sessionFor(quiet), { type: "start" }, NOW).effect?.request.state).toBe("lookup");
  });

  it("a repeated start while holding says the hold message again", () => {
    const start = answer(machine, sessionFor(machine), { type: "start" }, () => ok());
    const held = answer(machine, start.step.session, { type: "input", digits: "1" }, () => ok()).step.session;
    const again = transition(machine, held, { type: "start" }, NOW);
    expect(again.effect).toBeUndefined();
    expect(script(again.actions)).toEqual(["say:Please hold.", "ask:Checking with the bank, +6591234567."]);
  });
});

describe("fetch: resume is strict about what it continues", () => {
  it("refuses a step without an effect, or a continuation from another machine", () => {
    const machine = bankMachine({ lookup: fetchState(), done: hangupState(), down: hangupState() });
    const step = transition(machine, sessionFor(machine), { type: "start" }, NOW);
    const finished = resume(machine, step, ok(), NOW);
    expect(() => resume(machine, finished, ok(), NOW)).toThrow(EngineError);
    expect(() => resume({ ...machine, version: "other" }, step, ok(), NOW)).toThrow(EngineError);
  });
});

describe("fetch: analytics", () => {
  it("the fetch's edge carries how long its request took, and the session keeps it in its transitions", () => {
    const machine = bankMachine({ lookup: fetchState(), done: hangupState(), down: hangupState() });
    const step = transition(machine, sessionFor(machine), { type: "start" }, NOW);
    const done = resume(machine, step, ok(), NOW, 41.6);
    expect(done.edges).toEqual([{ from: "lookup", to: "done", on: "next", ms: 42 }]);
    expect(done.session.transitions?.at(-1)).toMatchObject({ from: "lookup", on: "next", ms: 42 });
    expect(resume(machine, step, { error: "timeout" }, NOW, 2000).edges).toEqual([
      { from: "lookup", to: "down", on: "onError", ms: 2000 },
    ]);
    expect(resume(machine, step, { error: "unknown" }, NOW).edges[0]).not.toHaveProperty("ms");
  });
});
