/**
 * Measurement 2, cold start: the VCA function bundled by CDK itself (a CallflowFunction in a throwaway App, so the
 * bundle is byte for byte what `cdk deploy` uploads), then imported by fresh Node processes with the function's
 * environment, against the floor: the same for a function that only creates a DynamoDB client and a GetItem
 * command (bench/cold-start/dynamodb-get-item.ts), bundled by the same house construct.
 *
 * The bundle is also rebuilt through esbuild's API with `lambdaEsbuildOptions` (the options the bundle test uses):
 * it must be identical to CDK's, and its metafile shows what is inside, so the benchmark can assert that nothing
 * on the init path parses YAML or compiles a JSON Schema.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build, type Metafile } from "esbuild";
import { lambdaEsbuildOptions } from "../cdk/callflow-function.js";
import { SERVICE_NAME } from "../src/observability/service.js";
import { type BenchOptions, type MeasurementResult, ms, type Row, ratio, type Target } from "./measurement.js";
import { median, round } from "./stats.js";

const VCA_ENTRY = "lambdas/vca.ts";
const FLOOR_ENTRY = "bench/cold-start/dynamodb-get-item.ts";
const TARGET_RATIO = 1.3;
const TARGET_BUNDLE_BYTES = 400 * 1024;

/** What a deployed VCA function sees (cdk/callflow-function.ts, cdk/stack.ts, the Lambda runtime), minus AWS. */
function lambdaEnvironment(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_OPTIONS: "--enable-source-maps",
    // Lambda runs Node 24; the SDK's "Node 20 support ends" warning would be extra work only this machine does.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    AWS_REGION: "ap-southeast-1",
    AWS_DEFAULT_REGION: "ap-southeast-1",
    AWS_ACCESS_KEY_ID: "AKIABENCHMARKONLY000",
    AWS_SECRET_ACCESS_KEY: "benchmark-only-not-a-secret",
    AWS_SESSION_TOKEN: "benchmark-only",
    AWS_LAMBDA_FUNCTION_NAME: "callflow-bench-vca",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512",
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    LOG_LEVEL: "INFO",
    SESSIONS_TABLE: "callflow-sessions",
    SUMMARIES_TABLE: "callflow-summaries",
    FLOW_VERSIONS_TABLE: "callflow-flow-versions",
    WEBHOOK_SECRET_ARN: "arn:aws:secretsmanager:ap-southeast-1:000000000000:secret:callflow-bench-000000",
  };
}

/** Imports a module in a new process; the child reports its own import time, we time the whole process. */
const CHILD_SCRIPT =
  "const t=performance.now();import(process.argv[1]).then(m=>{process.stdout.write('\\nBENCH:'+" +
  "JSON.stringify({importMs:performance.now()-t,handler:typeof m.handler})+'\\n')})";

interface ProcessTiming {
  wallMs: number;
  importMs: number;
}

