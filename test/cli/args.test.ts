/** The commands' shared argument parsing (src/cli/args.ts), and did-you-mean for a mistyped command. */
import { describe, expect, it } from "vitest";
import { type Io, parseCommandLine } from "../../src/cli/args.js";
import { runIvr } from "../support/ivr.js";

function io(): Io & { text: { out: string; err: string } } {
  const text = { out: "", err: "" };
  return {
    text,
    out(t) {
      text.out += t;
    },
    err(t) {
      text.err += t;
    },
  };
}

const SPEC = {
  name: "demo",
  usage: "usage: ivr demo <flow> [--url URL]\n",
  options: { url: { type: "string" }, verbose: { type: "boolean" } },
  positionals: { min: 1, max: 1, what: "flow id" },
} as const;

describe("parseCommandLine", () => {
  it("returns the values and positionals", () => {
    const args = parseCommandLine(SPEC, ["acme", "--url", "http://x", "--verbose"], io());
    expect(args).toEqual({ ok: true, values: { url: "http://x", verbose: true }, positionals: ["acme"] });
  });

  it("prints the usage on stdout for --help and -h, exit 0", () => {
    for (const flag of ["--help", "-h"]) {
      const out = io();
      expect(parseCommandLine(SPEC, [flag], out)).toEqual({ ok: false, exit: 0 });
      expect(out.text).toEqual({ out: SPEC.usage, err: "" });
    }
  });

  it("suggests the option meant by a typo, then the usage, exit 2", () => {
    const out = io();
    expect(parseCommandLine(SPEC, ["acme", "--urll", "x"], out)).toEqual({ ok: false, exit: 2 });
    expect(out.text.err).toBe(`ivr demo: unknown option '--urll' (did you mean '--url'?)\n\n${SPEC.usage}`);
  });

  it("says what is missing or extra, exit 2", () => {
    const missing = io();
    expect(parseCommandLine(SPEC, [], missing)).toEqual({ ok: false, exit: 2 });
    expect(missing.text.err).toMatch(/^ivr demo: expected exactly 1 flow id\n/);
    const value = io();
    expect(parseCommandLine(SPEC, ["acme", "--url"], value)).toEqual({ ok: false, exit: 2 });
    expect(value.text.err).toMatch(/^ivr demo: option '--url <value>' argument missing\n/);
  });
});

describe("ivr <unknown command>", () => {
  it("suggests the command meant, exit 2", async () => {
    const run = await runIvr(["validat"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^ivr: unknown command 'validat' \(did you mean 'validate'\?\)/);
  });
});
