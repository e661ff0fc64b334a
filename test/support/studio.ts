/**
 * The local stack with the studio, for the studio's tests: a temporary copy of flows/ (so a test can break and fix
 * a flow on disk), the run's shared DynamoDB Local, a free port. And Debian's Chromium through playwright-core.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Browser } from "playwright-core";
import { dynamoDbForTests } from "./dynamodb.js";
import { type LocalStack, localStackWith } from "./local-stack.js";

/**
 * The local stack (the server watching its temporary folder) on a copy of `from` (default flows/: flows and their
 * scenario files) plus any `extra` files; with `backend`, Acme's example back end too, the flows' services pointed
 * at it as `npm start` does.
 */
export async function startStudioStack(
  options: { from?: string; extra?: string[]; backend?: boolean } = {},
): Promise<LocalStack> {
  const { endpoint } = await dynamoDbForTests();
  const from = options.from ?? "flows";
  const files = [
    ...readdirSync(from)
      .filter((name) => /\.yaml$/.test(name))
      .map((name) => join(from, name)),
    ...(options.extra ?? []),
  ];
  const flows = Object.fromEntries(files.map((file) => [basename(file, ".yaml"), readFileSync(file, "utf8")]));
  const backend = options.backend ? await startExampleBackend() : undefined;
  const stack = await localStackWith(flows, { dynamodbEndpoint: endpoint, watch: true, reloadDebounceMs: 50 });
  return {
    ...stack,
    async stop() {
      await stack.stop();
      await backend?.stop();
    },
  };
}

/** Acme's example back end on a free port, and the environment that points the flows' services at it. */
export async function startExampleBackend(): Promise<{ stop(): Promise<void> }> {
  const [{ startAcmeBackend }, { DEMO_BANK_TOKEN }, { serviceUrlEnvVar }, { secretEnvVar }] = await Promise.all([
    import("../../src/local/acme-backend/server.js"),
    import("../../src/local/acme-backend/data.js"),
    import("../../src/integration/services.js"),
    import("../../src/integration/secrets.js"),
  ]);
  const backend = await startAcmeBackend({ port: 0, bankToken: DEMO_BANK_TOKEN });
  const env: Record<string, string> = { [secretEnvVar("bankToken")]: DEMO_BANK_TOKEN };
  for (const [service, url] of Object.entries(backend.services)) env[serviceUrlEnvVar(service)] = url;
  Object.assign(process.env, env);
  return {
    async stop() {
      for (const name of Object.keys(env)) delete process.env[name];
      await backend.stop();
    },
  };
}

/** Debian's chromium (`apt-get install chromium`; `.ci/run` installs it), never a downloaded browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM_PATH`);
  }
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: CHROMIUM,
    // the machine is offline: without these Chromium keeps trying to reach Google's services
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
