/**
 * POST /vss: 8x8 Voice Session Summary webhook. Wiring only; the work is in src/webhooks. Deployed with the campaign
 * tables (cdk/outbound.ts), it also settles each campaign call's attempt on its contact.
 */
import { campaignCallRecorder } from "../src/outbound/attempts.js";
import { DynamoCampaignStore } from "../src/outbound/dynamodb-campaign-store.js";
import { createDocumentClient } from "../src/store/dynamodb-client.js";
import { createVssHandler } from "../src/webhooks/http-handlers.js";
import { createLambdaDeps } from "./runtime.js";

const { CAMPAIGNS_TABLE, CONTACTS_TABLE } = process.env;
const client = createDocumentClient();

export const handler = createVssHandler({
  ...createLambdaDeps(process.env, undefined, client),
  ...(CAMPAIGNS_TABLE &&
    CONTACTS_TABLE && {
      campaigns: campaignCallRecorder(new DynamoCampaignStore(client, CAMPAIGNS_TABLE, CONTACTS_TABLE)),
    }),
});
