/**
 * `ivr call <flow> [--url http://localhost:3000] [--caller E164] [--at ISO-8601] [--var name=value ...]`: an
 * interactive phone in the terminal against the local server (`npm start`). Prints what the caller hears; each
 * line typed is the keys pressed, as 8x8 would report them (the phone simulation `ivr test` uses: keys past the
 * prompt's maxDigits are dropped, a letter is refused and asked for again; an empty line is no input, i.e. the
 * caller let the prompt time out; Ctrl-D or the end of piped input hangs up). Works with piped stdin too, one line
 * per prompt; e.g. report a lost card (menu 1, then a 16 digit card number that passes the Luhn check) and be
 * transferred:
 *   printf '1\n4111111111111111\n' | npx ivr call card-services
 * The call runs on the server's clock unless --at sets its own: acme-support checks its Singapore office hours
 * first, so `--at 2026-11-24T10:00:00+08:00` (a Tuesday morning) reaches its menu whenever you try it.
 */
import { createInterface } from "node:readline";
import { parseInstant } from "../../local/clock.js";
import { PhoneError, placeCall } from "../../local/phone.js";
import { DEFAULT_CALLER } from "../../local/simulated-8x8.js";
import { parseVarArgs } from "../../outbound/inputs.js";
import { parseCommandLine, usageError } from "../args.js";

const USAGE = `usage: ivr call <flow> [--url http://localhost:3000] [--caller E164] [--at ISO-8601]
                [--var name=value ...]

  --url     the local server (default: $IVR_URL, else http://localhost:3000)
  --caller  the calling number (default ${DEFAULT_CALLER}); for an outbound call, the number rung
  --at      the call's clock starts at this instant, e.g. 2026-11-24T10:00:00+08:00 (for flows with hours)
  --var     a value for one of the flow's inputs (repeatable): the flow then rings you, as \`ivr dial\` would

Type the keys for each prompt and press Enter; an empty line is no input; Ctrl-D hangs up.
When the server checks a webhook secret (WEBHOOK_SECRET), the same variable must be set here.
`;

const COMMAND = {
  name: "call",
  usage: USAGE,
  options: {
    url: { type: "string" },
    caller: { type: "string" },
    at: { type: "string" },
    var: { type: "string", multiple: true },
  },
  positionals: { min: 1, max: 1, what: "flow id" },
} as const;

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandLine(COMMAND, argv);
  if (!args.ok) return args.exit;
  const { values } = args;
  const flow = args.positionals[0]!;
  let inputs: Record<string, string>;
  try {
    inputs = parseVarArgs(values.var ?? []);
  } catch (err) {
    return usageError(COMMAND, err instanceof Error ? err.message : String(err));
  }
  const caller = values.caller ?? DEFAULT_CALLER;
  if (!/^\+[1-9][0-9]{6,14}$/.test(caller)) {
    return usageError(COMMAND, `--caller '${caller}' is not an E.164 number like +6590000001`);
  }
  let at: Date | undefined;
  try {
    at = values.at === undefined ? undefined : parseInstant(values.at, "--at");
  } catch (err) {
    return usageError(COMMAND, err instanceof Error ? err.message : String(err));
  }

  const url = values.url ?? process.env.IVR_URL ?? "http://localhost:3000";
  const interactive = process.stdin.isTTY === true;
  const lines = createLineReader(interactive);
  const secret = process.env.WEBHOOK_SECRET;
  const headerName = process.env.WEBHOOK_AUTH_HEADER ?? "authorization";
  try {
    const result = await placeCall({
      url,
      flow,
      caller,
      inputs,
      ...(secret ? { headers: { [headerName]: secret } } : {}),
      ...(at && { at }),
      hear: (line) => process.stdout.write(`${line}\n`),
      readKeys: async (prompt) => {
        const line = await lines.next(prompt);
        // Piped keys are echoed so the transcript reads like a conversation.
        if (!interactive && line !== undefined) process.stdout.write(`${prompt}${line}\n`);
        return line;
      },
    });
    process.stdout.write(
      `call ended (${result.endedBy === "caller" ? "caller hung up" : result.lastAction}); ` +
        `summary stored for session ${result.sessionId}\n`,
    );
    const outcome = await outcomeOf(url, result.sessionId);
    if (outcome) process.stdout.write(`outcome: ${outcome} (the Call Completed event: GET ${url}/events)\n`);
    return 0;
  } catch (err) {
    if (err instanceof PhoneError) {
      process.stderr.write(`ivr call: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    lines.close();
  }
}

/** The call's outcome as the server's event says it ("abandoned in main"); undefined if it cannot tell. */
async function outcomeOf(url: string, sessionId: string): Promise<string | undefined> {
  try {
    const res = await fetch(new URL(`/events?sessionId=${encodeURIComponent(sessionId)}`, url));
    if (!res.ok) return undefined;
    const { events } = (await res.json()) as {
      events: { detail: { outcome: string; outcomeState: string | null; result: string | null } }[];
    };
    const detail = events.at(-1)?.detail;
    if (!detail) return undefined;
    const where = detail.outcomeState ? ` in ${detail.outcomeState}` : "";
    return `${detail.outcome}${where}${detail.result ? ` (result: ${detail.result})` : ""}`;
  } catch {
    return undefined;
  }
}

/** Lines from stdin, one per request; undefined at end of input. Lines typed ahead are queued, not lost. */
function createLineReader(interactive: boolean) {
  const rl = createInterface({
    input: process.stdin,
    output: interactive ? process.stdout : undefined,
    terminal: interactive,
  });
  const queued: string[] = [];
  const waiting: ((line: string | undefined) => void)[] = [];
  let closed = false;
  rl.on("line", (line) => {
    const next = waiting.shift();
    if (next) next(line);
    else queued.push(line);
  });
  rl.on("close", () => {
    closed = true;
    for (const next of waiting.splice(0)) next(undefined);
  });
  return {
    next(prompt: string): Promise<string | undefined> {
      const line = queued.shift();
      if (line !== undefined) return Promise.resolve(line);
      if (closed) return Promise.resolve(undefined);
      if (interactive) {
        rl.setPrompt(prompt);
        rl.prompt();
      }
      return new Promise((resolve) => waiting.push(resolve));
    },
    close() {
      rl.close();
    },
  };
}
