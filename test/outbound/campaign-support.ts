/** Campaigns for tests: stored through the real service on the run's DynamoDB Local, ids unique per test. */
import { randomUUID } from "node:crypto";
import type { CompiledMachine } from "../../src/engine/machine.js";
import type { Campaign } from "../../src/outbound/campaign.js";
import { type StartOptions, startCampaign } from "../../src/outbound/campaigns.js";
import { DynamoCampaignStore } from "../../src/outbound/dynamodb-campaign-store.js";
import { ensureTables } from "../../src/store/create-tables.js";
import { DynamoFlowVersionStore } from "../../src/store/dynamodb-flow-version-store.js";
import { DynamoSessionStore } from "../../src/store/dynamodb-session-store.js";
import { DynamoSummaryStore } from "../../src/store/dynamodb-summary-store.js";
import { CAMPAIGNS_TABLE, CONTACTS_TABLE, tableName } from "../../src/store/tables.js";
import { dynamoDbForTests } from "../support/dynamodb.js";

let tables: Promise<Record<string, string>> | undefined;

/**
 * Campaign tables of this test file's own: a dispatcher lists every running campaign in its tables, so campaigns
 * of concurrently running test files (or the local server tests' dispatchers) must never share them. The names are
 * also set in this worker's environment, for code that builds its own stores (the local server).
 */
export function isolatedCampaignTables(): Promise<Record<string, string>> {
  tables ??= (async () => {
    const { client } = await dynamoDbForTests();
    const suffix = randomUUID().slice(0, 8);
    const env = {
      [CAMPAIGNS_TABLE.envVar]: `${CAMPAIGNS_TABLE.localName}-${suffix}`,
      [CONTACTS_TABLE.envVar]: `${CONTACTS_TABLE.localName}-${suffix}`,
    };
    await ensureTables(client, [CAMPAIGNS_TABLE, CONTACTS_TABLE], { env });
    Object.assign(process.env, env);
    return env;
  })();
  return tables;
}

export async function campaignStores() {
  const { doc } = await dynamoDbForTests();
  const env = await isolatedCampaignTables();
  return {
    campaigns: new DynamoCampaignStore(doc, tableName(CAMPAIGNS_TABLE, env), tableName(CONTACTS_TABLE, env)),
    flowVersions: new DynamoFlowVersionStore(doc),
    sessions: new DynamoSessionStore(doc),
    summaries: new DynamoSummaryStore(doc),
  };
}

/** `count` contacts +65 9000 0000 + i (offset by `first`), with the given columns filled for each. */
export function contactsCsv(count: number, row: (i: number) => Record<string, string> = () => ({}), first = 0): string {
  const columns = ["to", ...Object.keys(row(0))];
  const lines = [columns.join(",")];
  for (let i = 0; i < count; i++) {
    const values = row(i);
    lines.push(
      [`+659${String(first + i).padStart(7, "0")}`, ...columns.slice(1).map((c) => values[c] ?? "")].join(","),
    );
  }
  return `${lines.join("\n")}\n`;
}

export async function createCampaign(
  machine: CompiledMachine,
  csv: string,
  options: StartOptions = {},
  now: () => Date = () => new Date(),
): Promise<Campaign> {
  const stores = await campaignStores();
  const started = await startCampaign(
    { store: stores.campaigns, flowVersions: stores.flowVersions, now },
    machine,
    csv,
    {
      window: "always",
      timezone: "Asia/Singapore",
      from: "+6531234569",
      ...options,
    },
  );
  if (!started.ok) throw new Error(`campaign refused: ${JSON.stringify(started.problems)}`);
  return started.campaign;
}
