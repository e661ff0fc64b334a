/**
 * A whole campaign through the local stack, as `npm start` runs it: 1,000 contacts posted to the campaign route,
 * two dispatchers (the server's and a second one) claiming from the same DynamoDB Local tables, the simulated 8x8
 * refusing some requests with 429 (its limit set below the pace), and every call played by a scripted callee
 * through the server's real VCA and VSS webhooks. Retries are one second apart, so it takes seconds, not hours.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CampaignDeps, run as campaignCli, localBackend } from "../../src/cli/commands/campaign.js";
import { ensureGeneratedValidators } from "../../src/local/generated-code.js";
import type { LocalServer } from "../../src/local/server.js";
import { startLocalServer } from "../../src/local/server.js";
import type { CampaignReport } from "../../src/outbound/campaigns.js";
import type { ResultRow } from "../../src/outbound/results.js";
import { DynamoSummaryStore } from "../../src/store/dynamodb-summary-store.js";
import { dynamoDbForTests } from "../support/dynamodb.js";
import { isolatedCampaignTables } from "./campaign-support.js";

const FLOW = `flow: reminder
start: reminder
states:
  reminder:
    menu:
      prompt: "To confirm, press 1. To cancel, press 2."
      options: { "1": confirmed, "2": cancelled }
      attempts: 2
      onExhausted: no-response
  confirmed:
    hangup: { say: "Confirmed. Goodbye." }
  cancelled:
    hangup: { say: "Cancelled. Goodbye." }
  no-response:
    hangup: { say: "No choice. Goodbye." }
`;

/** What each tenth of the contacts does, what it should end as, and after how many calls. */
const PLAN = [
  ...Array.from({ length: 6 }, () => ({
    script: "answer; press 1",
    outcome: "completed",
    attempts: 1,
    state: "confirmed",
  })),
  { script: "no-answer | answer; press 2", outcome: "completed", attempts: 2, state: "cancelled" },
  { script: "busy", outcome: "busy", attempts: 3, state: undefined },
  { script: "failed | answer; press 1", outcome: "completed", attempts: 2, state: "confirmed" },
  { script: "answer", outcome: "completed", attempts: 1, state: "no-response" },
];
const CONTACTS = 1_000;
const PACE = { callsPerSecond: 100, maxInProgress: 50 };
const number = (i: number) => `+6591${String(i).padStart(6, "0")}`;

let dir: string;
let server: LocalServer;

