/**
 * docs/flow-language.md's complete flows are code: each compiles without errors or warnings, and each rule's
 * example output is what the checker prints for the broken fixture of that rule.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileFlowSource, formatDiagnostics } from "../../src/language/index.js";

const doc = readFileSync("docs/flow-language.md", "utf8");
const flows = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)]
  .map((m) => m[1] as string)
  .filter((block) => /^flow: /m.test(block) && /^states:/m.test(block));

describe("docs/flow-language.md", () => {
  it.each(flows.map((block) => [/^flow: (.+)$/m.exec(block)![1], block]))("the flow %s compiles clean", (_, block) => {
    const { diagnostics, machine } = compileFlowSource(block!, "docs/flow-language.md");
    expect(diagnostics).toEqual([]);
    expect(machine).toBeDefined();
  });

  it("has the complete fetch example: a balance read, a 404 routed, a back end that hangs survived", () => {
    const block = flows.find((b) => b.includes("flow: balance-line"))!;
    const { machine } = compileFlowSource(block, "docs/flow-language.md");
    const balance = machine!.states.balance;
    expect(balance).toMatchObject({ kind: "fetch", on: { "404": "unknown-card" }, onError: "bank-down" });
    expect(balance).toMatchObject({ timeoutMs: 3000, into: { balance: ["available", "amount"] } });
  });

  it.each(["fetch-budget", "unknown-secret", "insecure-url", "prefix-key", "assigned-input"])(
    "shows what the checker prints for %s",
    (rule) => {
      const text = readFileSync(`test/fixtures/broken/${rule}.yaml`, "utf8").replace(/^# expect:.*\n/gm, "");
      const { diagnostics } = compileFlowSource(text, "flows/x.yaml");
      const printed = formatDiagnostics(
        diagnostics.filter((d) => d.rule === rule),
        { "flows/x.yaml": text },
      );
      expect(doc).toContain(printed);
    },
  );
});
