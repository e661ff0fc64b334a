/**
 * Outbound calls through the local stack, as `npm start` runs them, on a DynamoDB Local of the file's own.
 *
 * The campaign: 1,000 contacts posted to the campaign route, each with its inputs and a script for its simulated
 * callee; two dispatchers (the server's and a second one) claiming from the same DynamoDB Local tables; the simulated
 * 8x8 refusing some requests with 429 (its limit set below the pace); every call played through the server's real
 * VCA and VSS webhooks. Retries are one second apart, so it takes seconds, not hours.
 *
 * Then `ivr campaign --local`, and the inputs at the other local entry points: /local/dial, `ivr call --var`,
 * `ivr replay --var`.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CampaignDeps, run as campaignCli, localBackend } from "../../src/cli/commands/campaign.js";
import { placeCall } from "../../src/local/phone.js";
import type { LocalServer } from "../../src/local/server.js";
import { startLocalServer } from "../../src/local/server.js";
import type { CampaignReport } from "../../src/outbound/campaigns.js";
import { DynamoCampaignStore } from "../../src/outbound/dynamodb-campaign-store.js";
import type { ResultRow } from "../../src/outbound/results.js";
import { createDocumentClient } from "../../src/store/dynamodb-client.js";
import { type DynamoDbLocal, startDynamoDbLocal } from "../../src/store/dynamodb-local.js";
import { DynamoSummaryStore } from "../../src/store/dynamodb-summary-store.js";
import { dynamoDbForTests } from "../support/dynamodb.js";
import { runIvr } from "../support/ivr.js";

const FLOW = `flow: reminder
start: greeting
inputs:
  patient: { required: true }
  time: { required: true, pattern: "^[0-2][0-9]:[0-5][0-9]$" }
  pin: { sensitive: true, pattern: "^[0-9]{4}$" }
states:
  greeting:
    say: "Hello {{patient}}, your appointment is at {{time}}."
    next: reminder
  reminder:
    menu:
      prompt: "To confirm, press 1. To cancel, press 2."
      options: { "1": confirmed, "2": cancelled }
      attempts: 2
      onExhausted: no-response
  confirmed:
    hangup: { say: "Confirmed. Goodbye.", result: confirmed }
  cancelled:
    hangup: { say: "Cancelled. Goodbye.", result: cancelled }
  no-response:
    hangup: { say: "No choice. Goodbye.", result: no-response }
`;

/** A flow that holds the line for a request (a fetch with a hold message), then asks once more. */
const HOLD_FLOW = `flow: hold-survey
start: ask
services:
  survey: { url: "https://survey.example/api" }
states:
  ask:
    menu: { prompt: "Press 1 to take part.", options: { "1": save }, attempts: 1, onExhausted: none }
  save:
    fetch: { service: survey, method: POST, path: /answers, say: "One moment while I save that.", next: rate, onError: none }
  rate:
    menu: { prompt: "Press 1 if it was good, 2 if not.", options: { "1": good, "2": bad }, attempts: 1, onExhausted: none }
  good:
    hangup: { say: "Great.", result: good }
  bad:
    hangup: { say: "Sorry to hear it.", result: bad }
  none:
    hangup: { say: "Goodbye.", result: none }
`;

/** What each tenth of the contacts does, how it should end, and after how many calls. */
const PLAN = [
  ...Array.from({ length: 6 }, () => ({
    script: "answer; press 1",
    outcome: "completed",
    attempts: 1,
    result: "confirmed",
  })),
  { script: "no-answer | answer; press 2", outcome: "completed", attempts: 2, result: "cancelled" },
  { script: "busy", outcome: "busy", attempts: 2, result: "" }, // busy until the attempts run out
  { script: "failed | answer; press 1", outcome: "completed", attempts: 2, result: "confirmed" },
  { script: "answer", outcome: "completed", attempts: 1, result: "no-response" },
];
const CONTACTS = 1_000;
const CALLS = 1_300; // the plan's attempts, summed
const PACE = { callsPerSecond: 100, maxInProgress: 50 };
const number = (i: number) => `+6591${String(i).padStart(6, "0")}`;
const contactRow = (i: number) =>
  `${number(i)},Patient ${i},${String(9 + (i % 8)).padStart(2, "0")}:30,${String(i).padStart(4, "0")},${PLAN[i % 10]?.script}`;

