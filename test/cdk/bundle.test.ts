/**
 * The one test that bundles for real, with exactly the options CallflowFunction gives CDK's esbuild
 * (`lambdaEsbuildOptions`: ESM, minified, module-first main fields, the createRequire banner, the AWS SDK bundled
 * with env-only credentials): nothing on the Lambda path may parse YAML or compile a JSON Schema.
 */
import { join } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { lambdaEsbuildOptions, PROJECT_ROOT } from "../../cdk/callflow-function.js";

async function bundle(entry: string) {
  // An outfile (never written) makes the source map a separate output, as in the deployed asset.
  const outfile = join(PROJECT_ROOT, "cdk.out", "bundle-test", "index.mjs");
  return build({ ...lambdaEsbuildOptions(entry), outfile, write: false, metafile: true, logLevel: "silent" });
}

describe("VCA bundle", () => {
  it("contains the bundled flows and standalone validators, but no yaml, ajv runtime or flow compiler", async () => {
    const started = Date.now();
    const result = await bundle("lambdas/vca.ts");
    const inputs = Object.keys(result.metafile.inputs);
    const js = result.outputFiles.find((f) => !f.path.endsWith(".map")); // the other output is the source map
    const code = js?.text ?? "";

    expect(inputs.filter((i) => /node_modules\/(yaml|ajv|ajv-formats)\//.test(i))).toEqual([]);
    expect(inputs.filter((i) => i.startsWith("src/language/"))).toEqual([]);
    expect(inputs).toContain("generated/flows.json");
    expect(inputs).toContain("generated/webhook-validators.js");
    expect(inputs.some((i) => i.includes("node_modules/@aws-sdk/client-dynamodb/"))).toBe(true);
    expect(code).not.toMatch(/new Ajv|\.compile\(/);
    expect(code.startsWith("import { createRequire")).toBe(true);

    const bytes = js?.contents.byteLength ?? 0;
    process.stderr.write(`VCA bundle: ${(bytes / 1024).toFixed(0)} KB minified in ${Date.now() - started} ms\n`);
    expect(bytes).toBeLessThan(400 * 1024); // issue 6's budget; `npm run bench` tracks the figure
    expect(inputs).toContain("lambdas/env-credentials.ts");
    expect(inputs.filter((i) => i.includes("credential-provider-node"))).toEqual([]);
  });
});
