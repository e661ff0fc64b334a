/**
 * The local stack's analytics routes, mounted by src/local/server.ts:
 *   GET /events[?sessionId=&flow=&limit=]   the most recent `Call Completed` events, as a consumer receives them
 * The event bus itself (what the VSS handler publishes to, and what `npm start` prints) is made here too.
 */
import type { APIGatewayProxyResult } from "aws-lambda";
import { describeEvent, LocalEventBus } from "../analytics/local-events.js";

export interface LocalAnalytics {
  events: LocalEventBus;
  /** answers the routes above, or undefined for any other request */
  route(method: string, url: URL): Promise<APIGatewayProxyResult | undefined>;
}

export function localAnalytics(options: { print: (text: string) => void; now?: () => Date }): LocalAnalytics {
  const events = new LocalEventBus({
    print: (envelope) => options.print(describeEvent(envelope)),
    ...(options.now && { now: options.now }),
  });
  return {
    events,
    async route(method, url) {
      if (url.pathname !== "/events") return undefined;
      if (method !== "GET") return json(405, { error: "Method Not Allowed" });
      const limit = url.searchParams.get("limit");
      const n = limit === null ? undefined : Number(limit);
      if (n !== undefined && !(Number.isInteger(n) && n > 0))
        return json(400, { error: "limit must be a positive integer" });
      const sessionId = url.searchParams.get("sessionId") ?? undefined;
      const flow = url.searchParams.get("flow") ?? undefined;
      return json(200, {
        events: events.recent({
          ...(sessionId !== undefined && { sessionId }),
          ...(flow !== undefined && { flow }),
          ...(n !== undefined && { limit: n }),
        }),
      });
    },
  };
}

function json(statusCode: number, body: unknown): APIGatewayProxyResult {
  return { statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify(body, null, 2) };
}
