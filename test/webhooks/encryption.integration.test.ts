/**
 * Sensitive variables at rest during the call: a PIN captured by a `sensitive` ask is ciphertext in the session item
 * while the call goes on (the flow still uses it), and gone once the call is over. Through the real handlers on
 * DynamoDB Local, and through `npm start`'s own store.
 */
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import type { VcaAnswer } from "../../src/engine/callflow.js";
import { DynamoSessionStore } from "../../src/store/dynamodb-session-store.js";
import { DynamoSummaryStore } from "../../src/store/dynamodb-summary-store.js";
import { SESSIONS_TABLE, tableName } from "../../src/store/tables.js";
import { LocalKeyring, VarVault } from "../../src/store/var-encryption.js";
import { dynamoDbForTests, type TestDynamoDb } from "../support/dynamodb.js";
import { localStackWith } from "../support/local-stack.js";
import { compile, harness, post, postSummary, registry, SimulatedCall, spoken, uniqueNumber } from "./harness.js";

const NUMBER = uniqueNumber();
const FLOW = `
flow: vault-line
numbers: ["${NUMBER}"]
start: pin
states:
  pin:
    ask:
      prompt: "Enter your PIN."
      into: pin
      digits: { min: 4, max: 4 }
      sensitive: true
      next: confirm
  confirm:
    menu:
      prompt: "Press 1 to continue."
      options: { "1": route }
  route:
    branch:
      - if: { var: pin, matches: "^9" }
        then: vip
      - else: bye
  vip: { hangup: { say: "Welcome back, valued customer." } }
  bye: { hangup: { say: "Goodbye." } }
`;
const machine = compile(FLOW);

let ddb: TestDynamoDb;
beforeAll(async () => {
  ddb = await dynamoDbForTests();
});

async function rawItem(sessionId: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await ddb.doc.send(
    new GetCommand({ TableName: tableName(SESSIONS_TABLE), Key: { sessionId }, ConsistentRead: true }),
  );
  return Item;
}

describe("sensitive variables at rest", () => {
  it("are ciphertext in the session item during the call, still usable by the flow, gone when it ends", async () => {
    const sessions = new DynamoSessionStore(ddb.doc, undefined, new VarVault(new LocalKeyring()));
    const h = harness({ sessions, summaries: new DynamoSummaryStore(ddb.doc), flows: registry([machine]) });
    const call = new SimulatedCall(NUMBER);
    const first = await post(h, call.received());
    const menu = await post(h, call.completed("9731", first.answer.clientActionId));
    expect(spoken(menu.answer)).toBe("Press 1 to continue.");

    const during = await rawItem(call.sessionId);
    expect(JSON.stringify(during)).not.toContain("9731");
    expect(during?.sealed).toMatchObject({ vars: { pin: expect.any(String) } });
    expect(JSON.parse(during?.session as string).vars.pin).toBeUndefined();
    // read through the store, the session has it in the clear again
    expect((await sessions.get(call.sessionId, h.clock.now()))?.session.vars.pin).toBe("9731");

    const end = await post(h, call.completed("1", menu.answer.clientActionId));
    expect(spoken(end.answer)).toBe("Welcome back, valued customer."); // the branch read the PIN
    const after = await rawItem(call.sessionId);
    expect(JSON.stringify(after)).not.toContain("9731");
    expect(after?.sealed).toBeUndefined();

    expect((await postSummary(h, call.summary())).status).toBe(200);
  });

  it("a reader without the key (the VSS) sees them masked", async () => {
    const vault = new VarVault(new LocalKeyring());
    const writer = new DynamoSessionStore(ddb.doc, undefined, vault);
    const h = harness({ sessions: writer, summaries: new DynamoSummaryStore(ddb.doc), flows: registry([machine]) });
    const call = new SimulatedCall(NUMBER);
    const first = await post(h, call.received());
    await post(h, call.completed("1234", first.answer.clientActionId));
    const blind = await new DynamoSessionStore(ddb.doc).get(call.sessionId, h.clock.now());
    expect(blind?.session.vars.pin).toBe("****");
    expect(blind?.sensitive).toEqual(["pin"]);
  });

  it("npm start keeps them encrypted too", async () => {
    const stack = await localStackWith({ "vault-line": FLOW }, { dynamodbEndpoint: ddb.endpoint });
    const { server } = stack;
    try {
      const call = new SimulatedCall(NUMBER);
      const send = async (body: unknown) => {
        const response = await fetch(`${server.url}/vca`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        return (await response.json()) as VcaAnswer;
      };
      const first = await send(call.received());
      const menu = await send(call.completed("9731", first.clientActionId));
      expect(spoken(menu)).toBe("Press 1 to continue.");
      expect(JSON.stringify(await rawItem(call.sessionId))).not.toContain("9731");
      expect(spoken(await send(call.completed("1", menu.clientActionId)))).toBe("Welcome back, valued customer.");
    } finally {
      await stack.stop();
    }
  });
});