beforeAll(async () => {
  const { endpoint } = await dynamoDbForTests();
  await isolatedCampaignTables(); // this server's dispatchers see this file's campaigns only
  await ensureGeneratedValidators();
  dir = mkdtempSync(join(tmpdir(), "callflow-campaign-"));
  writeFileSync(join(dir, "reminder.yaml"), FLOW);
  server = await startLocalServer({
    port: 0,
    flowsDir: dir,
    watch: false,
    dynamodbEndpoint: endpoint,
    print: () => {},
    // 8x8's limit set below the pace, so the dispatchers meet 429s and back off on the way
    outbound: { tickMs: 50, ringMs: 10, rateLimitPerSecond: 80 },
  });
});

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a 1,000-contact campaign on the local stack", () => {
  it("runs to completion with retries, the pace and the in-progress cap held, each contact dialled once per attempt", async () => {
    const second = server.outbound.newDispatcher({}, "second");
    const stopSecond = new AbortController();
    const secondRun = second.run({ signal: stopSecond.signal, tickMs: 50 });
    const csv = [
      "to,script",
      ...Array.from({ length: CONTACTS }, (_, i) => `${number(i)},${PLAN[i % 10]!.script}`),
    ].join("\n");

    const started = Date.now();
    const res = await fetch(`${server.url}/local/campaigns`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        flow: "reminder",
        csv,
        options: { window: "always", timezone: "Asia/Singapore", pace: PACE, retry: { attempts: 3, delaySeconds: 1 } },
      }),
    });
    expect(res.status).toBe(201);
    const { campaign } = (await res.json()) as { campaign: { campaignId: string } };

    let report: CampaignReport;
    for (;;) {
      report = (await (await fetch(`${server.url}/local/campaigns/${campaign.campaignId}`)).json()) as CampaignReport;
      if (report.status !== "running") break;
      if (Date.now() - started > 240_000) throw new Error(`not done after 4 minutes: ${JSON.stringify(report.counts)}`);
      if (process.env.CAMPAIGN_PROGRESS)
        process.stderr.write(`${Date.now() - started} ms ${JSON.stringify(report.counts.byStatus)}\n`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const seconds = (Date.now() - started) / 1000;
    stopSecond.abort();
    const secondTotals = await secondRun;

    expect(report.status).toBe("completed");
    expect(report.counts.byStatus).toEqual({ pending: 0, dialing: 0, calling: 0, done: CONTACTS });
    expect(report.inProgress).toBe(0);

    const { rows } = (await (await fetch(`${server.url}/local/campaigns/${campaign.campaignId}/results`)).json()) as {
      rows: ResultRow[];
    };
    expect(rows).toHaveLength(CONTACTS);
    const api = server.outbound.voiceApi;
    const dialsTo = new Map<string, number>();
    for (const dial of api.dials) dialsTo.set(dial.destination, (dialsTo.get(dial.destination) ?? 0) + 1);
    const wrong = rows.filter((row, i) => {
      const plan = PLAN[i % 10]!;
      return row.to !== number(i) || row.outcome !== plan.outcome || row.attempts !== plan.attempts;
    });
    expect(wrong).toEqual([]);
    // Once per attempt, never more: 8x8 received exactly as many calls per contact as attempts were recorded.
    const duplicates = rows.filter((row) => dialsTo.get(row.to) !== row.attempts);
    expect(duplicates).toEqual([]);
    expect(api.dials).toHaveLength(1_400);
    // The flow's path: what each answered callee pressed decided where the call ended.
    const stored = new DynamoSummaryStore((await dynamoDbForTests()).doc);
    const summaries = await Promise.all(
      rows.slice(0, 10).map(async (row) => (await stored.get(row.sessionId))?.finalState),
    );
    expect(summaries).toEqual(PLAN.map((p) => p.state ?? "reminder"));

    // Pace: no second held more new calls than the bucket allows (a full bucket, plus a second's refill, plus the
    // calls already on their way to 8x8 when the second began).
    const times = api.dials.map((d) => d.at).sort((a, b) => a - b);
    let busiest = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while ((times[i] as number) - (times[j] as number) >= 1_000) j++;
      busiest = Math.max(busiest, i - j + 1);
    }
    expect(busiest).toBeLessThanOrEqual(2 * PACE.callsPerSecond);
    expect(api.maxInFlight).toBeLessThanOrEqual(PACE.maxInProgress);
    expect(api.rateLimited).toBeGreaterThan(0);
    // Both dispatchers did their share.
    expect(secondTotals.dialled).toBeGreaterThan(0);
    expect(secondTotals.dialled).toBeLessThan(1_400);

    const csvRes = await fetch(`${server.url}/local/campaigns/${campaign.campaignId}/results?format=csv`);
    const exported = (await csvRes.text()).trimEnd().split("\r\n");
    expect(exported).toHaveLength(CONTACTS + 1);
    expect(exported[1]).toMatch(/^000001,2,\+6591000000,completed,,1,,/);
    process.stderr.write(
      `1,000-contact campaign: ${seconds.toFixed(1)} s, ${api.dials.length} calls, ` +
        `busiest second ${busiest}, at most ${api.maxInFlight} in progress, ${api.rateLimited} requests refused with 429, ` +
        `second dispatcher placed ${secondTotals.dialled}\n`,
    );
  }, 300_000);
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
      "to,script\n+6592000001,answer\n6592000002,answer\n+6592000001,busy\n+6592000003,ring\n",
    );
    expect(await c.run("start", "reminder", "contacts.csv", "--window", "always", "--timezone", "Asia/Singapore")).toBe(
      1,
    );
    expect(c.err.join("")).toBe(
      [
        "contacts.csv:3: column 'to' is not an E.164 number (+, country code, 7 to 15 digits: +6591234567)",
        "contacts.csv:4: the same number as line 2: each contact once per campaign",
        "contacts.csv:5: script: 'ring' is not an attempt; write attempts separated by |, each `no-answer`, `busy`, " +
          "`failed`, `error`, or `answer` followed by steps `; press 1`, `; silence`, `; hangup` (e.g. `no-answer | answer; press 1`)",
        "",
        "ivr campaign: nothing was started; fix the above first",
        "",
      ].join("\n"),
    );
    const before = (await (await fetch(`${server.url}/local/campaigns`)).json()) as { campaigns: unknown[] };
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
    c.files.set("few.csv", "phone,script\n+6593000001,answer; press 2\n+6593000002,busy | answer; press 1\n");
    const args = ["--window", "always", "--timezone", "Asia/Singapore", "--rate", "50", "--retry-delay", "1s"];
    expect(await c.run("start", "reminder", "few.csv", ...args)).toBe(0);
    const id = /campaign (\S+) started: 2 contacts/.exec(c.out.join(""))?.[1] ?? "";
    expect(c.out.join("")).toContain("window Mon-Sun 00:00-24:00 (Asia/Singapore)");
    expect(await c.run("pause", id)).toBe(0);
    expect(await c.run("pause", id)).toBe(1);
    expect(c.err.join("")).toContain("cannot pause a campaign that is paused");
    expect(await c.run("resume", id)).toBe(0);
    for (let i = 0; i < 300; i++) {
      const report = (await (await fetch(`${server.url}/local/campaigns/${id}`)).json()) as CampaignReport;
      if (report.status === "completed") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    c.out.length = 0;
    expect(await c.run("status", id)).toBe(0);
    expect(c.out.join("")).toMatch(/\(completed\)[\s\S]*contacts 2: 2 done[\s\S]*outcomes: completed 2/);
    expect(await c.run("results", id, "--out", "results.csv")).toBe(0);
    expect(c.files.get("results.csv")?.split("\r\n").slice(0, 3)).toEqual([
      "contact,line,to,outcome,result,attempts,lastError,sessionId,lastAttemptAt",
      expect.stringMatching(/^000001,2,\+6593000001,completed,,1,,/),
      expect.stringMatching(/^000002,3,\+6593000002,completed,,2,8x8 session BUSY,/),
    ]);
    expect(c.err.join("")).toContain("2 contacts: completed 2 (written to results.csv)");
    expect(await c.run("stop", id)).toBe(1);
    expect(await c.run("status", "no-such-campaign")).toBe(1);
  }, 60_000);
});
