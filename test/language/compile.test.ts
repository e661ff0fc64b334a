// biome-ignore-all lint/suspicious/noThenProperty: `then` is a field of the compiled format (src/engine/machine.ts)
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { CompiledMachine } from "../../src/engine/machine.js";
import { compileFlowSource } from "../../src/language/index.js";
import { compile } from "./helpers.js";

function everyKind(): CompiledMachine {
  const file = "test/fixtures/ok/every-kind.yaml";
  const { machine, diagnostics } = compileFlowSource(readFileSync(file, "utf8"), file);
  expect(diagnostics).toEqual([]);
  return machine!;
}

describe("compiled machine", () => {
  const m = everyKind();

  it("has the flow-level fields, keys and sensitive variables", () => {
    expect(m).toMatchObject({
      flow: "every-kind",
      description: "All the state kinds",
      numbers: ["+6531239001", "+6531239002"],
      start: "welcome",
      onError: "sorry",
      keys: { "0": { goto: "operator" }, "*": { repeat: true }, "#": { back: true } },
      sensitive: ["account"],
      source: "test/fixtures/ok/every-kind.yaml",
    });
    expect(m.version).toMatch(/^[0-9a-f]{16}$/);
  });

  it("say: messages pre-split, audio kept, voice from defaults", () => {
    expect(m.states.welcome).toEqual({
      kind: "say",
      voiceProfile: "en-US-BenjaminRUS",
      messages: [
        { say: ["Welcome, caller ", { var: "caller", digits: true }, "."] },
        { play: "https://media.example.com/chime.mp3" },
      ],
      next: "jingle",
    });
  });

  it("play", () => {
    expect(m.states.jingle).toEqual({
      kind: "play",
      voiceProfile: "en-US-BenjaminRUS",
      url: "https://media.example.com/jingle.wav",
      next: "open",
    });
  });

  it("hours: minute ranges per weekday (0 = Sunday), merged; closedOn sorted", () => {
    expect(m.states.open).toEqual({
      kind: "hours",
      voiceProfile: "en-US-BenjaminRUS",
      timezone: "Asia/Singapore",
      open: [
        [[600, 840]],
        [
          [540, 720],
          [780, 1080],
        ],
        [
          [540, 720],
          [780, 1080],
        ],
        [
          [540, 720],
          [780, 1080],
        ],
        [
          [540, 720],
          [780, 1080],
        ],
        [
          [540, 720],
          [780, 1200],
        ],
        [[600, 840]],
      ],
      closedOn: ["2026-01-01", "2026-12-25"],
      then: "main",
      else: "closed",
    });
  });

  it("menu: state overrides, capture sized to the longest key, # not a terminator when it is a key", () => {
    expect(m.states.main).toEqual({
      kind: "menu",
      voiceProfile: "en-GB-Emma",
      prompt: ["For accounts press 1. For sales press 22."],
      capture: { minDigits: 1, maxDigits: 2, completeOnHash: false, digitTimeoutMs: 2000, overallTimeoutMs: 10000 },
      attempts: 4,
      noInput: [{ say: ["I did not hear anything."] }],
      noMatch: [{ say: ["That is not an option."] }, { play: "https://media.example.com/help.mp3" }],
      onExhausted: "operator",
      options: { "1": "account", "22": "sales" },
    });
  });

  it("ask: digits, validate, terminator and capture in ms", () => {
    expect(m.states.account).toEqual({
      kind: "ask",
      voiceProfile: "en-US-BenjaminRUS",
      prompt: ["Enter your account number, then press hash."],
      // overall = timeout 6s + 7 further digits and the # at 2s each; minDigits 1 lets the one-key global keys
      // through (the engine checks `digits` itself)
      capture: { minDigits: 1, maxDigits: 8, completeOnHash: true, digitTimeoutMs: 2000, overallTimeoutMs: 22000 },
      attempts: 2,
      noInput: [{ say: ["Please enter your account number."] }],
      onExhausted: null,
      into: "account",
      digits: { min: 6, max: 8, terminator: "#" },
      validate: { pattern: "^[0-9]+$", luhn: true, oneOf: ["123455", "79927398713"] },
      invalid: [{ say: ["That number is not valid."] }],
      sensitive: true,
      next: "remember",
    });
  });

  it("set: values as templates (numbers as text)", () => {
    expect(m.states.remember).toEqual({
      kind: "set",
      voiceProfile: "en-US-BenjaminRUS",
      assign: { tier: ["gold"], last: [{ var: "account" }], count: ["3"] },
      next: "route",
    });
  });

  it("branch: cases in order, conditions normalised, else", () => {
    expect(m.states.route).toEqual({
      kind: "branch",
      voiceProfile: "en-US-BenjaminRUS",
      cases: [
        { if: { all: [{ var: "tier", equals: "gold" }, { not: { var: "account", matches: "^9" } }] }, then: "vip" },
        {
          if: {
            any: [
              { var: "tier", in: ["silver", "bronze"] },
              { var: "promo", exists: true },
            ],
          },
          then: "sales",
        },
      ],
      else: "goodbye",
    });
  });

  it("transfer and hangup", () => {
    expect(m.states.vip).toEqual({
      kind: "transfer",
      voiceProfile: "en-US-BenjaminRUS",
      to: "+6560000001",
      callerId: "+6531239001",
      record: true,
      say: [{ say: ["Connecting you, ", { var: "tier" }, " member."] }],
    });
    expect(m.states.sales).toEqual({
      kind: "transfer",
      voiceProfile: "en-US-BenjaminRUS",
      to: "+6560000002",
      record: false,
      say: [],
    });
    expect(m.states.goodbye).toEqual({ kind: "hangup", voiceProfile: "en-US-BenjaminRUS", say: [] });
    expect(m.states.sorry).toEqual({
      kind: "hangup",
      voiceProfile: "en-US-BenjaminRUS",
      say: [{ say: ["Sorry."] }, { say: ["Goodbye."] }],
    });
  });

  it("applies the built-in defaults when a flow has none", () => {
    const { machine } = compile(`
      flow: bare
      start: main
      states:
        main:
          menu: { prompt: "Press 1.", options: { "1": pin } }
        pin:
          ask: { prompt: "PIN", into: pin, next: bye }
        bye: { hangup: null }
    `);
    expect(machine).toMatchObject({ numbers: [], onError: null, keys: {}, sensitive: [] });
    expect(machine!.states.main).toMatchObject({
      voiceProfile: "en-GB-Emma",
      attempts: 3,
      capture: { minDigits: 1, maxDigits: 1, completeOnHash: false, digitTimeoutMs: 3000, overallTimeoutMs: 5000 },
      noInput: [],
      noMatch: [],
      onExhausted: null,
    });
    expect(machine!.states.pin).toMatchObject({
      digits: { min: 1, max: 25 },
      capture: { minDigits: 1, maxDigits: 25, completeOnHash: false, digitTimeoutMs: 3000 },
    });
    expect(machine!.states.bye).toEqual({ kind: "hangup", voiceProfile: "en-GB-Emma", say: [] });
  });

  it("compiles the contract's example flow", () => {
    const file = "test/fixtures/ok/contract-example.yaml";
    const { machine, diagnostics } = compileFlowSource(readFileSync(file, "utf8"), file);
    expect(diagnostics).toEqual([]);
    expect(machine!.sensitive).toEqual(["account"]);
    const overall = (s: unknown) => (s as { capture: { overallTimeoutMs: number; digitTimeoutMs: number } }).capture;
    for (const state of Object.values(machine!.states)) {
      if (state.kind === "menu" || state.kind === "ask") {
        expect(overall(state).overallTimeoutMs).toBeGreaterThan(overall(state).digitTimeoutMs);
      }
    }
  });
});

