import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import precompiled from "../../src/language/flow-validator.generated.js";
import { parseFlowYaml } from "../../src/language/parse.js";
import { flowSchema, flowSchemaAjv, precompiledValidatorIsCurrent } from "../../src/language/schema.js";

describe("the precompiled flow schema validator", () => {
  it("was generated from schema/flow.schema.json as it is now", () => {
    // if this fails: npx tsx src/language/schema-codegen.ts
    expect(precompiledValidatorIsCurrent()).toBe(true);
  });

  it("reports exactly what the schema compiled at run time reports", () => {
    const compiled = flowSchemaAjv().compile(flowSchema());
    const dirs = ["flows", "test/fixtures/ok", "test/fixtures/broken", "test/fixtures/broken/duplicates"];
    const files = dirs.flatMap((dir) =>
      readdirSync(dir)
        .filter((f) => f.endsWith(".yaml") && !f.includes(".test."))
        .map((f) => join(dir, f)),
    );
    let invalid = 0;
    for (const file of files) {
      const { data } = parseFlowYaml(readFileSync(file, "utf8"), file);
      if (data === undefined) continue;
      const valid = compiled(data);
      expect(precompiled(data)).toBe(valid);
      expect(precompiled.errors ?? null).toEqual(compiled.errors ?? null);
      if (!valid) invalid++;
    }
    expect(invalid).toBeGreaterThan(0);
  });
});
