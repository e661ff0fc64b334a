/**
 * Vitest global setup: ONE DynamoDB Local (in memory) for the whole run, started lazily.
 *
 * A cold JVM takes about 3 s on a 2-core machine, and unit-only runs need none, so nothing starts here. Instead a
 * tiny control server is started (a few ms) and its URL provided to the test workers; the first integration test
 * that calls `dynamoDbForTests()` (test/support/dynamodb.ts) makes it start DynamoDB Local and create the tables,
 * and every later caller gets the same endpoint. Teardown stops the JVM.
 * With DYNAMODB_ENDPOINT set, that endpoint is used (tables are still ensured) and no JVM is started.
 *
 * The "unit" project (vitest.config.ts) gets no DynamoDB at all: a test there that asks for it fails, saying to
 * name it *.integration.test.ts, so `npm run test:unit` never needs Java.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import { buildFlowsJson } from "../../src/build/flows-json.js";
import type { DynamoDbLocal } from "../../src/store/dynamodb-local.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** GET it to (start if needed and) get { endpoint } or { error } */
    dynamodbStartUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The Lambda entry points bundle the example flows, as `npm run build` writes them (the generated code is
  // current already: vitest.config.ts preloads src/build/preload.ts).
  const flows = buildFlowsJson();
  if (!flows.file) throw new Error(`the example flows do not compile:\n${flows.report}`);
  if (project.name === "unit") {
    project.provide("dynamodbStartUrl", "");
    return async () => {};
  }
  // vitest's `env` reaches the workers, not this process: the AWS SDK's Node 20 notice would clutter every run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  let starting: Promise<DynamoDbLocal> | undefined;
  const start = () => {
    starting ??= (async () => {
      const startedAt = Date.now();
      // Imported on demand: loading the AWS SDK costs ~180 ms that unit-only runs should not pay.
      const [{ startDynamoDbLocal }, { createDynamoDbClient }, { ensureTables }] = await Promise.all([
        import("../../src/store/dynamodb-local.js"),
        import("../../src/store/dynamodb-client.js"),
        import("../../src/store/create-tables.js"),
      ]);
      const local = await startDynamoDbLocal();
      const client = createDynamoDbClient({ endpoint: local.endpoint, requestTimeoutMs: 5_000 });
      try {
        await ensureTables(client);
      } finally {
        client.destroy();
      }
      if (local.started) {
        process.stderr.write(`DynamoDB Local ready on ${local.endpoint} in ${Date.now() - startedAt} ms\n`);
      }
      return local;
    })();
    return starting;
  };

  const control = createServer((_request, response) => {
    start().then(
      (local) => response.end(JSON.stringify({ endpoint: local.endpoint })),
      (error: unknown) => {
        response.statusCode = 500;
        response.end(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
      },
    );
  });
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
  const { port } = control.address() as AddressInfo;
  project.provide("dynamodbStartUrl", `http://127.0.0.1:${port}/`);

  return async () => {
    control.close();
    const local = await starting?.catch(() => undefined);
    await local?.stop();
  };
}
