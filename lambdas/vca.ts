/** POST /vca: 8x8 Voice Call Action webhook. Wiring only; the work is in src/webhooks. */
import { kmsVaultFromEnv } from "../src/store/kms-keyring.js";
import { createVcaHandler } from "../src/webhooks/http-handlers.js";
import { createLambdaDeps } from "./runtime.js";

export const handler = createVcaHandler(createLambdaDeps(process.env, kmsVaultFromEnv()));
