/**
 * `ivr dial <flow> --to +E164 [--from +E164] [--var name=value ...]`: start an outbound IVR call through 8x8's Send
 * Callflow API (src/outbound/place-call.ts): the flow is compiled (a checker error stops here, with the usual
 * positioned messages), its inputs checked (a refusal stops here too: nothing stored, nothing dialled), the version
 * stored so the Lambdas can load it, then the call placed and its session stored under 8x8's sessionId.
 */
import { explainAwsError } from "../../deploy/aws-errors.js";
import { DEFAULT_STACK_NAME, describeStackOutputs, OUTPUT, type StackOutputs } from "../../deploy/stack-outputs.js";
import type { CompiledMachine } from "../../engine/machine.js";
import { formatDiagnostics, hasErrors, loadFlows } from "../../language/index.js";
import { maskPhone } from "../../observability/masking.js";
import { checkInputs, describeInputs, parseVarArgs } from "../../outbound/inputs.js";
import { placeOutboundCall } from "../../outbound/place-call.js";
import type { FlowVersionStore, SessionStore } from "../../store/ports.js";
import { VoiceApiClient, type VoiceApiOptions, voiceApiOptionsFromEnv } from "../../voice-api/client.js";
import { type OptionValues, parseCommandLine, usageError } from "../args.js";
import { STACK_OPTIONS, stackOutputsOf } from "../stack-outputs.js";

const USAGE = `usage: ivr dial <flow> --to <+E164> [--from <+E164>] [--var name=value ...] [options]

  --to <number>            the number to call (E.164, e.g. +6591234567)
  --from <number>          caller id: one of your 8x8 virtual numbers (default: the flow's first number)
  --var <name=value>       a value for one of the flow's inputs (repeatable); checked before anything is dialled
  --flows <dir>            where the flows are (default flows)
  --valid-minutes <n>      8x8 must not place the call after this many minutes (default 5)
  --subaccount <id>        8x8 subaccount (default EIGHTBYEIGHT_SUBACCOUNT_ID)
  --stack <name>           stack whose tables to use (default ${DEFAULT_STACK_NAME}), via CloudFormation
  --region <region>        the stack's region
  --stack-outputs <file>   read the table names from \`cdk deploy --outputs-file <file>\` instead

environment: EIGHTBYEIGHT_API_KEY (required), EIGHTBYEIGHT_SUBACCOUNT_ID, EIGHTBYEIGHT_BASE_URL;
SESSIONS_TABLE and FLOW_VERSIONS_TABLE (override the stack outputs), DYNAMODB_ENDPOINT (DynamoDB Local)
`;

const E164 = /^\+[1-9]\d{6,14}$/;

export interface DialStores {
  sessions: SessionStore;
  flowVersions: FlowVersionStore;
}

export interface DialDeps {
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  err: (text: string) => void;
  now: () => Date;
  voiceApi: (options: VoiceApiOptions) => VoiceApiClient;
  stackOutputs: (stackName: string, region?: string) => Promise<StackOutputs>;
  /** DynamoDB stores on the given table names, in `region` (default the SDK's; DYNAMODB_ENDPOINT applies) */
  stores: (tables: { sessions: string; flowVersions: string }, region?: string) => Promise<DialStores>;
}

async function dynamoStores(
  env: NodeJS.ProcessEnv,
  tables: { sessions: string; flowVersions: string },
): Promise<DialStores> {
  const [{ createDocumentClient }, { DynamoSessionStore }, { DynamoFlowVersionStore }] = await Promise.all([
    import("../../store/dynamodb-client.js"),
    import("../../store/dynamodb-session-store.js"),
    import("../../store/dynamodb-flow-version-store.js"),
  ]);
  const client = createDocumentClient({ env });
  return {
    sessions: new DynamoSessionStore(client, tables.sessions),
    flowVersions: new DynamoFlowVersionStore(client, tables.flowVersions),
  };
}

const defaultDeps = (): DialDeps => ({
  env: process.env,
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  now: () => new Date(),
  voiceApi: (options) => new VoiceApiClient(options),
  stackOutputs: describeStackOutputs,
  stores: (tables, region) => dynamoStores(region ? { ...process.env, AWS_REGION: region } : process.env, tables),
});

const COMMAND = {
  name: "dial",
  usage: USAGE,
  options: {
    to: { type: "string" },
    from: { type: "string" },
    var: { type: "string", multiple: true },
    flows: { type: "string" },
    "valid-minutes": { type: "string" },
    subaccount: { type: "string" },
    ...STACK_OPTIONS,
  },
  positionals: { min: 1, max: 1, what: "flow id" },
} as const;

