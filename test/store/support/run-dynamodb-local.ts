/** Child process for dynamodb-local.integration.test.ts: starts DynamoDB Local, reports it, then idles until signalled. */
import { startDynamoDbLocal } from "../../../src/store/dynamodb-local.js";

const local = await startDynamoDbLocal({ env: {} });
process.stdout.write(`${JSON.stringify({ endpoint: local.endpoint, pid: local.pid })}\n`);
setInterval(() => {}, 60_000);
