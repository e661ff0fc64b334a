/**
 * The studio's HTTP API on the real local stack (DynamoDB Local, the real webhooks over HTTP, a webhook secret):
 * flows and their checker status, the phone playing 8x8's part, the call's clock, outbound calls, scenario
 * coverage, and server-sent events when a file changes.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatDiagnostics, loadFlows } from "../../src/language/index.js";
import type { CallView, CoverageOverlay, FlowDetail, FlowList, TrafficOverlay } from "../../src/studio/protocol.js";
import type { LocalStack } from "../support/local-stack.js";
import { json, type LoopbackService, startLoopbackService } from "../support/loopback-service.js";
import { startStudioStack } from "../support/studio.js";

const SECRET = "studio-test-secret";
let stack: LocalStack;
let base: string;

let crm: LoopbackService;

beforeAll(async () => {
  // The stack checks the shared secret as deployed; the studio's phone must send it like 8x8 does.
  process.env.WEBHOOK_SECRET = SECRET;
  // studio-lookup's CRM: a loopback service that knows customer 1234 (any other path is its 404)
  crm = await startLoopbackService({ "/api/customers/1234": (_req, res) => json(res, 200, { name: "Ada" }) });
  process.env.CALLFLOW_SERVICE_URL_crm = `${crm.url}/api`;
  stack = await startStudioStack({
    extra: [
      "test/fixtures/studio/studio-demo.yaml",
      "test/fixtures/studio/studio-reminder.yaml",
      "test/fixtures/studio/studio-reminder.test.yaml",
      "test/fixtures/studio/studio-lookup.yaml",
    ],
  });
  base = `${stack.server.url}/studio/api`;
});

afterAll(async () => {
  delete process.env.WEBHOOK_SECRET;
  delete process.env.CALLFLOW_SERVICE_URL_crm;
  await stack?.stop();
  await crm?.close();
});

async function get<T>(path: string): Promise<T> {
  const res = await fetch(`${base}/${path}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

async function post<T>(path: string, body: unknown = {}, status = 200): Promise<T> {
  const res = await fetch(`${base}/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as T;
}

const heard = (call: CallView) => call.turns.at(-1)!.heard.map((h) => ("text" in h ? h.text : h.kind));

describe("studio flows", () => {
  it("lists every flow with its version, numbers, status and the version the stack serves", async () => {
    const { flows } = await get<FlowList>("flows");
    expect(flows.map((f) => f.flow).sort()).toEqual([
      "acme-support",
      "appointment-reminder",
      "card-services",
      "studio-demo",
      "studio-lookup",
      "studio-reminder",
    ]);
    const demo = flows.find((f) => f.flow === "studio-demo")!;
    expect(demo).toMatchObject({ file: "studio-demo.yaml", numbers: ["+6531119000"], status: "ok", errors: 0 });
    expect(demo.served).toBe(demo.version);
    expect(demo.version).toMatch(/^[0-9a-f]{16}$/);
  });

  it("gives a flow's diagram, source, scenario files and the zone of its hours", async () => {
    const acme = await get<FlowDetail>("flows/acme-support");
    expect(acme.report).toBe("");
    expect(acme.hoursTimezone).toBe("Asia/Singapore");
    expect(acme.scenarioFiles).toEqual(["acme-support.test.yaml"]);
    expect(acme.source).toBe(readFileSync("flows/acme-support.yaml", "utf8"));
    const main = acme.diagram!.nodes.find((n) => n.id === "main")!;
    expect(acme.source!.split("\n")[main.lines![0] - 1]).toBe("  main:");
    const missing = await fetch(`${base}/flows/nope`);
    expect(missing.status).toBe(404);
  });

  it("shows a broken file's messages exactly as ivr validate prints them, and keeps its last good diagram", async () => {
    const file = join(stack.dir, "studio-demo.yaml");
    const good = readFileSync(file, "utf8");
    const before = await get<FlowDetail>("flows/studio-demo");
    try {
      writeFileSync(file, good.replace("onExhausted: operator", "onExhausted: operater"));
      stack.server; // the studio recompiles on its own watcher; refresh is what a save triggers
      await waitFor(async () => (await get<FlowDetail>("flows/studio-demo")).status === "errors");
      const broken = await get<FlowDetail>("flows/studio-demo");
      const validate = loadFlows(stack.dir);
      const own = validate.diagnostics.filter((d) => d.file === broken.diagnostics[0]!.file);
      expect(broken.report).toBe(formatDiagnostics(own, validate.sources));
      expect(broken.report).toContain("error [unknown-target] state 'operater' does not exist");
      expect(broken.report).toContain("hint: did you mean 'operator'?");
      expect(broken.errors).toBe(1);
      expect(broken.diagram?.version).toBe(before.version);
      expect(broken.version).toBe(before.version);
    } finally {
      writeFileSync(file, good);
      await waitFor(async () => (await get<FlowDetail>("flows/studio-demo")).status === "ok");
    }
  });
});

describe("studio phone", () => {
  const tuesday = "2026-12-08T10:00"; // open (Singapore time); a date in the past moves on by whole weeks
  const sunday = "2026-12-06T10:00"; // closed

  it("calls a flow through the real webhooks and plays the caller's keys as 8x8 reports them", async () => {
    let call = await post<CallView>("calls", { flow: "studio-demo", at: tuesday }, 201);
    expect(call.turns[0]!.event).toBe("CALL_RECEIVED");
    expect(heard(call)).toEqual(["Welcome to the studio demo.", "For your account press 1."]);
    expect(call.turns[0]!.visited).toEqual(["welcome", "open", "main"]);
    expect(call.state).toBe("main");
    expect(call.waiting).toMatchObject({ minDigits: 1, maxDigits: 1 });
    expect(new Date(call.clock!).toISOString()).toMatch(/T02:00:/); // 10:00 in Singapore

    call = await post<CallView>(`calls/${call.id}/silence`);
    expect(call.turns.at(-1)).toMatchObject({ event: "ACTION_COMPLETED", dtmf: null });
    expect(heard(call)).toEqual(["I did not hear anything.", "For your account press 1."]);

    call = await post<CallView>(`calls/${call.id}/keys`, { keys: "1" });
    expect(call.state).toBe("account");
    expect(call.waiting).toMatchObject({ minDigits: 6, maxDigits: 6, completeOnHash: true });

    // keys after `#` go nowhere: 8x8 reports the digits up to and with the hash
    call = await post<CallView>(`calls/${call.id}/keys`, { keys: "123456#99" });
    expect(call.turns.at(-1)).toMatchObject({ pressed: "123456#99", dtmf: "123456#" });
    expect(heard(call)).toEqual(["Thank you.", "Goodbye.", "hangup"]);
    expect(call.state).toBe("bye");
    expect(call.path).toEqual(["welcome", "open", "main", "main", "account", "thanks", "bye"]);

    // the flow hung up: 8x8's session summary was posted and stored, with the sensitive digits masked
    expect(call.taken).toEqual([
      "welcome --next--> open",
      "open --then--> main",
      "main --noInput--> main",
      "main --1--> account",
      "account --next--> thanks",
      "thanks --next--> bye",
    ]);
    expect(call.ended).toMatchObject({ by: "flow", lastAction: "HANGUP" });
    expect(call.ended!.summary).toMatchObject({
      sessionStatus: "COMPLETED",
      finalState: "bye",
      outcome: { kind: "completed", state: "bye" },
    });
    expect(call.ended!.summary!.vars!.acct).toBe("****");
    expect(call.waiting).toBeNull();
    const late = await fetch(`${base}/calls/${call.id}/keys`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ keys: "1" }),
    });
    expect(late.status).toBe(409);
  });

  it("reports too few keys as no input, and too many cut at the prompt's maximum", async () => {
    let call = await post<CallView>("calls", { flow: "studio-demo", at: tuesday }, 201);
    call = await post<CallView>(`calls/${call.id}/keys`, { keys: "1" });
    call = await post<CallView>(`calls/${call.id}/keys`, { keys: "12#" });
    expect(call.turns.at(-1)).toMatchObject({ pressed: "12#", dtmf: null });
    call = await post<CallView>(`calls/${call.id}/keys`, { keys: "12345678" });
    expect(call.turns.at(-1)).toMatchObject({ pressed: "12345678", dtmf: "123456" });
    expect(call.state).toBe("bye");
  });

  it("runs the call on the clock set for it: closed on a Sunday", async () => {
    const call = await post<CallView>("calls", { flow: "studio-demo", at: sunday }, 201);
    expect(heard(call)).toEqual(["Welcome to the studio demo.", "We are closed.", "hangup"]);
    expect(call.ended?.summary?.finalState).toBe("closed");
  });

  it("lets the caller hang up; the summary says where", async () => {
    let call = await post<CallView>("calls", { flow: "studio-demo", at: tuesday }, 201);
    call = await post<CallView>(`calls/${call.id}/hangup`);
    expect(call.ended).toMatchObject({ by: "caller", lastAction: "SAY_AND_CAPTURE" });
    expect(call.ended!.summary).toMatchObject({ finalState: "main", outcome: { kind: "abandoned", state: "main" } });
  });

  it("rings the caller for an outbound-only flow with its inputs, as ivr call --var does", async () => {
    const refused = await post<{ error: string }>("calls", { flow: "studio-reminder" }, 400);
    expect(refused.error).toMatch(/^POST \/local\/dial answered HTTP 400: inputs refused: .*patient/);
    const body = { flow: "studio-reminder", caller: "+6591234567", inputs: { patient: "Ada" } };
    let call = await post<CallView>("calls", body, 201);
    expect(call).toMatchObject({ direction: "OUTBOUND", called: "+6591234567", state: "remind" });
    expect(call.turns[0]!.event).toBe("DIAL");
    expect(heard(call)).toEqual(["This is your reminder, Ada. Press 1 to confirm."]);
    call = await post<CallView>(`calls/${call.id}/keys`, { keys: "1" });
    expect(heard(call)).toEqual(["Confirmed. Goodbye.", "hangup"]);
    expect(call.ended?.summary?.finalState).toBe("confirmed");
  });

  it("hears a fetch's hold message, then shows the request the flow made and where its answer led", async () => {
    let call = await post<CallView>("calls", { flow: "studio-lookup" }, 201);
    call = await post<CallView>(`calls/${call.id}/keys`, { keys: "1234" });
    const [hold, after] = call.turns.slice(-2);
    expect(hold).toMatchObject({ pressed: "1234", dtmf: "1234", requests: [] });
    expect(hold!.heard).toEqual([{ kind: "prompt", text: "One moment." }]);
    expect(after).toMatchObject({ event: "ACTION_COMPLETED", holdHeard: true, dtmf: null });
    expect(after!.requests).toEqual([
      {
        state: "lookup",
        service: "crm",
        method: "GET",
        pathTemplate: "/customers/{{customer}}",
        status: 200,
        route: "next",
        to: "hello",
        durationMs: expect.any(Number),
      },
    ]);
    expect(heard(call)).toEqual(["Hello Ada.", "hangup"]);
    expect(call.taken).toContain("lookup --next--> hello");

    call = await post<CallView>("calls", { flow: "studio-lookup" }, 201);
    call = await post<CallView>(`calls/${call.id}/keys`, { keys: "9999" });
    expect(call.turns.at(-1)!.requests).toMatchObject([{ status: 404, route: "on:404", to: "unknown" }]);
    expect(heard(call)).toEqual(["We do not know that number.", "hangup"]);
  });

  it("refuses what a phone could not do, with a reason", async () => {
    const bad = async (path: string, body: unknown, status: number, reason: RegExp) => {
      const res = await fetch(`${base}/${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: string }).error).toMatch(reason);
    };
    await bad("calls", { flow: "nope" }, 404, /does not serve a flow 'nope'/);
    await bad("calls", { flow: "studio-demo", caller: "12" }, 400, /E\.164/);
    await bad("calls", { flow: "studio-demo", at: "soon" }, 400, /2026-11-24T10:00/);
    await bad(
      "calls",
      { flow: "studio-reminder", inputs: { patient: 7 } },
      400,
      /'inputs' must be an object of strings/,
    );
    const call = await post<CallView>("calls", { flow: "studio-demo", at: tuesday }, 201);
    await bad(`calls/${call.id}/keys`, { keys: "1a" }, 400, /0-9, \* and #/);
    await bad("calls/nope/silence", {}, 404, /no call/);
    // a form from another web page cannot post JSON without the browser asking first
    const form = await fetch(`${base}/calls`, { method: "POST", body: "flow=studio-demo" });
    expect(form.status).toBe(415);
  });

  it("sends the webhook secret the stack checks, as 8x8 would (without it the webhook refuses)", async () => {
    const res = await fetch(`${stack.server.url}/vca`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(403);
  });
});

describe("studio overlays and live updates", () => {
  it("counts the local stack's calls per state and transition (ivr report's figures), for the traffic overlay", async () => {
    // the calls placed above: two reached the account prompt, one hung up in the menu, one found it closed
    const traffic = await get<TrafficOverlay>("flows/studio-demo/traffic");
    expect(traffic.calls).toBeGreaterThanOrEqual(4);
    expect(traffic.outcomes).toMatchObject({ abandoned: expect.any(Number), completed: expect.any(Number) });
    expect(traffic.states.welcome!.entered).toBe(traffic.calls);
    expect(traffic.states.main!.abandoned).toBeGreaterThanOrEqual(1);
    expect(traffic.states.closed!.entered).toBeGreaterThanOrEqual(1);
    expect(traffic.edges["main --1--> account"]).toBeGreaterThanOrEqual(2);
    expect(traffic.edges["open --else--> closed"]).toBeGreaterThanOrEqual(1);
    expect(traffic.source).toMatch(/^ivr report over the local stack's calls since/);
    const bad = await fetch(`${base}/flows/studio-demo/traffic?since=forever`);
    expect(bad.status).toBe(400);
  });

  it("runs a flow's scenarios on demand and reports what they covered", async () => {
    const coverage = await post<CoverageOverlay>("flows/card-services/coverage");
    expect(coverage.scenarios.length).toBeGreaterThan(3);
    expect(coverage.scenarios.every((s) => s.passed)).toBe(true);
    expect(coverage.states.uncovered).toEqual([]);
    expect(coverage.transitions.covered).toBe(coverage.transitions.total);

    // the scenarios' calls are stored like any other, but a coverage run is not traffic (a flow only this file calls)
    const before = (await get<TrafficOverlay>("flows/studio-reminder/traffic")).calls;
    const reminder = await post<CoverageOverlay>("flows/studio-reminder/coverage");
    expect(reminder.scenarios.map((r) => [r.name, r.passed])).toEqual([
      ["the patient confirms", true],
      ["the patient stays silent", true],
    ]);
    expect(reminder.states).toMatchObject({ total: 2, covered: 2 });
    expect(reminder.transitions.uncovered).toEqual(["remind --noMatch--> remind", "remind --exhausted--> (hangup)"]);
    expect((await get<TrafficOverlay>("flows/studio-reminder/traffic")).calls).toBe(before);
    const none = await fetch(`${base}/flows/studio-demo/coverage`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(none.status).toBe(404);
  });

  it("pushes the flow list to open pages when a file changes", async () => {
    const res = await fetch(`${base}/events`);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    const events = readEvents(reader);
    expect((await events.next()).value?.event).toBe("hello");
    const file = join(stack.dir, "studio-reminder.yaml");
    const good = readFileSync(file, "utf8");
    try {
      writeFileSync(file, good.replace("Press 1 to confirm.", "Press 1 to confirm your visit."));
      const next = (await events.next()).value!;
      expect(next.event).toBe("flows");
      const list = JSON.parse(next.data) as FlowList;
      expect(list.flows.find((f) => f.flow === "studio-reminder")?.status).toBe("ok");
    } finally {
      writeFileSync(file, good);
      await reader.cancel();
    }
  });
});

async function* readEvents(reader: ReadableStreamDefaultReader<Uint8Array>) {
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(frame)?.[1];
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      if (event && data) yield { event, data };
    }
  }
}

async function waitFor(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not true within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
