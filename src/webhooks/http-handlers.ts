/**
 * HTTP <-> domain: API Gateway REST proxy events in, proxy results out. Body size (413), authentication (403), JSON
 * and schema checks (400 with a reason; nothing is written), then the domain call (200). The Lambdas and the local
 * server build their handlers here with their own dependencies.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import type { VcaAnswer } from "../engine/callflow.js";
import { fallbackActions } from "../engine/engine.js";
import { errorFields, withCorrelation } from "../observability/logger.js";
import { countMetric, flushMetrics, MetricName } from "../observability/metrics.js";
import { isTransientStoreError } from "../store/errors.js";
import type { WebhookAuthenticator } from "./auth.js";
import { EventDeadline } from "./deadline.js";
import { RefusalLog } from "./refusals.js";
import { parseJsonBody, validateVca, validateVss } from "./validation.js";
import { toVcaEvent } from "./vca-event.js";
import { handleVcaEvent, type VcaDeps } from "./vca-service.js";
import { handleVssEvent, type VssDeps } from "./vss-service.js";

/** What both webhooks need: each domain's own dependencies, and the HTTP edge's. */
export interface WebhookDeps extends VcaDeps, VssDeps {
  /** absent: no authentication (tests); see authenticatorFromEnv for the environment-driven one */
  auth?: WebhookAuthenticator;
  /** bodies larger than this many bytes are refused with 413 (default MAX_WEBHOOK_BODY_BYTES) */
  maxBodyBytes?: number;
  /** each VCA event's deadline (default VCA_EVENT_BUDGET_MS; tests of healthy paths on a loaded machine widen it) */
  eventBudgetMs?: number;
}

/**
 * The largest webhook body accepted. 8x8's VCA and VSS bodies are a few KB, while API Gateway passes up to 10 MB;
 * parsing and validating megabytes would only burn the time a caller is waiting through.
 */
export const MAX_WEBHOOK_BODY_BYTES = 64 * 1024;

/** `context`: the Lambda's, when there is one (request id and cold start on every log line, its time left). */
export type ProxyHandler = (event: APIGatewayProxyEvent, context?: Context) => Promise<APIGatewayProxyResult>;

/** The Lambda context onto the logger (Powertools: function_request_id, cold_start), and the request's own id. */
function requestKeys(deps: WebhookDeps, event: APIGatewayProxyEvent, context: Context | undefined) {
  if (context) deps.logger.addContext(context);
  const requestId = event.requestContext?.requestId;
  return requestId ? { requestId } : {};
}

const JSON_HEADERS = { "content-type": "application/json" };

/**
 * A JSON answer built here (refusals, the handler's own fallback). A VCA answer from the domain is sent as the text
 * it stored (`result.body`), so a redelivered event gets the same bytes without any re-serialisation.
 */
function respond(statusCode: number, body: unknown): APIGatewayProxyResult {
  return { statusCode, headers: JSON_HEADERS, body: JSON.stringify(body) };
}

/** The answer to a body over the limit; the local server sends the same one when it stops reading a request. */
export function bodyTooLarge(limit = MAX_WEBHOOK_BODY_BYTES): APIGatewayProxyResult {
  return respond(413, { error: `body is larger than ${limit} bytes` });
}

/** The body's size in bytes as sent, measured without decoding or copying it. */
function bodyBytes(event: APIGatewayProxyEvent): number {
  const body = event.body;
  if (body === null || body === undefined) return 0;
  if (!event.isBase64Encoded) return Buffer.byteLength(body, "utf8");
  const padding = body.endsWith("==") ? 2 : body.endsWith("=") ? 1 : 0;
  return Math.floor((body.length * 3) / 4) - padding;
}

function bodyText(event: APIGatewayProxyEvent): string | null {
  if (event.body === null || event.body === undefined) return null;
  return event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
}

/**
 * Size, authentication and parsing shared by both webhooks: a parsed body, or the error answer to send. The size
 * comes first, as it does on the local server (which refuses while reading, before any handler runs).
 */
