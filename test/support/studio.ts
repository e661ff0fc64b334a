/**
 * The local stack with the studio, for the studio's tests: a temporary copy of flows/ (so a test can break and fix
 * a flow on disk), the run's shared DynamoDB Local, a free port. And Debian's Chromium through playwright-core.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import type { LocalServer } from "../../src/local/server.js";
import { dynamoDbForTests } from "./dynamodb.js";

export interface StudioStack {
  server: LocalServer;
  /** the temporary flows folder the server watches */
  dir: string;
  stop(): Promise<void>;
}

/**
 * Starts the local server on a copy of `from` (default flows/) plus any `extra` flow files; with `backend`, Acme's
 * example back end too, the flows' services pointed at it as `npm start` does.
 */
export async function startStudioStack(
  options: { from?: string; extra?: string[]; backend?: boolean } = {},
): Promise<StudioStack> {
  const { endpoint } = await dynamoDbForTests();
  const backend = options.backend ? await startExampleBackend() : undefined;
  const dir = mkdtempSync(join(tmpdir(), "callflow-studio-"));
  const from = options.from ?? "flows";
  for (const name of readdirSync(from)) if (/\.ya?ml$/.test(name)) cpSync(join(from, name), join(dir, name));
  for (const file of options.extra ?? []) cpSync(file, join(dir, file.split("/").pop()!));
  const { startLocalServer } = await import("../../src/local/server.js");
  const server = await startLocalServer({
    port: 0,
    flowsDir: dir,
    dynamodbEndpoint: endpoint,
    reloadDebounceMs: 50,
    print: () => undefined,
  });
  return {
    server,
    dir,
    async stop() {
      await server.stop();
      await backend?.stop();
      rmSync(dir, { recursive: true, force: true });
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
