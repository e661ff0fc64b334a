/**
 * The one test that bundles for real, with the options CallflowFunction gives CDK's esbuild (ESM, minified,
 * module-first main fields, the createRequire banner, the AWS SDK bundled): nothing on the Lambda path may parse
 * YAML or compile a JSON Schema.
 */
import { join } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { ESM_REQUIRE_SHIM, PROJECT_ROOT } from "../../cdk/callflow-function.js";

async function bundle(entry: string) {
  return build({
    entryPoints: [join(PROJECT_ROOT, entry)],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    mainFields: ["module", "main"],
    banner: { js: ESM_REQUIRE_SHIM },
    minify: true,
    write: false,
    metafile: true,
    logLevel: "silent",
  });
}

describe("VCA bundle", () => {
  it("contains the bundled flows and standalone validators, but no yaml, ajv runtime or flow compiler", async () => {
    const started = Date.now();
    const result = await bundle("lambdas/vca.ts");
    const inputs = Object.keys(result.metafile.inputs);
    const code = result.outputFiles[0]?.text ?? "";

    expect(inputs.filter((i) => /node_modules\/(yaml|ajv|ajv-formats)\//.test(i))).toEqual([]);
    expect(inputs.filter((i) => i.startsWith("src/language/"))).toEqual([]);
    expect(inputs).toContain("generated/flows.json");
    expect(inputs).toContain("generated/validators.js");
    expect(inputs.some((i) => i.includes("node_modules/@aws-sdk/client-dynamodb/"))).toBe(true);
    expect(code).not.toMatch(/new Ajv|\.compile\(/);
    expect(code.startsWith("import { createRequire")).toBe(true);

    const bytes = result.outputFiles[0]?.contents.byteLength ?? 0;
    process.stderr.write(`VCA bundle: ${(bytes / 1024).toFixed(0)} KB minified in ${Date.now() - started} ms\n`);
    expect(bytes).toBeLessThan(1024 * 1024);
  });
});
