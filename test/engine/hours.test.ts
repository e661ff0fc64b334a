import { describe, expect, it } from "vitest";
import { isOpen, localTime } from "../../src/engine/hours.js";
import { call, hangupState, hoursState, machineOf, script } from "./fixtures.js";

const h = (hh: number, mm = 0) => hh * 60 + mm;
const weekdays = (range: [number, number]): [number, number][][] => [
  [],
  [range],
  [range],
  [range],
  [range],
  [range],
  [],
];
/** Mon-Fri 09:00-18:00, Sat 09:00-13:00 */
const OFFICE: [number, number][][] = weekdays([h(9), h(18)]);
OFFICE[6] = [[h(9), h(13)]];

describe("localTime", () => {
  it("reads the wall clock in the time zone", () => {
    const now = new Date("2026-03-04T03:30:00Z"); // Wed
    expect(localTime(now, "Asia/Singapore")).toEqual({ weekday: 3, minute: h(11, 30), date: "2026-03-04" });
    expect(localTime(now, "America/New_York")).toEqual({ weekday: 2, minute: h(22, 30), date: "2026-03-03" });
    expect(localTime(new Date("2026-03-04T00:00:00Z"), "UTC")).toEqual({ weekday: 3, minute: 0, date: "2026-03-04" });
  });

  it("follows daylight saving time", () => {
    // London: GMT in winter, BST (UTC+1) in summer.
    expect(localTime(new Date("2026-01-15T08:30:00Z"), "Europe/London").minute).toBe(h(8, 30));
    expect(localTime(new Date("2026-07-15T08:30:00Z"), "Europe/London").minute).toBe(h(9, 30));
  });
});

describe("hours state", () => {
  const state = hoursState("Asia/Singapore", OFFICE, ["2026-12-25"]);

  it("open inside a range, closed outside; ranges are [start, end)", () => {
    expect(isOpen(state, new Date("2026-03-04T01:00:00Z"))).toBe(true); // Wed 09:00 SGT
    expect(isOpen(state, new Date("2026-03-04T00:59:00Z"))).toBe(false); // Wed 08:59
    expect(isOpen(state, new Date("2026-03-04T10:00:00Z"))).toBe(false); // Wed 18:00
    expect(isOpen(state, new Date("2026-03-07T04:00:00Z"))).toBe(true); // Sat 12:00
    expect(isOpen(state, new Date("2026-03-07T05:00:00Z"))).toBe(false); // Sat 13:00
    expect(isOpen(state, new Date("2026-03-08T04:00:00Z"))).toBe(false); // Sun
  });

  it("closedOn is a local date", () => {
    // Fri 2026-12-25 10:00 SGT is 02:00 UTC; still the 24th in New York.
    const christmas = new Date("2026-12-25T02:00:00Z");
    expect(isOpen(state, christmas)).toBe(false);
    expect(isOpen(state, new Date("2026-12-24T02:00:00Z"))).toBe(true);
    const newYork = hoursState("America/New_York", [[], [], [], [], [[h(20), h(23)]], [], []], ["2026-12-25"]);
    expect(isOpen(newYork, christmas)).toBe(true); // Thu 24th 21:00 in New York
  });

  it("the same instant is open in one time zone and closed in another", () => {
    const instant = new Date("2026-03-04T03:00:00Z"); // Wed 11:00 SGT, Tue 22:00 New York
    expect(isOpen(state, instant)).toBe(true);
    expect(isOpen(hoursState("America/New_York", OFFICE), instant)).toBe(false);
  });

  it("routes the call by the clock the engine is given", () => {
    const machine = machineOf({ check: state, open: hangupState("Open."), closed: hangupState("Closed.") });
    const open = call(machine, [], { now: new Date("2026-03-04T03:00:00Z") })[0]!;
    expect(script(open.actions)[0]).toBe("say:Open.");
    expect(open.edges).toEqual([{ from: "check", to: "open", on: "then" }]);
    const closed = call(machine, [], { now: new Date("2026-12-25T03:00:00Z") })[0]!;
    expect(script(closed.actions)[0]).toBe("say:Closed.");
    expect(closed.edges).toEqual([{ from: "check", to: "closed", on: "else" }]);
  });
});
