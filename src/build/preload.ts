/**
 * Loaded before an entry point (`tsx --import ./src/build/preload.ts <entry>`: npm start, ivr, bench, cdk synth),
 * so the generated modules it imports exist and match their sources. See generated.ts.
 */
import { relative } from "node:path";
import { ensureGeneratedCode } from "./generated.js";

for (const file of ensureGeneratedCode()) process.stderr.write(`generated ${relative(process.cwd(), file)}\n`);
