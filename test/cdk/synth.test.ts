/**
 * `cdk synth` as a user runs it: the real CLI, offline (no AWS credentials, no version check, no telemetry, no
 * notices), bundling both functions with the local esbuild, cdk-nag on. Slow (about 7 s on 2 cores), so one test.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers.js";

describe("npx cdk synth", () => {
  it("synthesises offline with bundled assets and no cdk-nag findings", { timeout: 180_000 }, () => {
    const outdir = mkdtempSync(join(tmpdir(), "callflow-cdk-out-"));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CDK_DISABLE_VERSION_CHECK: "1",
      CDK_DISABLE_CLI_TELEMETRY: "true",
      AWS_EC2_METADATA_DISABLED: "true",
    };
    for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"]) {
      delete env[name];
    }
    const started = Date.now();
    const result = spawnSync("npx", ["cdk", "synth", "--no-notices", "-q", "-o", outdir], {
      cwd: ROOT,
      env,
      encoding: "utf8",
    });
    const elapsed = Date.now() - started;
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    // cdk.json sets every feature flag, so a newcomer's first synth prints no "N feature flags are not configured"
    expect(`${result.stdout}\n${result.stderr}`).not.toMatch(/feature flags? (are|is) not configured/);
    process.stderr.write(`npx cdk synth: ${elapsed} ms\n`);

    const template = JSON.parse(readFileSync(join(outdir, "Callflow.template.json"), "utf8")) as {
      Resources: Record<
        string,
        { Type: string; Properties: { Runtime?: string; Environment?: { Variables?: Record<string, unknown> } } }
      >;
      Outputs: Record<string, unknown>;
    };
    const functions = Object.values(template.Resources).filter(
      (r) => r.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === "callflow",
    );
    for (const fn of functions) expect(fn.Properties.Runtime).toBe("nodejs24.x");
    // VCA, VSS, the Call Completed publisher (cdk/analytics.ts) and the campaign dispatcher (cdk/outbound.ts)
    expect(functions).toHaveLength(4);
    expect(Object.keys(template.Outputs)).toEqual(
      expect.arrayContaining([
        "VcaUrl",
        "VssUrl",
        "WebhookSecretArn",
        "SummariesTableName",
        "CallEventBusName",
        "CampaignsTableName",
        "ContactsTableName",
      ]),
    );
    const assets = JSON.parse(readFileSync(join(outdir, "Callflow.assets.json"), "utf8")) as {
      files: Record<string, { source: { path: string } }>;
    };
    const bundles = Object.values(assets.files).filter((f) => f.source.path.startsWith("asset."));
    expect(bundles.length).toBeGreaterThanOrEqual(4);
  });
});

describe("cdk.json", () => {
  it("sets every feature flag aws-cdk-lib recommends (an upgrade that adds flags fails here until they are set)", () => {
    const recommended = JSON.parse(
      readFileSync(join(ROOT, "node_modules", "aws-cdk-lib", "recommended-feature-flags.json"), "utf8"),
    ) as Record<string, unknown>;
    const context = JSON.parse(readFileSync(join(ROOT, "cdk.json"), "utf8")).context as Record<string, unknown>;
    expect(Object.keys(recommended).filter((flag) => !(flag in context))).toEqual([]);
  });
});
