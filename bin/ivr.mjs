#!/usr/bin/env node
// The `ivr` command: runs the TypeScript CLI through tsx so users need no build step (the preload regenerates
// generated/ code whose sources changed: src/build/generated.ts).
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const tsx = require.resolve("tsx/cli");
const preload = pathToFileURL(join(here, "..", "src", "build", "preload.ts")).href;
const main = join(here, "..", "src", "cli", "main.ts");
const result = spawnSync(process.execPath, [tsx, "--import", preload, main, ...process.argv.slice(2)], {
  stdio: "inherit",
  // The AWS SDK warns on every run under Node 20 that future releases will need Node 22; our pinned SDK runs fine.
  env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...process.env },
});
process.exit(result.status ?? 1);
