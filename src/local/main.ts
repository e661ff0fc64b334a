/**
 * `npm start`: the whole stack locally. Serves POST /vca and POST /vss (the API Gateway routes) through the real
 * handlers on DynamoDB Local, reloads flows/ on save, and prints how to place a test call.
 *
 * Environment: PORT (default 3000; a busy port falls back to a free one), FLOWS_DIR (default flows),
 * DYNAMODB_ENDPOINT (use this DynamoDB instead of starting DynamoDB Local), LOG_LEVEL (handler logs),
 * ACME_BACKEND_PORT (the example back end, default 4010; a busy port falls back to a free one; "off": not started).
 * Option: `npm start -- --at 2026-11-24T10:00:00+08:00` starts the handlers' clock at that instant (it runs on from
 * there), so a flow's `hours` can be tried outside its office hours.
 */
import { parseArgs } from "node:util";
import { secretEnvVar } from "../integration/secrets.js";
import { serviceUrlEnvVar } from "../integration/services.js";
import { DEMO_BANK_TOKEN } from "./acme-backend/data.js";
import { startAcmeBackend } from "./acme-backend/server.js";
import { banner } from "./banner.js";
import { parseInstant, shiftedClock } from "./clock.js";
import { startLocalServer } from "./server.js";

const USAGE = "usage: npm start [-- --at 2026-11-24T10:00:00+08:00]\n";

function out(line = ""): void {
  process.stdout.write(`${line}\n`);
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { at: { type: "string" }, help: { type: "boolean" } } });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const at = values.at === undefined ? undefined : parseInstant(values.at, "--at");
  process.env.POWERTOOLS_DEV ??= "true"; // readable, indented handler logs in a terminal
  // The AWS SDK warns on Node 20 that its 2027 releases will need Node 22; the pinned SDK runs fine here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const requestedPort = Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
    throw new Error(`PORT must be a port number, got '${process.env.PORT}'`);
  }

  const backend = await startExampleBackend();
  const server = await startLocalServer({
    port: requestedPort,
    fallbackToFreePort: true,
    flowsDir: process.env.FLOWS_DIR ?? "flows",
    ...(at && { now: shiftedClock(at) }),
    print: (text) => out(text.replace(/\n$/, "")),
  });
  out(banner(server, requestedPort, { ...(backend && { backend: backend.banner }), ...(at && { at }) }));

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      // a second Ctrl-C while DynamoDB Local is shutting down: the user means it
      process.exit(130);
    }
    stopping = true;
    out(`\n${signal}: stopping`);
    Promise.all([server.stop(), backend?.stop()]).then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

/**
 * Acme's example back end on its own loopback port, and the flows' services pointed at it through
 * CALLFLOW_SERVICE_URL_<service> (a value the user set already wins). The bank's token is the back end's demo
 * value unless CALLFLOW_SECRET_bankToken is set.
 */
async function startExampleBackend() {
  const requested = process.env.ACME_BACKEND_PORT ?? "4010";
  if (requested === "off") return undefined;
  const port = Number(requested);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`ACME_BACKEND_PORT must be a port number or "off", got '${requested}'`);
  }
  const tokenVar = secretEnvVar("bankToken");
  const own = process.env[tokenVar] ?? process.env.ACME_BANK_TOKEN;
  const backend = await startAcmeBackend({ port, fallbackToFreePort: true, bankToken: own ?? DEMO_BANK_TOKEN });
  const overrides: Record<string, string> = {};
  for (const [service, url] of Object.entries(backend.services)) {
    const name = serviceUrlEnvVar(service);
    process.env[name] ??= url;
    overrides[name] = process.env[name] as string;
  }
  // The demo token is documented, not a secret, so the banner may show it; a value of yours is never printed.
  process.env[tokenVar] ??= own ?? DEMO_BANK_TOKEN;
  if (own === undefined) overrides[tokenVar] = DEMO_BANK_TOKEN;
  return { stop: backend.stop, banner: { url: backend.url, overrides } };
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`npm start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
