/** The store adapters against DynamoDB Local: the shared contract plus what only DynamoDB can show. */
import { DescribeTimeToLiveCommand, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureTables } from "../../src/store/create-tables.js";
import { createDocumentClient } from "../../src/store/dynamodb-client.js";
import { DynamoFlowVersionStore } from "../../src/store/dynamodb-flow-version-store.js";
import { DynamoSessionStore } from "../../src/store/dynamodb-session-store.js";
import { createDynamoStores } from "../../src/store/dynamodb-stores.js";
import { flowVersionItem } from "../../src/store/flow-version-item.js";
import { sessionItem } from "../../src/store/session-item.js";
import { FLOW_VERSIONS_TABLE, SESSIONS_TABLE, SUMMARIES_TABLE, tableName } from "../../src/store/tables.js";
import { encodeTransitions } from "../../src/store/transitions-codec.js";
import { countingDocumentClient, dynamoDbForTests, type TestDynamoDb, uniqueId } from "../support/dynamodb.js";
import { advanced, machine, NOW, sessionRecord } from "./fixtures.js";
import { describeStoreContract } from "./store-contract.js";

describeStoreContract("DynamoDB", async () => {
  const { doc } = await dynamoDbForTests();
  return createDynamoStores(doc);
});

describe("DynamoDB adapters, beyond the contract", () => {
  let ddb: TestDynamoDb;
  beforeAll(async () => {
    ddb = await dynamoDbForTests();
  });

  it("answers a conflicting replace from the failed write itself, with no second read", async () => {
    const { doc, sent } = await countingDocumentClient();
    const sessions = new DynamoSessionStore(doc);
    const first = sessionRecord(uniqueId());
    await sessions.create(first, NOW);
    const second = advanced(first, "event-2");
    await sessions.replace(first, second);
    sent.length = 0;

    const outcome = await sessions.replace(first, advanced(first, "event-other"));

    expect(outcome).toEqual({ ok: false, current: second });
    expect(sent).toEqual(["PutItemCommand"]);
  });

  it("counts a write as done when the SDK retries it after its first attempt landed", async () => {
    const { doc } = await dynamoDbForTests();
    const sessions = new DynamoSessionStore(doc);
    const prev = sessionRecord(uniqueId());
    await sessions.create(prev, NOW);
    // Inside the SDK's retry loop: the first PutItem reaches DynamoDB, then its response is "lost" to a reset
    // connection, so the SDK sends the same request again and that attempt fails its condition.
    const flaky = createDocumentClient({ endpoint: ddb.endpoint });
    let attempts = 0;
    flaky.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        attempts++;
        if (attempts === 1) throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET", $retryable: {} });
        return result;
      },
      { step: "deserialize", name: "loseFirstResponse" },
    );
    const next = advanced(prev, "event-2");

    const outcome = await new DynamoSessionStore(flaky).replace(prev, next);

    expect(attempts).toBe(2);
    expect(outcome).toEqual({ ok: true, record: next });
    expect(await sessions.get(prev.session.sessionId, NOW)).toEqual(next);
  });

  it("answers a conflicting create with the live record, with no second read", async () => {
    const { doc, sent } = await countingDocumentClient();
    const sessions = new DynamoSessionStore(doc);
    const live = sessionRecord(uniqueId());
    await sessions.create(live, NOW);
    sent.length = 0;

    const outcome = await sessions.create(sessionRecord(live.session.sessionId, { lastEventId: "other" }), NOW);

    expect(outcome).toEqual({ ok: false, current: live });
    expect(sent).toEqual(["PutItemCommand"]);
  });

  it("stores the session under its key as one JSON string, and expiresAt as a number for TTL", async () => {
    const record = sessionRecord(uniqueId());
    await new DynamoSessionStore(ddb.doc).create(record, NOW);

    const { Item } = await ddb.client.send(
      new GetItemCommand({ TableName: tableName(SESSIONS_TABLE), Key: { sessionId: { S: record.session.sessionId } } }),
    );

    expect(Object.keys(Item ?? {}).sort()).toEqual(
      ["expiresAt", "lastAnswer", "lastEventId", "rev", "session", "sessionId", "writeId"].sort(),
    );
    expect(Item?.expiresAt).toEqual({ N: String(record.expiresAt) });
    expect(Item?.lastAnswer).toEqual({ S: record.lastAnswer });
    const session = JSON.parse(Item?.session?.S ?? "{}");
    expect(session.state).toBe("main");
    // what the item says elsewhere is not said twice: the key, and the built-ins repeating the session's fields
    expect(session.sessionId).toBeUndefined();
    expect(session.vars).toEqual({ lastInput: "" });
  });

  it("reads a session stored as a map (before sessions were JSON text)", async () => {
    const record = sessionRecord(uniqueId());
    const { transitions, ...rest } = record.session;
    const legacy = { ...sessionItem(record), session: { ...rest, transitions: encodeTransitions(transitions) } };
    await ddb.doc.send(new PutCommand({ TableName: tableName(SESSIONS_TABLE), Item: legacy }));
    expect(await new DynamoSessionStore(ddb.doc).get(record.session.sessionId, NOW)).toEqual(record);
  });

  it("reads an answer stored as a map (before answers were text) as the canonical JSON it was sent as", async () => {
    const record = sessionRecord(uniqueId());
    const answer = {
      clientActionId: "main:1",
      callflow: [{ action: "say", params: { voiceProfile: "en-GB-Emma", text: "Hi" } }],
    };
    await ddb.doc.send(
      new PutCommand({ TableName: tableName(SESSIONS_TABLE), Item: { ...sessionItem(record), lastAnswer: answer } }),
    );
    const stored = await new DynamoSessionStore(ddb.doc).get(record.session.sessionId, NOW);
    expect(stored?.lastAnswer).toBe(
      '{"callflow":[{"action":"say","params":{"text":"Hi","voiceProfile":"en-GB-Emma"}}],"clientActionId":"main:1"}',
    );
  });

  it("stores a flow version as flow-version-item.ts lays it out (the deploy puts the same item)", async () => {
    const stored = machine(uniqueId("flow"), "cccccccccccccccc");
    await new DynamoFlowVersionStore(ddb.doc, undefined, () => NOW).put(stored);

    const { Item } = await ddb.client.send(
      new GetItemCommand({
        TableName: tableName(FLOW_VERSIONS_TABLE),
        Key: { flow: { S: stored.flow }, version: { S: stored.version } },
      }),
    );

    expect(Item).toEqual({
      flow: { S: stored.flow },
      version: { S: stored.version },
      machine: { S: JSON.stringify(stored) },
      storedAt: { S: NOW.toISOString() },
    });
    expect(Item && unmarshall(Item)).toEqual(flowVersionItem(stored, NOW.toISOString()));
  });

  it("creates tables idempotently, with TTL on expiresAt where defined", async () => {
    await ensureTables(ddb.client);

    for (const def of [SESSIONS_TABLE, SUMMARIES_TABLE]) {
      const { TimeToLiveDescription } = await ddb.client.send(
        new DescribeTimeToLiveCommand({ TableName: tableName(def) }),
      );
      expect(TimeToLiveDescription).toMatchObject({ AttributeName: "expiresAt", TimeToLiveStatus: "ENABLED" });
    }
  });

  it("makes the endpoint available to code that builds its own client", () => {
    expect(process.env.DYNAMODB_ENDPOINT).toBe(ddb.endpoint);
  });
});
