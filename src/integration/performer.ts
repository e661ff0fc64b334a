/**
 * Performs the requests the engine describes: resolves the service (base URL, headers with their secrets), adds
 * `Idempotency-Key` and `User-Agent`, sends it with a deadline and a size limit, and reports one log line and the
 * metrics per request. Never throws: every fault is an outcome the flow routes.
 *
 * Logged per request: the service (as `fetchService`: the logger's own `service` is "callflow"), method, the path
 * TEMPLATE, status, duration, and a failure kind. Never the filled-in path, the query, a body or a header (they
 * carry card numbers, PINs, tokens).
 */
import type { CompiledMachine } from "../engine/machine.js";
import type { FetchOutcome, FetchRequest } from "../engine/session.js";
import type { Logger } from "../observability/logger.js";
import { MetricName, type Metrics, publishSet } from "../observability/metrics.js";
import { MAX_RESPONSE_BYTES, sendRequest, type Transport } from "./http.js";
import { type SecretSource, secretEnvVar } from "./secrets.js";
import { baseUrlOf, requestUrl, ServiceConfigError } from "./services.js";
import { USER_AGENT } from "./version.js";

export interface PerformedFetch {
  outcome: FetchOutcome;
  durationMs: number;
}

export interface FetchPerformer {
  perform(machine: CompiledMachine, request: FetchRequest): Promise<PerformedFetch>;
}

export interface FetchPerformerOptions {
  secrets: SecretSource;
  logger: Logger;
  metrics: Metrics;
  /** where CALLFLOW_SERVICE_URL_<service> overrides are read (default process.env) */
  env?: Readonly<Record<string, string | undefined>>;
  /** the base URL to use, instead of the flow's and the environment's (scenario stubs) */
  baseUrl?: (service: string) => string;
  /** default Node's global fetch */
  transport?: Transport;
  maxResponseBytes?: number;
}

export function createFetchPerformer(options: FetchPerformerOptions): FetchPerformer {
  const env = options.env ?? process.env;
  const transport: Transport = options.transport ?? ((url, init) => fetch(url, init));
  const maxBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  const { logger, metrics } = options;

  return {
    async perform(machine, request) {
      const started = performance.now();
      let result: { outcome: FetchOutcome; cause?: string; redirectRefused?: boolean };
      try {
        const base = options.baseUrl
          ? options.baseUrl(request.service)
          : baseUrlOf(request.service, machine.services?.[request.service], env);
        const url = requestUrl(request.service, base, request.path, request.query);
        const headers = await requestHeaders(machine, request, options.secrets);
        if (typeof headers === "string") {
          logger.error("Fetch not sent: a secret its service needs is not set", {
            flow: machine.flow,
            fetchService: request.service,
            secret: headers,
            local: secretEnvVar(headers),
          });
          result = { outcome: { error: "config" } };
        } else {
          result = await sendRequest(
            transport,
            {
              method: request.method,
              url,
              headers,
              ...(request.body !== undefined && { body: JSON.stringify(request.body) }),
              timeoutMs: request.timeoutMs,
              wantsBody: request.wantsBody,
            },
            maxBytes,
          );
        }
      } catch (err) {
        // A base URL that breaks the rules, a header value fetch refuses: the flow's error route, and a log line
        // that says what to fix (the message names the service and the rule, never a value).
        const reason = err instanceof ServiceConfigError ? err.message : "the request could not be built";
        logger.error("Fetch not sent: the service is misconfigured", { flow: machine.flow, reason });
        result = { outcome: { error: "config" } };
      }
      const durationMs = Math.round((performance.now() - started) * 10) / 10;
      report(logger, metrics, machine.flow, request, result, durationMs);
      return { outcome: result.outcome, durationMs };
    },
  };
}

/** Service headers with their secrets filled in, then ours; or the name of a secret that is not set. */
async function requestHeaders(
  machine: CompiledMachine,
  request: FetchRequest,
  secrets: SecretSource,
): Promise<Record<string, string> | string> {
  const headers: Record<string, string> = {};
  for (const [name, parts] of Object.entries(machine.services?.[request.service]?.headers ?? {})) {
    let value = "";
    for (const part of parts) {
      if (typeof part === "string") {
        value += part;
        continue;
      }
      const secret = await secrets.get(part.secret);
      if (secret === undefined) return part.secret;
      value += secret;
    }
    headers[name.toLowerCase()] = value;
  }
  headers.accept = "application/json";
  if (request.body !== undefined) headers["content-type"] = "application/json";
  headers["user-agent"] = USER_AGENT;
  headers["idempotency-key"] = request.idempotencyKey;
  return headers;
}

function report(
  logger: Logger,
  metrics: Metrics,
  flow: string,
  request: FetchRequest,
  result: { outcome: FetchOutcome; cause?: string; redirectRefused?: boolean },
  durationMs: number,
): void {
  const { outcome } = result;
  const fields = {
    flow,
    state: request.state,
    fetchService: request.service,
    method: request.method,
    path: request.pathTemplate,
    status: outcome.status ?? null,
    durationMs,
    ...("error" in outcome && { error: outcome.error }),
    ...(result.cause !== undefined && { cause: result.cause }),
    ...(result.redirectRefused && { redirect: "not followed" }),
  };
  const failed = "error" in outcome || (outcome.status !== undefined && outcome.status >= 500);
  if (failed) logger.warn("Fetch failed", fields);
  else logger.info("Fetch", fields);
  const timedOut = "error" in outcome && outcome.error === "timeout";
  publishSet(metrics, flow, [
    { name: MetricName.FetchRequests, unit: "Count", value: 1 },
    { name: MetricName.FetchErrors, unit: "Count", value: failed ? 1 : 0 },
    { name: MetricName.FetchTimeouts, unit: "Count", value: timedOut ? 1 : 0 },
    { name: MetricName.FetchLatency, unit: "Milliseconds", value: durationMs },
  ]);
}
