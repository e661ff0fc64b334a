/**
 * Node's http server <-> API Gateway REST (v1) proxy integration, so the local server runs the very handler
 * factories the Lambdas export. Only the fields our handlers and Powertools read are filled with care; the rest
 * carry the placeholder values API Gateway's own test invoke uses.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { MAX_WEBHOOK_BODY_BYTES } from "../webhooks/http-handlers.js";

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
    this.name = "BodyTooLargeError";
  }
}

/**
 * Read the whole body. Past `limit` bytes (default: the webhooks' own limit, so a local 413 means a deployed one) (or a larger Content-Length) it stops reading and rejects with
 * BodyTooLargeError, leaving the request paused but the socket open, so the caller can still answer 413 (and close
 * the connection: see `closeConnection`). Nothing past the limit is buffered.
 */
export function readBody(req: IncomingMessage, limit = MAX_WEBHOOK_BODY_BYTES): Promise<string> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLargeError(limit));
  // Listeners rather than `for await`: leaving that loop early destroys the request, and with it the socket the
  // 413 should go out on.
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
    };
    const onData = (chunk: Buffer | string) => {
      const buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      size += buf.length;
      if (size > limit) {
        stop();
        req.pause();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(buf);
    };
    const onEnd = () => {
      stop();
      resolveBody(Buffer.concat(chunks).toString("utf8"));
    };
    const onError = (err: Error) => {
      stop();
      reject(err);
    };
    const onClose = () => onError(new Error("the request was closed before its body was complete"));
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}

/** A result that also closes the connection once sent: for a request whose body was left unread. */
export function closeConnection(result: APIGatewayProxyResult): APIGatewayProxyResult {
  return { ...result, headers: { ...result.headers, connection: "close" } };
}

export interface ToEventOptions {
  /** the API resource the route matched, e.g. "/vca" (defaults to the path) */
  resource?: string;
  stage?: string;
  now?: Date;
}

/** Build the REST API v1 proxy event API Gateway would hand the Lambda for this request. */
export function toApiGatewayEvent(
  req: IncomingMessage,
  body: string,
  options: ToEventOptions = {},
): APIGatewayProxyEvent {
  const url = new URL(req.url ?? "/", "http://localhost");
  const path = url.pathname;
  const stage = options.stage ?? "local";
  const now = options.now ?? new Date();

  // Node lower-cases header names and joins repeats; rawHeaders keeps each occurrence, which is what
  // multiValueHeaders needs. `headers` keeps the last value per name, as API Gateway does.
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const value = req.rawHeaders[i + 1]!;
    headers[name] = value;
    const list = multiValueHeaders[name];
    if (list) list.push(value);
    else multiValueHeaders[name] = [value];
  }

  let queryStringParameters: Record<string, string> | null = null;
  let multiValueQueryStringParameters: Record<string, string[]> | null = null;
  for (const [key, value] of url.searchParams) {
    queryStringParameters ??= {};
    multiValueQueryStringParameters ??= {};
    queryStringParameters[key] = value;
    const list = multiValueQueryStringParameters[key];
    if (list) list.push(value);
    else multiValueQueryStringParameters[key] = [value];
  }

  const sourceIp = normaliseIp(req.socket.remoteAddress ?? "127.0.0.1");
  const method = req.method ?? "GET";
  const resource = options.resource ?? path;
  const requestId = randomUUID();

  return {
    httpMethod: method,
    path,
    resource,
    headers,
    multiValueHeaders,
    queryStringParameters,
    multiValueQueryStringParameters,
    pathParameters: null,
    stageVariables: null,
    body: body.length > 0 ? body : null,
    isBase64Encoded: false,
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      authorizer: null,
      protocol: `HTTP/${req.httpVersion}`,
      httpMethod: method,
      path: `/${stage}${path}`,
      stage,
      requestId,
      requestTimeEpoch: now.getTime(),
      resourceId: "local",
      resourcePath: resource,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp,
        user: null,
        userAgent: headerValue(req, "user-agent") ?? null,
        userArn: null,
      },
    },
  };
}

/** The event for a request that never touched a socket (`ivr replay` calls the handler in-process). */
export function syntheticEvent(
  method: string,
  path: string,
  body: string,
  headers: Record<string, string> = { "content-type": "application/json" },
): APIGatewayProxyEvent {
  const req = {
    url: path,
    method,
    httpVersion: "1.1",
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    rawHeaders: Object.entries(headers).flat(),
    socket: { remoteAddress: "127.0.0.1" },
  } as unknown as IncomingMessage;
  return toApiGatewayEvent(req, body, { resource: path });
}

/** Write a Lambda proxy result to the Node response, including multi-value headers. */
export function writeApiGatewayResult(res: ServerResponse, result: APIGatewayProxyResult): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) headers[name] = values.map(String);
  const body = result.isBase64Encoded ? Buffer.from(result.body, "base64") : Buffer.from(result.body ?? "", "utf8");
  headers["content-length"] = String(body.length);
  res.writeHead(result.statusCode, headers);
  res.end(body);
}

/** A JSON error answer shaped like API Gateway's own (`{ "message": ... }`). */
export function gatewayError(statusCode: number, message: string): APIGatewayProxyResult {
  return { statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify({ message }) };
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[value.length - 1] : value;
}

/** "::ffff:127.0.0.1" (an IPv4 client on a dual-stack socket) -> "127.0.0.1", as API Gateway would report it. */
function normaliseIp(ip: string): string {
  return ip.startsWith("::ffff:") ? ip.slice(7) : ip;
}
