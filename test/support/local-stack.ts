/**
 * The local stack (src/local/server.ts) on a temporary flows directory: for tests that need the real server with
 * flows of their own. `stop()` stops the server and removes the directory.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LocalServer, LocalServerOptions } from "../../src/local/server.js";

export interface LocalStack {
  server: LocalServer;
  dir: string;
  stop(): Promise<void>;
}

/** `flows`: file name (without .yaml, the flow id) -> YAML. Not watched; prints nothing unless told. */
export async function localStackWith(
  flows: Record<string, string>,
  options: LocalServerOptions = {},
): Promise<LocalStack> {
  const dir = mkdtempSync(join(tmpdir(), "callflow-stack-"));
  for (const [name, yaml] of Object.entries(flows)) writeFileSync(join(dir, `${name}.yaml`), yaml);
  const { startLocalServer } = await import("../../src/local/server.js");
  try {
    const server = await startLocalServer({ port: 0, flowsDir: dir, watch: false, print: () => {}, ...options });
    return {
      server,
      dir,
      async stop() {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** A one-menu flow on `number`: "Press 1." then a hangup. */
export function pressOneFlow(flow: string, number: string): string {
  return `flow: ${flow}
numbers: ["${number}"]
start: main
states:
  main:
    menu:
      prompt: "Press 1."
      options: { "1": bye }
  bye: { hangup: { say: "Bye." } }
`;
}
