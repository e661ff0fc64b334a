/**
 * The local stack's own routes (no deployed counterpart): GET /health, GET /flows, and POST /local/dial, what
 * `ivr dial` does before 8x8 rings someone.
 */
import { randomUUID } from "node:crypto";
import type { CompiledMachine } from "../engine/machine.js";
import { checkInputs } from "../outbound/inputs.js";
import { bodyTooLarge } from "../webhooks/http-handlers.js";
import { prepareOutboundSession } from "../webhooks/vca-service.js";
import { BodyTooLargeError, closeConnection, gatewayError, readBody, writeApiGatewayResult } from "./apigw-adapter.js";
import { storeHealth } from "./health.js";
import { type LocalRouter, type LocalStack, sendJson } from "./router.js";
import { holdStatesOf, PLACEHOLDER_NUMBER } from "./simulated-8x8.js";

export function mountLocalApi(router: LocalRouter, stack: LocalStack): void {
  const { dynamo, flows, deps } = stack;
  router.route("GET", "/health", async (_req, res) => {
    const store = await storeHealth(dynamo.sessions);
    sendJson(res, store === "ok" ? 200 : 503, {
      ok: store === "ok",
      store,
      dynamodb: dynamo.endpoint,
      flows: flows.machines().length,
      fallbackMarkersPending: deps.markers?.backlog() ?? 0,
    });
  });
  router.route("GET", "/flows", (_req, res) => {
    sendJson(res, 200, { flows: flows.machines().map(flowInfo) });
  });

  // Store the session under a new sessionId and return the actions that would follow makeCall. `ivr call` uses it
  // for outbound-only flows.
  const tooLarge = closeConnection(bodyTooLarge(stack.maxBodyBytes));
  router.route("POST", "/local/dial", async (req, res) => {
    // As guarded as the webhooks: it stores a session and rings nobody, but it is no less a write.
    if (deps.auth && !(await deps.auth.isAuthorised(req.headers as Record<string, string>))) {
      return writeApiGatewayResult(
        res,
        gatewayError(403, "forbidden: send the WEBHOOK_SECRET in the webhooks' auth header"),
      );
    }
    let request: { flow?: unknown; to?: unknown; from?: unknown; inputs?: unknown };
    try {
      const parsed: unknown = JSON.parse(await readBody(req, stack.maxBodyBytes));
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
      request = parsed as typeof request;
    } catch (err) {
      const answer =
        err instanceof BodyTooLargeError
          ? tooLarge
          : gatewayError(400, "expected a JSON body { flow, to, from?, inputs? }");
      return writeApiGatewayResult(res, answer);
    }
    const machine = typeof request.flow === "string" ? deps.flows.current(request.flow) : undefined;
    if (!machine || typeof request.to !== "string") {
      return writeApiGatewayResult(res, gatewayError(400, "unknown flow or missing 'to'"));
    }
    const inputs = stringMap(request.inputs);
    if (!inputs) return writeApiGatewayResult(res, gatewayError(400, "'inputs' must be an object of strings"));
    const checked = checkInputs(machine, inputs);
    if (!checked.ok) {
      return sendJson(res, 400, { error: "inputs refused", problems: checked.problems.map((p) => p.message) });
    }
    const from = typeof request.from === "string" ? request.from : (machine.numbers[0] ?? PLACEHOLDER_NUMBER);
    const sessionId = randomUUID();
    const now = deps.now();
    const answer = await prepareOutboundSession(
      {
        sessions: deps.sessions,
        flows: deps.flows,
        metrics: deps.metrics,
        ...(deps.sessionTtlSeconds !== undefined && { sessionTtlSeconds: deps.sessionTtlSeconds }),
      },
      { flow: machine.flow, sessionId, caller: from, called: request.to, now, inputs: checked.inputs },
    );
    sendJson(res, 200, { sessionId, flow: machine.flow, version: machine.version, from, to: request.to, ...answer });
  });
}

/** A JSON object whose values are all strings (absent: empty); undefined when it is anything else. */
function stringMap(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const entries = Object.entries(value as Record<string, unknown>);
  return entries.every(([, v]) => typeof v === "string")
    ? (Object.fromEntries(entries) as Record<string, string>)
    : undefined;
}

/** What GET /flows lists for one flow. */
function flowInfo(m: CompiledMachine) {
  return {
    flow: m.flow,
    version: m.version,
    numbers: m.numbers,
    description: m.description,
    start: m.start,
    states: Object.keys(m.states).length,
    source: m.source,
    // fetch states with a hold message: `ivr call` reports them heard at once, as 8x8 does once they played
    holds: holdStatesOf(m),
  };
}
