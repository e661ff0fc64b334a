/** The pure parts of campaigns: retry decisions, the token bucket, windows, callee scripts, contacts files, results. */
import { describe, expect, it } from "vitest";
import { isOpen } from "../../src/engine/hours.js";
import { attemptOf, parseCalleeScript } from "../../src/outbound/callee-script.js";
import {
  type Campaign,
  capacityOf,
  nextAfterAttempt,
  type RetryPolicy,
  tokensAt,
} from "../../src/outbound/campaign.js";
import { formatProblems, parseContacts } from "../../src/outbound/contacts-csv.js";
import { resultRow, resultsCsv } from "../../src/outbound/results.js";
import { describeWindow, parseWindow, windowFromHoursState } from "../../src/outbound/window.js";
import { hoursState, machineOf } from "../engine/fixtures.js";
import { reminderMachine } from "./fixtures.js";

const retry: RetryPolicy = { attempts: 3, delaySeconds: 60, on: ["NO_ANSWER", "BUSY", "FAILED"] };
const NOW = 1_000_000;

describe("after an attempt", () => {
  it("retries a status it retries on while attempts are left, after the delay", () => {
    expect(nextAfterAttempt(retry, 1, { kind: "summary", sessionStatus: "NO_ANSWER" }, NOW)).toEqual({
      kind: "retry",
      dueAt: NOW + 60_000,
      status: "NO_ANSWER",
      error: "8x8 session NO_ANSWER",
    });
    expect(nextAfterAttempt(retry, 3, { kind: "summary", sessionStatus: "BUSY" }, NOW)).toMatchObject({
      kind: "final",
      outcome: "busy",
    });
  });

  it("ends a completed call with the flow's result, and never retries what it does not retry on", () => {
    expect(
      nextAfterAttempt(retry, 1, { kind: "summary", sessionStatus: "COMPLETED", result: "confirmed" }, NOW),
    ).toEqual({
      kind: "final",
      outcome: "completed",
      status: "COMPLETED",
      result: "confirmed",
    });
    expect(nextAfterAttempt(retry, 1, { kind: "summary", sessionStatus: "ERROR" }, NOW)).toMatchObject({
      kind: "final",
      outcome: "error",
    });
  });

  it("never retries a refused request or a call whose summary never came, and retries an interrupted dial", () => {
    expect(nextAfterAttempt(retry, 1, { kind: "rejected", error: "-1017" }, NOW)).toMatchObject({
      kind: "final",
      outcome: "rejected",
    });
    expect(nextAfterAttempt(retry, 1, { kind: "no-summary" }, NOW)).toMatchObject({
      kind: "final",
      outcome: "unknown",
    });
    expect(nextAfterAttempt(retry, 1, { kind: "interrupted" }, NOW)).toMatchObject({
      kind: "retry",
      status: "INTERRUPTED",
    });
    expect(nextAfterAttempt(retry, 3, { kind: "interrupted" }, NOW)).toMatchObject({
      kind: "final",
      outcome: "unknown",
    });
    expect(nextAfterAttempt(retry, 1, { kind: "dial-error", error: "timeout" }, NOW)).toMatchObject({ kind: "retry" });
  });
});

describe("the pace", () => {
  const campaign = (tokens: number, refilledAt: number, active: string[] = []) =>
    ({ tokens, refilledAt, active, pace: { callsPerSecond: 4, maxInProgress: 3 } }) as unknown as Campaign;

  it("refills at the pace up to one second's worth, and never from a clock behind the last refill", () => {
    expect(tokensAt(campaign(0, NOW), NOW + 500)).toBe(2);
    expect(tokensAt(campaign(1, NOW), NOW + 60_000)).toBe(4);
    expect(tokensAt(campaign(1, NOW), NOW - 5_000)).toBe(1);
  });

  it("starts no more calls than tokens and free slots", () => {
    expect(capacityOf(campaign(4, NOW), NOW)).toBe(3);
    expect(capacityOf(campaign(4, NOW, ["a#1", "b#1"]), NOW)).toBe(1);
    expect(capacityOf(campaign(0.9, NOW), NOW)).toBe(0);
  });
});

