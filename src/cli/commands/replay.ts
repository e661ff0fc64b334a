/**
 * `ivr replay <flow.yaml> [--dtmf 1,12345678,-] [--caller E164] [--to E164] [--at ISO-8601]`
 *
 * Plays one call through the real VCA handler and a real DynamoDB (DynamoDB Local, started and stopped here,
 * unless DYNAMODB_ENDPOINT is set) and prints `{ flow, version, turns, ended }` as JSON on stdout. Everything else
 * (checker messages, warnings, errors) goes to stderr, so the output can be piped into jq or diffed.
 */
import { readFileSync } from "node:fs";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { compileFlowSource, formatDiagnostics } from "../../language/index.js";
import { syntheticEvent } from "../../local/apigw-adapter.js";
import { parseInstant } from "../../local/clock.js";
import { openLocalDynamo } from "../../local/local-dynamo.js";
import { findLocalServer, postSummary } from "../../local/local-server-client.js";
import { parseDtmfList, ReplayError, replayCall, replayJson, summaryEvent } from "../../local/replay.js";
import { createReplayHandler, replayDialOut } from "../../local/replay-handler.js";
import { DEFAULT_CALLER, holdStatesOf, PLACEHOLDER_NUMBER } from "../../local/simulated-8x8.js";
import { checkInputs, parseVarArgs } from "../../outbound/inputs.js";
import { parseCommandLine, usageError } from "../args.js";

const USAGE = `usage: ivr replay <flow.yaml> [--dtmf 1,12345678,-] [--caller E164] [--to E164] [--at ISO-8601]
                  [--var name=value ...]

  --dtmf    what 8x8 reports after each answer, comma-separated; - is no input (null). Repeatable.
  --caller  the calling number (default ${DEFAULT_CALLER}; for an outbound call, the flow's first number)
  --to      the number dialled (default the flow's first number; ${PLACEHOLDER_NUMBER} for flows without numbers;
            for an outbound call, the person rung: default ${DEFAULT_CALLER})
  --at      freeze the handler's clock at this instant, e.g. 2026-03-02T10:00:00+08:00 (for hours states)
  --var     a value for one of the flow's inputs (repeatable). A flow that declares inputs is replayed as an
            outbound call, placed as \`ivr dial\` places it; inputs it refuses stop the replay (exit 2).

The call ends with the session summary 8x8 would send (the caller hangs up if the script ends first), so it
counts in \`ivr report\`. With \`npm start\` running ($IVR_URL, else http://localhost:3000), the call is stored in
its DynamoDB and the summary is posted to its /vss (the server prints the Call Completed event); otherwise
DynamoDB Local is started for this call only (needs Java 17+), unless DYNAMODB_ENDPOINT is set. Prints JSON to
stdout (the call's outcome goes to stderr); exit 0 when the replay ran, 1 on checker errors or a failed
handler, 2 on bad usage.

Fetch states make real requests: each service at its URL in the flow, or at CALLFLOW_SERVICE_URL_<service>
(what \`npm start\` prints for the example back end); secrets from CALLFLOW_SECRET_<name>. A hold message is
reported as heard at once (dtmf null) without using a --dtmf entry.
`;

const E164 = /^\+[1-9][0-9]{6,14}$/;