async function admit(
  deps: WebhookDeps,
  refusals: RefusalLog,
  event: APIGatewayProxyEvent,
  kind: "VCA" | "VSS",
): Promise<{ body: unknown } | { reject: APIGatewayProxyResult }> {
  const limit = deps.maxBodyBytes ?? MAX_WEBHOOK_BODY_BYTES;
  const size = bodyBytes(event);
  const sourceIp = event.requestContext?.identity?.sourceIp;
  if (size > limit) {
    refusals.refused(`${kind} webhook refused: body over the size limit`, 413, { sourceIp, bytes: size, limit });
    return { reject: bodyTooLarge(limit) };
  }
  if (deps.auth && !(await deps.auth.isAuthorised(event.headers))) {
    refusals.refused(`${kind} webhook refused: missing or wrong auth header`, 403, { sourceIp });
    return { reject: respond(403, { error: "forbidden" }) };
  }
  const parsed = parseJsonBody(bodyText(event));
  if (!parsed.ok) {
    refusals.refused(`${kind} webhook refused: ${parsed.reason}`, 400, { sourceIp });
    return { reject: respond(400, { error: parsed.reason }) };
  }
  return { body: parsed.value };
}

/** Refusals are logged per kind, aggregated (./refusals.ts), by each handler for the life of the process. */
function refusalLog(deps: WebhookDeps): RefusalLog {
  return new RefusalLog(deps.logger, () => deps.now().getTime());
}

export function createVcaHandler(deps: WebhookDeps): ProxyHandler {
  const refusals = refusalLog(deps);
  return async (event, context) => {
    // The event's deadline starts now: authentication (a secret fetch) and parsing count against it.
    const deadline = new EventDeadline(deps.eventBudgetMs, context?.getRemainingTimeInMillis());
    const keys = requestKeys(deps, event, context);
    let validEvent = false;
    try {
      const admitted = await admit(deps, refusals, event, "VCA");
      if ("reject" in admitted) return admitted.reject;
      const valid = validateVca(admitted.body);
      if (!valid.ok) {
        refusals.refused(`VCA webhook refused: ${valid.reason}`, 400, {
          sourceIp: event.requestContext?.identity?.sourceIp,
        });
        return respond(400, { error: valid.reason });
      }
      validEvent = true;
      const vca = toVcaEvent(valid.value);
      return await withCorrelation({ ...keys, sessionId: vca.sessionId, callId: vca.callId }, async () => {
        const result = await handleVcaEvent({ ...deps, deadline }, vca);
        // One line per event: what came in, what the call did, what went out.
        deps.logger.info("VCA answered", {
          eventId: vca.eventId,
          callStatus: vca.callStatus,
          outcome: result.outcome,
          clientActionId: result.clientActionId,
          ...result.moved,
        });
        return { statusCode: 200, headers: JSON_HEADERS, body: result.body };
      });
    } catch (err) {
      // The domain answers every valid event itself, so this is a bug here; a live call still gets the apology.
      deps.logger.error("VCA handler failed", errorFields(err));
      if (!validEvent) return respond(500, { error: "internal error" });
      countMetric(deps.metrics, MetricName.Fallbacks, undefined);
      const answer: VcaAnswer = {
        clientActionId: "error:0",
        callflow: fallbackActions(undefined, undefined, deps.now()),
      };
      return respond(200, answer);
    } finally {
      deadline.dispose();
      flushMetrics(deps.metrics);
    }
  };
}

export function createVssHandler(deps: WebhookDeps): ProxyHandler {
  const refusals = refusalLog(deps);
  return async (event, context) => {
    const keys = requestKeys(deps, event, context);
    try {
      const admitted = await admit(deps, refusals, event, "VSS");
      if ("reject" in admitted) return admitted.reject;
      const valid = validateVss(admitted.body);
      if (!valid.ok) {
        refusals.refused(`VSS webhook refused: ${valid.reason}`, 400, {
          sourceIp: event.requestContext?.identity?.sourceIp,
        });
        return respond(400, { error: valid.reason });
      }
      const request = valid.value;
      return await withCorrelation({ ...keys, sessionId: request.payload.sessionId }, async () => {
        try {
          const { created } = await handleVssEvent(deps, request, bodyText(event) ?? "");
          return respond(200, { ok: true, created });
        } catch (err) {
          deps.logger.error("Could not store the session summary", errorFields(err));
          // Nothing is waiting on this answer: a 503 lets a redelivery (if 8x8 makes one) store it. Only for a
          // condition that passes: anything else is our own fault, and a retry would meet it again.
          if (isTransientStoreError(err)) return respond(503, { error: "temporarily unavailable" });
          return respond(500, { error: "internal error" });
        }
      });
    } catch (err) {
      deps.logger.error("VSS handler failed", errorFields(err));
      return respond(500, { error: "internal error" });
    } finally {
      flushMetrics(deps.metrics);
    }
  };
}
