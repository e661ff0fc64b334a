/**
 * The example flows against the example back end, as `npm start` runs them: the local server on DynamoDB Local,
 * Acme's bank, CRM and clinic on loopback, the flows' services pointed at them by CALLFLOW_SERVICE_URL_<service>,
 * calls placed over HTTP as `ivr call` places them, and `ivr replay` making the same real requests.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AcmeBackend, startAcmeBackend } from "../../src/local/acme-backend/server.js";
import { placeCall } from "../../src/local/phone.js";
import { type LocalServer, startLocalServer } from "../../src/local/server.js";
import type { FetchEvent } from "../../src/webhooks/fetch-effects.js";
import { dynamoDbForTests } from "../support/dynamodb.js";
import { runIvr } from "../support/ivr.js";

const TOKEN = "example-backend-test-token";
let backend: AcmeBackend;
let server: LocalServer;
let endpoint: string;
const fetches: FetchEvent[] = [];
const overrides: Record<string, string> = {};

beforeAll(async () => {
  ({ endpoint } = await dynamoDbForTests());
  backend = await startAcmeBackend({ port: 0, bankToken: TOKEN });
  overrides.CALLFLOW_SERVICE_URL_bank = backend.services.bank;
  overrides.CALLFLOW_SERVICE_URL_crm = backend.services.crm;
  overrides.CALLFLOW_SERVICE_URL_clinic = backend.services.clinic;
  overrides.CALLFLOW_SECRET_bankToken = TOKEN;
  // what npm start does before the server starts: the handlers read these per request
  Object.assign(process.env, overrides);
  server = await startLocalServer({
    port: 0,
    flowsDir: "flows",
    dynamodbEndpoint: endpoint,
    watch: false,
    print: () => {},
    onFetch: (event) => fetches.push(event),
  });
});

afterAll(async () => {
  await server?.stop();
  await backend?.stop();
  for (const name of Object.keys(overrides)) delete process.env[name];
});

/** A scripted `ivr call`: what the caller heard, one line per action. */
async function call(
  flow: string,
  keys: string[],
  caller = "+6590000001",
  inputs?: Record<string, string>,
): Promise<string[]> {
  const heard: string[] = [];
  const lines = [...keys];
  await placeCall({
    url: server.url,
    flow,
    caller,
    ...(inputs && { inputs }),
    readKeys: async () => lines.shift(),
    hear: (line) => heard.push(line),
  });
  return heard;
}

describe("the example flows on the example back end", () => {
  it("card-services verifies card and PIN with the bank and speaks the real balance", async () => {
    const heard = await call("card-services", ["2", "4111111111111111", "4821", "2"]);
    expect(heard.join("\n")).toContain("Thank you. One moment while I check that with the bank.");
    expect(heard.join("\n")).toContain(
      "Thank you Wei Ling, your card is verified. Your available balance is 1234.56 SGD.",
    );
    expect(fetches.at(-1)).toMatchObject({
      flow: "card-services",
      service: "bank",
      method: "POST",
      pathTemplate: "/cards/{{card}}/verify",
      status: 200,
      route: "next",
    });
  });

  it("card-services: a wrong PIN, then a bank that hangs, each take their route", async () => {
    const wrong = await call("card-services", ["2", "2223003122003222", "0000", "0852", "2"]);
    expect(wrong.join("\n")).toContain("That PIN is not correct. You have 2 more tries");
    expect(wrong.join("\n")).toContain("Your available balance is 15020 SGD.");
    const started = performance.now();
    const hang = await call("card-services", ["2", "4000000000000119", "1111", "2"]);
    expect(hang.join("\n")).toContain("Sorry, we cannot reach the bank right now");
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(fetches.at(-1)).toMatchObject({ status: null, error: "timeout", route: "onError", to: "bank-down" });
  });

  it("acme-support greets a known caller by name", async () => {
    const heard = await call("acme-support", [], "+6591234567");
    const text = heard.join("\n");
    // out of hours it says so and hangs up; either way the CRM has greeted the caller first
    expect(text).toContain("Thank you for calling Acme.");
    expect(text).toContain("Hello Wei Ling, good to hear from you.");
  });

  it("appointment-reminder sends the patient's answer to the clinic", async () => {
    const before = backend.reminderResponses.length;
    const inputs = { patient: "Ann Lee", clinic: "Harbourfront Dental", time: "tomorrow at 10:30" };
    const heard = await call("appointment-reminder", ["1"], "+6590000123", inputs);
    expect(heard.join("\n")).toContain("your appointment is confirmed");
    expect(backend.reminderResponses.slice(before)).toEqual([
      expect.objectContaining({ patient: "+6590000123", answer: "confirmed" }),
    ]);
  });

  it("ivr replay makes the same real requests, with the environment overrides", async () => {
    const run = await runIvr(["replay", "flows/card-services.yaml", "--dtmf", "2,4111111111111111,4821,2"], {
      env: { DYNAMODB_ENDPOINT: endpoint, LOG_LEVEL: "SILENT", ...overrides },
    });
    expect(run.stderr).toMatch(/^ivr replay: call completed in goodbye/);
    expect(run.code).toBe(0);
    const replay = JSON.parse(run.stdout) as { turns: { dtmf: string | null; callflow: unknown[] }[] };
    expect(JSON.stringify(replay.turns)).toContain("Your available balance is 1234.56 SGD.");
    // the hold message's turn is reported heard at once (dtmf null), without using a --dtmf entry
    expect(replay.turns.map((t) => t.dtmf)).toEqual([null, "2", "4111111111111111", "4821", null, "2"]);
  });
});