describe("calling windows", () => {
  it("are written like hours and evaluated by the engine in their time zone, closed dates included", () => {
    const parsed = parseWindow("mon-fri 09:00-12:00,13:00-18:00; sat 09:00-12:00", "Asia/Singapore", ["2026-12-25"]);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(describeWindow(parsed.window)).toBe(
      "Mon-Fri 09:00-12:00,13:00-18:00, Sat 09:00-12:00 (Asia/Singapore); closed 2026-12-25",
    );
    const at = (iso: string) => isOpen(parsed.window, new Date(iso));
    expect(at("2026-11-24T08:59:59+08:00")).toBe(false);
    expect(at("2026-11-24T09:00:00+08:00")).toBe(true);
    expect(at("2026-11-24T12:30:00+08:00")).toBe(false);
    expect(at("2026-11-24T17:59:59+08:00")).toBe(true);
    expect(at("2026-11-24T18:00:00+08:00")).toBe(false);
    expect(at("2026-11-28T11:00:00+08:00")).toBe(true); // Saturday
    expect(at("2026-11-29T11:00:00+08:00")).toBe(false); // Sunday
    expect(at("2026-12-25T10:00:00+08:00")).toBe(false); // a Friday, closed
  });

  it("refuse what hours refuse, with the reason", () => {
    expect(parseWindow("mon-fry 09:00-18:00", "Asia/Singapore")).toMatchObject({
      ok: false,
      message: expect.stringMatching(/not a day spec/),
    });
    expect(parseWindow("mon 18:00-09:00", "Asia/Singapore")).toMatchObject({
      ok: false,
      message: expect.stringMatching(/ends before it starts/),
    });
    expect(parseWindow("mon", "Asia/Singapore")).toMatchObject({
      ok: false,
      message: expect.stringMatching(/no time range/),
    });
    expect(parseWindow("always", "SGT")).toMatchObject({ ok: false, message: expect.stringMatching(/IANA/) });
    expect(parseWindow("always", "UTC", ["2026-02-30"])).toMatchObject({
      ok: false,
      message: expect.stringMatching(/not a date/),
    });
  });

  it("can be a flow's hours state", () => {
    const machine = machineOf({
      office: hoursState("Europe/London", [[], [[540, 1020]], [], [], [], [], []], ["2026-12-28"], {
        open: "a",
        closed: "b",
      }),
    });
    expect(windowFromHoursState(machine, "office")).toEqual({
      ok: true,
      window: { timezone: "Europe/London", open: [[], [[540, 1020]], [], [], [], [], []], closedOn: ["2026-12-28"] },
    });
    expect(windowFromHoursState(machine, "nope")).toMatchObject({
      ok: false,
      message: expect.stringMatching(/hours states: office/),
    });
  });
});

describe("callee scripts", () => {
  it("plan each attempt, the last repeating", () => {
    const script = parseCalleeScript("no-answer | Busy | answer; press 1; silence; hangup");
    expect(attemptOf(script, 1)).toEqual({ answer: false, status: "NO_ANSWER" });
    expect(attemptOf(script, 2)).toEqual({ answer: false, status: "BUSY" });
    expect(attemptOf(script, 5)).toEqual({
      answer: true,
      steps: [{ press: "1" }, { silence: true }, { hangup: true }],
    });
    expect(parseCalleeScript("")).toEqual([{ answer: true, steps: [] }]);
  });

  it("refuse what they cannot play", () => {
    expect(() => parseCalleeScript("ring")).toThrow(/'ring' is not an attempt/);
    expect(() => parseCalleeScript("answer; press x")).toThrow(/'press x' is not a step/);
    expect(() => parseCalleeScript("busy; press 1")).toThrow(/takes no steps/);
  });
});

