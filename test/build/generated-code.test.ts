/**
 * Generated code (src/build/generated.ts): regenerated exactly when what it is made from changes, and the flow
 * validator generated at build time reports exactly what the schema compiled at run time reports.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import validateFlow from "../../generated/flow-validator.js";
import { ensureGeneratedCode, GENERATED_CODE, type GeneratedModule } from "../../src/build/generated.js";
import { flowSchemaAjv } from "../../src/language/flow-schema.js";
import { parseFlowYaml } from "../../src/language/parse.js";
import { flowSchema } from "../../src/language/schema.js";

describe("ensureGeneratedCode", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("writes a missing module, skips a current one and rewrites one whose input changed", () => {
    dir = mkdtempSync(join(tmpdir(), "callflow-generated-"));
    // a root with the one input, and the ajv version the hash includes
    const root = join(dir, "root");
    const out = join(dir, "out");
    mkdirSync(join(root, "node_modules", "ajv"), { recursive: true });
    writeFileSync(join(root, "node_modules", "ajv", "package.json"), JSON.stringify({ version: "8.0.0" }));
    writeFileSync(join(root, "input.json"), '{"a":1}');
    let runs = 0;
    const module: GeneratedModule = {
      file: "thing.js",
      inputs: ["input.json"],
      generate() {
        runs++;
        return { js: `export const input = ${readFileSync(join(root, "input.json"), "utf8")};`, dts: "export {};" };
      },
    };

    expect(ensureGeneratedCode(out, [module], root)).toEqual([join(out, "thing.js")]);
    expect(ensureGeneratedCode(out, [module], root)).toEqual([]);
    expect(runs).toBe(1);
    writeFileSync(join(root, "input.json"), '{"a":2}');
    expect(ensureGeneratedCode(out, [module], root)).toEqual([join(out, "thing.js")]);
    expect(readFileSync(join(out, "thing.js"), "utf8")).toContain('export const input = {"a":2};');
    expect(readdirSync(out).sort()).toEqual(["thing.d.ts", "thing.js"]);
  });

  it("leaves the repository's generated modules as they are when nothing changed", () => {
    // the global setup made them current
    expect(ensureGeneratedCode()).toEqual([]);
    expect(GENERATED_CODE.map((m) => m.file)).toEqual(["flow-validator.js", "webhook-validators.js"]);
  });
});

describe("the generated flow schema validator", () => {
  it("reports exactly what the schema compiled at run time reports", () => {
    const compiled = flowSchemaAjv().compile(flowSchema());
    const dirs = ["flows", "test/fixtures/ok", "test/fixtures/broken", "test/fixtures/broken/duplicates"];
    const files = dirs.flatMap((d) =>
      readdirSync(d)
        .filter((f) => f.endsWith(".yaml") && !f.includes(".test."))
        .map((f) => join(d, f)),
    );
    let invalid = 0;
    for (const file of files) {
      const { data } = parseFlowYaml(readFileSync(file, "utf8"), file);
      if (data === undefined) continue;
      const valid = compiled(data);
      expect(validateFlow(data)).toBe(valid);
      expect(validateFlow.errors ?? null).toEqual(compiled.errors ?? null);
      if (!valid) invalid++;
    }
    expect(invalid).toBeGreaterThan(0);
  });
});
