/** What `npm start` prints once the stack is up: the routes, the flows, and how to place a test call. */
import type { CompiledMachine } from "../engine/machine.js";
import type { LocalServer } from "./server.js";
import { callReceivedEvent, DEFAULT_CALLER, newSimulatedCall, PLACEHOLDER_NUMBER } from "./simulated-8x8.js";

/** The example back end as the banner shows it: its URL and the overrides pointing the flows' services at it. */
export interface BannerBackend {
  url: string;
  /** CALLFLOW_SERVICE_URL_<service> -> value, as set for the local server */
  overrides: Record<string, string>;
}

export function banner(
  server: LocalServer,
  requestedPort: number,
  options: { backend?: BannerBackend; at?: Date } = {},
): string {
  const { backend, at } = options;
  const lines: string[] = [];
  if (server.port !== requestedPort) lines.push(`port ${requestedPort} is busy: using ${server.port} instead`, "");
  if (at) lines.push(`clock: the handlers' clock started at ${at.toISOString()} (--at) and runs on from there`, "");
  lines.push(
    "callflow local stack",
    `  studio: ${server.url}/   open it in a browser: every flow drawn, live as you edit, and a phone to call it`,
    "",
    `  POST ${server.url}/vca     Voice Call Action webhook`,
    `  POST ${server.url}/vss     Voice Session Summary webhook`,
    `  GET  ${server.url}/flows   flows being served`,
    `  GET  ${server.url}/events  Call Completed events (each is printed here too; \`npx ivr report\` counts the calls)`,
    `  GET  ${server.url}/health`,
    `       ${server.url}/local/campaigns  outbound campaigns, dialled here (\`npx ivr campaign --local\`)`,
    `  DynamoDB: ${server.dynamodbEndpoint}`,
    "",
    "flows (edit flows/*.yaml: they reload on save):",
  );
  const machines = server.machines();
  if (machines.length === 0) lines.push("  (none)");
  for (const m of machines) lines.push(`  ${m.flow.padEnd(24)} v${m.version}  ${numbersOf(m)}`);

  const example = machines.find((m) => m.numbers.length > 0) ?? machines[0];
  if (example) {
    const urlArg = server.port === 3000 ? "" : ` --url ${server.url}`;
    const call = newSimulatedCall({ caller: DEFAULT_CALLER, called: example.numbers[0] ?? PLACEHOLDER_NUMBER });
    const event = JSON.stringify(callReceivedEvent(call, new Date()));
    lines.push(
      "",
      "place a test call, in another terminal:",
      `  npx ivr call ${example.flow}${urlArg}`,
      "",
      "or post the CALL_RECEIVED event 8x8 would send:",
      `  curl -s ${server.url}/vca -H 'content-type: application/json' -d '${event}'`,
    );
  }
  if (backend) {
    lines.push(
      "",
      `example back end (Acme's bank, CRM and clinic APIs, docs/integration.md): ${backend.url}`,
      "  the flows' services point at it (copy these to make `ivr replay` reach it too):",
      ...Object.entries(backend.overrides).map(([name, value]) => `  export ${name}=${value}`),
    );
  }
  lines.push("", "Ctrl-C stops the server and DynamoDB Local.");
  return lines.join("\n");
}

function numbersOf(m: CompiledMachine): string {
  return m.numbers.length > 0 ? m.numbers.join(", ") : "(outbound only: no inbound numbers)";
}
