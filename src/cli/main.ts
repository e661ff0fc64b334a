/**
 * `ivr`: one entry point, one module per command under ./commands (loaded lazily so `ivr validate` does not pay
 * for the AWS SDK). Each command module exports `run(argv: string[]): Promise<number>` returning the exit status;
 * ./args.ts parses their options.
 */
import { suggestion } from "./args.js";

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> }> = {
  validate: { summary: "check flows (default flows/*.yaml)", load: () => import("./commands/validate.js") },
  graph: { summary: "print a flow's state graph (--format mermaid|dot)", load: () => import("./commands/graph.js") },
  replay: {
    summary: "play one call through the real handler and DynamoDB",
    load: () => import("./commands/replay.js"),
  },
  test: { summary: "run scenario files with coverage", load: () => import("./commands/test.js") },
  call: { summary: "an interactive phone in the terminal", load: () => import("./commands/call.js") },
  webhooks: { summary: "register|list|delete|rotate the 8x8 webhooks", load: () => import("./commands/webhooks.js") },
  dial: { summary: "start an outbound IVR call via 8x8", load: () => import("./commands/dial.js") },
  report: { summary: "calls, outcomes and where callers drop, per flow", load: () => import("./commands/report.js") },
  secrets: { summary: "set|list the deployed values of flow secrets", load: () => import("./commands/secrets.js") },
  campaign: {
    summary: "outbound campaigns: start|status|results|pause|resume|stop|list",
    load: () => import("./commands/campaign.js"),
  },
};

/**
 * A reader that goes away early (`ivr graph flow.yaml | head -1`) is not an error: stop writing to it quietly rather
 * than die with an unhandled EPIPE stack trace. The command still runs to its end and its exit status stands.
 */
function ignoreClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") return;
    throw err;
  });
}

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: ivr <command> [options]\n\ncommands:\n${lines.join("\n")}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`ivr: unknown command '${name}'${suggestion(name, Object.keys(COMMANDS))}\n\n${usage()}`);
    return 2;
  }
  const mod = await command.load();
  return mod.run(rest);
}

ignoreClosedPipe(process.stdout);
ignoreClosedPipe(process.stderr);

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`ivr: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