let dir: string;
let server: LocalServer;
let local: DynamoDbLocal;
let doc: DynamoDBDocumentClient;
let survey: Server;
const surveyRequests: string[] = [];

beforeAll(async () => {
  // A DynamoDB Local of its own: this file sends thousands of requests in a minute, which would otherwise queue in
  // front of every other test file's (and their stores' 400 ms budgets) in the run's shared JVM.
  const { DYNAMODB_ENDPOINT: _shared, ...env } = process.env;
  local = await startDynamoDbLocal({ env });
  doc = createDocumentClient({ endpoint: local.endpoint, requestTimeoutMs: 5_000 });
  dir = mkdtempSync(join(tmpdir(), "callflow-campaign-"));
  writeFileSync(join(dir, "reminder.yaml"), FLOW);
  writeFileSync(join(dir, "hold-survey.yaml"), HOLD_FLOW);
  // The survey service on loopback, where the flow's requests go (as npm start points services at its back end).
  survey = createServer((req, res) => {
    surveyRequests.push(`${req.method} ${req.url}`);
    req.resume();
    req.on("end", () => {
      res.writeHead(201, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => survey.listen(0, "127.0.0.1", resolve));
  process.env.CALLFLOW_SERVICE_URL_survey = `http://127.0.0.1:${(survey.address() as AddressInfo).port}`;
  server = await startLocalServer({
    port: 0,
    flowsDir: dir,
    watch: false,
    dynamodbEndpoint: local.endpoint,
    print: () => {},
    // 8x8 answers one request in 150 with 429, so the dispatchers meet it and back off on the way (for 0.2 s,
    // doubling while it lasts: a test needs no minutes-long pauses)
    outbound: { tickMs: 100, ringMs: 10, refuseEvery: 150, dispatcherOptions: { backoffBaseMs: 200 } },
  });
});

afterAll(async () => {
  await server?.stop();
  doc?.destroy();
  await local?.stop();
  survey?.close();
  delete process.env.CALLFLOW_SERVICE_URL_survey;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Waits for the campaign to leave "running", reading its item only (a status report also counts contacts). */
async function waitForEnd(campaignId: string, limitMs: number): Promise<CampaignReport> {
  const campaigns = new DynamoCampaignStore(doc);
  const started = Date.now();
  for (;;) {
    const campaign = await campaigns.get(campaignId);
    if (campaign?.status !== "running") break;
    if (Date.now() - started > limitMs) throw new Error(`not done in ${limitMs} ms`);
    if (process.env.CAMPAIGN_PROGRESS) {
      process.stderr.write(`${Date.now() - started} ms: ${campaign.active.length} in progress\n`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return (await (await fetch(`${server.url}/local/campaigns/${campaignId}`)).json()) as CampaignReport;
}

describe("a 1,000-contact campaign on the local stack", () => {
  it("runs to completion with retries, the pace and the in-progress cap held, each contact dialled once per attempt", async () => {
    const second = server.outbound.newDispatcher({ backoffBaseMs: 200 }, "second");
    const stopSecond = new AbortController();
    const secondRun = second.run({ signal: stopSecond.signal, tickMs: 100 });
    const csv = ["to,patient,time,pin,script", ...Array.from({ length: CONTACTS }, (_, i) => contactRow(i))].join("\n");

    const started = Date.now();
    const cpu = process.cpuUsage();
    const res = await fetch(`${server.url}/local/campaigns`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        flow: "reminder",
        csv,
        options: { window: "always", timezone: "Asia/Singapore", pace: PACE, retry: { attempts: 2, delaySeconds: 1 } },
      }),
    });
    expect(res.status).toBe(201);
    const { campaign } = (await res.json()) as { campaign: { campaignId: string } };
    const report = await waitForEnd(campaign.campaignId, 240_000);
    const seconds = (Date.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    stopSecond.abort();
    const secondTotals = await secondRun;

    expect(report.status).toBe("completed");
    expect(report.counts.byStatus).toEqual({ pending: 0, dialing: 0, calling: 0, done: CONTACTS });
    expect(report.inProgress).toBe(0);

    const { rows } = (await (await fetch(`${server.url}/local/campaigns/${campaign.campaignId}/results`)).json()) as {
      rows: ResultRow[];
    };
    expect(rows).toHaveLength(CONTACTS);
    const wrong = rows.filter((row, i) => {
      const plan = PLAN[i % 10];
      return (
        row.to !== number(i) ||
        row.outcome !== plan?.outcome ||
        row.attempts !== plan?.attempts ||
        row.result !== plan?.result ||
        row.inputs.patient !== `Patient ${i}` ||
        "pin" in row.inputs // a sensitive input is never in the results
      );
    });
    expect(wrong).toEqual([]);

    // Once per attempt, never more: 8x8 received exactly as many calls per contact as attempts were recorded.
    const api = server.outbound.voiceApi;
    const dialsTo = new Map<string, number>();
    for (const dial of api.dials) dialsTo.set(dial.destination, (dialsTo.get(dial.destination) ?? 0) + 1);
    expect(rows.filter((row) => dialsTo.get(row.to) !== row.attempts)).toEqual([]);
    expect(api.dials).toHaveLength(CALLS);

    // Each call ran with its contact's inputs; the sensitive one is masked in the stored summary.
    const summary = await new DynamoSummaryStore(doc).get(rows[0]?.sessionId ?? "");
    expect(summary?.vars).toMatchObject({ patient: "Patient 0", time: "09:30", pin: "****" });

    // The pace: no second saw more new calls than the bucket allows (a full bucket plus a second's refill).
    const times = api.dials.map((d) => d.at).sort((a, b) => a - b);
    let busiest = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while ((times[i] as number) - (times[j] as number) >= 1_000) j++;
      busiest = Math.max(busiest, i - j + 1);
    }
    expect(busiest).toBeLessThanOrEqual(2 * PACE.callsPerSecond);
    // 8x8 never saw more calls at once than the campaign allows in progress.
    expect(api.maxInFlight).toBeLessThanOrEqual(PACE.maxInProgress);
    expect(api.rateLimited).toBeGreaterThan(0);
    // Both dispatchers did their share, and neither had to settle an attempt itself (no dial failed on our side).
    const first = server.outbound.dispatcher?.totals;
    expect([first?.settled, secondTotals.settled]).toEqual([0, 0]);
    expect(secondTotals.dialled).toBeGreaterThan(0);
    expect(secondTotals.dialled).toBeLessThan(CALLS);

    const exported = (
      await (await fetch(`${server.url}/local/campaigns/${campaign.campaignId}/results?format=csv`)).text()
    )
      .trimEnd()
      .split("\r\n");
    expect(exported).toHaveLength(CONTACTS + 1);
    expect(exported[0]).toBe("contact,line,to,outcome,result,attempts,lastError,sessionId,lastAttemptAt,patient,time");
    expect(exported[1]).toMatch(/^000001,2,\+6591000000,completed,confirmed,1,,[^,]+,[^,]+,Patient 0,09:30$/);
    process.stderr.write(
      `1,000-contact campaign: ${seconds.toFixed(1)} s, ${api.dials.length} calls (0 duplicates), ` +
        `busiest second ${busiest}, at most ${api.maxInFlight} in progress, ${api.rateLimited} requests refused with ` +
        `429, the second dispatcher placed ${secondTotals.dialled}; CPU of this process ` +
        `${((used.user + used.system) / 1e6).toFixed(1)} s\n`,
    );
  }, 300_000);
});

describe("a campaign on a flow that holds the line for a request", () => {
  it("hears the hold message through without spending a step of the callee's script", async () => {
    const csv = "to,script\n+6594000001,answer; press 1; press 2\n+6594000002,answer; press 1; press 1\n";
    const res = await fetch(`${server.url}/local/campaigns`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        flow: "hold-survey",
        csv,
        options: { window: "always", timezone: "UTC", pace: { callsPerSecond: 10 } },
      }),
    });
    expect(res.status).toBe(201);
    const { campaign } = (await res.json()) as { campaign: { campaignId: string } };
    await waitForEnd(campaign.campaignId, 60_000);
    const { rows } = (await (await fetch(`${server.url}/local/campaigns/${campaign.campaignId}/results`)).json()) as {
      rows: ResultRow[];
    };
    expect(rows.map((r) => [r.outcome, r.result])).toEqual([
      ["completed", "bad"],
      ["completed", "good"],
    ]);
    expect(surveyRequests).toEqual(["POST /answers", "POST /answers"]);
  });
});

describe("ivr campaign --local", () => {
  function cli() {
    const out: string[] = [];
    const err: string[] = [];
    const files = new Map<string, string>();
    const deps: CampaignDeps = {
      env: { IVR_URL: server.url },
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      readFile: (path) => {
        const text = files.get(path);
        if (text === undefined) throw new Error("ENOENT: no such file");
        return text;
      },
      writeFile: (path, text) => files.set(path, text),
      backend: (values, env) => localBackend(values, env),
    };
    return { deps, out, err, files, run: (...argv: string[]) => campaignCli([...argv, "--local"], deps) };
  }

  it("refuses a contacts file with problems, line by line, and starts nothing", async () => {
    const c = cli();
    c.files.set(
      "contacts.csv",
      [
        "to,patient,time,script",
        "+6592000001,Ann,10:00,answer",
        "6592000002,Bob,10:00,answer",
        "+6592000001,Cat,10:00,busy",
        "+6592000003,Dan,10:00,ring",
        "+6592000004,,9am,answer",
      ].join("\n"),
    );
    const before = (await (await fetch(`${server.url}/local/campaigns`)).json()) as { campaigns: unknown[] };
    expect(await c.run("start", "reminder", "contacts.csv", "--window", "always", "--timezone", "Asia/Singapore")).toBe(
      1,
    );
    expect(c.err.join("")).toBe(
      [
        "contacts.csv:3: column 'to' is not an E.164 number (+, country code, 7 to 15 digits: +6591234567)",
        "contacts.csv:4: the same number as line 2: each contact once per campaign",
        "contacts.csv:5: script: 'ring' is not an attempt; write attempts separated by |, each `no-answer`, `busy`, " +
          "`failed`, `error`, or `answer` followed by steps `; press 1`, `; silence`, `; hangup` (e.g. `no-answer | answer; press 1`)",
        "contacts.csv:6: input 'patient' is required",
        "contacts.csv:6: input 'time' does not match its pattern ^[0-2][0-9]:[0-5][0-9]$",
        "",
        "ivr campaign: nothing was started; fix the above first",
        "",
      ].join("\n"),
    );
    c.err.length = 0;
    expect(await c.run("start", "reminder", "contacts.csv", "--window", "mon-fry 09:00-18:00", "--rate", "0")).toBe(1);
    expect(c.err.join("")).toMatch(
      /^flow reminder has no single time zone \(in its hours states\): give the window's time zone\nthe pace must be 0 < calls per second <= 1000\ncontacts.csv:3:/,
    );
    const after = (await (await fetch(`${server.url}/local/campaigns`)).json()) as { campaigns: unknown[] };
    expect(after.campaigns).toHaveLength(before.campaigns.length);
  });

  it("starts, pauses, resumes and exports a campaign", async () => {
    const c = cli();
    c.files.set(
      "few.csv",
      "phone,patient,time,script\n+6593000001,Ann,10:00,answer; press 2\n+6593000002,Bob,11:00,busy | answer; press 1\n",
    );
    const args = ["--window", "always", "--timezone", "Asia/Singapore", "--rate", "50", "--retry-delay", "1s"];
    expect(await c.run("start", "reminder", "few.csv", ...args)).toBe(0);
    const id = /campaign (\S+) started: 2 contacts/.exec(c.out.join(""))?.[1] ?? "";
    expect(c.out.join("")).toContain("window Mon-Sun 00:00-24:00 (Asia/Singapore)");
    expect(await c.run("pause", id)).toBe(0);
    expect(await c.run("pause", id)).toBe(1);
    expect(c.err.join("")).toContain("cannot pause a campaign that is paused");
    expect(await c.run("resume", id)).toBe(0);
    await waitForEnd(id, 60_000);
    c.out.length = 0;
    expect(await c.run("status", id)).toBe(0);
    expect(c.out.join("")).toMatch(/\(completed\)[\s\S]*contacts 2: 2 done[\s\S]*outcomes: completed 2/);
    expect(await c.run("results", id, "--out", "results.csv")).toBe(0);
    expect(c.files.get("results.csv")?.split("\r\n").slice(0, 3)).toEqual([
      "contact,line,to,outcome,result,attempts,lastError,sessionId,lastAttemptAt,patient,time",
      expect.stringMatching(/^000001,2,\+6593000001,completed,cancelled,1,,.*,Ann,10:00$/),
      expect.stringMatching(/^000002,3,\+6593000002,completed,confirmed,2,8x8 session BUSY,.*,Bob,11:00$/),
    ]);
    expect(c.err.join("")).toContain("2 contacts: completed 2 (written to results.csv)");
    expect(await c.run("stop", id)).toBe(1); // completed: nothing to stop
    expect(await c.run("status", "no-such-campaign")).toBe(1);
  }, 60_000);
});

describe("inputs at the local entry points", () => {
  const INPUTS = { patient: "Ann Lee", time: "10:30", pin: "1234" };

  it("/local/dial checks them and starts the call with them; a refusal stores nothing", async () => {
    const post = (body: unknown) =>
      fetch(`${server.url}/local/dial`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const ok = await post({ flow: "reminder", to: "+6590000123", inputs: INPUTS });
    expect(ok.status).toBe(200);
    const dialled = (await ok.json()) as { callflow: { params: { text?: string } }[] };
    expect(dialled.callflow[0]?.params.text).toBe("Hello Ann Lee, your appointment is at 10:30.");
    const refused = await post({
      flow: "reminder",
      to: "+6590000123",
      inputs: { patient: "Ann", time: "soon", pin: "12" },
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({
      error: "inputs refused",
      problems: [
        "input 'time' does not match its pattern ^[0-2][0-9]:[0-5][0-9]$",
        "input 'pin' does not match its pattern ^[0-9]{4}$",
      ],
    });
    expect((await post({ flow: "reminder", to: "+6590000123", inputs: { patient: 1 } })).status).toBe(400);
  });

  it("ivr call --var rings you with them", async () => {
    const heard: string[] = [];
    const call = { url: server.url, flow: "reminder", caller: "+6590000123" };
    const result = await placeCall({
      ...call,
      inputs: INPUTS,
      hear: (line) => heard.push(line),
      readKeys: async () => "1",
    });
    expect(heard.slice(1)).toEqual([
      "Hello Ann Lee, your appointment is at 10:30.",
      "To confirm, press 1. To cancel, press 2.",
      "Confirmed. Goodbye.",
      "[hangs up]",
    ]);
    expect(result.endedBy).toBe("flow");
    await expect(
      placeCall({ ...call, inputs: { patient: "Ann" }, hear: () => {}, readKeys: async () => "" }),
    ).rejects.toThrow("reminder refuses these inputs (nothing was dialled):\n  input 'time' is required");
  });

  it("ivr replay --var plays the call outbound with them, and refuses bad ones with exit 2", async () => {
    const file = join(dir, "reminder.yaml");
    const env = { DYNAMODB_ENDPOINT: (await dynamoDbForTests()).endpoint };
    const ok = await runIvr(["replay", file, "--var", "patient=Ann Lee", "--var", "time=10:30", "--dtmf", "2"], {
      env,
    });
    expect(ok.stderr).toMatch(/^ivr replay: call completed in cancelled \(result: cancelled\) \(session [^)]+\)\n$/);
    expect(ok.code).toBe(0);
    const replay = JSON.parse(ok.stdout) as {
      turns: { callflow: { params: { text?: string } }[] }[];
      ended: boolean;
    };
    expect(replay.turns[0]?.callflow[0]?.params.text).toBe("Hello Ann Lee, your appointment is at 10:30.");
    expect(replay.turns[1]?.callflow[0]?.params.text).toBe("Cancelled. Goodbye.");
    expect(replay.ended).toBe(true);
    const refused = await runIvr(["replay", file, "--var", "patient=Ann Lee"], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe("ivr replay: flow reminder refuses these inputs:\n  input 'time' is required\n");
    expect(refused.stdout).toBe("");
  });
});
