/**
 * `ivr campaign start|status|results|pause|resume|stop|list`: outbound campaigns, against the deployed stack (its
 * DynamoDB tables, named by the stack's outputs) or, with --local, against `npm start` (its campaign routes). Both
 * run the same operations (src/outbound/campaigns.ts); the deployed stack's dispatcher Lambda or the local server's
 * dispatcher then places the calls.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { explainAwsError } from "../../deploy/aws-errors.js";
import { DEFAULT_STACK_NAME, OUTPUT } from "../../deploy/stack-outputs.js";
import { formatDiagnostics, hasErrors, loadFlows } from "../../language/index.js";
import type { Campaign } from "../../outbound/campaign.js";
import type { CampaignAction, CampaignReport, StartOptions } from "../../outbound/campaigns.js";
import { type ContactsProblem, formatProblems } from "../../outbound/contacts-csv.js";
import { outcomeTotals, type ResultRow, resultsCsv } from "../../outbound/results.js";
import { describeWindow } from "../../outbound/window.js";
import { type OptionValues, parseCommandLine, suggestion, UsageError, usageError } from "../args.js";
import { STACK_OPTIONS, stackOutputsOf } from "../stack-outputs.js";

const USAGE = `usage: ivr campaign <command> [options]

  start <flow> <contacts.csv>   check every contact, then start calling them
  status <id>                   progress: contacts by status and outcome, the window, the pace
  results <id>                  one row per contact: outcome, result label, attempts, last error
  pause <id> | resume <id>      stop starting calls for a while (calls in progress finish) | go on
  stop <id>                     stop for good: contacts not yet called stay "not-dialled"
  list                          every campaign

start options:
  --from <+E164>            caller id: one of your 8x8 virtual numbers (default: the flow's first number)
  --window "<hours>"        calling window, as a flow's hours: "mon-fri 09:00-12:00,13:00-18:00; sat 09:00-12:00",
                            or "always" (default "mon-fri 09:00-18:00")
  --hours <state>           use one of the flow's hours states as the window (its time zone and closed dates too)
  --timezone <zone>         the window's time zone (default: the one of the flow's hours states)
  --closed-on <dates>       no calls on these local dates: 2026-12-25,2026-12-26 (public holidays)
  --rate <n>                new calls per second (default 1)
  --max-in-progress <n>     calls in progress at most (default 10)
  --attempts <n>            calls per contact at most, the first included (default 3)
  --retry-delay <time>      between attempts: 90s, 30m, 2h (default 30m)
  --retry-on <statuses>     what earns another attempt (default no-answer,busy,failed; also canceled, error)
  --number-column <name>    the number's column (default: to, phone, number, mobile or msisdn)
  --name <text>             a name for people
  --flows <dir>             deployed: where the flows are (default flows)

other options:
  --json                    status, list: print JSON
  --format csv|json         results: (default csv)
  --out <file>              results: write there instead of stdout

where:
  --local                   the local stack (npm start) at $IVR_URL, else http://localhost:3000
  --url <url>               the local stack at this URL
  (when the server checks WEBHOOK_SECRET, the same variable must be set here)
  otherwise the deployed stack: --stack <name> (default ${DEFAULT_STACK_NAME}), --region, or
  --stack-outputs <file> (from \`cdk deploy --outputs-file\`); CAMPAIGNS_TABLE, CONTACTS_TABLE and
  FLOW_VERSIONS_TABLE in the environment override them. DYNAMODB_ENDPOINT: another DynamoDB.

The contacts file: a header line, a column for the number (E.164), one column per input of the flow (see its
inputs:), and locally a \`script\` column for the simulated callee ("answer; press 1", "no-answer | answer").
`;

const COMMANDS = ["start", "status", "results", "pause", "resume", "stop", "list"];

const COMMAND = {
  name: "campaign",
  usage: USAGE,
  options: {
    from: { type: "string" },
    window: { type: "string" },
    hours: { type: "string" },
    timezone: { type: "string" },
    "closed-on": { type: "string" },
    rate: { type: "string" },
    "max-in-progress": { type: "string" },
    attempts: { type: "string" },
    "retry-delay": { type: "string" },
    "retry-on": { type: "string" },
    "number-column": { type: "string" },
    name: { type: "string" },
    flows: { type: "string" },
    json: { type: "boolean" },
    format: { type: "string" },
    out: { type: "string" },
    local: { type: "boolean" },
    url: { type: "string" },
    ...STACK_OPTIONS,
  },
} as const;

type Values = OptionValues<typeof COMMAND.options>;

export type StartOutcome = { ok: true; campaign: Campaign } | { ok: false; problems: ContactsProblem[] };
export type ChangeOutcome = { ok: true; campaign: Campaign } | { ok: false; message: string };

/** Where campaigns live: the deployed stack's tables, or the local server. */
export interface CampaignBackend {
  start(flow: string, csv: string, options: StartOptions): Promise<StartOutcome>;
  status(id: string): Promise<CampaignReport | undefined>;
  results(id: string): Promise<ResultRow[] | undefined>;
  change(id: string, action: CampaignAction): Promise<ChangeOutcome>;
  list(): Promise<Campaign[]>;
}

