/**
 * CloudWatch metrics through Powertools (embedded metric format: one JSON log line, no API call), namespace
 * "Callflow".
 *
 * Dimensions: `flow` only. A per-state dimension would multiply the metric count by every state of every flow
 * version (each a billed custom metric) and still not say how callers move between states; the visited path is
 * in each session summary and in the "state visits" log line, which Logs Insights can aggregate per state.
 */
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { METRICS_NAMESPACE, SERVICE_NAME } from "./service.js";

export type { Metrics } from "@aws-lambda-powertools/metrics";

export const MetricName = {
  /** a new inbound session was created (or an outbound one prepared) */
  CallsStarted: "CallsStarted",
  /** a session summary (VSS) arrived */
  CallsEnded: "CallsEnded",
  /** an answer came from the fallback path (internal fault, unknown or expired session) */
  Fallbacks: "Fallbacks",
  /** an event echoed an old clientActionId: the current prompt was re-issued, nothing advanced */
  StaleEvents: "StaleEvents",
  /** a redelivered event (same eventId, or a VSS for a session already summarised) */
  DuplicateEvents: "DuplicateEvents",
  /** states entered while answering an event */
  StateVisits: "StateVisits",
  /** a call to a number no flow owns */
  UnroutedCalls: "UnroutedCalls",
  /** outcomes of finished calls, counted when their summary is stored (src/analytics/outcome.ts) */
  CallsCompleted: "CallsCompleted",
  CallsTransferred: "CallsTransferred",
  CallsAbandoned: "CallsAbandoned",
  CallsFailed: "CallsFailed",
  /** outbound calls that never connected (busy, no answer, ...) */
  CallsUnreached: "CallsUnreached",
  /** a request to a business service (a `fetch`) was made, or failed before it could be sent */
  FetchRequests: "FetchRequests",
  /** a fetch got no response (timeout, network, body too large, misconfigured) or a 5xx */
  FetchErrors: "FetchErrors",
  /** a fetch ran out of its timeout */
  FetchTimeouts: "FetchTimeouts",
  /** how long a fetch took, in milliseconds */
  FetchLatency: "FetchLatency",
  /** outbound campaign calls 8x8 accepted (src/outbound/dispatcher.ts) */
  CampaignDials: "CampaignDials",
  /** 8x8 answered a campaign's Send Callflow with 429: the campaign backs off */
  CampaignRateLimited: "CampaignRateLimited",
  /** a running campaign, in its window, with contacts due and no call started for a while */
  CampaignsStalled: "CampaignsStalled",
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];

/** Metrics objects created while POWERTOOLS_METRICS_DISABLED was set (Powertools reads it at construction too). */
const disabled = new WeakSet<Metrics>();

/** Create once per process (module scope in a Lambda). */
export function createMetrics(options: { serviceName?: string } = {}): Metrics {
  const metrics = new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: options.serviceName ?? process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
  });
  if (process.env.POWERTOOLS_METRICS_DISABLED === "true") disabled.add(metrics);
  return metrics;
}

/** Dimension value when no flow is known (an unrouted call, a summary for a session we never stored). */
export const NO_FLOW = "none";

/**
 * Count something for a flow: its own metric set (one EMF line), published at once, so the `flow` dimension of one
 * event can never leak into another's when a process serves requests concurrently (the local server). Through
 * `publishSet`'s one reused set: a `singleMetric()` per count built a new Metrics object each time (about 40 µs
 * against 7, measured on a 2-core machine), on every VCA event.
 */
export function countMetric(metrics: Metrics, name: MetricName, flow: string | undefined, value = 1): void {
  if (value <= 0) return;
  publishSet(metrics, flow, [{ name, unit: "Count", value }]);
}

/** Publish whatever this invocation stored (quietly when there is nothing). */
export function flushMetrics(metrics: Metrics): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}

/** One per main Metrics object: where `publishSet` builds its sets (created once, reused for every set). */
const sets = new WeakMap<Metrics, Metrics>();

/**
 * Publish several values for one flow as ONE metric set (one EMF line) at once. Cheaper than a `countMetric` per
 * value: a fetch reports its count, errors, timeouts and latency on every request. Dimension, values and
 * publishing happen synchronously, so no other request's dimension can slip in, even in a process serving requests
 * concurrently.
 */
export function publishSet(
  metrics: Metrics,
  flow: string | undefined,
  values: { name: MetricName; unit: "Count" | "Milliseconds"; value: number }[],
): void {
  if (disabled.has(metrics) || values.length === 0) return;
  const set = metricSetOf(metrics);
  set.addDimension("flow", flow ?? NO_FLOW);
  for (const { name, unit, value } of values) {
    set.addMetric(name, unit === "Count" ? MetricUnit.Count : MetricUnit.Milliseconds, value);
  }
  set.publishStoredMetrics();
}

/** The Metrics object `countMetric` and `publishSet` build their sets on, made once per main one (tests record it). */
export function metricSetOf(metrics: Metrics): Metrics {
  let set = sets.get(metrics);
  if (!set) {
    set = new Metrics({
      namespace: METRICS_NAMESPACE,
      serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
    });
    sets.set(metrics, set);
  }
  return set;
}
