/**
 * `ivr dial <flow> --to +E164 [--from +E164]`: start an outbound IVR call through 8x8's Send Callflow API.
 *
 * 1. compile the flow (a checker error stops here, with the usual positioned messages);
 * 2. render its first answer with the engine (pure, nothing stored) and POST `[makeCall, ...that answer]`;
 * 3. store the session under the sessionId 8x8 returns, positioned after that first answer, and make sure the
 *    flow version is in the flowVersions table, so the call's VCAs continue this exact version.
 *
 * Step 3 follows the POST because the sessionId only exists once 8x8 has accepted the call; the first VCA of the
 * call comes after the callee answers and the first prompt completes, seconds later.
 */
import { parseArgs } from "node:util";
import {
  DEFAULT_STACK_NAME,
  describeStackOutputs,
  OUTPUT,
  readOutputsFile,
  type StackOutputs,
} from "../../../cdk/outputs.js";
import type { CallflowAction } from "../../engine/callflow.js";
import type { CompiledMachine } from "../../engine/machine.js";
import { formatDiagnostics, hasErrors, loadFlows } from "../../language/index.js";
import { maskPhone } from "../../observability/masking.js";
import type { FlowVersionStore, SessionStore } from "../../store/ports.js";
import { VoiceApiClient, type VoiceApiOptions, voiceApiOptionsFromEnv } from "../../voice-api/client.js";
import { FlowRegistry } from "../../webhooks/flow-registry.js";
import { prepareOutboundSession, renderOutboundStart } from "../../webhooks/vca-service.js";

const USAGE = `usage: ivr dial <flow> --to <+E164> [--from <+E164>] [options]

  --to <number>            the number to call (E.164, e.g. +6591234567)
  --from <number>          caller id: one of your 8x8 virtual numbers (default: the flow's first number)
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
  /** DynamoDB stores on the given table names (the environment's DYNAMODB_ENDPOINT applies) */
  stores: (tables: { sessions: string; flowVersions: string }) => Promise<DialStores>;
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
  stores: (tables) => dynamoStores(process.env, tables),
});

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      to: { type: "string" },
      from: { type: "string" },
      flows: { type: "string" },
      "valid-minutes": { type: "string" },
      subaccount: { type: "string" },
      stack: { type: "string" },
      region: { type: "string" },
      "stack-outputs": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}

export async function run(argv: string[], deps: DialDeps = defaultDeps()): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    deps.err(`ivr dial: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    deps.out(USAGE);
    return 0;
  }
  const [flowId] = positionals;
  if (!flowId || !values.to || positionals.length > 1) {
    deps.err(USAGE);
    return 2;
  }
  if (!E164.test(values.to)) {
    deps.err(`ivr dial: --to ${values.to} is not an E.164 number (like +6591234567)\n`);
    return 2;
  }
  const validMinutes = Number(values["valid-minutes"] ?? 5);
  if (!Number.isFinite(validMinutes) || validMinutes <= 0) {
    deps.err("ivr dial: --valid-minutes expects a positive number\n");
    return 2;
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
    const stores = await deps.stores(await tableNames(values, deps));
    return await dial(deps, api, stores, { machine, from, to: values.to, validMinutes });
  } catch (error) {
    deps.err(`ivr dial: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

async function tableNames(
  values: ReturnType<typeof parse>["values"],
  deps: DialDeps,
): Promise<{ sessions: string; flowVersions: string }> {
  let sessions = deps.env.SESSIONS_TABLE;
  let flowVersions = deps.env.FLOW_VERSIONS_TABLE;
  if (!sessions || !flowVersions) {
    const stack = values.stack ?? DEFAULT_STACK_NAME;
    const outputs = values["stack-outputs"]
      ? readOutputsFile(values["stack-outputs"], stack)
      : await deps.stackOutputs(stack, values.region);
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
  call: { machine: CompiledMachine; from: string; to: string; validMinutes: number },
): Promise<number> {
  const { machine, from, to } = call;
  const now = deps.now();
  const flows = new FlowRegistry([machine]);
  const input = { flow: machine.flow, caller: from, called: to, now };
  const { step } = renderOutboundStart(flows, input);
  const makeCall: CallflowAction = { action: "makeCall", params: { source: from, destination: to } };

  // The version must be loadable by the Lambdas before any VCA of this call arrives.
  await stores.flowVersions.put(machine);
  const validUntil = new Date(now.getTime() + call.validMinutes * 60_000).toISOString();
  const created = await api.sendCallflow({ callflow: [makeCall, ...step.actions], validUntil });
  await prepareOutboundSession({ sessions: stores.sessions, flows }, { ...input, sessionId: created.sessionId });

  deps.out(
    `calling ${maskPhone(to)} from ${maskPhone(from)}: flow ${machine.flow}@${machine.version}, ` +
      `8x8 session ${created.sessionId} (${created.sessionStatus})\n`,
  );
  return 0;
}