export interface CampaignDeps {
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  err: (text: string) => void;
  readFile: (path: string) => string;
  writeFile: (path: string, text: string) => void;
  /** the backend for these options (tests pass their own) */
  backend: (values: Values, env: NodeJS.ProcessEnv) => Promise<CampaignBackend>;
}

const defaultDeps = (): CampaignDeps => ({
  env: process.env,
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  readFile: (path) => readFileSync(path, "utf8"),
  writeFile: (path, text) => writeFileSync(path, text),
  backend: (values, env) => (values.local || values.url ? localBackend(values, env) : deployedBackend(values, env)),
});

export async function run(argv: string[], deps: CampaignDeps = defaultDeps()): Promise<number> {
  const parsed = parseCommandLine(COMMAND, argv, deps);
  if (!parsed.ok) return parsed.exit;
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  try {
    switch (command) {
      case "start":
        return await start(deps, values, args);
      case "status":
        return await status(deps, values, one(args, "status"));
      case "results":
        return await results(deps, values, one(args, "results"));
      case "pause":
      case "resume":
      case "stop":
        return await change(deps, values, command, one(args, command));
      case "list":
        return await list(deps, values);
      default:
        if (!command) return usageError(COMMAND, "which command?", deps);
        return usageError(COMMAND, `unknown command '${command}'${suggestion(command, COMMANDS)}`, deps);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      deps.err(`ivr campaign: ${error.message}\n`);
      return 2;
    }
    deps.err(`ivr campaign: ${explainAwsError(error)}\n`);
    return 1;
  }
}

function one(args: string[], command: string): string {
  if (args.length !== 1 || !args[0]) throw new UsageError(`${command} takes one campaign id`);
  return args[0];
}

