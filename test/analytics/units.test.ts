/** The pure parts of analytics: outcome classification, the quantile sketch, the event's size, the CLI window. */
import { describe, expect, it } from "vitest";
import { callCompletedEvent, MAX_DETAIL_BYTES } from "../../src/analytics/event.js";
import { callDurationMs, classifyOutcome } from "../../src/analytics/outcome.js";
import { QuantileSketch } from "../../src/analytics/sketch.js";
import { parseReportArgs } from "../../src/cli/commands/report.js";
import type { Session } from "../../src/engine/session.js";
import type { SummaryRecord } from "../../src/store/ports.js";

const session = (overrides: Partial<Session> = {}): Session => ({
  sessionId: "s",
  flow: "f",
  version: "v",
  state: "main",
  clientActionId: "main:1",
  turn: 1,
  status: "active",
  failures: 0,
  vars: {},
  path: [],
  transitions: [],
  menus: [],
  caller: "+6591234567",
  called: "+6560000000",
  direction: "INBOUND",
  startedAt: "2026-03-04T02:00:00.000Z",
  ...overrides,
});

describe("classifyOutcome without the machine", () => {
  it("tells a transfer from a hangup by the last answer", () => {
    const ended = session({ status: "ended", state: "x" });
    const transfer = {
      clientActionId: "x:2",
      callflow: [{ action: "makeCall" as const, params: { source: "+6531234567", destination: "+6560000009" } }],
    };
    expect(
      classifyOutcome({ session: ended, sessionStatus: "COMPLETED", lastEventId: "e", lastAnswer: transfer }),
    ).toEqual({ kind: "transferred", state: "x", to: "+6560000009" });
    expect(classifyOutcome({ session: ended, sessionStatus: "COMPLETED", lastEventId: "e" })).toEqual({
      kind: "completed",
      state: "x",
    });
  });

  it("puts the fallback marker above everything else", () => {
    const ended = session({ status: "ended" });
    expect(
      classifyOutcome({ session: ended, sessionStatus: "COMPLETED", lastEventId: "e", fallback: { state: null } }),
    ).toEqual({ kind: "failed", state: "main", cause: "fallback", fallbackState: null });
  });
});

describe("callDurationMs", () => {
  it("prefers 8x8's start and end, else our session start to the summary", () => {
    expect(callDurationMs({ startTime: "2026-03-04T02:00:00Z", endTime: "2026-03-04T02:01:30Z" }, undefined, "x")).toBe(
      90_000,
    );
    expect(callDurationMs({}, "2026-03-04T02:00:00.000Z", "2026-03-04T02:00:05.000Z")).toBe(5_000);
    expect(callDurationMs({ startTime: "garbage" }, undefined, "2026-03-04T02:00:05.000Z")).toBe(0);
  });
});

describe("QuantileSketch", () => {
  it("answers within 1% and keeps a bounded number of bins however many values it sees", () => {
    const sketch = new QuantileSketch();
    const values: number[] = [];
    for (let i = 0; i < 200_000; i++) {
      const v = 50 + ((i * 7919) % 600_000); // 50 ms .. 10 min, spread
      values.push(v);
      sketch.add(v);
    }
    values.sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.95]) {
      const exact = values[Math.ceil(q * values.length) - 1] as number;
      expect(Math.abs((sketch.quantile(q) as number) - exact) / exact).toBeLessThan(0.011);
    }
    expect(sketch.binCount).toBeLessThan(700);
    expect(sketch.count).toBe(200_000);
  });

  it("is empty-safe and exact for zeros and single values", () => {
    const sketch = new QuantileSketch();
    expect(sketch.quantile(0.5)).toBeNull();
    sketch.add(0);
    expect(sketch.quantile(0.5)).toBe(0);
    sketch.add(250);
    expect(sketch.quantile(1)).toBe(250);
  });
});

describe("callCompletedEvent", () => {
  it("keeps the most recent transitions when the detail would exceed EventBridge's entry size", () => {
    const transitions = Array.from({ length: 500 }, (_, i) => ({
      from: `state-${i}-${"x".repeat(400)}`,
      to: `state-${i + 1}`,
      on: "next",
      at: i,
    }));
    const summary: SummaryRecord = {
      sessionId: "big",
      sessionStatus: "COMPLETED",
      body: "{}",
      flow: "f",
      version: "v",
      outcome: { kind: "abandoned", state: "state-500" },
      transitions,
      receivedAt: "2026-03-04T02:00:00.000Z",
      expiresAt: 0,
    };
    const detail = callCompletedEvent(summary);
    expect(Buffer.byteLength(JSON.stringify(detail))).toBeLessThanOrEqual(MAX_DETAIL_BYTES);
    expect(detail?.transitionsTruncated).toBe(true);
    expect(detail?.transitions.at(-1)?.to).toBe("state-500");
  });
});

