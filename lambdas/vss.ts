/** POST /vss: 8x8 Voice Session Summary webhook. Wiring only; the work is in src/webhooks. */
import { createVssHandler } from "../src/webhooks/http-handlers.js";
import { createLambdaDeps } from "./runtime.js";

export const handler = createVssHandler(createLambdaDeps());