describe("compiled machine: services, secrets, fetch, inputs, result labels, numeric conditions", () => {
  const file = "test/fixtures/ok/integration.yaml";
  const { machine, diagnostics } = compileFlowSource(readFileSync(file, "utf8"), file);
  const m = machine!;

  it("compiles without diagnostics", () => {
    expect(diagnostics).toEqual([]);
  });

  it("services: base URL as written, headers split around secrets, timeout in ms (default 2 s)", () => {
    expect(m.services).toEqual({
      bank: {
        url: "https://api.acme.example/v1",
        headers: { Authorization: ["Bearer ", { secret: "bankToken" }], Accept: ["application/json"] },
        timeoutMs: 1500,
      },
      crm: { url: "http://127.0.0.1:4010", headers: {}, timeoutMs: 2000 },
    });
    expect(m.secrets).toEqual(["bankToken"]);
  });

  it("fetch: templates pre-split, body typed, into paths split, hold messages, routes", () => {
    expect(m.states.verify).toEqual({
      kind: "fetch",
      voiceProfile: "en-GB-Emma",
      service: "bank",
      method: "POST",
      path: ["/cards/", { var: "card" }, "/verify"],
      query: { lang: ["en"], customer: [{ var: "customer" }], page: ["1"] },
      body: {
        pin: { text: [{ var: "pin" }] },
        attempt: { value: 1 },
        recorded: { value: false },
        note: { value: null },
        channel: {
          object: { kind: { text: ["ivr"] }, tags: { list: [{ text: ["phone"] }, { text: [{ var: "called" }] }] } },
        },
      },
      timeoutMs: 2000,
      hold: [{ say: ["One moment while I check that."] }],
      into: { holder: ["holder", "firstName"], balance: ["balance"], first: ["items", 0, "id"] },
      sensitive: ["balance"],
      on: { "404": "unknown-card", "4xx": "refused" },
      next: "greet",
      onError: "bank-down",
    });
  });

  it("fetch defaults: GET, no body, the service's timeout, no hold, onError null (the flow's)", () => {
    expect(m.states.greet).toEqual({
      kind: "fetch",
      voiceProfile: "en-GB-Emma",
      service: "crm",
      method: "GET",
      path: ["/callers/", { var: "caller" }],
      query: {},
      timeoutMs: 2000,
      hold: [],
      into: { tier: ["tier"] },
      sensitive: [],
      on: {},
      next: "speak-balance",
      onError: null,
    });
  });

  it("inputs: required, sensitive and pattern; sensitive inputs and fetch variables join machine.sensitive", () => {
    expect(m.inputs).toEqual({
      customer: { required: true, sensitive: false },
      pin: { required: false, sensitive: true, pattern: "^[0-9]{4}$" },
      campaign: { required: false, sensitive: false },
    });
    expect(m.sensitive).toEqual(["balance", "card", "pin"]);
  });

  it("result labels on transfer and hangup; numeric conditions", () => {
    expect(m.states.topup).toMatchObject({ kind: "transfer", result: "low-balance" });
    expect(m.states.done).toMatchObject({ kind: "hangup", result: "balance_read" });
    expect(m.states.refused).not.toHaveProperty("result");
    expect(m.states.low).toMatchObject({
      cases: [
        { if: { var: "balance", lessThan: 10 } },
        {
          if: {
            all: [
              { var: "balance", atLeast: 10 },
              { var: "balance", atMost: 1000 },
            ],
          },
        },
        { if: { var: "balance", greaterThan: 1000 } },
      ],
    });
  });

  it("a flow that uses none of them has no such keys, and keeps its version", () => {
    const every = everyKind();
    expect(every).not.toHaveProperty("services");
    expect(every).not.toHaveProperty("secrets");
    expect(every).not.toHaveProperty("inputs");
    // the version every-kind.yaml had before services, fetch, inputs and result labels existed
    expect(every.version).toBe("75a09601910d5014");
    const { machine: bare } = compile(`
      flow: empty-keys
      start: bye
      services: {}
      secrets: []
      inputs: {}
      states:
        bye: { hangup: {} }
    `);
    expect(Object.keys(bare!).sort()).toEqual(
      ["flow", "version", "numbers", "start", "onError", "keys", "states", "sensitive", "source"].sort(),
    );
  });
});
