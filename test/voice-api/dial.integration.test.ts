/** `ivr dial` against the local fake 8x8, storing the call's session on DynamoDB Local. */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type DialDeps, run as dial } from "../../src/cli/commands/dial.js";
import type { CompiledMachine } from "../../src/engine/machine.js";
import { loadFlows } from "../../src/language/index.js";
import { DynamoFlowVersionStore } from "../../src/store/dynamodb-flow-version-store.js";
import { DynamoSessionStore } from "../../src/store/dynamodb-session-store.js";
import { FLOW_VERSIONS_TABLE, SESSIONS_TABLE } from "../../src/store/tables.js";
import { VoiceApiClient } from "../../src/voice-api/client.js";
import { dynamoDbForTests, type TestDynamoDb } from "../support/dynamodb.js";
import { ACCOUNT, fake8x8PerTest } from "./cli-harness.js";

const ROOT = join(import.meta.dirname, "..", "..");
const cli = fake8x8PerTest();

describe("ivr dial", () => {
  let ddb: TestDynamoDb;
  let outbound: CompiledMachine;

  beforeAll(async () => {
    ddb = await dynamoDbForTests();
    const flows = loadFlows(join(ROOT, "flows")).machines;
    const found = flows.find((m) => m.numbers.length === 0) ?? flows[0];
    if (!found) throw new Error("no flows in flows/");
    outbound = found;
  });

  function dialDeps(): DialDeps {
    return {
      env: {
        ...cli.env(),
        SESSIONS_TABLE: SESSIONS_TABLE.localName,
        FLOW_VERSIONS_TABLE: FLOW_VERSIONS_TABLE.localName,
      },
      out: cli.out,
      err: cli.err,
      now: () => new Date("2026-03-02T10:00:00.000Z"),
      voiceApi: (options) => new VoiceApiClient(options),
      stackOutputs: async () => {
        throw new Error("not used: table names come from the environment");
      },
      stores: async (tables) => ({
        sessions: new DynamoSessionStore(ddb.doc, tables.sessions),
        flowVersions: new DynamoFlowVersionStore(ddb.doc, tables.flowVersions),
      }),
    };
  }

  /** appointment-reminder's inputs, as --var arguments */
  const VARS = ["--var", "patient=Ann Lee", "--var", "clinic=Harbourfront Dental", "--var", "time=tomorrow at 10:30"];

  it("sends makeCall plus the flow's first answer, then stores the session under 8x8's sessionId", async () => {
    const code = await dial(
      [outbound.flow, "--to", "+6591234567", "--from", "+6560001111", "--flows", join(ROOT, "flows"), ...VARS],
      dialDeps(),
    );
    expect(cli.errors.join("")).toBe("");
    expect(code).toBe(0);
    const [request] = cli.fake.requests;
    expect(request?.path).toBe(`/api/v1/subaccounts/${ACCOUNT}/callflows`);
    const body = request?.body as { validUntil: string; callflow: { action: string; params?: unknown }[] };
    expect(body.validUntil).toBe("2026-03-02T10:05:00.000Z");
    expect(body.callflow[0]).toEqual({
      action: "makeCall",
      params: { source: "+6560001111", destination: "+6591234567" },
    });
    expect(body.callflow.length).toBeGreaterThan(1);

    const sessionId = /8x8 session (\S+)/.exec(cli.output.join(""))?.[1] ?? "";
    const record = await new DynamoSessionStore(ddb.doc, SESSIONS_TABLE.localName).get(
      sessionId,
      new Date("2026-03-02T10:00:01.000Z"),
    );
    expect(record?.session).toMatchObject({ flow: outbound.flow, version: outbound.version, direction: "OUTBOUND" });
    expect(JSON.parse(record?.lastAnswer ?? "{}").callflow).toEqual(body.callflow.slice(1));
    expect(record?.session.vars).toMatchObject({ patient: "Ann Lee", time: "tomorrow at 10:30" });
    expect(JSON.stringify(body.callflow)).toContain("Hello Ann Lee.");
    const stored = await new DynamoFlowVersionStore(ddb.doc, FLOW_VERSIONS_TABLE.localName).get(
      outbound.flow,
      outbound.version,
    );
    expect(stored?.version).toBe(outbound.version);
    expect(cli.output.join("")).not.toContain("+6591234567");
  });

  it("stores nothing when 8x8 refuses the call", async () => {
    cli.fake.script(`POST /api/v1/subaccounts/${ACCOUNT}/callflows`, {
      status: 422,
      body: { sessionStatus: "NOT_CREATED", statusCode: -1014, statusMessage: "Source or caller ID is not allowed" },
    });
    const code = await dial([outbound.flow, "--to", "+6591234567", "--from", "+6560001111", ...VARS], dialDeps());
    expect(code).toBe(1);
    expect(cli.errors.join("")).toMatch(/Source or caller ID is not allowed/);
  });

  it("refuses inputs the flow refuses, naming each problem, before dialling anything", async () => {
    const code = await dial(
      [outbound.flow, "--to", "+6591234567", "--from", "+6560001111", "--var", "patient=Ann", "--var", "tiem=10:30"],
      dialDeps(),
    );
    expect(code).toBe(2);
    expect(cli.errors.join("")).toBe(
      [
        `ivr dial: flow ${outbound.flow} refuses these inputs (nothing was dialled):`,
        `  'tiem' is not an input of flow ${outbound.flow} (its inputs: patient, clinic, time)`,
        "  input 'clinic' is required",
        "  input 'time' is required",
        "  its inputs: patient (required), clinic (required), time (required)",
        "",
      ].join("\n"),
    );
    expect(await dial([outbound.flow, "--to", "+6591234567", "--var", "patient"], dialDeps())).toBe(2);
    expect(cli.errors.join("")).toMatch(/--var expects name=value/);
    expect(cli.fake.requests).toEqual([]);
  });

  it("checks its arguments before calling anyone", async () => {
    expect(await dial([outbound.flow, "--to", "91234567"], dialDeps())).toBe(2);
    expect(await dial(["no-such-flow", "--to", "+6591234567", "--from", "+6560001111"], dialDeps())).toBe(1);
    expect(cli.errors.join("")).toMatch(/not an E\.164 number[\s\S]*no flow 'no-such-flow'/);
    expect(cli.fake.requests).toEqual([]);
  });
});
