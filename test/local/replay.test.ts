import type { APIGatewayProxyEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import type { CallflowAction } from "../../src/engine/callflow.js";
import { parseDtmfList, ReplayError, replayCall, replayJson } from "../../src/local/replay.js";
import { capture } from "../support/callflows.js";

/** A stand-in VCA handler: answers a capture until it hears "1", then hangs up; records what it was sent. */
function fakeHandler() {
  const seen: Record<string, unknown>[] = [];
  let turn = 0;
  const handler = async (event: APIGatewayProxyEvent) => {
    const payload = (JSON.parse(event.body ?? "{}") as { payload: Record<string, unknown> }).payload;
    seen.push(payload);
    turn++;
    const dtmf = (payload.eventData as { dtmf?: string | null } | undefined)?.dtmf;
    const callflow: CallflowAction[] = dtmf === "1" ? [{ action: "hangup" }] : [capture];
    return { statusCode: 200, body: JSON.stringify({ clientActionId: `main:${turn}`, callflow }) };
  };
  return { handler, seen };
}

const input = {
  flow: "demo",
  version: "0123456789abcdef",
  caller: "+6590000001",
  called: "+6531234567",
  now: () => new Date("2026-01-05T02:00:00Z"),
};

describe("replayCall", () => {
  it("sends CALL_RECEIVED then one ACTION_COMPLETED per entry, echoing clientActionId", async () => {
    const { handler, seen } = fakeHandler();
    const result = await replayCall(handler, { ...input, dtmf: [null, "7", "1"] });

    expect(result.turns.map((t) => [t.dtmf, t.clientActionId])).toEqual([
      [null, "main:1"],
      [null, "main:2"],
      ["7", "main:3"],
      ["1", "main:4"],
    ]);
    expect(result.ended).toBe(true);
    expect(seen.map((p) => p.callStatus)).toEqual([
      "CALL_RECEIVED",
      "ACTION_COMPLETED",
      "ACTION_COMPLETED",
      "ACTION_COMPLETED",
    ]);
    expect(seen.slice(1).map((p) => p.clientActionId)).toEqual(["main:1", "main:2", "main:3"]);
    expect(new Set(seen.map((p) => p.sessionId)).size).toBe(1);
    expect(new Set(seen.map((p) => p.eventId)).size).toBe(4);
    expect(seen[0]).toMatchObject({
      source: "+6590000001",
      destination: "+6531234567",
      timestamp: "2026-01-05T02:00:00.000Z",
    });
  });

  it("stops sending once the call ended and reports the unused entries", async () => {
    const { handler, seen } = fakeHandler();
    const result = await replayCall(handler, { ...input, dtmf: ["1", "2", "-"].map((d) => (d === "-" ? null : d)) });
    expect(result.turns).toHaveLength(2);
    expect(result.unused).toEqual(["2", null]);
    expect(seen).toHaveLength(2);
  });

  it("reports a call still waiting for input as not ended", async () => {
    const { handler } = fakeHandler();
    const result = await replayCall(handler, { ...input, dtmf: [] });
    expect(result.ended).toBe(false);
    expect(JSON.parse(replayJson(result))).toEqual({
      flow: "demo",
      version: "0123456789abcdef",
      turns: [{ dtmf: null, clientActionId: "main:1", callflow: [capture] }],
      ended: false,
    });
  });

  it("fails with the status and body when the handler does not answer 200", async () => {
    const handler = async () => ({ statusCode: 400, body: '{"message":"bad event"}' });
    await expect(replayCall(handler, { ...input, dtmf: [] })).rejects.toThrow(/HTTP 400: \{"message":"bad event"\}/);
  });
});

describe("parseDtmfList", () => {
  it("splits entries, maps - to null and accepts repeated flags", () => {
    expect(parseDtmfList(["1,12345678#, -", "*"])).toEqual(["1", "12345678#", null, "*"]);
    expect(parseDtmfList([])).toEqual([]);
  });

  it("rejects what 8x8 could never report", () => {
    expect(() => parseDtmfList(["1,a"])).toThrow(ReplayError);
    expect(() => parseDtmfList(["1,,2"])).toThrow(/''/);
    expect(() => parseDtmfList(["1".repeat(26)])).toThrow(/25/);
  });
});