const COMMAND = {
  name: "replay",
  usage: USAGE,
  options: {
    dtmf: { type: "string", multiple: true },
    caller: { type: "string" },
    to: { type: "string" },
    at: { type: "string" },
    var: { type: "string", multiple: true },
  },
  positionals: { min: 1, max: 1, what: "flow file" },
} as const;

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandLine(COMMAND, joinDtmfValues(argv));
  if (!args.ok) return args.exit;
  let parsed: ReturnType<typeof check>;
  try {
    parsed = check(args.values, args.positionals[0]!);
  } catch (err) {
    return usageError(COMMAND, err instanceof Error ? err.message : String(err));
  }
  const { file, dtmf, at, vars } = parsed;

  // Quiet handler logs unless asked for: stdout is reserved for the JSON (read when the handler's logger is made).
  process.env.LOG_LEVEL ??= "SILENT";

  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    process.stderr.write(`ivr replay: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const { machine, diagnostics } = compileFlowSource(text, file);
  if (diagnostics.length > 0) process.stderr.write(`${formatDiagnostics(diagnostics, { [file]: text })}\n`);
  if (!machine || diagnostics.some((d) => d.severity === "error")) return 1;

  // Inputs only travel with outbound calls: a flow that declares any is replayed as `ivr dial` would place it.
  const outbound = machine.inputs !== undefined || Object.keys(vars).length > 0;
  const checked = outbound ? checkInputs(machine, vars) : undefined;
  if (checked && !checked.ok) {
    const lines = checked.problems.map((p) => `  ${p.message}\n`).join("");
    process.stderr.write(`ivr replay: flow ${machine.flow} refuses these inputs:\n${lines}`);
    return 2;
  }
  const ours = machine.numbers[0] ?? PLACEHOLDER_NUMBER;
  const caller = parsed.caller ?? (outbound ? ours : DEFAULT_CALLER);
  const called = parsed.to ?? (outbound ? DEFAULT_CALLER : ours);

  const frozen = at ? new Date(at) : undefined;
  const now = () => (frozen ? new Date(frozen) : new Date());

  // stdout carries the JSON only: anything else written there while the handler runs (its logs, when LOG_LEVEL
  // asks for them) is sent to stderr instead.
  const writeJson = process.stdout.write.bind(process.stdout);
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  // A running local stack gets the call (so `ivr report` and its GET /events see it), unless told otherwise.
  const server = process.env.DYNAMODB_ENDPOINT ? undefined : await findLocalServer(process.env.IVR_URL);
  const dynamo = await openLocalDynamo(server ? { endpoint: server.dynamodb } : {}).catch((err: unknown) => {
    process.stdout.write = writeJson;
    throw err;
  });
  try {
    const handlers = await createReplayHandler({ machine, called, dynamo, now });
    const result = await replayCall(handlers.vca, {
      flow: machine.flow,
      version: machine.version,
      dtmf,
      caller,
      called,
      now,
      holds: holdStatesOf(machine),
      ...(checked?.ok && {
        dialOut: replayDialOut({ machine, dynamo, caller, called, inputs: checked.inputs, now }),
      }),
    });
    if (result.unused.length > 0) {
      const list = result.unused.map((d) => d ?? "-").join(",");
      process.stderr.write(`ivr replay: the call ended after turn ${result.turns.length - 1}; not sent: ${list}\n`);
    }
    const summary = summaryEvent(result, now());
    if (server) await postSummary(server.url, summary);
    else await sendSummary(handlers.vss, summary);
    const stored = await dynamo.summaries.get(result.call.sessionId);
    process.stderr.write(`ivr replay: ${describeOutcome(stored?.outcome)} (session ${result.call.sessionId})\n`);
    writeJson(replayJson(result));
    return 0;
  } catch (err) {
    if (err instanceof ReplayError) {
      process.stderr.write(`ivr replay: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await dynamo.stop();
    process.stdout.write = writeJson;
  }
}

async function sendSummary(
  vss: (event: APIGatewayProxyEvent) => Promise<{ statusCode: number; body: string }>,
  body: unknown,
): Promise<void> {
  const answer = await vss(syntheticEvent("POST", "/vss", JSON.stringify(body)));
  if (answer.statusCode !== 200) throw new Error(`the VSS handler answered HTTP ${answer.statusCode}: ${answer.body}`);
}

function describeOutcome(outcome: { kind: string; state?: string; result?: string } | undefined): string {
  if (!outcome) return "summary stored";
  const where = outcome.state ? ` in ${outcome.state}` : "";
  return `call ${outcome.kind}${where}${outcome.result ? ` (result: ${outcome.result})` : ""}`;
}

/** The option values as the replay needs them; throws with the reason when one does not make sense. */
function check(values: { dtmf?: string[]; caller?: string; to?: string; at?: string; var?: string[] }, file: string) {
  const caller = values.caller;
  if (caller !== undefined && !E164.test(caller)) {
    throw new Error(`--caller '${caller}' is not an E.164 number like +6590000001`);
  }
  if (values.to !== undefined && !E164.test(values.to)) {
    throw new Error(`--to '${values.to}' is not an E.164 number like +6531234567`);
  }
  // An instant, not a wall-clock time: without a zone "10:00" would mean the machine's zone, silently.
  if (values.at !== undefined) parseInstant(values.at, "--at");
  return {
    file,
    dtmf: parseDtmfList(values.dtmf ?? []),
    caller,
    to: values.to,
    at: values.at,
    vars: parseVarArgs(values.var ?? []),
  };
}

/** `--dtmf -,1` would read as an option "-,1" to parseArgs: glue a --dtmf to its value when that starts with "-". */
function joinDtmfValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if (arg === "--dtmf" && next !== undefined && next.startsWith("-")) {
      out.push(`--dtmf=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}
