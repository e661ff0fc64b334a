/**
 * The house Lambda function: every callflow function gets the same runtime, architecture, bundling and logging
 * defaults, so the stack reads as a list of intentions ("a VCA function that reads flow versions") rather than a
 * page of options repeated per function.
 */
import { join } from "node:path";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import type { ITableV2 } from "aws-cdk-lib/aws-dynamodb";
import { Architecture, Runtime, Tracing } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import type { BuildOptions } from "esbuild";
import { SERVICE_NAME } from "../src/observability/service.js";
import type { TableDefinition } from "../src/store/tables.js";

/** The repository root: bundling resolves entries, the lock file and node_modules from here. */
export const PROJECT_ROOT = join(import.meta.dirname, "..");

/**
 * ESM bundles still contain CommonJS dependencies that call `require` (the AWS SDK's smithy packages do): give
 * them one, built from the module's own URL.
 */
export const ESM_REQUIRE_SHIM =
  "import { createRequire as __callflowCreateRequire } from 'node:module'; const require = __callflowCreateRequire(import.meta.url);";

/** Every callflow function runs on this; the bundle's esbuild target follows it. */
export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;

/**
 * How every callflow function is bundled, in one place. CallflowFunction hands it to CDK's esbuild, and
 * `lambdaEsbuildOptions` gives the same settings to esbuild's own API, so the bundle test and the benchmark
 * (bench/cold-start.ts) build exactly what is deployed.
 */
export const LAMBDA_BUNDLE = {
  target: "node24",
  // ESM builds of dependencies first: they tree-shake; "main" is the fallback for CommonJS-only packages.
  mainFields: ["module", "main"],
  banner: ESM_REQUIRE_SHIM,
  minify: true,
  sourceMap: true,
  // Lambda runs with --enable-source-maps, which reads the whole map at init: without the sources' text it is a
  // third of the size, and stack traces still point at file:line.
  sourcesContent: false,
  // Module path -> file, relative to the repository root (esbuild resolves aliases from its working directory).
  alias: {
    // Lambda supplies credentials in the environment; the rest of the SDK's default chain is dead weight there.
    "@aws-sdk/credential-provider-node": "./lambdas/env-credentials.ts",
  } as Record<string, string>,
} as const;

/** LAMBDA_BUNDLE as options for esbuild's JS API: what CDK puts on the esbuild command line for `entry`. */
export function lambdaEsbuildOptions(entry: string): BuildOptions & { entryPoints: string[] } {
  return {
    entryPoints: [join(PROJECT_ROOT, entry)],
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    platform: "node",
    format: "esm",
    target: LAMBDA_BUNDLE.target,
    mainFields: [...LAMBDA_BUNDLE.mainFields],
    banner: { js: LAMBDA_BUNDLE.banner },
    minify: LAMBDA_BUNDLE.minify,
    sourcemap: LAMBDA_BUNDLE.sourceMap,
    sourcesContent: LAMBDA_BUNDLE.sourcesContent,
    alias: { ...LAMBDA_BUNDLE.alias },
  };
}

/** cdk-nag findings every callflow function answers the same way (`Validations.of(fn).acknowledge(...)`). */
export const HOUSE_FINDINGS = {
  basicExecutionRole: {
    id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
    reason:
      "AWSLambdaBasicExecutionRole only allows writing this function's own CloudWatch Logs; it is the " +
      "AWS-maintained minimum for a Lambda function.",
  },
  tracingOff: {
    id: "Serverless-LambdaTracing",
    reason: "X-Ray tracing is opt-in (context tracing=true): logs and EMF metrics cover routine operation.",
  },
} as const;

/**
 * What a function may do with a table. "read" and "readWrite" are CDK's grants; a list of actions is tighter still
 * (e.g. the VSS function only reads a session and marks it ended: GetItem and UpdateItem, nothing else).
 */
export type TableAccess = "read" | "readWrite" | readonly DynamoDbItemAction[];
export type DynamoDbItemAction =
  | "dynamodb:GetItem"
  | "dynamodb:PutItem"
  | "dynamodb:UpdateItem"
  | "dynamodb:DeleteItem"
  | "dynamodb:Query"
  | "dynamodb:BatchGetItem"
  | "dynamodb:ConditionCheckItem";

export interface CallflowFunctionProps {
  /** entry file relative to the repository root, e.g. "lambdas/vca.ts" */
  entry: string;
  description: string;
  /** default 10 s; set it below the API Gateway integration timeout of the route that calls it */
  timeout?: Duration;
  /** default 512 MB (more memory is more CPU: a cold start of a 512 MB arm64 function is about twice a 128 MB one) */
  memorySize?: number;
  /** default "INFO" */
  logLevel?: string;
  /** default one month */
  logRetention?: RetentionDays;
  /** X-Ray active tracing; default off */
  tracing?: boolean;
  environment?: Record<string, string>;
}

export class CallflowFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: CallflowFunctionProps) {
    // An explicit log group: retention is ours to choose, and it is deleted with the stack instead of being left
    // behind by Lambda's implicit creation.
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      entry: join(PROJECT_ROOT, props.entry),
      handler: "handler",
      description: props.description,
      runtime: LAMBDA_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      logGroup,
      tracing: props.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, "package-lock.json"),
      environment: {
        NODE_OPTIONS: "--enable-source-maps",
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        LOG_LEVEL: props.logLevel ?? "INFO",
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        mainFields: [...LAMBDA_BUNDLE.mainFields],
        banner: LAMBDA_BUNDLE.banner,
        target: LAMBDA_BUNDLE.target,
        minify: LAMBDA_BUNDLE.minify,
        sourceMap: LAMBDA_BUNDLE.sourceMap,
        sourcesContent: LAMBDA_BUNDLE.sourcesContent,
        esbuildArgs: { "--alias": Object.entries(LAMBDA_BUNDLE.alias).map(([from, to]) => `${from}=${to}`) },
        // The AWS SDK is bundled (nothing external): a pinned, tree-shaken SDK initialises faster than resolving
        // the runtime's copy, and the code runs against the SDK version it was tested with.
        externalModules: [],
        bundleAwsSDK: true,
        // Local esbuild from node_modules; never Docker.
        forceDockerBundling: false,
      },
    });
  }

  /** Give this function a table: the environment variable its adapter reads, and exactly the access it needs. */
  bindTable(table: ITableV2, access: TableAccess, def: TableDefinition): void {
    this.addEnvironment(def.envVar, table.tableName);
    if (access === "read") table.grantReadData(this);
    else if (access === "readWrite") table.grantReadWriteData(this);
    else table.grant(this, ...access);
  }
}