/** "90s", "30m", "2h", "1h30m", or plain seconds -> seconds. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(trimmed);
  if (!match || trimmed === "") throw new UsageError(`'${text}' is not a duration like 90s, 30m or 2h`);
  return Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
}

function number(values: Values, key: "rate" | "max-in-progress" | "attempts"): number | undefined {
  const text = values[key];
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) throw new UsageError(`--${key} expects a number, got '${text}'`);
  return n;
}

function startOptions(values: Values): StartOptions {
  const rate = number(values, "rate");
  const max = number(values, "max-in-progress");
  const attempts = number(values, "attempts");
  const list = (text: string | undefined) =>
    text
      ?.split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
  return {
    ...(values.name !== undefined && { name: values.name }),
    ...(values.from !== undefined && { from: values.from }),
    ...(values.window !== undefined && { window: values.window }),
    ...(values.hours !== undefined && { hoursState: values.hours }),
    ...(values.timezone !== undefined && { timezone: values.timezone }),
    ...(values["closed-on"] !== undefined && { closedOn: list(values["closed-on"]) }),
    pace: { ...(rate !== undefined && { callsPerSecond: rate }), ...(max !== undefined && { maxInProgress: max }) },
    retry: {
      ...(attempts !== undefined && { attempts }),
      ...(values["retry-delay"] !== undefined && { delaySeconds: parseDuration(values["retry-delay"]) }),
      ...(values["retry-on"] !== undefined && { on: list(values["retry-on"]) }),
    },
    ...(values["number-column"] !== undefined && { numberColumn: values["number-column"] }),
  };
}

async function start(deps: CampaignDeps, values: Values, args: string[]): Promise<number> {
  const [flow, file] = args;
  if (args.length !== 2 || !flow || !file) throw new UsageError("start takes a flow and a contacts file");
  let csv: string;
  try {
    csv = deps.readFile(file);
  } catch (error) {
    deps.err(`ivr campaign: cannot read ${file}: ${(error as Error).message}\n`);
    return 1;
  }
  const options = startOptions(values);
  const backend = await deps.backend(values, deps.env);
  const started = await backend.start(flow, csv, options);
  if (!started.ok) {
    deps.err(`${formatProblems(file, started.problems)}\n\nivr campaign: nothing was started; fix the above first\n`);
    return 1;
  }
  const c = started.campaign;
  deps.out(
    `campaign ${c.campaignId} started: ${c.contacts} contacts, flow ${c.flow}@${c.version}\n` +
      `  window ${describeWindow(c.window)}\n` +
      `  ${c.pace.callsPerSecond} calls/s, at most ${c.pace.maxInProgress} in progress; ` +
      `${c.retry.attempts} attempts, ${c.retry.delaySeconds}s apart, on ${c.retry.on.map(statusName).join(", ")}\n` +
      `  follow it: ivr campaign status ${c.campaignId}${whereArgs(values)}\n`,
  );
  return 0;
}

async function status(deps: CampaignDeps, values: Values, id: string): Promise<number> {
  const report = await (await deps.backend(values, deps.env)).status(id);
  if (!report) {
    deps.err(`ivr campaign: no campaign ${id}\n`);
    return 1;
  }
  if (values.json) {
    deps.out(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  const { byStatus, outcomes } = report.counts;
  const outcomeList = Object.entries(outcomes)
    .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))
    .map(([o, n]) => `${o} ${n}`)
    .join(", ");
  deps.out(
    [
      `campaign ${report.campaignId} (${report.status}${report.pausedReason ? `: ${report.pausedReason}` : ""})`,
      `  flow ${report.flow}@${report.version}; window ${describeWindow(report.window)}, ${report.windowOpenNow ? "open" : "closed"} now`,
      `  ${report.pace.callsPerSecond} calls/s, at most ${report.pace.maxInProgress} in progress (${report.inProgress} now)` +
        `${report.backoffUntil ? `; 8x8 rate-limited us: waiting until ${report.backoffUntil}` : ""}`,
      `  contacts ${report.contacts}: ${byStatus.done} done, ${byStatus.pending} waiting, ${byStatus.dialing} dialling, ${byStatus.calling} on a call`,
      `  outcomes: ${outcomeList || "none yet"}`,
      "",
    ].join("\n"),
  );
  return 0;
}

async function results(deps: CampaignDeps, values: Values, id: string): Promise<number> {
  const format = values.format ?? "csv";
  if (format !== "csv" && format !== "json") throw new UsageError("--format is csv or json");
  const rows = await (await deps.backend(values, deps.env)).results(id);
  if (!rows) {
    deps.err(`ivr campaign: no campaign ${id}\n`);
    return 1;
  }
  const text = format === "csv" ? resultsCsv(rows) : `${JSON.stringify(rows, null, 2)}\n`;
  if (values.out) deps.writeFile(values.out, text);
  else deps.out(text);
  const totals = Object.entries(outcomeTotals(rows))
    .map(([o, n]) => `${o} ${n}`)
    .join(", ");
  deps.err(`${rows.length} contacts: ${totals}${values.out ? ` (written to ${values.out})` : ""}\n`);
  return 0;
}

async function change(deps: CampaignDeps, values: Values, action: CampaignAction, id: string): Promise<number> {
  const changed = await (await deps.backend(values, deps.env)).change(id, action);
  if (!changed.ok) {
    deps.err(`ivr campaign: ${changed.message}\n`);
    return 1;
  }
  deps.out(`campaign ${id} is ${changed.campaign.status}\n`);
  return 0;
}

async function list(deps: CampaignDeps, values: Values): Promise<number> {
  const campaigns = await (await deps.backend(values, deps.env)).list();
  if (values.json) deps.out(`${JSON.stringify(campaigns, null, 2)}\n`);
  else if (campaigns.length === 0) deps.out("no campaigns\n");
  else {
    for (const c of campaigns) {
      deps.out(
        `${c.campaignId}  ${c.status.padEnd(9)}  ${String(c.contacts).padStart(6)} contacts  ${c.flow}  ${c.createdAt}\n`,
      );
    }
  }
  return 0;
}

function statusName(status: string): string {
  return status.toLowerCase().replace(/_/g, "-");
}

function whereArgs(values: Values): string {
  if (values.url) return ` --url ${values.url}`;
  if (values.local) return " --local";
  if (values.stack) return ` --stack ${values.stack}`;
  return "";
}

// --- the local stack: its campaign routes ------------------------------------------------------------------------

export async function localBackend(values: Values, env: NodeJS.ProcessEnv): Promise<CampaignBackend> {
  const base = values.url ?? env.IVR_URL ?? "http://localhost:3000";
  // Guarded like the webhooks: when the server checks WEBHOOK_SECRET, the same variable must be set here.
  const secret = env.WEBHOOK_SECRET ? { [env.WEBHOOK_AUTH_HEADER ?? "authorization"]: env.WEBHOOK_SECRET } : {};
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> => {
    let res: Response;
    try {
      res = await fetch(new URL(path, base), {
        method,
        headers: { "content-type": "application/json", ...secret },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      throw new Error(`no local server answers at ${base} (${cause}): start it with \`npm start\``);
    }
    const text = await res.text();
    return { status: res.status, body: text === "" ? undefined : (JSON.parse(text) as unknown) };
  };
  const message = (body: unknown) => (body as { message?: string } | undefined)?.message ?? JSON.stringify(body);
  const path = (id: string, rest = "") => `/local/campaigns/${encodeURIComponent(id)}${rest}`;
  return {
    async start(flow, csv, options) {
      const res = await call("POST", "/local/campaigns", { flow, csv, options });
      if (res.status === 201) return { ok: true, campaign: (res.body as { campaign: Campaign }).campaign };
      if (res.status === 422) return { ok: false, problems: (res.body as { problems: ContactsProblem[] }).problems };
      throw new Error(`POST /local/campaigns answered HTTP ${res.status}: ${message(res.body)}`);
    },
    async status(id) {
      const res = await call("GET", path(id));
      return res.status === 404 ? undefined : (res.body as CampaignReport);
    },
    async results(id) {
      const res = await call("GET", path(id, "/results"));
      return res.status === 404 ? undefined : (res.body as { rows: ResultRow[] }).rows;
    },
    async change(id, action) {
      const res = await call("POST", path(id, `/${action}`));
      if (res.status === 200) return { ok: true, campaign: (res.body as { campaign: Campaign }).campaign };
      return { ok: false, message: message(res.body) };
    },
    async list() {
      return ((await call("GET", "/local/campaigns")).body as { campaigns: Campaign[] }).campaigns;
    },
  };
}

// --- the deployed stack: its tables ------------------------------------------------------------------------------

export async function deployedBackend(values: Values, env: NodeJS.ProcessEnv): Promise<CampaignBackend> {
  const tables = await tableNames(values, env);
  const [{ createDocumentClient }, { DynamoFlowVersionStore }, { DynamoCampaignStore }, service] = await Promise.all([
    import("../../store/dynamodb-client.js"),
    import("../../store/dynamodb-flow-version-store.js"),
    import("../../outbound/dynamodb-campaign-store.js"),
    import("../../outbound/campaigns.js"),
  ]);
  // A CLI can wait longer per request than a Lambda on a call's critical path.
  const client = createDocumentClient({ env, requestTimeoutMs: 5_000, connectionTimeoutMs: 2_000 });
  const deps = {
    store: new DynamoCampaignStore(client, tables.campaigns, tables.contacts),
    flowVersions: new DynamoFlowVersionStore(client, tables.flowVersions),
    now: () => new Date(),
  };
  return {
    async start(flowId, csv, options) {
      const dir = values.flows ?? "flows";
      const loaded = loadFlows(dir);
      if (hasErrors(loaded.diagnostics)) {
        throw new Error(`${formatDiagnostics(loaded.diagnostics, loaded.sources)}\n\nfix the flows first`);
      }
      const machine = loaded.machines.find((m) => m.flow === flowId);
      if (!machine) {
        const known = loaded.machines.map((m) => m.flow).join(", ") || "none";
        return { ok: false, problems: [{ line: 0, message: `no flow '${flowId}' in ${dir}/ (flows: ${known})` }] };
      }
      return service.startCampaign(deps, machine, csv, options);
    },
    status: (id) => service.campaignStatus(deps, id),
    results: (id) => service.campaignResults(deps, id),
    async change(id, action) {
      const result = await service.changeCampaign(deps, id, action);
      return result.ok ? result : { ok: false, message: service.describeRefusal(action, result) };
    },
    async list() {
      const statuses = ["running", "paused", "stopped", "completed"] as const;
      const lists = await Promise.all(statuses.map((s) => deps.store.list(s)));
      return lists.flat().sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },
  };
}

async function tableNames(
  values: Values,
  env: NodeJS.ProcessEnv,
): Promise<{ campaigns: string; contacts: string; flowVersions: string }> {
  let campaigns = env.CAMPAIGNS_TABLE;
  let contacts = env.CONTACTS_TABLE;
  let flowVersions = env.FLOW_VERSIONS_TABLE;
  if (!campaigns || !contacts || !flowVersions) {
    const outputs = await stackOutputsOf(values);
    campaigns ??= outputs[OUTPUT.campaignsTable];
    contacts ??= outputs[OUTPUT.contactsTable];
    flowVersions ??= outputs[OUTPUT.flowVersionsTable];
  }
  if (!campaigns || !contacts || !flowVersions) {
    throw new Error(
      "no table names: deploy the stack (it outputs them), pass --stack-outputs, or set CAMPAIGNS_TABLE, " +
        "CONTACTS_TABLE and FLOW_VERSIONS_TABLE; for the local stack use --local",
    );
  }
  return { campaigns, contacts, flowVersions };
}
