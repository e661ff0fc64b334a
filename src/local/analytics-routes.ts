/**
 * The local stack's analytics routes, mounted by src/local/server.ts:
 *   GET /events[?sessionId=&flow=&limit=]   the most recent `Call Completed` events, as a consumer receives them
 * The event bus itself (what the VSS handler publishes to, and what `npm start` prints) is made here too.
 */
import { describeEvent, LocalEventBus } from "../analytics/local-events.js";
import { type LocalRouter, sendJson } from "./router.js";

export interface LocalAnalytics {
  events: LocalEventBus;
  /** mounts the routes above */
  mount(router: LocalRouter): void;
}

export function localAnalytics(options: { print: (text: string) => void; now?: () => Date }): LocalAnalytics {
  const events = new LocalEventBus({
    print: (envelope) => options.print(describeEvent(envelope)),
    ...(options.now && { now: options.now }),
  });
  return {
    events,
    mount(router) {
      router.route("GET", "/events", (_req, res, url) => {
        const limit = url.searchParams.get("limit");
        const n = limit === null ? undefined : Number(limit);
        if (n !== undefined && !(Number.isInteger(n) && n > 0)) {
          return sendJson(res, 400, { error: "limit must be a positive integer" });
        }
        const sessionId = url.searchParams.get("sessionId") ?? undefined;
        const flow = url.searchParams.get("flow") ?? undefined;
        sendJson(res, 200, {
          events: events.recent({
            ...(sessionId !== undefined && { sessionId }),
            ...(flow !== undefined && { flow }),
            ...(n !== undefined && { limit: n }),
          }),
        });
      });
    },
  };
}
