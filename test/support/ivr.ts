/** Runs the `ivr` command as users do (a subprocess of bin/ivr.mjs), collecting its output and exit status. */
import { spawn } from "node:child_process";

export interface IvrRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runIvr(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<IvrRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/ivr.mjs", ...args], { env: { ...process.env, ...options.env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}