export async function measureColdStart(options: BenchOptions): Promise<MeasurementResult> {
  const failures: string[] = [];
  const work = mkdtempSync(join(tmpdir(), "callflow-bench-cold-"));
  try {
    const cdk = await bundleWithCdk(work, { vca: VCA_ENTRY, floor: FLOOR_ENTRY });
    const vcaBundle = join(cdk.vca, "index.mjs");
    const floorBundle = join(cdk.floor, "index.mjs");

    const vcaBuild = await build({
      ...lambdaEsbuildOptions(VCA_ENTRY),
      outfile: join(work, "api", "index.mjs"),
      write: false,
      metafile: true,
    });
    const apiJs = vcaBuild.outputFiles.find((f) => f.path.endsWith(".mjs"))?.text ?? "";
    const cdkJs = readFileSync(vcaBundle, "utf8");
    if (apiJs !== cdkJs) {
      failures.push(
        "cold start: lambdaEsbuildOptions no longer builds what CDK deploys (cdk/callflow-function.ts drifted)",
      );
    }
    failures.push(...initPathViolations(vcaBuild.metafile, cdkJs));

    const bundleBytes = statSync(vcaBundle).size;
    const floorBytes = statSync(floorBundle).size;
    const mapBytes = statSync(`${vcaBundle}.map`).size;

    const runs = options.quick ? 5 : 21;
    const subjects: Record<string, string> = {
      vca: pathToFileURL(vcaBundle).href,
      floor: pathToFileURL(floorBundle).href,
      node: "data:text/javascript,export const handler = () => {};",
    };
    // Full runs also time both bundles without the credentials alias (interleaved with the rest), to show what it
    // saves.
    const unaliased = options.quick ? undefined : await buildWithoutCredentialsAlias(work);
    if (unaliased) {
      subjects.vcaDefaultChain = unaliased.vca.url;
      subjects.floorDefaultChain = unaliased.floor.url;
    }
    const timings = timeImports(subjects, runs, lambdaEnvironment(), failures);
    const vca = medians(timings.vca ?? []);
    const floor = medians(timings.floor ?? []);
    const node = medians(timings.node ?? []);
    const coldRatio = vca.wallMs / floor.wallMs;
    const importRatio = vca.importMs / floor.importMs;

    const detail: Record<string, unknown> = {
      method:
        `median of ${runs} fresh \`node -e "import(bundle)"\` processes each, interleaved, with the function's ` +
        "environment (NODE_OPTIONS=--enable-source-maps); bundles built by CDK's NodejsFunction via CallflowFunction",
      runs,
      vca: { wall_ms: round(vca.wallMs), import_ms: round(vca.importMs), bytes: bundleBytes, map_bytes: mapBytes },
      floor: { wall_ms: round(floor.wallMs), import_ms: round(floor.importMs), bytes: floorBytes },
      node_startup: { wall_ms: round(node.wallMs), import_ms: round(node.importMs) },
      import_only_ratio: round(importRatio),
      largest_inputs_kb: largestPackages(vcaBuild.metafile, 12),
      cdk_bundle_identical_to_lambdaEsbuildOptions: apiJs === cdkJs,
    };
    if (unaliased) {
      const vcaDefault = medians(timings.vcaDefaultChain ?? []);
      const floorDefault = medians(timings.floorDefaultChain ?? []);
      detail.with_sdk_default_credential_chain = {
        vca: { bytes: unaliased.vca.bytes, wall_ms: round(vcaDefault.wallMs), import_ms: round(vcaDefault.importMs) },
        floor: {
          bytes: unaliased.floor.bytes,
          wall_ms: round(floorDefault.wallMs),
          import_ms: round(floorDefault.importMs),
        },
        wall_ratio: round(vcaDefault.wallMs / floorDefault.wallMs),
      };
    }

    const rows: Row[] = [
      {
        measure: "cold start: process wall time",
        value: ms(vca.wallMs),
        floor: ms(floor.wallMs),
        ratio: ratio(coldRatio),
      },
      {
        measure: "cold start: import only (in process)",
        value: ms(vca.importMs),
        floor: ms(floor.importMs),
        ratio: ratio(importRatio),
      },
      {
        measure: "bundle size (minified)",
        value: `${(bundleBytes / 1024).toFixed(0)} KB`,
        floor: `${(floorBytes / 1024).toFixed(0)} KB`,
        ratio: ratio(bundleBytes / floorBytes),
      },
    ];
    const targets: Target[] = [
      {
        key: "cold_start_ratio",
        label: `cold start wall time / floor <= ${TARGET_RATIO}`,
        actual: round(coldRatio),
        limit: TARGET_RATIO,
        noisy: true,
      },
      {
        key: "bundle_bytes",
        label: `VCA bundle <= ${TARGET_BUNDLE_BYTES / 1024} KB`,
        actual: bundleBytes,
        limit: TARGET_BUNDLE_BYTES,
        noisy: false,
      },
    ];
    return {
      title: "Cold start",
      rows,
      figures: {
        cold_start_ratio: round(coldRatio),
        cold_start_ms: round(vca.wallMs),
        cold_start_floor_ms: round(floor.wallMs),
        bundle_bytes: bundleBytes,
      },
      targets,
      failures,
      detail,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Bundle each entry as a CallflowFunction in a throwaway CDK app (CDK runs the local esbuild, as at synth) and
 * return each function's asset directory. aws-cdk-lib loads here only, so the other measurements never pay for it.
 */
async function bundleWithCdk<K extends string>(work: string, entries: Record<K, string>): Promise<Record<K, string>> {
  const { App, Stack } = await import("aws-cdk-lib");
  const { CallflowFunction } = await import("../cdk/callflow-function.js");
  const outdir = join(work, "cdk.out");
  const app = new App({ outdir });
  const stack = new Stack(app, "CallflowBench");
  const assets = () => new Set(readdirSync(outdir).filter((d) => d.startsWith("asset.")));
  const dirs = {} as Record<K, string>;
  for (const [id, entry] of Object.entries(entries) as [K, string][]) {
    const before = assets();
    new CallflowFunction(stack, id, { entry, description: `benchmark: ${entry}` });
    const added = [...assets()].filter((d) => !before.has(d));
    if (added.length !== 1) throw new Error(`expected one new CDK asset for ${entry}, found ${added.length}`);
    dirs[id] = join(outdir, added[0] as string);
  }
  return dirs;
}

/** Nothing on the Lambda's init path may parse YAML, compile a JSON Schema or load the flow compiler. */
function initPathViolations(metafile: Metafile, code: string): string[] {
  const inputs = Object.keys(metafile.inputs);
  const problems: string[] = [];
  const forbidden = inputs.filter(
    (i) => /node_modules\/(yaml|ajv|ajv-formats)\//.test(i) || i.startsWith("src/language/"),
  );
  if (forbidden.length > 0) problems.push(`cold start: the VCA bundle contains ${forbidden.slice(0, 5).join(", ")}`);
  if (/new Ajv\b|\.compile\(/.test(code))
    problems.push("cold start: the VCA bundle compiles a JSON Schema at run time");
  for (const needed of ["generated/flows.json", "generated/webhook-validators.js"]) {
    if (!inputs.includes(needed)) problems.push(`cold start: the VCA bundle does not contain ${needed}`);
  }
  return problems;
}

function timeImports<K extends string>(
  subjects: Record<K, string>,
  runs: number,
  env: NodeJS.ProcessEnv,
  failures: string[],
): Record<K, ProcessTiming[]> {
  const keys = Object.keys(subjects) as K[];
  const results = Object.fromEntries(keys.map((k) => [k, [] as ProcessTiming[]])) as Record<K, ProcessTiming[]>;
  // One unrecorded round warms the OS file cache; then the order rotates so no subject always runs first.
  for (let run = -1; run < runs; run++) {
    const order = keys.map((_, i) => keys[(i + Math.max(run, 0)) % keys.length] as K);
    for (const key of order) {
      const timing = timeImport(subjects[key], env);
      if ("error" in timing) {
        failures.push(`cold start: importing ${key} failed: ${timing.error}`);
        return results;
      }
      if (run >= 0) results[key].push(timing);
    }
  }
  return results;
}

function timeImport(url: string, env: NodeJS.ProcessEnv): ProcessTiming | { error: string } {
  const started = performance.now();
  const child = spawnSync(process.execPath, ["-e", CHILD_SCRIPT, url], { env, encoding: "utf8" });
  const wallMs = performance.now() - started;
  const line = child.stdout?.split("\n").find((l) => l.startsWith("BENCH:"));
  if (child.status !== 0 || !line) return { error: (child.stderr || `exit ${child.status}`).trim().slice(0, 500) };
  const report = JSON.parse(line.slice("BENCH:".length)) as { importMs: number; handler: string };
  if (report.handler !== "function") return { error: `the bundle exports no handler function (${report.handler})` };
  return { wallMs, importMs: report.importMs };
}

function medians(timings: ProcessTiming[]): ProcessTiming {
  return { wallMs: median(timings.map((t) => t.wallMs)), importMs: median(timings.map((t) => t.importMs)) };
}

/** Output bytes per package (or per source folder), largest first. */
function largestPackages(metafile: Metafile, top: number): Record<string, number> {
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined);
  const sizes = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? input.split("/").slice(0, 2).join("/");
    sizes.set(pkg, (sizes.get(pkg) ?? 0) + bytesInOutput);
  }
  return Object.fromEntries(
    [...sizes.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([pkg, bytes]) => [pkg, round(bytes / 1024)]),
  );
}

/**
 * The same two bundles with the SDK's full default credential chain (no alias), to show what the alias in
 * cdk/callflow-function.ts saves. Built through esbuild's API with otherwise identical options.
 */
async function buildWithoutCredentialsAlias(work: string) {
  const built = async (key: string, entry: string) => {
    const outfile = join(work, "default-chain", key, "index.mjs");
    await build({ ...lambdaEsbuildOptions(entry), alias: {}, outfile });
    return { url: pathToFileURL(outfile).href, bytes: statSync(outfile).size };
  };
  return { vca: await built("vca", VCA_ENTRY), floor: await built("floor", FLOOR_ENTRY) };
}
