/**
 * The requests flows made to services, per call, for the phone's transcript: what the fetch observer reports (PLAN
 * decision 11: state, service, method, path template, status, route, time; never bodies, headers, secrets or the
 * filled-in path). Only the most recent calls are kept.
 */
import type { FetchEvent } from "../webhooks/fetch-effects.js";
import type { ServiceRequestView } from "./protocol.js";

const CALLS_KEPT = 200;
const REQUESTS_PER_CALL = 100;

export class ServiceRequestLog {
  private readonly bySession = new Map<string, ServiceRequestView[]>();

  /** A fetch observer (VcaDeps.onFetch). */
  readonly record = (event: FetchEvent): void => {
    let list = this.bySession.get(event.sessionId);
    if (!list) {
      list = [];
      this.bySession.set(event.sessionId, list);
      for (const id of this.bySession.keys()) {
        if (this.bySession.size <= CALLS_KEPT) break;
        this.bySession.delete(id);
      }
    }
    if (list.length >= REQUESTS_PER_CALL) return;
    list.push({
      state: event.state,
      service: event.service,
      method: event.method,
      pathTemplate: event.pathTemplate,
      status: event.status,
      route: event.route,
      to: event.to,
      durationMs: Math.round(event.durationMs),
      ...(event.error !== undefined && { error: event.error }),
    });
  };

  readonly of = (sessionId: string): ServiceRequestView[] => this.bySession.get(sessionId) ?? [];
}
