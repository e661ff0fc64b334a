import { defineConfig } from "vitest/config";
// Like every entry point, tests start by making generated/ code current (src/build/generated.ts).
import "./src/build/preload.js";

export default defineConfig({
  test: {
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
    // `npm run test:unit` runs the first alone: no Java, no DynamoDB Local (a unit test that asks for it fails).
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.integration.test.ts"],
          // code that opens DynamoDB itself (TestRig, ivr replay) fails at once, saying where the test belongs
          env: { DYNAMODB_ENDPOINT: "http://unit-tests-have-no-dynamodb--name-the-file-x.integration.test.ts.invalid" },
        },
      },
      { extends: true, test: { name: "integration", include: ["test/**/*.integration.test.ts"] } },
    ],
  },
});
