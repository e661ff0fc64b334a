/**
 * `ivr report`: per flow and version, the calls of a time window, their outcomes, containment, durations, and the
 * funnel state by state (docs/analytics.md). Reads the summaries' by-flow index with Query, never a Scan, and
 * aggregates page by page in bounded memory.
 *
 * Where the summaries are, first match wins:
 * - `--stack <name>` / `--stack-outputs <file>`: the deployed stack (its SummariesTableName, FlowVersionsTableName
 *   and FlowIds outputs), with the AWS SDK's usual credentials and region.
 * - `--endpoint <url>` or DYNAMODB_ENDPOINT: that DynamoDB, with the local table names.
 * - otherwise the local stack: `npm start`'s server (`--url`, IVR_URL, http://localhost:3000) says where its
 *   DynamoDB Local is (GET /health) and which flows it serves (GET /flows).
 */

import { writeFileSync } from "node:fs";
import { buildReport, windowMs } from "../../analytics/report.js";
import { DEFAULT_STACK_NAME, OUTPUT, type StackOutputs } from "../../deploy/stack-outputs.js";
import { type OptionValues, parseCommandLine, parseOptions, usageError } from "../args.js";
import { STACK_OPTIONS, stackOutputsOf } from "../stack-outputs.js";

const USAGE = `usage: ivr report [--since 7d | --from <date> [--to <date>]] [--flow <id>]... [--json | --format table|json|mermaid] [--html <file>]

  --since <n><m|h|d|w>   the window ending now (default 7d)
  --from, --to           ISO-8601 dates or times (a date alone: from its start, to its end; UTC)
  --flow <id>            only this flow (repeatable; needed for a flow no longer deployed)
  --json                 the report as JSON (same as --format json; the shape is in docs/analytics.md)
  --format mermaid       each flow's graph with counts and drop-off, as Markdown (renders on GitHub)
  --html <file>          also write a self-contained HTML report with charts

where the calls are (default: the local stack that \`npm start\` runs):
  --url <url>            the local server (default $IVR_URL, else http://localhost:3000)
  --endpoint <url>       a DynamoDB endpoint with the local table names (default $DYNAMODB_ENDPOINT)
  --stack <name>         the deployed stack (default ${DEFAULT_STACK_NAME} when --stack-outputs or --region is given)
  --stack-outputs <file> outputs from \`cdk deploy --outputs-file <file>\`
  --region <region>      the stack's region
`;

type Format = "table" | "json" | "mermaid";

export interface ReportOptions {
  from: Date;
  to: Date;
  flows: string[];
  format: Format;
  html?: string;
  url: string;
  endpoint?: string;
  stack?: string;
  stackOutputs?: string;
  region?: string;
}

const COMMAND = {
  name: "report",
  usage: USAGE,
  options: {
    since: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    flow: { type: "string", multiple: true },
    json: { type: "boolean" },
    format: { type: "string" },
    html: { type: "string" },
    url: { type: "string" },
    endpoint: { type: "string" },
    ...STACK_OPTIONS,
  },
  positionals: { max: 0, what: "argument" },
} as const;

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandLine(COMMAND, argv);
  if (!args.ok) return args.exit;
  let options: ReportOptions;
  try {
    options = reportOptions(args.values, process.env, new Date());
  } catch (err) {
    return usageError(COMMAND, err instanceof Error ? err.message : String(err));
  }
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  let target: Target;
  try {
    target = await openTarget(options);
  } catch (err) {
    process.stderr.write(`ivr report: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  try {
    const flows = options.flows.length > 0 ? options.flows : target.flows;
    const { report, machines } = await buildReport(
      { index: target.index, machines: target.machines },
      { flows, from: options.from, to: options.to },
    );
    if (options.html) {
      const { renderHtml } = await import("../../analytics/render-html.js");
      writeFileSync(options.html, renderHtml(report));
      process.stderr.write(`wrote ${options.html}\n`);
    }
    if (options.format === "json") process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else if (options.format === "mermaid") {
      const { renderMermaidReport } = await import("../../analytics/render-mermaid.js");
      process.stdout.write(renderMermaidReport(report, machines));
    } else {
      const { renderTable } = await import("../../analytics/render-table.js");
      process.stdout.write(`${target.where}\n${renderTable(report)}`);
    }
    return 0;
  } catch (err) {
    process.stderr.write(`ivr report: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    target.close();
  }
}

export function parseReportArgs(argv: string[], env: NodeJS.ProcessEnv, now: Date): ReportOptions {
  return reportOptions(parseOptions(COMMAND, argv).values, env, now);
}

