/**
 * Testing flows: scenario files (`ivr test`, the vitest suite) and calls placed from TypeScript.
 *
 *   import { dial, hangUpAll } from "../src/testing/index.js";
 *   const call = await dial("acme-support");
 *   await call.press("1");
 *   expect(call.heard()).toMatch(/account number/i);
 *   afterAll(hangUpAll);
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { RigOptions } from "./rig.js";
import { TestRig } from "./rig.js";
import type { DialOptions, TestCall } from "./test-call.js";

export type { FlowCoverage } from "./coverage.js";
export type { RigOptions } from "./rig.js";
export { TestRig } from "./rig.js";
export type { ScenarioResult } from "./runner.js";
export { runScenario, runScenarios } from "./runner.js";
export type { Scenario, ScenarioFile } from "./scenario.js";
export { loadScenarioFile, parseScenarioFile } from "./scenario.js";
export type { DialOptions, TestCall, Turn } from "./test-call.js";

let shared: Promise<TestRig> | undefined;

/**
 * Place a call to a flow in `flows/` through the real handlers and DynamoDB (DYNAMODB_ENDPOINT, which the vitest
 * setup provides, or a DynamoDB Local started on first use). Call `hangUpAll` when done to release it.
 */
export async function dial(flow: string, options: DialOptions & RigOptions = {}): Promise<TestCall> {
  shared ??= TestRig.open(options);
  const rig = await shared;
  return rig.dial(flow, options);
}

/** Close the rig `dial` opened (and the DynamoDB Local it started, if any). */
export async function hangUpAll(): Promise<void> {
  const rig = shared;
  shared = undefined;
  if (rig) await (await rig).close();
}

/** Scenario files among `paths` (files as given; folders searched, not recursively, for *.test.yaml). */
export function scenarioFilesIn(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    if (!statSync(path).isDirectory()) {
      files.push(path);
      continue;
    }
    for (const name of readdirSync(path).sort()) {
      if (/\.(test|scenarios?)\.ya?ml$/.test(name)) files.push(join(path, name));
    }
  }
  return files;
}