describe("ivr report's window", () => {
  const now = new Date("2026-03-10T12:00:00.000Z");
  it("defaults to the last 7 days, takes --since and dates (a --to date includes its whole day)", () => {
    expect(parseReportArgs([], {}, now)).toMatchObject({ from: new Date("2026-03-03T12:00:00.000Z"), to: now });
    expect(parseReportArgs(["--since", "12h"], {}, now)).toMatchObject({ from: new Date("2026-03-10T00:00:00.000Z") });
    expect(parseReportArgs(["--from", "2026-03-01", "--to", "2026-03-07"], {}, now)).toMatchObject({
      from: new Date("2026-03-01T00:00:00.000Z"),
      to: new Date("2026-03-07T23:59:59.999Z"),
    });
  });

  it("refuses what it cannot read, with the flag named", () => {
    expect(() => parseReportArgs(["--since", "7 days"], {}, now)).toThrow(/--since/);
    expect(() => parseReportArgs(["--from", "yesterday"], {}, now)).toThrow(/--from/);
    expect(() => parseReportArgs(["--from", "2026-03-09", "--to", "2026-03-01"], {}, now)).toThrow(/starts after/);
    expect(() => parseReportArgs(["--format", "csv"], {}, now)).toThrow(/--format/);
    expect(() => parseReportArgs(["--since", "1d", "--from", "2026-03-01"], {}, now)).toThrow(/not both/);
  });

  it("picks the deployed stack with --stack-outputs, an endpoint from the environment, else the local server", () => {
    expect(parseReportArgs(["--stack-outputs", "o.json"], {}, now)).toMatchObject({ stack: "Callflow" });
    expect(parseReportArgs([], { DYNAMODB_ENDPOINT: "http://127.0.0.1:8000" }, now)).toMatchObject({
      endpoint: "http://127.0.0.1:8000",
    });
    expect(parseReportArgs([], { IVR_URL: "http://localhost:4000" }, now)).toMatchObject({
      url: "http://localhost:4000",
    });
  });
});

describe("timeSlices", () => {
  it("cuts the window into contiguous slices that never overlap (BETWEEN is inclusive)", async () => {
    const { timeSlices } = await import("../../src/analytics/report.js");
    const slices = timeSlices(new Date("2026-03-01T00:00:00.000Z"), new Date("2026-03-01T00:00:10.000Z"), 4);
    expect(slices).toEqual([
      ["2026-03-01T00:00:00.000Z", "2026-03-01T00:00:02.499Z"],
      ["2026-03-01T00:00:02.500Z", "2026-03-01T00:00:04.999Z"],
      ["2026-03-01T00:00:05.000Z", "2026-03-01T00:00:07.499Z"],
      ["2026-03-01T00:00:07.500Z", "2026-03-01T00:00:10.000Z"],
    ]);
    const instant = new Date("2026-03-01T00:00:00.000Z");
    expect(timeSlices(instant, instant, 4)).toEqual([["2026-03-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z"]]);
  });
});

describe("the stored form of transitions", () => {
  it("round-trips, chains from the previous target, and keeps fetch latency", async () => {
    const { decodeTransitions, encodeTransitions } = await import("../../src/store/transitions-codec.js");
    const transitions = [
      { from: "welcome", to: "main", on: "next", at: 0 },
      { from: "main", to: "main", on: "noInput", at: 5012 },
      { from: "main", to: "lookup", on: "1", at: 9000 },
      { from: "lookup", to: "sorry", on: "onError", at: 9000, ms: 2001 },
      { from: "billing", to: "#hangup", on: "exhausted", at: 12000 },
    ];
    const text = encodeTransitions(transitions);
    expect(text.split("\n")[1]).toBe("\tmain\tnoInput\t5012");
    expect(decodeTransitions(text)).toEqual(transitions);
    expect(decodeTransitions(encodeTransitions([]))).toEqual([]);
  });
});
