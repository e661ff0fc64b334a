import { describe, expect, it } from "vitest";
import { conditionHolds } from "../../src/engine/conditions.js";
import type { Condition } from "../../src/engine/machine.js";
import { branchState, call, hangupState, lastOf, machineOf, menuState, script, VOICE } from "./fixtures.js";

const vars = { account: "91234", queue: "tech", empty: "" };
const holds = (condition: Condition) => conditionHolds(condition, vars, (source) => new RegExp(source));

describe("branch conditions", () => {
  it("equals", () => {
    expect(holds({ var: "queue", equals: "tech" })).toBe(true);
    expect(holds({ var: "queue", equals: "sales" })).toBe(false);
    expect(holds({ var: "missing", equals: "" })).toBe(false);
  });

  it("matches", () => {
    expect(holds({ var: "account", matches: "^9" })).toBe(true);
    expect(holds({ var: "account", matches: "^8" })).toBe(false);
    expect(holds({ var: "missing", matches: ".*" })).toBe(false);
  });

  it("in", () => {
    expect(holds({ var: "queue", in: ["sales", "tech"] })).toBe(true);
    expect(holds({ var: "queue", in: ["sales"] })).toBe(false);
  });

  it("numeric comparisons compare as numbers; a value that is not a number makes them false", () => {
    const n = (value: string, condition: Omit<Condition, "var">) =>
      conditionHolds({ var: "x", ...condition } as Condition, { x: value }, (source) => new RegExp(source));
    expect(n("9", { lessThan: 10 })).toBe(true);
    expect(n("10", { lessThan: 10 })).toBe(false);
    expect(n("10", { atMost: 10 })).toBe(true);
    expect(n("100.50", { greaterThan: 100.5 })).toBe(false);
    expect(n("100.51", { greaterThan: 100.5 })).toBe(true);
    expect(n("-3", { atLeast: -3 })).toBe(true);
    expect(n(" 7 ", { atLeast: 7 })).toBe(true);
    for (const bad of ["", "abc", "12abc", "0x10", "Infinity", "NaN", "1e999"]) {
      expect(n(bad, { lessThan: 1e300 })).toBe(false);
      expect(n(bad, { greaterThan: -1e300 })).toBe(false);
    }
    expect(holds({ var: "missing", lessThan: 1 })).toBe(false);
  });

  it("exists (assigned, even to an empty string)", () => {
    expect(holds({ var: "empty", exists: true })).toBe(true);
    expect(holds({ var: "missing", exists: true })).toBe(false);
    expect(holds({ var: "missing", exists: false })).toBe(true);
    expect(holds({ var: "toString", exists: true })).toBe(false); // not an inherited property
  });

  it("all / any / not", () => {
    const vip: Condition = { var: "account", matches: "^9" };
    const sales: Condition = { var: "queue", equals: "sales" };
    expect(holds({ all: [vip, { not: sales }] })).toBe(true);
    expect(holds({ all: [vip, sales] })).toBe(false);
    expect(holds({ any: [sales, vip] })).toBe(true);
    expect(holds({ any: [sales, { not: vip }] })).toBe(false);
    expect(holds({ all: [] })).toBe(true);
    expect(holds({ any: [] })).toBe(false);
  });
});

describe("branch state", () => {
  const machine = machineOf({
    main: menuState({ "1": "set1", "2": "set2", "3": "route" }),
    set1: { kind: "set", voiceProfile: VOICE, assign: { tier: ["gold"] }, next: "route" },
    set2: { kind: "set", voiceProfile: VOICE, assign: { tier: ["silver"] }, next: "route" },
    route: branchState(
      [
        [{ var: "tier", equals: "gold" }, "gold"],
        [{ var: "tier", exists: true }, "other"],
      ],
      "none",
    ),
    gold: hangupState("Gold."),
    other: hangupState("Other."),
    none: hangupState("None."),
  });

  it("takes the first case that holds, labelling the edge case:N", () => {
    const gold = lastOf(call(machine, ["1"]));
    expect(script(gold.actions)[0]).toBe("say:Gold.");
    expect(gold.edges).toContainEqual({ from: "route", to: "gold", on: "case:0" });
    const other = lastOf(call(machine, ["2"]));
    expect(script(other.actions)[0]).toBe("say:Other.");
    expect(other.edges).toContainEqual({ from: "route", to: "other", on: "case:1" });
  });

  it("falls to else", () => {
    const none = lastOf(call(machine, ["3"]));
    expect(script(none.actions)[0]).toBe("say:None.");
    expect(none.edges).toContainEqual({ from: "route", to: "none", on: "else" });
  });
});

describe("regex cache", () => {
  it("compiles a pattern once per machine", async () => {
    const { cachedPattern } = await import("../../src/engine/patterns.js");
    const a = machineOf({ bye: hangupState() });
    const b = machineOf({ bye: hangupState() });
    expect(cachedPattern(a, "^9")).toBe(cachedPattern(a, "^9"));
    expect(cachedPattern(a, "^9")).not.toBe(cachedPattern(b, "^9"));
  });
});