/** The options as the report needs them; throws with the reason when a value does not make sense. */
function reportOptions(values: OptionValues<typeof COMMAND.options>, env: NodeJS.ProcessEnv, now: Date): ReportOptions {
  if (values.since !== undefined && values.from !== undefined) throw new Error("give --since or --from, not both");
  const to = values.to !== undefined ? parseInstant(values.to, "--to", "end") : now;
  let from: Date;
  if (values.from !== undefined) from = parseInstant(values.from, "--from", "start");
  else {
    const length = windowMs(values.since ?? "7d");
    if (length === undefined) throw new Error(`--since '${values.since}' is not like 30m, 12h, 7d or 2w`);
    from = new Date(to.getTime() - length);
  }
  if (from.getTime() > to.getTime()) throw new Error("the window starts after it ends (--from is after --to)");
  const format = values.json ? "json" : (values.format ?? "table");
  if (format !== "table" && format !== "json" && format !== "mermaid") {
    throw new Error(`--format '${format}' is not one of table, json, mermaid (for HTML use --html <file>)`);
  }
  for (const flow of values.flow ?? []) {
    if (!/^[a-z][a-z0-9-]*$/.test(flow)) throw new Error(`--flow '${flow}' is not a flow id`);
  }
  const endpoint = values.endpoint ?? (env.DYNAMODB_ENDPOINT || undefined);
  const deployed = values.stack !== undefined || values["stack-outputs"] !== undefined || values.region !== undefined;
  return {
    from,
    to,
    flows: values.flow ?? [],
    format,
    ...(values.html !== undefined && { html: values.html }),
    url: values.url ?? env.IVR_URL ?? "http://localhost:3000",
    ...(endpoint !== undefined && { endpoint }),
    ...(deployed && { stack: values.stack ?? DEFAULT_STACK_NAME }),
    ...(values["stack-outputs"] !== undefined && { stackOutputs: values["stack-outputs"] }),
    ...(values.region !== undefined && { region: values.region }),
  };
}

const DAY_MS = 86_400_000;

/** 2026-03-01 (the day's start, or with `end` its last millisecond, UTC) or a full ISO-8601 time. */
function parseInstant(text: string, flag: string, edge: "start" | "end"): Date {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const parsed = Date.parse(dateOnly ? `${text}T00:00:00.000Z` : text);
  if (Number.isNaN(parsed)) throw new Error(`${flag} '${text}' is not an ISO-8601 date or time`);
  return new Date(dateOnly && edge === "end" ? parsed + DAY_MS - 1 : parsed);
}

interface Target {
  index: import("../../store/ports.js").SummaryIndex;
  machines: import("../../store/ports.js").FlowVersionStore;
  /** the flows covered when --flow is not given */
  flows: string[];
  /** one line saying where the calls were read */
  where: string;
  close(): void;
}

async function openTarget(options: ReportOptions): Promise<Target> {
  const { createDocumentClient } = await import("../../store/dynamodb-client.js");
  const { DynamoSummaryStore } = await import("../../store/dynamodb-summary-store.js");
  const { DynamoFlowVersionStore } = await import("../../store/dynamodb-flow-version-store.js");
  const { FLOW_VERSIONS_TABLE, SUMMARIES_TABLE } = await import("../../store/tables.js");
  // Not the webhook hot path: a report may wait for a slow page rather than fail.
  const budget = { requestTimeoutMs: 15_000, connectionTimeoutMs: 3_000, maxAttempts: 5 };

  if (options.stack !== undefined) {
    const outputs: StackOutputs = await stackOutputsOf({
      stack: options.stack,
      ...(options.region !== undefined && { region: options.region }),
      ...(options.stackOutputs !== undefined && { "stack-outputs": options.stackOutputs }),
    });
    const summaries = outputs[OUTPUT.summariesTable];
    const versions = outputs[OUTPUT.flowVersionsTable];
    if (!summaries || !versions) {
      throw new Error(`stack ${options.stack} has no ${OUTPUT.summariesTable} / ${OUTPUT.flowVersionsTable} output`);
    }
    const env = { ...process.env, DYNAMODB_ENDPOINT: "", ...(options.region && { AWS_REGION: options.region }) };
    const client = createDocumentClient({ env, ...budget });
    return {
      index: new DynamoSummaryStore(client, summaries),
      machines: new DynamoFlowVersionStore(client, versions),
      flows: (outputs[OUTPUT.flowIds] ?? "").split(",").filter(Boolean),
      where: `stack ${options.stack} (table ${summaries})`,
      close: () => client.destroy(),
    };
  }

  let endpoint = options.endpoint;
  let flows: string[] = [];
  let where = `DynamoDB ${endpoint}`;
  if (endpoint === undefined) {
    const local = await localServer(options.url);
    endpoint = local.dynamodb;
    flows = local.flows;
    where = `local stack ${options.url} (DynamoDB ${endpoint})`;
  } else if (options.flows.length === 0) {
    const { loadFlows } = await import("../../language/index.js");
    flows = loadFlows(process.env.FLOWS_DIR ?? "flows").machines.map((m) => m.flow);
  }
  const client = createDocumentClient({ endpoint, ...budget });
  return {
    index: new DynamoSummaryStore(client, SUMMARIES_TABLE.localName),
    machines: new DynamoFlowVersionStore(client, FLOW_VERSIONS_TABLE.localName),
    flows,
    where,
    close: () => client.destroy(),
  };
}

/** The running `npm start`: where its DynamoDB Local is and which flows it serves. */
async function localServer(url: string): Promise<{ dynamodb: string; flows: string[] }> {
  const get = async (path: string) => {
    let res: Response;
    try {
      res = await fetch(new URL(path, url));
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
      throw new Error(
        `no local server answers at ${url} (${cause}): start it with \`npm start\`, or pass --stack for the ` +
          "deployed stack",
      );
    }
    if (!res.ok) throw new Error(`GET ${url}${path} answered HTTP ${res.status}: is this the callflow local server?`);
    return (await res.json()) as Record<string, unknown>;
  };
  const health = await get("/health");
  if (typeof health.dynamodb !== "string") throw new Error(`GET ${url}/health did not say where DynamoDB is`);
  const served = await get("/flows");
  const flows = Array.isArray(served.flows) ? served.flows.map((f) => String((f as { flow: unknown }).flow)) : [];
  return { dynamodb: health.dynamodb, flows };
}
