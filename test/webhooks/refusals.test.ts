/**
 * Refusals are aggregated in the logs (#10 defect 11): a flood of bad requests (4,515 refusals made 4,515 warning
 * lines) becomes the first one of each kind, then one line a minute with how many more there were.
 */
import { describe, expect, it, vi } from "vitest";
import { createLogger } from "../../src/observability/logger.js";
import { MemorySessionStore, MemorySummaryStore } from "../../src/store/memory.js";
import { authenticatorFromEnv } from "../../src/webhooks/auth.js";
import { compile, harness, postSummary, proxyEvent, registry, SimulatedCall, uniqueNumber } from "./harness.js";

const NUMBER = uniqueNumber();
const machine = compile(`
flow: refusals
numbers: ["${NUMBER}"]
start: bye
states:
  bye: { hangup: { say: "Bye." } }
`);

function setup() {
  const sessions = new MemorySessionStore();
  const h = harness({
    sessions,
    summaries: new MemorySummaryStore(sessions),
    flows: registry([machine]),
    auth: authenticatorFromEnv({ WEBHOOK_SECRET: "right" }, createLogger()),
  });
  const warn = vi.spyOn(h.deps.logger, "warn");
  return { h, warn };
}

describe("refused webhook requests in the logs", () => {
  it("log the first refusal of a kind, then one line per minute counting the rest", async () => {
    const { h, warn } = setup();
    const call = new SimulatedCall(NUMBER);
    for (let i = 0; i < 1_000; i++) {
      expect((await h.vca(proxyEvent(call.received(), { authorization: "wrong" }))).statusCode).toBe(403);
    }
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(/VCA webhook refused: missing or wrong auth header/);

    h.clock.advance(61_000);
    expect((await h.vca(proxyEvent(call.received(), { authorization: "wrong" }))).statusCode).toBe(403);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[1]?.[1]).toMatchObject({ refused: 1_000, status: 403 });
    expect(warn.mock.calls[1]?.[0]).toMatch(
      /VCA webhook refused 1000 times in the last 61 s: missing or wrong auth header/,
    );
  });

  it("keep kinds apart: a new reason is logged at once", async () => {
    const { h, warn } = setup();
    const call = new SimulatedCall(NUMBER);
    for (let i = 0; i < 10; i++) await h.vca(proxyEvent(call.received(), { authorization: "wrong" }));
    for (let i = 0; i < 10; i++) await h.vca(proxyEvent("not json", { authorization: "right" }));
    for (let i = 0; i < 10; i++) await postSummary(h, { payload: {} }, { authorization: "right" });
    expect(warn.mock.calls.map((c) => c[0])).toEqual([
      "VCA webhook refused: missing or wrong auth header",
      "VCA webhook refused: body is not valid JSON",
      "VSS webhook refused: payload.sessionId is required",
    ]);
  });
});
