/** The local tools' clocks (src/local/clock.ts) and `npm start -- --at`. */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { lagSeconds, parseInstant, shiftedClock } from "../../src/local/clock.js";

describe("parseInstant", () => {
  it("takes an ISO-8601 instant with a zone", () => {
    expect(parseInstant("2026-11-24T10:00:00+08:00", "--at").toISOString()).toBe("2026-11-24T02:00:00.000Z");
    expect(parseInstant("2026-11-24T02:00:00Z", "--at").toISOString()).toBe("2026-11-24T02:00:00.000Z");
  });

  it("refuses a wall-clock time without a zone, and what is not a time, saying so", () => {
    expect(() => parseInstant("2026-11-24T10:00", "--at")).toThrow(/--at '2026-11-24T10:00' needs a time zone/);
    expect(() => parseInstant("tuesday+08:00", "--at")).toThrow(/is not an ISO-8601 date-time/);
  });
});

describe("shiftedClock and lagSeconds", () => {
  it("reads the instant now and runs on in real time", () => {
    let real = 1_000_000;
    const clock = shiftedClock(new Date("2026-11-24T02:00:00Z"), () => real);
    expect(clock().toISOString()).toBe("2026-11-24T02:00:00.000Z");
    real += 90_000;
    expect(clock().toISOString()).toBe("2026-11-24T02:01:30.000Z");
  });

  it("says how far a clock is behind the real one (0 when it is not)", () => {
    expect(lagSeconds(new Date(Date.now() - 3_600_000))).toBeGreaterThanOrEqual(3600);
    expect(lagSeconds(new Date(Date.now() + 60_000))).toBe(0);
  });
});

describe("npm start -- --at", () => {
  it("refuses an instant without a zone before starting anything", () => {
    const run = spawnSync("npx", ["tsx", "src/local/main.ts", "--at", "2026-11-24T10:00"], { encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/npm start: --at '2026-11-24T10:00' needs a time zone/);
  });
});