describe("contacts files", () => {
  const machine = reminderMachine();

  it("give one row per contact: the number normalised, the inputs checked and completed", () => {
    const csv =
      'Phone,patient,time,clinic\n+65 9123-4567,Ann Lee,10:30,Harbourfront\n\n"+6591234568","Lee, Bob",11:00,\n';
    const parsed = parseContacts(csv, machine);
    expect(parsed).toEqual({
      ok: true,
      numberColumn: "Phone",
      inputColumns: ["patient", "time", "clinic"],
      hasScripts: false,
      rows: [
        { line: 2, to: "+6591234567", inputs: { patient: "Ann Lee", time: "10:30", clinic: "Harbourfront", pin: "" } },
        { line: 4, to: "+6591234568", inputs: { patient: "Lee, Bob", time: "11:00", clinic: "", pin: "" } },
      ],
    });
  });

  it("report every bad line, without quoting a value", () => {
    const csv = [
      "to,patient,time,pin",
      "+6591234567,Ann,10:30,",
      "91234567,Bob,10:30,",
      "+6591234567,Cat,10:30,",
      "+6591234569,,9am,12",
      "+6591234570,Dan",
      "+6591234571,Eve,09:00,1234",
    ].join("\n");
    const parsed = parseContacts(csv, machine);
    expect(parsed.ok).toBe(false);
    const printed = parsed.ok ? "" : formatProblems("contacts.csv", parsed.problems);
    expect(printed).toBe(
      [
        "contacts.csv:3: column 'to' is not an E.164 number (+, country code, 7 to 15 digits: +6591234567)",
        "contacts.csv:4: the same number as line 2: each contact once per campaign",
        "contacts.csv:5: input 'patient' is required",
        "contacts.csv:5: input 'time' does not match its pattern ^[0-2][0-9]:[0-5][0-9]$",
        "contacts.csv:5: input 'pin' does not match its pattern ^[0-9]{4}$",
        "contacts.csv:6: 2 values for 4 columns",
      ].join("\n"),
    );
    expect(printed).not.toMatch(/91234567,|Bob|9am/);
  });

  it("refuse a file whose columns do not fit the flow before reading its rows", () => {
    const parsed = parseContacts("number,patinet,script\n+6591234567,Ann,answer\n", machine);
    expect(parsed.ok ? [] : parsed.problems.map((p) => `${p.line}: ${p.message}`)).toEqual([
      "1: column 'script' scripts the simulated callee of local runs; remove it for a real campaign",
      "1: column(s) 'patinet' are not inputs of flow reminder (its inputs: patient, clinic, time, pin)",
      "1: no column for the required input 'patient'",
      "1: no column for the required input 'time'",
    ]);
    expect(parseContacts("patient,time\nAnn,10:30\n", machine)).toMatchObject({
      ok: false,
      problems: [expect.objectContaining({ message: expect.stringMatching(/no column for the number/) })],
    });
    expect(parseContacts("", machine)).toMatchObject({
      ok: false,
      problems: [{ line: 0, message: "the file is empty: expected a header line" }],
    });
    expect(parseContacts('to,patient,time\n+6591234567,"Ann,10:30\n', machine)).toMatchObject({
      ok: false,
      problems: [{ line: 2, message: expect.stringMatching(/not valid CSV: Quote Not Closed/) }],
    });
  });

  it("take the simulated callee's script where allowed, and check it", () => {
    const plain = reminderMachine({ inputs: undefined });
    const parsed = parseContacts("to,script\n+6591234567,no-answer | answer; press 1\n+6591234568,ring\n", plain, {
      allowScript: true,
    });
    expect(parsed.ok ? [] : parsed.problems.map((p) => p.line)).toEqual([3]);
    const good = parseContacts("to,script\n+6591234567,no-answer | answer; press 1\n", plain, { allowScript: true });
    expect(good.ok && good.rows[0]?.script).toBe("no-answer | answer; press 1");
  });
});

describe("results", () => {
  it("export one CSV line per contact, quoted where needed and safe to open in a spreadsheet", () => {
    const base = { campaignId: "c", line: 2, to: "+6591234567", dueAt: 0, updatedAt: "", expiresAt: 0 };
    const rows = [
      resultRow({
        ...base,
        contactId: "000001",
        inputs: { patient: "Lee, Ann", note: "=HYPERLINK(1)" },
        status: "done",
        attempts: 2,
        outcome: "completed",
        result: "confirmed",
        lastError: "8x8 session NO_ANSWER",
        sessionId: "s-2",
        history: [{ attempt: 2, at: "2026-11-24T02:00:00.000Z", status: "COMPLETED", sessionId: "s-2" }],
      }),
      resultRow({ ...base, contactId: "000002", line: 3, inputs: {}, status: "pending", attempts: 0, history: [] }),
    ];
    expect(resultsCsv(rows).split("\r\n")).toEqual([
      "contact,line,to,outcome,result,attempts,lastError,sessionId,lastAttemptAt,patient,note",
      '000001,2,+6591234567,completed,confirmed,2,8x8 session NO_ANSWER,s-2,2026-11-24T02:00:00.000Z,"Lee, Ann",\'=HYPERLINK(1)',
      "000002,3,+6591234567,not-dialled,,0,,,,,",
      "",
    ]);
  });
});
