/**
 * POST /vca and POST /vss: the real handler factories the Lambdas export, behind the API Gateway proxy adapter,
 * with the webhooks' body limit applied while reading (a huge POST costs at most the limit in memory).
 */
import { bodyTooLarge, createVcaHandler, createVssHandler, type ProxyHandler } from "../webhooks/http-handlers.js";
import {
  BodyTooLargeError,
  closeConnection,
  readBody,
  toApiGatewayEvent,
  writeApiGatewayResult,
} from "./apigw-adapter.js";
import type { LocalRouter, LocalStack, RouteHandler } from "./router.js";

export function mountWebhooks(router: LocalRouter, stack: LocalStack): void {
  router.route("POST", "/vca", proxy(createVcaHandler(stack.deps), stack.maxBodyBytes));
  router.route("POST", "/vss", proxy(createVssHandler(stack.deps), stack.maxBodyBytes));
}

/** An API Gateway proxy handler as a route. */
export function proxy(handler: ProxyHandler, maxBodyBytes: number): RouteHandler {
  // The handlers' own 413, sent before they run: the rest of an oversized body is never read, so the
  // connection is closed after the answer.
  const tooLarge = closeConnection(bodyTooLarge(maxBodyBytes));
  return async (req, res, url) => {
    let body: string;
    try {
      body = await readBody(req, maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError) return writeApiGatewayResult(res, tooLarge);
      throw err;
    }
    const event = toApiGatewayEvent(req, body, { resource: url.pathname });
    writeApiGatewayResult(res, await handler(event));
  };
}
