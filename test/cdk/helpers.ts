/** Fast test stacks: cdk.json's feature flags, bundling skipped (test/cdk/bundle.integration.test.ts bundles for real). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { CallflowConfig } from "../../cdk/config.js";
import { CallflowStack } from "../../cdk/stack.js";

export const ROOT = join(import.meta.dirname, "..", "..");

export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(ROOT, "cdk.json"), "utf8")) as { context: Record<string, unknown> };
  return cdkJson.context;
}

export function testApp(context: Record<string, unknown> = {}): App {
  return new App({ context: { ...cdkJsonContext(), "aws:cdk:bundling-stacks": [], ...context } });
}

export function synthStack(config: Partial<CallflowConfig> = {}): {
  app: App;
  stack: CallflowStack;
  template: Template;
} {
  const app = testApp();
  const stack = new CallflowStack(app, "Test", {
    config: { flowsDir: join(ROOT, "flows"), ...config },
    storedAt: "2026-01-01T00:00:00.000Z",
  });
  return { app, stack, template: Template.fromStack(stack) };
}
