import { defineConfig } from "vitest/config";
// Like every entry point, tests start by making generated/ code current (src/build/generated.ts).
import "./src/build/preload.js";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // DynamoDB Local is one JVM shared by the integration tests (test/support/global-setup.ts starts it).
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    env: {
      POWERTOOLS_DEV: "true",
      LOG_LEVEL: "SILENT",
      AWS_REGION: "ap-southeast-1",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
  },
});
