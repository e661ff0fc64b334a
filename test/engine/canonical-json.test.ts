import { describe, expect, it } from "vitest";
import { canonicalJson, writeCanonicalJson } from "../../src/engine/canonical-json.js";

describe("canonicalJson", () => {
  it("sorts keys at every level and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
  });

  it("is JSON.stringify's text, keys sorted, for whatever JSON.stringify accepts", () => {
    const value = {
      z: [undefined, () => 1, "x", { y: undefined, x: new Date(0) }],
      when: new Date("2026-01-01T00:00:00Z"),
      n: Number.NaN,
      s: 'quote " and \u2028',
      nested: { b: [{ d: 1, c: 2 }], a: true },
    };
    const sorted = JSON.stringify(value, (_k, v: unknown) =>
      v !== null && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
        : v,
    );
    expect(canonicalJson(value)).toBe(sorted);
    expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(sorted));
  });

  it("hands its text over in order, in pieces", () => {
    const value = { states: { b: { say: "B" }, a: { say: "A" } }, flow: "f" };
    const pieces: string[] = [];
    writeCanonicalJson(value, (text) => pieces.push(text));
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join("")).toBe(canonicalJson(value));
  });
});