type Values = OptionValues<typeof COMMAND.options>;

export async function run(argv: string[], deps: DialDeps = defaultDeps()): Promise<number> {
  const args = parseCommandLine(COMMAND, argv, deps);
  if (!args.ok) return args.exit;
  const { values } = args;
  const flowId = args.positionals[0]!;
  if (!values.to) return usageError(COMMAND, "--to is required: the number to call", deps);
  if (!E164.test(values.to)) {
    return usageError(COMMAND, `--to ${values.to} is not an E.164 number (like +6591234567)`, deps);
  }
  let vars: Record<string, string>;
  try {
    vars = parseVarArgs(values.var ?? []);
  } catch (error) {
    return usageError(COMMAND, (error as Error).message, deps);
  }
  const validMinutes = Number(values["valid-minutes"] ?? 5);
  if (!Number.isFinite(validMinutes) || validMinutes <= 0) {
    return usageError(COMMAND, "--valid-minutes expects a positive number", deps);
  }

  const loaded = loadFlows(values.flows ?? "flows");
  if (hasErrors(loaded.diagnostics)) {
    deps.err(`${formatDiagnostics(loaded.diagnostics, loaded.sources)}\n\nivr dial: fix the flows first\n`);
    return 1;
  }
  const machine = loaded.machines.find((m) => m.flow === flowId);
  if (!machine) {
    const known = loaded.machines.map((m) => m.flow).join(", ") || "none";
    deps.err(`ivr dial: no flow '${flowId}' in ${values.flows ?? "flows"}/ (flows: ${known})\n`);
    return 1;
  }
  const checked = checkInputs(machine, vars);
  if (!checked.ok) {
    const lines = checked.problems.map((p) => `  ${p.message}\n`).join("");
    deps.err(`ivr dial: flow ${flowId} refuses these inputs (nothing was dialled):\n${lines}`);
    deps.err(`  its inputs: ${describeInputs(machine)}\n`);
    return 2;
  }
  const from = values.from ?? machine.numbers[0];
  if (!from || !E164.test(from)) {
    deps.err(
      from
        ? `ivr dial: --from ${from} is not an E.164 number\n`
        : `ivr dial: flow '${flowId}' has no numbers: pass --from with one of your 8x8 virtual numbers\n`,
    );
    return 2;
  }

  try {
    const api = deps.voiceApi(
      voiceApiOptionsFromEnv(deps.env, { ...(values.subaccount && { subAccountId: values.subaccount }) }),
    );
    const stores = await deps.stores(await tableNames(values, deps), values.region);
    return await dial(deps, api, stores, { machine, from, to: values.to, validMinutes, inputs: checked.inputs });
  } catch (error) {
    deps.err(`ivr dial: ${explainAwsError(error)}\n`);
    return 1;
  }
}

async function tableNames(values: Values, deps: DialDeps): Promise<{ sessions: string; flowVersions: string }> {
  let sessions = deps.env.SESSIONS_TABLE;
  let flowVersions = deps.env.FLOW_VERSIONS_TABLE;
  if (!sessions || !flowVersions) {
    const outputs = await stackOutputsOf(values, deps.stackOutputs);
    sessions ??= outputs[OUTPUT.sessionsTable];
    flowVersions ??= outputs[OUTPUT.flowVersionsTable];
  }
  if (!sessions || !flowVersions) {
    throw new Error("no table names: set SESSIONS_TABLE and FLOW_VERSIONS_TABLE or pass --stack-outputs");
  }
  return { sessions, flowVersions };
}

async function dial(
  deps: DialDeps,
  api: VoiceApiClient,
  stores: DialStores,
  call: { machine: CompiledMachine; from: string; to: string; validMinutes: number; inputs: Record<string, string> },
): Promise<number> {
  const { machine, from, to } = call;
  const now = deps.now();
  // The version must be loadable by the Lambdas before any VCA of this call arrives.
  await stores.flowVersions.put(machine);
  const created = await placeOutboundCall(
    { api, sessions: stores.sessions },
    {
      machine,
      from,
      to,
      inputs: call.inputs,
      now,
      validUntil: new Date(now.getTime() + call.validMinutes * 60_000),
    },
  );
  deps.out(
    `calling ${maskPhone(to)} from ${maskPhone(from)}: flow ${machine.flow}@${machine.version}, ` +
      `8x8 session ${created.sessionId} (${created.sessionStatus})\n`,
  );
  return 0;
}
