/** The phone's clock setting: wall-clock time in the flow's zone, moved to the future by whole weeks. */
import { describe, expect, it } from "vitest";
import { callClock, zonedInstant } from "../../src/studio/clock.js";

describe("call clock", () => {
  it("reads the setting as wall-clock time in the zone", () => {
    expect(zonedInstant("2026-11-24T10:00", "Asia/Singapore").toISOString()).toBe("2026-11-24T02:00:00.000Z");
    expect(zonedInstant("2026-07-01T09:30", "America/New_York").toISOString()).toBe("2026-07-01T13:30:00.000Z");
    expect(zonedInstant("2026-01-15T09:30", "America/New_York").toISOString()).toBe("2026-01-15T14:30:00.000Z");
    expect(zonedInstant("2026-03-29T12:00", "UTC").toISOString()).toBe("2026-03-29T12:00:00.000Z");
  });

  it("refuses what is not a time", () => {
    expect(() => zonedInstant("tomorrow", "UTC")).toThrow(/2026-11-24T10:00/);
    expect(() => zonedInstant("2026-02-30T10:00", "UTC")).toThrow(/no such time/);
  });

  it("keeps a future setting and moves a past one forward by whole weeks, same weekday and time", () => {
    const now = new Date("2026-12-01T00:00:00Z");
    expect(callClock("2026-12-08T10:00", "Asia/Singapore", now)).toEqual({ start: new Date("2026-12-08T02:00:00Z") });
    const moved = callClock("2026-11-24T10:00", "Asia/Singapore", now); // a Tuesday, a week ago
    expect(moved.start.toISOString()).toBe("2026-12-01T02:00:00.000Z"); // the first Tuesday 10:00 after `now`
    expect(moved.note).toMatch(/in the past: the call runs on 2026-12-01/);
    expect(callClock("2026-10-06T10:00", "Asia/Singapore", now).start.toISOString()).toBe("2026-12-01T02:00:00.000Z");
  });
});
