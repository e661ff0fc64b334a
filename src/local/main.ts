/**
 * `npm start`: the whole stack locally. Serves POST /vca and POST /vss (the API Gateway routes) through the real
 * handlers on DynamoDB Local, reloads flows/ on save, and prints how to place a test call.
 *
 * Environment: PORT (default 3000; a busy port falls back to a free one), FLOWS_DIR (default flows),
 * DYNAMODB_ENDPOINT (use this DynamoDB instead of starting DynamoDB Local), LOG_LEVEL (handler logs).
 */
import { banner } from "./banner.js";
import { ensureGeneratedValidators } from "./generated-code.js";

function out(line = ""): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
  process.env.POWERTOOLS_SERVICE_NAME ??= "callflow";
  process.env.POWERTOOLS_DEV ??= "true"; // readable, indented handler logs in a terminal
  // The AWS SDK warns on Node 20 that its 2027 releases will need Node 22; the pinned SDK runs fine here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const requestedPort = Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
    throw new Error(`PORT must be a port number, got '${process.env.PORT}'`);
  }

  await ensureGeneratedValidators();
  const { startLocalServer } = await import("./server.js");
  const server = await startLocalServer({
    port: requestedPort,
    fallbackToFreePort: true,
    flowsDir: process.env.FLOWS_DIR ?? "flows",
    print: (text) => out(text.replace(/\n$/, "")),
  });
  out(banner(server, requestedPort));

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      // a second Ctrl-C while DynamoDB Local is shutting down: the user means it
      process.exit(130);
    }
    stopping = true;
    out(`\n${signal}: stopping`);
    server.stop().then(
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

main().catch((err: unknown) => {
  process.stderr.write(`npm start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
